package interop

import (
	"context"
	"encoding/binary"
	"errors"
	"reflect"
	"testing"

	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry"
	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/sr"
)

const (
	// parcelSchema is registered in named contexts only, never in the
	// default one.
	parcelSchema = `{"type":"record","name":"Parcel","namespace":"com.acme.ctx","fields":[{"name":"id","type":"long"},{"name":"dest","type":"string"}]}`

	// defaultA and defaultB are registered in the default context, so that
	// it holds ids 1 and 2 whatever ran before.
	defaultA = `{"type":"record","name":"DefaultA","namespace":"com.acme.ctx","fields":[{"name":"a","type":"int"}]}`
	defaultB = `{"type":"record","name":"DefaultB","namespace":"com.acme.ctx","fields":[{"name":"b","type":"boolean"}]}`
)

type Parcel struct {
	ID   int64  `avro:"id"`
	Dest string `avro:"dest"`
}

// canonical is a schema's Parsing Canonical Form, for comparing the text a
// registry answers with the text registered.
func canonical(t *testing.T, schema string) string {
	t.Helper()
	s, err := avro.Parse(schema)
	if err != nil {
		t.Fatalf("schema %q does not parse: %v", schema, err)
	}
	return s.String()
}

// wireID is the schema id of a record in Confluent's wire format.
func wireID(t *testing.T, b []byte) int {
	t.Helper()
	if len(b) < 5 || b[0] != 0 {
		t.Fatalf("not a Confluent-framed record: % x", b[:min(len(b), 5)])
	}
	return int(binary.BigEndian.Uint32(b[1:5]))
}

// defaultContextHoldsTwoIDs registers two schemas in the default context
// and checks that it holds ids 1 and 2, so that a context's ids 1 and 2,
// if they leaked into the default context, would show another schema.
func defaultContextHoldsTwoIDs(t *testing.T) {
	t.Helper()
	cl := newConfluentClient(t)
	for _, s := range []struct{ subject, schema string }{{"ctx-default-a-value", defaultA}, {"ctx-default-b-value", defaultB}} {
		if _, err := cl.Register(s.subject, schemaregistry.SchemaInfo{Schema: s.schema}, false); err != nil {
			t.Fatalf("registering %s in the default context: %v", s.subject, err)
		}
	}
	for _, id := range []int{1, 2} {
		info, err := newConfluentClient(t).GetBySubjectAndID("", id)
		if err != nil {
			t.Fatalf("the default context holds no id %d: %v", id, err)
		}
		if canonical(t, info.Schema) == canonical(t, parcelSchema) {
			t.Fatalf("the default context's id %d is Parcel, which only named contexts hold", id)
		}
	}
}

