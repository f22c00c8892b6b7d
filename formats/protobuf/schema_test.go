package protobuf

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/internal/testvectors"
)

func TestFormatType(t *testing.T) {
	var f formats.Format = Format{}
	if f.Type() != "PROTOBUF" {
		t.Fatal(f.Type())
	}
	s := mustParse(t, "syntax = \"proto3\";\nmessage M {}\n", formats.Options{})
	if s.Type() != "PROTOBUF" {
		t.Fatal(s.Type())
	}
}

// TestGoldenHashes checks the Protobuf entries of Confluent's identity
// golden file. Confluent's test hashes the schema string exactly as given
// (it is not in canonical form: no blank lines), so the identity is checked
// on that text; the schema itself must parse and print to Confluent's
// canonical layout, which is what the registry hashes on registration.
func TestGoldenHashes(t *testing.T) {
	raw := testvectors.Read(t, "Confluent MD5 golden hashes (Protobuf)", "confluent/core-schema-md5-golden-data.json")
	var golden struct {
		Schemas        map[string]string            `json:"schemas"`
		References     []formats.Reference          `json:"references"`
		Metadata       *formats.Metadata            `json:"metadata"`
		Rules          *formats.RuleSet             `json:"rules"`
		ExpectedHashes map[string]map[string]string `json:"expectedHashes"`
	}
	if err := json.Unmarshal(raw, &golden); err != nil {
		t.Fatal(err)
	}
	text := golden.Schemas["protobuf"]
	want := golden.ExpectedHashes["PROTOBUF"]
	if len(want) != 8 {
		t.Fatalf("%d PROTOBUF hashes, want 8", len(want))
	}
	for bits, guid := range want {
		var refs []formats.Reference
		var md *formats.Metadata
		var rs *formats.RuleSet
		if bits[0] == '1' {
			refs = golden.References
		}
		if bits[1] == '1' {
			md = golden.Metadata
		}
		if bits[2] == '1' {
			rs = golden.Rules
		}
		if got := formats.IdentityOf(text, refs, md, rs).GUID(); got != guid {
			t.Errorf("%s: %s, want %s", bits, got, guid)
		}
	}

	s := mustParse(t, text, formats.Options{New: true})
	if s.Canonical() == text {
		t.Fatal("the golden text is expected not to be canonical")
	}
	wantCanonical := `syntax = "proto3";
package io.confluent.kafka.example;

import "google/protobuf/timestamp.proto";

message Person {
  string name = 1;
  int32 age = 2;
  string ssn = 3;
  User user = 4;
  Address address = 5;
}
message User {
  string id = 1;
  string email = 2;
}
message Address {
  string street = 1;
  string city = 2;
  string zip = 3;
}
`
	if s.Canonical() != wantCanonical {
		t.Errorf("canonical\n%s\nwant\n%s", s.Canonical(), wantCanonical)
	}
	if c := mustParse(t, s.Canonical(), formats.Options{New: true}).Canonical(); c != wantCanonical {
		t.Errorf("canonical form is not stable:\n%s", c)
	}
}

// TestSameIdentity: the same schema in other whitespace, comments and
// string quoting has the same canonical text.
func TestSameIdentity(t *testing.T) {
	a := "syntax = \"proto3\";\npackage x;\nmessage M {\n  string s = 1 [json_name = \"S\"];\n}\n"
	b := "// header\nsyntax='proto3';package x;message M{string s=1[json_name='S'];/*t*/}"
	if ca, cb := mustParse(t, a, formats.Options{New: true}).Canonical(), mustParse(t, b, formats.Options{New: true}).Canonical(); ca != cb {
		t.Errorf("%q != %q", ca, cb)
	}
	c := "syntax = \"proto3\";\npackage x;\nmessage M {\n  string t = 1;\n}\n"
	if mustParse(t, a, formats.Options{}).Canonical() == mustParse(t, c, formats.Options{}).Canonical() {
		t.Error("different schemas print the same")
	}
}

