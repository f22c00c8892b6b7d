package protobuf

import (
	"testing"

	"github.com/schemaregistry/registry/formats"
)

const benchSchema = `syntax = "proto3";
package bench;
import "google/protobuf/timestamp.proto";
import "confluent/meta.proto";
message Order {
  int64 id = 1;
  string customer = 2 [(confluent.field_meta).tags = "PII"];
  repeated Line lines = 3;
  map<string, string> labels = 4;
  google.protobuf.Timestamp at = 5;
  oneof payment { string card = 6; string iban = 7; }
  message Line { string sku = 1; int32 qty = 2; Money price = 3; }
  enum Status { UNKNOWN = 0; OPEN = 1; CLOSED = 2; }
  Status status = 8;
}
message Money { string currency = 1; int64 units = 2; int32 nanos = 3; }
`

func BenchmarkParse(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := (Format{}).Parse(benchSchema, nil, formats.Options{New: true}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseStored(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := (Format{}).Parse(benchSchema, nil, formats.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
