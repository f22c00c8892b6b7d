package protobuf

import (
	"testing"

	"github.com/schemaregistry/registry/formats"
)

// FuzzParse: any text parses or fails without panicking, for a new or a
// stored schema, canonical or normalized; and whatever parses prints to a
// text that parses again to the same canonical text. The normalized form
// is Confluent's, which is not always a fixed point at once (an empty
// extend block leaves a blank line that the next round drops), so it must
// parse and be one from the second round on.
func FuzzParse(f *testing.F) {
	seeds := []string{
		"syntax = \"proto3\";\npackage a.b;\nimport \"google/protobuf/timestamp.proto\";\nmessage M {\n  google.protobuf.Timestamp t = 1;\n  map<string, M> m = 2;\n  oneof o { string s = 3; int64 n = 4; }\n  reserved 10 to max, 5;\n  enum E { Z = 0; option allow_alias = true; A = 0; }\n}\n",
		"syntax = \"proto2\";\nimport \"google/protobuf/descriptor.proto\";\nmessage O { optional string s = 1; repeated int32 n = 2; }\nextend google.protobuf.FieldOptions { optional O opt = 50000; }\nmessage M {\n  optional string a = 1 [default = \"x\\ty\", json_name = \"A\", (opt) = { s: 'q' n: [1, -2] }];\n  optional group G = 2 { optional int32 x = 3; }\n  extensions 100 to 200;\n}\nextend M { optional double d = 100 [default = -inf]; }\n",
		"syntax = \"proto3\";\nimport \"confluent/meta.proto\";\noption (confluent.file_meta).doc = \"d\";\nmessage M {\n  option (confluent.message_meta) = { tags: [\"A\", \"B\"] params: { key: \"k\" value: \"v\" } };\n  int32 x = 1 [(confluent.field_meta).tags = \"PII\"];\n}\nservice S { rpc R (M) returns (stream M) { option deprecated = true; } }\n",
		"message M { optional int32 x = 1; }",
		"CgdkZWZhdWx0EgFwImcKAU0SFgoBYxgBIAMoCzILLnAuTS5DRW50cnkSDgoBbhgCIAEoCUgAiAEBGigKBkNFbnRyeRILCgNrZXkYASABKAkSDQoFdmFsdWUYAiABKAU6AjgBIgoKAUUSBQoBWhAAQgQKAl9uYgZwcm90bzM=",
		"edition = \"2023\";\nmessage M { int32 x = 1; }\n",
		"syntax = \"proto3\";\npackage p;\n\nmessage M {\n  repeated .p.M.CEntry c = 1;\n\n  message CEntry {\n    option map_entry = true;\n  \n    string key = 1;\n    int32 value = 2;\n  }\n}\n",
		"enum E { reserved 600000000 to max, 3; reserved \"a\\\"b\"; Z = 0 [deprecated = true]; }\nmessage N { optional bytes b = 1 [default = \"\\001 x\"]; }\n",
		"",
		"syntax = \"proto3\"; message",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		for _, opts := range []formats.Options{{}, {New: true}, {Normalize: true}, {New: true, Normalize: true}} {
			s, err := Format{}.Parse(text, nil, opts)
			if err != nil {
				continue
			}
			c := s.Canonical()
			again, err := Format{}.Parse(c, nil, formats.Options{Normalize: opts.Normalize})
			if err != nil {
				t.Fatalf("%+v: the canonical text does not parse: %v\ninput:\n%q\ncanonical:\n%s", opts, err, text, c)
			}
			if opts.Normalize {
				c = again.Canonical()
				if again, err = (Format{}).Parse(c, nil, opts); err != nil {
					t.Fatalf("%+v: the normalized text does not parse: %v\ninput:\n%q\nnormalized:\n%s", opts, err, text, c)
				}
			}
			if again.Canonical() != c {
				t.Fatalf("%+v: canonical text not stable\ninput:\n%q\nfirst:\n%s\nsecond:\n%s", opts, text, c, again.Canonical())
			}
			ps := s.(*Schema)
			ps.MessageNames()
			ps.RecordName()
			if ps.Descriptor() != nil {
				if _, err := ps.FileDescriptorProto(); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
}