func parseErr(t *testing.T, text string, opts formats.Options, deps ...formats.Dependency) error {
	t.Helper()
	_, err := Format{}.Parse(text, deps, opts)
	if err == nil {
		t.Fatalf("parse succeeded:\n%s", text)
	}
	if !errors.Is(err, formats.ErrInvalid) {
		t.Fatalf("%v does not wrap ErrInvalid", err)
	}
	return err
}

func TestErrors(t *testing.T) {
	cases := []struct{ name, text, want string }{
		{"syntax", "syntax = \"proto3\";\nmessage M {\n  int32 x = 1\n}\n", "schema:4:1: syntax error"},
		{"unknown type", "syntax = \"proto3\";\nmessage M {\n  Foo x = 1;\n}\n", "schema:3:3: field M.x: unknown type Foo"},
		{"unknown import", "syntax = \"proto3\";\nimport \"other.proto\";\nmessage M {}\n", `schema:2:8: import "other.proto" not found`},
		{"duplicate tag", "syntax = \"proto3\";\nmessage M {\n  int32 x = 1;\n  int32 y = 1;\n}\n", "schema:4:13:"},
		{"bad syntax value", "syntax = \"proto4\";\n", "schema:1:10:"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := parseErr(t, c.text, formats.Options{New: true})
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("%v, want it to contain %q", err, c.want)
			}
		})
	}
	// A stored schema (not new) is read without linking, as Confluent reads
	// it: unknown types and imports do not stop it, syntax errors do.
	s := mustParse(t, "syntax = \"proto3\";\nimport \"gone.proto\";\nmessage M {\n  Foo x = 1;\n}\n", formats.Options{})
	if s.Descriptor() != nil {
		t.Error("an unlinked schema has a descriptor")
	}
	if _, err := s.FileDescriptorProto(); err == nil {
		t.Error("an unlinked schema has a descriptor proto")
	}
	parseErr(t, "message {", formats.Options{})
	// Normalizing needs every type resolved.
	err := parseErr(t, "syntax = \"proto3\";\nmessage M {\n  Foo x = 1;\n}\n", formats.Options{Normalize: true})
	if !strings.Contains(err.Error(), "Could not resolve type: Foo") {
		t.Error(err)
	}
}

func TestImports(t *testing.T) {
	dep := formats.Dependency{Name: "acme/common.proto",
		Schema: "syntax = \"proto3\";\npackage acme;\nimport \"google/type/money.proto\";\nmessage Price {\n  google.type.Money amount = 1;\n}\n"}
	text := `syntax = "proto3";
package shop;
import "acme/common.proto";
import "google/protobuf/timestamp.proto";
import "confluent/meta.proto";
import "confluent/type/decimal.proto";
import "google/type/date.proto";
message Order {
  acme.Price price = 1 [(confluent.field_meta).doc = "total"];
  google.protobuf.Timestamp at = 2;
  confluent.type.Decimal tax = 3;
  google.type.Date day = 4;
}
`
	s := mustParse(t, text, formats.Options{New: true}, dep)
	d := s.Descriptor()
	if d == nil {
		t.Fatal("no descriptor")
	}
	price := d.Messages().ByName("Order").Fields().ByName("price")
	if price.Message().FullName() != "acme.Price" {
		t.Error(price.Message().FullName())
	}
	if d.Imports().Len() != 5 {
		t.Error(d.Imports().Len())
	}
	// Without the reference, the import is unknown.
	parseErr(t, text, formats.Options{New: true})
	// Every built-in file imports without a reference.
	for _, name := range []string{
		"google/protobuf/any.proto", "google/protobuf/api.proto", "google/protobuf/descriptor.proto",
		"google/protobuf/duration.proto", "google/protobuf/empty.proto", "google/protobuf/field_mask.proto",
		"google/protobuf/source_context.proto", "google/protobuf/struct.proto", "google/protobuf/timestamp.proto",
		"google/protobuf/type.proto", "google/protobuf/wrappers.proto",
		"google/type/calendar_period.proto", "google/type/color.proto", "google/type/date.proto",
		"google/type/datetime.proto", "google/type/dayofweek.proto", "google/type/decimal.proto",
		"google/type/expr.proto", "google/type/fraction.proto", "google/type/interval.proto",
		"google/type/latlng.proto", "google/type/localized_text.proto", "google/type/money.proto",
		"google/type/month.proto", "google/type/phone_number.proto", "google/type/postal_address.proto",
		"google/type/quaternion.proto", "google/type/timeofday.proto",
		"confluent/meta.proto", "confluent/type/decimal.proto",
	} {
		if !IsBuiltin(name) {
			t.Errorf("%s is not built in", name)
		}
		mustParse(t, "syntax = \"proto3\";\nimport \""+name+"\";\nmessage M {}\n", formats.Options{New: true})
	}
	if IsBuiltin("acme/common.proto") {
		t.Error("acme/common.proto is built in")
	}
	// A reference may shadow a built-in path.
	own := formats.Dependency{Name: "google/type/date.proto", Schema: "syntax = \"proto3\";\npackage mine;\nmessage Day {}\n"}
	mustParse(t, "syntax = \"proto3\";\nimport \"google/type/date.proto\";\nmessage M {\n  mine.Day d = 1;\n}\n", formats.Options{New: true}, own)
}

