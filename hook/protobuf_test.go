package hook

import (
	"context"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/avro"
	"github.com/schemaregistry/registry/formats/protobuf"
	"github.com/schemaregistry/registry/store"
)

const orderProto = `syntax = "proto3";
package com.acme;
message Order { int64 id = 1; message Line { string sku = 1; } }
message Payment { string ref = 1; }
`

func TestValidateProtobuf(t *testing.T) {
	reg, err := store.Open(store.NewMemoryLog(), []formats.Format{avro.Format{}, protobuf.Format{}}, store.Settings{ModeMutability: true, ValidateNewSchemas: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	v, err := reg.Register(context.Background(), "orders-value", store.SchemaRequest{SchemaType: "PROTOBUF", Schema: orderProto}, store.RegisterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	parsed, _, err := reg.Parsed("", v.ID)
	if err != nil {
		t.Fatal(err)
	}
	md := parsed.(*protobuf.Schema).Descriptor().Messages().ByName("Payment")
	msg := dynamicpb.NewMessage(md)
	msg.Set(md.Fields().ByName("ref"), protoValueOf("p-1"))
	payload, err := proto.Marshal(msg)
	if err != nil {
		t.Fatal(err)
	}
	record := func(indexes []int, body []byte) Record {
		b := formats.AppendIDPrefix(nil, int32(v.ID))
		b = formats.AppendMessageIndexes(b, indexes)
		return Record{Value: append(b, body...)}
	}
	val := New(reg, 0)
	deep := Settings{Value: Side{Validate: true, Deep: true}}
	for _, tc := range []struct {
		name     string
		rec      Record
		settings Settings
		reason   string
	}{
		{"second message by index", record([]int{1}, payload), deep, ""},
		{"nested message index exists", record([]int{0, 0}, nil), deep, ""},
		{"index outside the schema", record([]int{5}, payload), deep, ReasonBadMessageIndex},
		{"garbage indexes", Record{Value: append(formats.AppendIDPrefix(nil, int32(v.ID)), 0x7f)}, deep, ReasonBadMessageIndex},
		{"payload of the wrong wire type", record([]int{0}, []byte{0x0a, 0x05, 'x'}), deep, ReasonBadPayload},
		{"record name strategy: message by index", record([]int{1}, payload), Settings{Value: Side{Validate: true, Strategy: formats.RecordNameStrategy}}, ReasonSubjectMismatch},
	} {
		got := val.Validate("orders", []Record{tc.rec}, tc.settings)[0]
		if got.Valid != (tc.reason == "") || got.Reason != tc.reason {
			t.Errorf("%s: %+v, want %q", tc.name, got, tc.reason)
		}
	}
	// Under RecordNameStrategy the subject is the message's full name.
	if _, err := reg.Register(context.Background(), "com.acme.Payment", store.SchemaRequest{SchemaType: "PROTOBUF", Schema: orderProto}, store.RegisterOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := val.Validate("orders", []Record{record([]int{1}, payload)}, Settings{Value: Side{Validate: true, Strategy: formats.RecordNameStrategy, Deep: true}})[0]; !got.Valid {
		t.Errorf("record name strategy with the message's subject: %+v", got)
	}
}

func protoValueOf(s string) protoreflect.Value { return protoreflect.ValueOfString(s) }
