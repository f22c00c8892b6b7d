package api

import (
	"strings"
	"testing"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/avro"
	"github.com/schemaregistry/registry/formats/protobuf"
	"github.com/schemaregistry/registry/store"
)

func newProtobufServer(t *testing.T) *server {
	t.Helper()
	log := store.NewMemoryLog()
	reg, err := store.Open(log, []formats.Format{avro.Format{}, protobuf.Format{}}, store.Settings{ModeMutability: true, ValidateNewSchemas: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &server{t: t, log: log, reg: reg, h: New(Options{Registry: reg})}
}

const (
	orderV1 = `syntax = "proto3";
package shop;

message Order {
  int32 id = 1;
  string note = 2;
}
`
	// The same schema, spelled differently.
	orderV1Spaced = `// orders
syntax = 'proto3'; package shop;
message Order { int32 id = 1; /* free text */ string note = 2; }`
	commonV1 = `syntax = "proto3";
package common;

message Money {
  string currency = 1;
  int64 units = 2;
}
`
	orderV2 = `syntax = "proto3";
package shop;

import "common.proto";
import "google/protobuf/timestamp.proto";
import "confluent/meta.proto";

message Order {
  int32 id = 1;
  string note = 2 [(confluent.field_meta).doc = "free text"];
  common.Money total = 3;
  google.protobuf.Timestamp at = 4;
}
`
	orderV3 = `syntax = "proto3";
package shop;

import "common.proto";
import "google/protobuf/timestamp.proto";
import "confluent/meta.proto";

message Order {
  string id = 1;
  string note = 2 [(confluent.field_meta).doc = "free text"];
  common.Money total = 3;
  google.protobuf.Timestamp at = 4;
}
`
)

func protoBody(schema string, extra ...string) string {
	return body(schema, append([]string{`"schemaType":"PROTOBUF"`}, extra...)...)
}

func TestProtobufThroughREST(t *testing.T) {
	s := newProtobufServer(t)
	s.expect("GET", "/schemas/types", "", 200, `["PROTOBUF","AVRO"]`)

	v1 := `{"id":1,"version":1,"guid":"` + guid(orderV1) + `","schemaType":"PROTOBUF","schema":` + quote(orderV1) + `}`
	s.expect("POST", "/subjects/orders-value/versions", protoBody(orderV1), 200, v1)
	s.expect("POST", "/subjects/orders-value/versions", protoBody(orderV1Spaced), 200, v1)
	s.expect("POST", "/subjects/orders-value", protoBody(orderV1Spaced), 200,
		`{"subject":"orders-value","version":1,"id":1,"guid":"`+guid(orderV1)+`","schemaType":"PROTOBUF","schema":`+quote(orderV1)+`}`)
	s.expect("GET", "/schemas/ids/1", "", 200,
		`{"subject":"orders-value","version":1,"guid":"`+guid(orderV1)+`","schemaType":"PROTOBUF","schema":`+quote(orderV1)+`}`)
	if code, raw, _ := s.do("GET", "/schemas/ids/1/schema", ""); code != 200 || raw != orderV1 {
		t.Fatalf("raw schema: %d %q", code, raw)
	}

	// A registered schema imported through a reference (its name is the
	// import path), built-in files imported without one.
	s.expect("POST", "/subjects/common/versions", protoBody(commonV1), 200, "")
	ref := `"references":[{"name":"common.proto","subject":"common","version":1}]`
	s.expectError("POST", "/subjects/orders-value/versions", protoBody(orderV2), 422, 42201, `import "common.proto" not found`)
	s.expect("POST", "/subjects/orders-value/versions", protoBody(orderV2, ref), 200, "")
	s.expect("GET", "/subjects/orders-value/versions/2", "", 200,
		`{"subject":"orders-value","version":2,"id":3,"guid":"`+formats.IdentityOf(orderV2, []formats.Reference{{Name: "common.proto", Subject: "common", Version: 1}}, nil, nil).GUID()+
			`","schemaType":"PROTOBUF","schema":`+quote(orderV2)+`,"references":[{"name":"common.proto","subject":"common","version":1}]}`)
	s.expect("GET", "/subjects/common/versions/1/referencedby", "", 200, `[3]`)

	// An incompatible change is refused with Confluent's message.
	msg := `{errorType:"FIELD_SCALAR_KIND_CHANGED", description:"The kind of a SCALAR field at path '#/Order/1' in the new schema does not match its kind in the old schema"}`
	s.expectError("POST", "/subjects/orders-value/versions", protoBody(orderV3, ref), 409, 40901,
		`Schema being registered is incompatible with an earlier schema for subject "orders-value", details: [`+msg)
	s.expect("POST", "/compatibility/subjects/orders-value/versions/latest?verbose=true", protoBody(orderV3, ref), 200,
		`{"is_compatible":false,"messages":[`+quote(msg)+`,"{oldSchemaVersion: 2}",`+quote("{oldSchema: '"+orderV2+"'}")+
			`,"{validateFields: 'false', compatibility: 'BACKWARD'}"]}`)
	s.expect("POST", "/compatibility/subjects/orders-value/versions/1?verbose=true", protoBody(orderV2, ref), 200,
		`{"is_compatible":true,"messages":[]}`)
	s.expect("PUT", "/config/orders-value", `{"compatibility":"FORWARD"}`, 200, "")
	s.expect("POST", "/compatibility/subjects/orders-value/versions/latest?verbose=true", protoBody(orderV1), 200,
		`{"is_compatible":true,"messages":[]}`)

	// Invalid schemas: the position of the error is given.
	s.expectError("POST", "/subjects/bad/versions", protoBody("syntax = \"proto3\";\nmessage M {\n  int32 x = 1\n}\n"), 422, 42201,
		"Invalid schema of type PROTOBUF, details: schema:4:1: syntax error")
	s.expectError("POST", "/subjects/bad/versions", protoBody("syntax = \"proto3\";\nmessage M {\n  Nope x = 1;\n}\n"), 422, 42201,
		"schema:3:3: field M.x: unknown type Nope")
	s.expect("GET", "/subjects", "", 200, `["common","orders-value"]`)
}

// TestProtobufImportCycle builds two references whose schemas import each
// other (possible through name de-duplication) and checks the registration
// is refused quickly and cleanly.
func TestProtobufImportCycle(t *testing.T) {
	s := newProtobufServer(t)
	s.expect("POST", "/subjects/sb/versions", protoBody("syntax = \"proto3\";\nmessage B0 {}\n"), 200, "")
	s.expect("POST", "/subjects/sa/versions", protoBody("syntax = \"proto3\";\nimport \"b.proto\";\nmessage A {}\n",
		`"references":[{"name":"b.proto","subject":"sb","version":1}]`), 200, "")
	s.expect("POST", "/subjects/sb2/versions", protoBody("syntax = \"proto3\";\nimport \"a.proto\";\nmessage B {}\n",
		`"references":[{"name":"a.proto","subject":"sa","version":1}]`), 200, "")
	// b.proto is now sb2 (importing a.proto) and a.proto imports b.proto.
	s.expectError("POST", "/subjects/sm/versions", protoBody("syntax = \"proto3\";\nimport \"b.proto\";\nimport \"a.proto\";\nmessage M {}\n",
		`"references":[{"name":"b.proto","subject":"sb2","version":1},{"name":"a.proto","subject":"sa","version":1}]`),
		422, 42201, `cycle found in imports`)
	code, raw, _ := s.do("GET", "/subjects", "")
	if code != 200 || strings.Contains(raw, `"sm"`) {
		t.Fatalf("subjects after a refused registration: %d %s", code, raw)
	}
}