func TestImportCycle(t *testing.T) {
	a := formats.Dependency{Name: "a.proto", Schema: "syntax = \"proto3\";\nimport \"b.proto\";\nmessage A {}\n"}
	b := formats.Dependency{Name: "b.proto", Schema: "syntax = \"proto3\";\nimport \"a.proto\";\nmessage B {}\n"}
	err := parseErr(t, "syntax = \"proto3\";\nimport \"a.proto\";\nmessage M {}\n", formats.Options{New: true}, a, b)
	if !strings.Contains(err.Error(), `cycle found in imports: "a.proto" -> "b.proto" -> "a.proto"`) {
		t.Error(err)
	}
	self := formats.Dependency{Name: "s.proto", Schema: "syntax = \"proto3\";\nimport \"s.proto\";\nmessage S {}\n"}
	err = parseErr(t, "syntax = \"proto3\";\nimport \"s.proto\";\nmessage M {}\n", formats.Options{New: true}, self)
	if !strings.Contains(err.Error(), "cycle") {
		t.Error(err)
	}
	// Read back leniently, the schema still prints.
	mustParse(t, "syntax = \"proto3\";\nimport \"a.proto\";\nmessage M {}\n", formats.Options{}, a, b)
}

func TestMessageIndexes(t *testing.T) {
	s := mustParse(t, `syntax = "proto3";
package p;
enum E { Z = 0; }
message A {
  message A1 {}
  enum AE { Y = 0; }
  message A2 {
    message A21 {}
  }
}
message B {}
`, formats.Options{New: true})
	names := s.MessageNames()
	want := []string{"p.A", "p.A.A1", "p.A.A2", "p.A.A2.A21", "p.B"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("names %v, want %v", names, want)
	}
	paths := map[string][]int{"p.A": {0}, "p.A.A1": {0, 0}, "p.A.A2": {0, 1}, "p.A.A2.A21": {0, 1, 0}, "p.B": {1}}
	for name, path := range paths {
		got, err := s.MessageIndexes(name)
		if err != nil || !reflect.DeepEqual(got, path) {
			t.Errorf("%s: %v %v, want %v", name, got, err, path)
		}
		back, err := s.MessageName(path)
		if err != nil || back != name {
			t.Errorf("%v: %s %v, want %s", path, back, err, name)
		}
	}
	if got, err := s.MessageIndexes("A.A2"); err != nil || !reflect.DeepEqual(got, []int{0, 1}) {
		t.Errorf("relative name: %v %v", got, err)
	}
	if n, _ := s.MessageName(nil); n != "p.A" {
		t.Errorf("empty path: %s", n)
	}
	for _, bad := range []string{"p.C", "q.A", "p.A.AE", "p.E"} {
		if _, err := s.MessageIndexes(bad); err == nil {
			t.Errorf("%s has indexes", bad)
		}
	}
	for _, bad := range [][]int{{2}, {0, 2}, {-1}, {1, 0}} {
		if _, err := s.MessageName(bad); err == nil {
			t.Errorf("%v has a name", bad)
		}
	}
	if s.RecordName() != "p.A" {
		t.Error(s.RecordName())
	}
	if r := mustParse(t, "syntax = \"proto3\";\nenum E { Z = 0; }\n", formats.Options{}).RecordName(); r != "E" {
		t.Error(r)
	}
	if r := mustParse(t, "syntax = \"proto3\";\n", formats.Options{}).RecordName(); r != "" {
		t.Error(r)
	}
}

