package api

import (
	"encoding/base64"
	"encoding/json"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/avro"
	"github.com/schemaregistry/registry/formats/protobuf"
	"github.com/schemaregistry/registry/store"
)

// Protobuf clients read schemas with format=serialized: a base64
// FileDescriptorProto. Other types and unknown formats keep the text.
func TestFormatSerialized(t *testing.T) {
	reg, err := store.Open(store.NewMemoryLog(), []formats.Format{avro.Format{}, protobuf.Format{}}, store.Settings{ModeMutability: true, ValidateNewSchemas: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, reg: reg, h: New(Options{Registry: reg})}
	s.expect("POST", "/subjects/p/versions", body("syntax = \"proto3\";\npackage acme;\nmessage Order { int64 id = 1; }\n", `"schemaType":"PROTOBUF"`), 200, "")
	s.expect("POST", "/subjects/a/versions", body(recordV1), 200, "")
	for _, path := range []string{"/schemas/ids/1?format=serialized", "/subjects/p/versions/latest?format=serialized"} {
		_, raw, _ := s.do("GET", path, "")
		var out struct{ Schema string }
		json.Unmarshal([]byte(raw), &out)
		b, err := base64.StdEncoding.DecodeString(out.Schema)
		if err != nil {
			t.Fatalf("%s: schema is not base64: %s", path, raw)
		}
		var fd descriptorpb.FileDescriptorProto
		if err := proto.Unmarshal(b, &fd); err != nil || fd.GetPackage() != "acme" || fd.GetMessageType()[0].GetName() != "Order" {
			t.Fatalf("%s: descriptor %v %v", path, &fd, err)
		}
	}
	// The plain text is still served without the parameter (the cache keys differ).
	_, raw, _ := s.do("GET", "/schemas/ids/1", "")
	if !json.Valid([]byte(raw)) || !containsAll(raw, `message Order`) {
		t.Fatalf("plain: %s", raw)
	}
	s.expect("GET", "/schemas/ids/2?format=serialized", "", 200, `{"subject":"a","version":1,"guid":"`+guid(recordV1)+`","schemaType":"AVRO","schema":`+quote(recordV1)+`}`)
	s.expect("GET", "/schemas/ids/2?format=nonsense", "", 200, `{"subject":"a","version":1,"guid":"`+guid(recordV1)+`","schemaType":"AVRO","schema":`+quote(recordV1)+`}`)
}