// TestContexts registers and reads records in contexts (independent id
// spaces) through qualified subjects ":.<ctx>:<subject>": a fresh context's
// first id is 1, and an id read with the context as subject hint is the
// context's schema, not the default context's schema of the same id.
func TestContexts(t *testing.T) {
	defaultContextHoldsTwoIDs(t)
	want := canonical(t, parcelSchema)

	t.Run("franz-go", func(t *testing.T) {
		ctx := context.Background()
		cl := newFranzClient(t)
		const qualifier = ":.franz:"
		const subject = qualifier + "parcels-value"
		// CreateSchema reads the registered id's usages back: with the
		// subject as hint, or it would look the id up in the default context.
		ss, err := cl.CreateSchema(sr.WithParams(ctx, sr.Subject(subject)), subject, sr.Schema{Schema: parcelSchema, Type: sr.TypeAvro})
		if err != nil {
			t.Fatalf("CreateSchema(%s): %v", subject, err)
		}
		if ss.ID != 1 || ss.Version != 1 || ss.Subject != subject {
			t.Fatalf("CreateSchema(%s) = id %d version %d subject %q; want id 1 (a fresh context), version 1", subject, ss.ID, ss.Version, ss.Subject)
		}

		in := Parcel{ID: 42, Dest: "Lisbon"}
		b, err := avroSerde(ss.ID, avro.MustParse(parcelSchema), Parcel{}).Encode(in)
		if err != nil {
			t.Fatal(err)
		}
		checkPrefix(t, b, 1)

		// The consumer: the id from the record, its schema by id with the
		// context as subject hint.
		id := wireID(t, b)
		byID, err := newFranzClient(t).SchemaByID(sr.WithParams(ctx, sr.Subject(qualifier)), id)
		if err != nil {
			t.Fatalf("SchemaByID(%d, subject=%s): %v", id, qualifier, err)
		}
		if got := canonical(t, byID.Schema); got != want {
			t.Fatalf("SchemaByID(%d, subject=%s) = %s, want %s", id, qualifier, got, want)
		}
		var out Parcel
		if err := avroSerde(id, avro.MustParse(byID.Schema), Parcel{}).Decode(b, &out); err != nil {
			t.Fatal(err)
		}
		if out != in {
			t.Fatalf("decoded %+v, want %+v", out, in)
		}

		// The same through franz-go's own context scoping (the URL prefix
		// /contexts/.franz).
		inCtx := sr.InContext(ctx, ".franz")
		viaPrefix, err := newFranzClient(t).SchemaByID(inCtx, id)
		if err != nil || canonical(t, viaPrefix.Schema) != want {
			t.Fatalf("SchemaByID(%d) in context .franz = %q, %v; want Parcel", id, viaPrefix.Schema, err)
		}
		subjects, err := cl.Subjects(inCtx)
		if err != nil || !reflect.DeepEqual(subjects, []string{subject}) {
			t.Fatalf("Subjects in context .franz = %q, %v; want [%s]", subjects, err, subject)
		}
		looked, err := cl.LookupSchema(ctx, subject, sr.Schema{Schema: parcelSchema})
		if err != nil || looked.ID != 1 || looked.Version != 1 {
			t.Fatalf("LookupSchema(%s) = %+v, %v; want id 1 version 1", subject, looked, err)
		}

		// Without a hint, id 1 is the default context's, another schema; the
		// context has no id 2, which the default context has.
		dflt, err := newFranzClient(t).SchemaByID(ctx, id)
		if err != nil {
			t.Fatalf("SchemaByID(%d) in the default context: %v", id, err)
		}
		if canonical(t, dflt.Schema) == want {
			t.Fatalf("SchemaByID(%d) without a hint answered the context's schema %s", id, dflt.Schema)
		}
		_, err = newFranzClient(t).SchemaByID(sr.WithParams(ctx, sr.Subject(qualifier)), 2)
		var re *sr.ResponseError
		if !errors.As(err, &re) || re.ErrorCode != 40403 {
			t.Fatalf("SchemaByID(2, subject=%s): %v, want *sr.ResponseError 40403", qualifier, err)
		}
	})

	t.Run("confluent-kafka-go", func(t *testing.T) {
		const qualifier = ":.confluent:"
		const subject = qualifier + "parcels-value"
		// The same schema as in .franz: each context numbers its own.
		id, err := newConfluentClient(t).Register(subject, schemaregistry.SchemaInfo{Schema: parcelSchema}, false)
		if err != nil {
			t.Fatalf("Register(%s): %v", subject, err)
		}
		if id != 1 {
			t.Fatalf("Register(%s) = id %d, want 1 (a fresh context)", subject, id)
		}
		md, err := newConfluentClient(t).GetLatestSchemaMetadata(subject)
		if err != nil || md.ID != 1 || md.Version != 1 || md.Subject != subject {
			t.Fatalf("GetLatestSchemaMetadata(%s) = id %d version %d subject %q, %v", subject, md.ID, md.Version, md.Subject, err)
		}
		got, err := newConfluentClient(t).GetID(subject, schemaregistry.SchemaInfo{Schema: parcelSchema}, false)
		if err != nil || got != 1 {
			t.Fatalf("GetID(%s) = %d, %v; want 1", subject, got, err)
		}

		// The producer: Confluent's wire format around hamba/avro's encoding
		// (the client's serde package needs cgo, which this suite runs without).
		in := Parcel{ID: 7, Dest: "Porto"}
		body, err := avro.Marshal(avro.MustParse(parcelSchema), in)
		if err != nil {
			t.Fatal(err)
		}
		b := binary.BigEndian.AppendUint32([]byte{0}, uint32(id))
		b = append(b, body...)
		checkPrefix(t, b, 1)

		// The consumer: the schema by id with the context, then the
		// qualified subject, as hint, each from a client with an empty cache.
		rid := wireID(t, b)
		for _, hint := range []string{qualifier, subject} {
			info, err := newConfluentClient(t).GetBySubjectAndID(hint, rid)
			if err != nil {
				t.Fatalf("GetBySubjectAndID(%s, %d): %v", hint, rid, err)
			}
			if c := canonical(t, info.Schema); c != want {
				t.Fatalf("GetBySubjectAndID(%s, %d) = %s, want %s", hint, rid, c, want)
			}
			var out Parcel
			if err := avro.Unmarshal(avro.MustParse(info.Schema), b[5:], &out); err != nil {
				t.Fatal(err)
			}
			if out != in {
				t.Fatalf("decoded %+v, want %+v", out, in)
			}
		}

		// Without a hint, id 1 is the default context's, another schema; the
		// context has no id 2, which the default context has.
		dflt, err := newConfluentClient(t).GetBySubjectAndID("", rid)
		if err != nil {
			t.Fatalf("GetBySubjectAndID(\"\", %d): %v", rid, err)
		}
		if canonical(t, dflt.Schema) == want {
			t.Fatalf("GetBySubjectAndID(\"\", %d) answered the context's schema %s", rid, dflt.Schema)
		}
		_, err = newConfluentClient(t).GetBySubjectAndID(qualifier, 2)
		restError(t, "GetBySubjectAndID(:.confluent:, 2)", err, 40403)
	})
}