// TestDescriptorInput: a base64 FileDescriptorProto is read as Confluent
// reads it (messages before enums, map entries as nested messages, json_name
// only when set), and format=serialized round-trips.
func TestDescriptorInput(t *testing.T) {
	text := `syntax = "proto3";
package p;
enum E { Z = 0; }
message M {
  map<string, int32> counts = 1;
  optional string note = 2 [json_name = "n"];
  oneof k { int64 id = 3; }
  reserved 5, 8 to 9;
}
`
	s := mustParse(t, text, formats.Options{New: true})
	b, err := s.FileDescriptorProto()
	if err != nil {
		t.Fatal(err)
	}
	fd := &descriptorpb.FileDescriptorProto{}
	if err := proto.Unmarshal(b, fd); err != nil {
		t.Fatal(err)
	}
	if fd.GetName() != "default" || fd.GetMessageType()[0].GetField()[0].JsonName != nil || fd.GetMessageType()[0].GetField()[1].GetJsonName() != "n" {
		t.Errorf("descriptor %v", fd)
	}
	d := mustParse(t, base64.StdEncoding.EncodeToString(b), formats.Options{New: true})
	want := `syntax = "proto3";
package p;

message M {
  reserved 5;
  reserved 8 to 9;

  repeated .p.M.CountsEntry counts = 1;
  optional string note = 2 [json_name = "n"];

  oneof k {
    int64 id = 3;
  }

  message CountsEntry {
    option map_entry = true;
  
    string key = 1;
    int32 value = 2;
  }
}
enum E {
  Z = 0;
}
`
	if d.Canonical() != want {
		t.Errorf("canonical\n%s\nwant\n%s", d.Canonical(), want)
	}
	// Unpadded base64 is accepted too, and the canonical text reads back.
	mustParse(t, strings.TrimRight(base64.StdEncoding.EncodeToString(b), "="), formats.Options{New: true})
	again := mustParse(t, d.Canonical(), formats.Options{New: true})
	if again.Canonical() != want || again.Descriptor() == nil {
		t.Errorf("canonical of a descriptor does not read back:\n%s", again.Canonical())
	}
	field := again.Descriptor().Messages().ByName("M").Fields().ByName("counts")
	if !field.IsMap() || field.MapValue().Kind() != protoreflect.Int32Kind {
		t.Errorf("counts is not a map<string, int32>: %v", field)
	}
	// Not base64, not a proto: the text's syntax error is reported.
	err = parseErr(t, "not a schema", formats.Options{New: true})
	if !strings.Contains(err.Error(), "schema:1:1") {
		t.Error(err)
	}
}

