package hook

import (
	"context"
	"fmt"
	"testing"

	hamba "github.com/hamba/avro/v2"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/avro"
	"github.com/schemaregistry/registry/formats/jsonschema"
	"github.com/schemaregistry/registry/store"
)

const orderSchema = `{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"id","type":"long"}]}`

func registry(t testing.TB) *store.Registry {
	t.Helper()
	reg, err := store.Open(store.NewMemoryLog(), []formats.Format{avro.Format{}, jsonschema.Format{}}, store.Settings{ModeMutability: true, ValidateNewSchemas: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

func register(t testing.TB, reg *store.Registry, subject string, req store.SchemaRequest) int {
	t.Helper()
	v, err := reg.Register(context.Background(), subject, req, store.RegisterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return v.ID
}

// avroRecord serializes an Order as a producer would: prefix + Avro binary.
func avroRecord(t testing.TB, id int, orderID int64) []byte {
	s, err := hamba.ParseWithCache(orderSchema, "", &hamba.SchemaCache{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := hamba.Marshal(s, map[string]any{"id": orderID})
	if err != nil {
		t.Fatal(err)
	}
	return append(formats.AppendIDPrefix(nil, int32(id)), b...)
}

func TestValidateAvro(t *testing.T) {
	reg := registry(t)
	id := register(t, reg, "orders-value", store.SchemaRequest{Schema: orderSchema})
	other := register(t, reg, "payments-value", store.SchemaRequest{Schema: `"string"`})
	both := register(t, reg, "com.acme.Order", store.SchemaRequest{Schema: orderSchema})
	if both != id {
		t.Fatalf("same schema got id %d and %d", id, both)
	}
	v := New(reg, 0)
	topicValue := Settings{Value: Side{Validate: true, Strategy: formats.TopicNameStrategy, Deep: true}}
	good := avroRecord(t, id, 42)
	for _, tc := range []struct {
		name     string
		rec      Record
		settings Settings
		reason   string
	}{
		{"valid", Record{Value: good}, topicValue, ""},
		{"key not checked when off", Record{Key: []byte("garbage"), Value: good}, topicValue, ""},
		{"empty value", Record{Value: []byte{}}, topicValue, ReasonMalformed},
		{"truncated prefix", Record{Value: good[:3]}, topicValue, ReasonMalformed},
		{"unknown magic", Record{Value: append([]byte{9}, good[1:]...)}, topicValue, ReasonMalformed},
		{"unknown id", Record{Value: avroRecord(t, 999, 1)}, topicValue, ReasonUnknownSchema},
		{"id of another subject", Record{Value: append(formats.AppendIDPrefix(nil, int32(other)), 2, 'h')}, topicValue, ReasonSubjectMismatch},
		{"truncated payload", Record{Value: good[:5]}, topicValue, ReasonBadPayload},
		{"trailing bytes", Record{Value: append(append([]byte{}, good...), 0)}, topicValue, ReasonBadPayload},
		{"truncated payload, shallow", Record{Value: good[:5]}, Settings{Value: Side{Validate: true}}, ""},
		{"record name strategy", Record{Value: good}, Settings{Value: Side{Validate: true, Strategy: formats.RecordNameStrategy}}, ""},
		{"topic record name strategy", Record{Value: good}, Settings{Value: Side{Validate: true, Strategy: formats.TopicRecordNameStrategy}}, ReasonSubjectMismatch},
		{"key side", Record{Key: good}, Settings{Key: Side{Validate: true}}, ReasonSubjectMismatch},
		{"record name of a primitive", Record{Value: append(formats.AppendIDPrefix(nil, int32(other)), 2, 'h')}, Settings{Value: Side{Validate: true, Strategy: formats.RecordNameStrategy}}, ReasonNoRecordName},
		{"GUID prefix", Record{Value: append(formats.AppendGUIDPrefix(nil, formats.IdentityOf(`{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"id","type":"long"}]}`, nil, nil, nil)), good[5:]...)}, topicValue, ""},
		{"unknown GUID", Record{Value: append(formats.AppendGUIDPrefix(nil, formats.Identity{1}), good[5:]...)}, topicValue, ReasonUnknownSchema},
	} {
		got := v.Validate("orders", []Record{tc.rec}, tc.settings)[0]
		if got.Valid != (tc.reason == "") || got.Reason != tc.reason {
			t.Errorf("%s: %+v, want reason %q", tc.name, got, tc.reason)
		}
	}
	// Soft-deleted versions still count (as Redpanda).
	if _, err := reg.DeleteSubject(context.Background(), "orders-value", store.SoftDelete); err != nil {
		t.Fatal(err)
	}
	if got := v.Validate("orders", []Record{{Value: good}}, topicValue)[0]; !got.Valid {
		t.Errorf("after a soft delete: %+v", got)
	}
	// A hard delete removes the subject's binding: the cache follows.
	if _, err := reg.DeleteSubject(context.Background(), "orders-value", store.PermanentDelete); err != nil {
		t.Fatal(err)
	}
	if got := v.Validate("orders", []Record{{Value: good}}, topicValue)[0]; got.Reason != ReasonSubjectMismatch {
		t.Errorf("after a hard delete: %+v", got)
	}
}

func TestValidateJSON(t *testing.T) {
	reg := registry(t)
	id := register(t, reg, "events-value", store.SchemaRequest{SchemaType: "JSON",
		Schema: `{"type":"object","title":"Event","properties":{"n":{"type":"integer"}},"required":["n"]}`})
	v := New(reg, 0)
	deep := Settings{Value: Side{Validate: true, Deep: true}}
	rec := func(doc string) Record { return Record{Value: append(formats.AppendIDPrefix(nil, int32(id)), doc...)} }
	for doc, reason := range map[string]string{`{"n":1}`: "", `{"n":"x"}`: ReasonBadPayload, `{}`: ReasonBadPayload, `{"n":`: ReasonBadPayload} {
		if got := v.Validate("events", []Record{rec(doc)}, deep)[0]; got.Reason != reason {
			t.Errorf("%s: %+v, want %q", doc, got, reason)
		}
	}
	if got := v.Validate("events", []Record{rec(`{"n":1}`)}, Settings{Value: Side{Validate: true, Strategy: formats.RecordNameStrategy}})[0]; got.Reason != ReasonSubjectMismatch || got.Message == "" {
		t.Errorf("record name strategy uses the title: %+v", got)
	}
}

func FuzzValidate(f *testing.F) {
	reg := registry(f)
	id := register(f, reg, "t-value", store.SchemaRequest{Schema: orderSchema})
	f.Add(avroRecord(f, id, 7), true)
	f.Add([]byte{0, 0, 0, 0, 1, 0x80}, false)
	v := New(reg, 0)
	f.Fuzz(func(t *testing.T, b []byte, deep bool) {
		got := v.Validate("t", []Record{{Key: b, Value: b}}, Settings{
			Key:   Side{Validate: true, Strategy: formats.RecordNameStrategy, Deep: deep},
			Value: Side{Validate: true, Deep: deep}})
		if len(got) != 1 {
			t.Fatal("one verdict per record")
		}
	})
}

// BenchmarkValidate10k validates batches of 10,000 records whose ids were
// already seen, with deep validation off and on.
func BenchmarkValidate10k(b *testing.B) {
	reg := registry(b)
	id := register(b, reg, "orders-value", store.SchemaRequest{Schema: orderSchema})
	recs := make([]Record, 10_000)
	for i := range recs {
		recs[i] = Record{Value: avroRecord(b, id, int64(i))}
	}
	v := New(reg, 0)
	for _, deep := range []bool{false, true} {
		b.Run(fmt.Sprintf("deep=%v", deep), func(b *testing.B) {
			s := Settings{Value: Side{Validate: true, Deep: deep}}
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				for _, vd := range v.Validate("orders", recs, s) {
					if !vd.Valid {
						b.Fatal(vd)
					}
				}
			}
			b.ReportMetric(float64(b.N*len(recs))/b.Elapsed().Seconds(), "records/s")
		})
	}
}
