package interop

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"testing"

	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/sr"
)

const (
	orderV1 = `{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"id","type":"long"},{"name":"item","type":"string"}]}`
	// orderV2 adds a field with a default: backward compatible.
	orderV2 = `{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"id","type":"long"},{"name":"item","type":"string"},{"name":"qty","type":"int","default":1}]}`
	// orderBad adds a field without a default: not backward compatible.
	orderBad = `{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"id","type":"long"},{"name":"item","type":"string"},{"name":"price","type":"double"}]}`

	addressSchema = `{"type":"record","name":"Address","namespace":"com.acme","fields":[{"name":"street","type":"string"},{"name":"city","type":"string"}]}`
	userSchema    = `{"type":"record","name":"User","namespace":"com.acme","fields":[{"name":"name","type":"string"},{"name":"address","type":"com.acme.Address"}]}`

	paymentProto = `syntax = "proto3";
package com.acme;

message Payment {
  string id = 1;
  int64 cents = 2;
}
`
	eventJSON = `{"$schema":"http://json-schema.org/draft-07/schema#","title":"com.acme.Event","type":"object","properties":{"name":{"type":"string"}},"required":["name"]}`
)

type Order struct {
	ID   int64  `avro:"id"`
	Item string `avro:"item"`
}

type OrderV2 struct {
	ID   int64  `avro:"id"`
	Item string `avro:"item"`
	Qty  int32  `avro:"qty"`
}

type Address struct {
	Street string `avro:"street"`
	City   string `avro:"city"`
}

type User struct {
	Name    string  `avro:"name"`
	Address Address `avro:"address"`
}

type Event struct {
	Name string `json:"name"`
}

// payment is a Payment message encoded by hand: field 1 "p1", field 2 250.
type payment []byte