func TestNumberFormat(t *testing.T) {
	cases := map[string]string{
		"123": "123", "0123": "83", "0x123": "291", "-0x10": "-16", "0123.0": "123", "123.": "123",
		"123.0": "123", "123.00": "123", "123e1": "1230", "123E1": "1230", "123E+1": "1230",
		"123E-1": "12.3", ".123E+3": "123", "1.23E+3": "1230", "12.3E+3": "12300", "123.E+3": "123000",
		"123.4E+3": "123400", "123.45E+3": "123450", "123.456E+3": "123456", "123.4567E+2": "12345.67",
		"-2.0": "-2", "10f": "10", "1.0f": "1", "1.23": "1.23", "3.14159": "3.142", "1e50": "100000000000000000000000000000000000000000000000000",
		"99999999999999999999": "99999999999999999999", "-0.0001": "-0", "5L": "5",
	}
	for in, want := range cases {
		got, ok := javaNumber(in)
		if !ok || got != want {
			t.Errorf("%s: %q %v, want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"inf", "-inf", "nan", "08", "1.2.3", "", "-", "0x"} {
		if got, ok := javaNumber(in); ok {
			t.Errorf("%s: %q is a number", in, got)
		}
	}
}

func TestWireStrings(t *testing.T) {
	cases := map[string]string{
		`"a\tb"`: "a\tb", `'it\'s'`: "it's", `"\x41\101\7"`: "AA\a", `"\u00e9"`: "u00e9", `"\?"`: "?", `"é"`: "é",
	}
	for in, want := range cases {
		if got := wireUnquote(in); got != want {
			t.Errorf("%s: %q, want %q", in, got, want)
		}
	}
	if got := escapeChars("a\"b'c\\d\n\x00\x07é"); got != `a\"b\'c\\d\n\000\aé` {
		t.Errorf("escape: %s", got)
	}
}

// TestConcurrentParse parses schemas sharing built-in files and a
// dependency from many goroutines (run with -race).
func TestConcurrentParse(t *testing.T) {
	dep := formats.Dependency{Name: "c.proto", Schema: "syntax = \"proto3\";\npackage c;\nmessage C {}\n"}
	text := "syntax = \"proto3\";\nimport \"c.proto\";\nimport \"confluent/meta.proto\";\nimport \"google/type/money.proto\";\n" +
		"message M {\n  c.C c = 1 [(confluent.field_meta).doc = \"d\"];\n  google.type.Money m = 2;\n}\n"
	done := make(chan string, 8)
	for i := 0; i < 8; i++ {
		go func() {
			s, err := Format{}.Parse(text, []formats.Dependency{dep}, formats.Options{New: true, Normalize: i%2 == 0})
			if err != nil {
				done <- err.Error()
				return
			}
			if _, err := s.(*Schema).Index(); err != nil {
				done <- err.Error()
				return
			}
			done <- ""
		}()
	}
	for i := 0; i < 8; i++ {
		if msg := <-done; msg != "" {
			t.Error(msg)
		}
	}
}

// TestUnknownOptionFields: custom options naming fields their message does
// not have are kept as written, as Confluent keeps them; protocompile's
// lenient interpreter panics on one such case, which must not fail the
// schema.
func TestUnknownOptionFields(t *testing.T) {
	for _, text := range []string{
		"syntax = \"proto3\";\nimport \"confluent/meta.proto\";\noption (confluent.file_meta) = {\n  doC: \"0\"\n};\nmessage M {}\n",
		"syntax = \"proto3\";\nimport \"confluent/meta.proto\";\nmessage M {\n  int32 x = 1 [(confluent.field_meta) = { value1: -2.0, value4: 10 }];\n}\n",
		"syntax = \"proto3\";\noption (not.declared) = 5;\nmessage M {\n  option (source_ref) = \"https://x\";\n}\n",
	} {
		s := mustParse(t, text, formats.Options{New: true})
		if s.Descriptor() == nil {
			t.Errorf("no descriptor for\n%s", text)
		}
		if _, err := s.FileDescriptorProto(); err != nil {
			t.Error(err)
		}
	}
}

func TestErrorNames(t *testing.T) {
	err := parseErr(t, "syntax = \"proto3\";\nmessage M {\n  Foo default = 1;\n}\n", formats.Options{New: true})
	if !strings.Contains(err.Error(), "schema:3:3: field M.default: unknown type Foo") {
		t.Error(err)
	}
	err = parseErr(t, "syntax = \"proto3\";\nimport \"google/protobuf/empty.proto\";\nimport \"google/protobuf/empty.proto\";\n", formats.Options{New: true})
	if !strings.Contains(err.Error(), "already imported at schema:2:1") {
		t.Error(err)
	}
	// A dependency named like the schema's own file does not clash with it.
	dep := formats.Dependency{Name: "default", Schema: "syntax = \"proto3\";\npackage d;\nmessage D {}\n"}
	mustParse(t, "syntax = \"proto3\";\nimport \"default\";\nmessage M {\n  d.D d = 1;\n}\n", formats.Options{New: true}, dep)
}