func newFranzClient(t *testing.T) *sr.Client {
	t.Helper()
	cl, err := sr.NewClient(sr.URLs(registryURL))
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

// avroSerde is a franz-go Serde that encodes values of v's type with the
// given hamba/avro schema under id.
func avroSerde(id int, schema avro.Schema, v any) *sr.Serde {
	var s sr.Serde
	s.Register(id, v,
		sr.EncodeFn(func(v any) ([]byte, error) { return avro.Marshal(schema, v) }),
		sr.DecodeFn(func(b []byte, v any) error { return avro.Unmarshal(schema, b, v) }),
	)
	return &s
}

// checkPrefix asserts b is magic 0 + the big-endian id.
func checkPrefix(t *testing.T, b []byte, id int) {
	t.Helper()
	if len(b) < 5 || b[0] != 0 || binary.BigEndian.Uint32(b[1:5]) != uint32(id) {
		t.Fatalf("wire prefix % x, want 00 + id %d", b[:min(len(b), 5)], id)
	}
}

func TestFranzGo(t *testing.T) {
	ctx := context.Background()
	cl := newFranzClient(t)
	const topic = "orders"

	// produced holds, per strategy, what the client's serde wrote.
	produced := map[string][][]byte{}

	t.Run("naming strategies", func(t *testing.T) {
		schema := avro.MustParse(orderV1)
		full := schema.(avro.NamedSchema).FullName()
		for _, st := range []struct{ strategy, subject string }{
			{"TopicNameStrategy", topic + "-value"},
			{"RecordNameStrategy", full},
			{"TopicRecordNameStrategy", topic + "-" + full},
		} {
			t.Run(st.strategy, func(t *testing.T) {
				ss, err := cl.CreateSchema(ctx, st.subject, sr.Schema{Schema: orderV1, Type: sr.TypeAvro})
				if err != nil {
					t.Fatalf("CreateSchema(%s): %v", st.subject, err)
				}
				if ss.ID <= 0 || ss.Version != 1 || ss.Subject != st.subject {
					t.Fatalf("CreateSchema(%s) = id %d version %d subject %q", st.subject, ss.ID, ss.Version, ss.Subject)
				}
				serde := avroSerde(ss.ID, schema, Order{})
				in := Order{ID: 42, Item: "widget"}
				b, err := serde.Encode(in)
				if err != nil {
					t.Fatal(err)
				}
				checkPrefix(t, b, ss.ID)
				var out Order
				if err := serde.Decode(b, &out); err != nil {
					t.Fatal(err)
				}
				if out != in {
					t.Fatalf("decoded %+v, want %+v", out, in)
				}
				produced[st.strategy] = append(produced[st.strategy], b)
			})
		}
	})

	t.Run("lookup", func(t *testing.T) {
		ss, err := cl.LookupSchema(ctx, topic+"-value", sr.Schema{Schema: orderV1})
		if err != nil {
			t.Fatal(err)
		}
		if ss.Version != 1 || ss.ID <= 0 || ss.Subject != topic+"-value" {
			t.Fatalf("LookupSchema = %+v", ss)
		}
		// A schema the subject does not hold: 40403 through the client's error type.
		_, err = cl.LookupSchema(ctx, topic+"-value", sr.Schema{Schema: orderBad})
		var re *sr.ResponseError
		if !errors.As(err, &re) || re.ErrorCode != 40403 {
			t.Fatalf("LookupSchema of an unknown schema: %v, want *sr.ResponseError 40403", err)
		}
	})

	t.Run("use latest version", func(t *testing.T) {
		if _, err := cl.CreateSchema(ctx, topic+"-value", sr.Schema{Schema: orderV2}); err != nil {
			t.Fatalf("registering a compatible evolution: %v", err)
		}
		latest, err := cl.SchemaByVersion(ctx, topic+"-value", -1)
		if err != nil {
			t.Fatal(err)
		}
		if latest.Version != 2 {
			t.Fatalf("latest version %d, want 2", latest.Version)
		}
		schema, err := avro.Parse(latest.Schema.Schema)
		if err != nil {
			t.Fatalf("parsing the latest schema %q: %v", latest.Schema.Schema, err)
		}
		serde := avroSerde(latest.ID, schema, OrderV2{})
		in := OrderV2{ID: 7, Item: "gadget", Qty: 3}
		b, err := serde.Encode(in)
		if err != nil {
			t.Fatal(err)
		}
		checkPrefix(t, b, latest.ID)
		// Decode with the schema fetched by id, as a consumer does.
		byID, err := cl.SchemaByID(ctx, latest.ID)
		if err != nil {
			t.Fatal(err)
		}
		dec := avroSerde(latest.ID, avro.MustParse(byID.Schema), OrderV2{})
		var out OrderV2
		if err := dec.Decode(b, &out); err != nil {
			t.Fatal(err)
		}
		if out != in {
			t.Fatalf("decoded %+v, want %+v", out, in)
		}
		produced["TopicNameStrategy"] = append(produced["TopicNameStrategy"], b)
	})

	t.Run("incompatible change refused", func(t *testing.T) {
		_, err := cl.CreateSchema(ctx, topic+"-value", sr.Schema{Schema: orderBad})
		var re *sr.ResponseError
		if !errors.As(err, &re) {
			t.Fatalf("CreateSchema of an incompatible change: %v (%T), want *sr.ResponseError", err, err)
		}
		if re.ErrorCode != 40901 || re.StatusCode != http.StatusConflict {
			t.Fatalf("error_code %d status %d (%s), want 40901 / 409", re.ErrorCode, re.StatusCode, re.Message)
		}
	})

	var userRecord, addressRecord []byte
	t.Run("references", func(t *testing.T) {
		addr, err := cl.CreateSchema(ctx, "com.acme.Address", sr.Schema{Schema: addressSchema})
		if err != nil {
			t.Fatal(err)
		}
		user, err := cl.CreateSchema(ctx, "users-value", sr.Schema{
			Schema:     userSchema,
			References: []sr.SchemaReference{{Name: "com.acme.Address", Subject: "com.acme.Address", Version: addr.Version}},
		})
		if err != nil {
			t.Fatalf("registering User with a reference: %v", err)
		}
		if len(user.References) != 1 || user.References[0].Subject != "com.acme.Address" {
			t.Fatalf("User registered with references %+v", user.References)
		}
		// The referenced version lists its referrer.
		refs, err := cl.SchemaReferences(ctx, "com.acme.Address", addr.Version)
		if err != nil {
			t.Fatal(err)
		}
		if len(refs) != 1 || refs[0].ID != user.ID {
			t.Fatalf("referencedby = %+v, want User id %d", refs, user.ID)
		}
		looked, err := cl.LookupSchema(ctx, "users-value", sr.Schema{
			Schema:     userSchema,
			References: []sr.SchemaReference{{Name: "com.acme.Address", Subject: "com.acme.Address", Version: addr.Version}},
		})
		if err != nil || looked.ID != user.ID {
			t.Fatalf("LookupSchema with references = %+v, %v", looked, err)
		}

		cache := &avro.SchemaCache{}
		addrSchema, err := avro.ParseWithCache(addressSchema, "", cache)
		if err != nil {
			t.Fatal(err)
		}
		userParsed, err := avro.ParseWithCache(user.Schema.Schema, "", cache)
		if err != nil {
			t.Fatal(err)
		}
		serde := avroSerde(user.ID, userParsed, User{})
		in := User{Name: "ada", Address: Address{Street: "1 Main St", City: "Springfield"}}
		userRecord, err = serde.Encode(in)
		if err != nil {
			t.Fatal(err)
		}
		checkPrefix(t, userRecord, user.ID)
		var out User
		if err := serde.Decode(userRecord, &out); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(out, in) {
			t.Fatalf("decoded %+v, want %+v", out, in)
		}
		addressRecord, err = avroSerde(addr.ID, addrSchema, Address{}).Encode(Address{Street: "x", City: "y"})
		if err != nil {
			t.Fatal(err)
		}
	})

	var paymentRecord, eventRecord []byte
	t.Run("protobuf", func(t *testing.T) {
		ss, err := cl.CreateSchema(ctx, "payments-value", sr.Schema{Schema: paymentProto, Type: sr.TypeProtobuf})
		if err != nil {
			t.Fatal(err)
		}
		looked, err := cl.LookupSchema(ctx, "payments-value", sr.Schema{Schema: paymentProto, Type: sr.TypeProtobuf})
		if err != nil {
			t.Fatal(err)
		}
		if looked.ID != ss.ID || looked.Type != sr.TypeProtobuf {
			t.Fatalf("LookupSchema = id %d type %v, want id %d PROTOBUF", looked.ID, looked.Type, ss.ID)
		}
		var serde sr.Serde
		serde.Register(ss.ID, payment(nil), sr.Index(0),
			sr.EncodeFn(func(v any) ([]byte, error) { return v.(payment), nil }),
			sr.DecodeFn(func(b []byte, v any) error { *(v.(*payment)) = append(payment(nil), b...); return nil }),
		)
		in := payment{0x0a, 0x02, 'p', '1', 0x10, 0xfa, 0x01}
		paymentRecord, err = serde.Encode(in)
		if err != nil {
			t.Fatal(err)
		}
		checkPrefix(t, paymentRecord, ss.ID)
		// Confluent's message-index shortcut: [0] is the single byte 0.
		if paymentRecord[5] != 0 {
			t.Fatalf("message indexes byte %#x, want 0", paymentRecord[5])
		}
		var out payment
		if err := serde.Decode(paymentRecord, &out); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(out, in) {
			t.Fatalf("decoded % x, want % x", out, in)
		}
	})

	t.Run("json schema", func(t *testing.T) {
		ss, err := cl.CreateSchema(ctx, "events-value", sr.Schema{Schema: eventJSON, Type: sr.TypeJSON})
		if err != nil {
			t.Fatal(err)
		}
		looked, err := cl.LookupSchema(ctx, "events-value", sr.Schema{Schema: eventJSON, Type: sr.TypeJSON})
		if err != nil {
			t.Fatal(err)
		}
		if looked.ID != ss.ID || looked.Type != sr.TypeJSON {
			t.Fatalf("LookupSchema = id %d type %v, want id %d JSON", looked.ID, looked.Type, ss.ID)
		}
		var serde sr.Serde
		serde.Register(ss.ID, Event{}, sr.EncodeFn(json.Marshal), sr.DecodeFn(json.Unmarshal))
		in := Event{Name: "created"}
		eventRecord, err = serde.Encode(in)
		if err != nil {
			t.Fatal(err)
		}
		checkPrefix(t, eventRecord, ss.ID)
		var out Event
		if err := serde.Decode(eventRecord, &out); err != nil || out != in {
			t.Fatalf("decoded %+v, %v", out, err)
		}
	})

	t.Run("validation hook", func(t *testing.T) {
		for _, strategy := range []string{"TopicNameStrategy", "RecordNameStrategy", "TopicRecordNameStrategy"} {
			recs := produced[strategy]
			if len(recs) == 0 {
				t.Fatalf("no record produced under %s", strategy)
			}
			for _, deep := range []bool{false, true} {
				assertValid(t, strategy, validate(t, topic, strategy, deep, recs...))
			}
			// Confluent's class name is accepted too.
			assertValid(t, strategy, validate(t, topic, "io.confluent.kafka.serializers.subject."+strategy, true, recs...))
		}
		for _, c := range []struct {
			topic, strategy string
			rec             []byte
		}{
			{"users", "TopicNameStrategy", userRecord},
			{"users", "RecordNameStrategy", addressRecord},
			{"payments", "TopicNameStrategy", paymentRecord},
			{"events", "TopicNameStrategy", eventRecord},
		} {
			if c.rec == nil {
				t.Errorf("%s: no record produced", c.topic)
				continue
			}
			assertValid(t, c.topic, validate(t, c.topic, c.strategy, true, c.rec))
		}

		// Ids that belong to other subjects.
		for _, c := range []struct {
			name, strategy string
			rec            []byte
		}{
			{"Address id on orders", "TopicNameStrategy", addressRecord},
			{"User id on orders", "TopicNameStrategy", userRecord},
			{"Payment id on orders", "TopicNameStrategy", paymentRecord},
			{"Address id under TopicRecordNameStrategy", "TopicRecordNameStrategy", addressRecord},
		} {
			if c.rec == nil {
				t.Errorf("%s: no record produced", c.name)
				continue
			}
			v := validate(t, topic, c.strategy, false, c.rec)[0]
			if v.Valid || v.Reason != "SUBJECT_MISMATCH" {
				t.Errorf("%s: verdict %+v, want invalid SUBJECT_MISMATCH", c.name, v)
			}
		}
	})
}
