package compat

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/protobuf"
	"github.com/schemaregistry/registry/internal/testvectors"
)

func parseProto(t *testing.T, text string, deps ...formats.Dependency) *protobuf.Schema {
	t.Helper()
	s, err := protobuf.Format{}.Parse(text, deps, formats.Options{New: true})
	if err != nil {
		t.Fatalf("parse %q: %v", text, err)
	}
	return s.(*protobuf.Schema)
}

func diffStrings(t *testing.T, original, update *protobuf.Schema) []string {
	t.Helper()
	diffs, err := ProtobufDiff(original, update)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, d := range diffs {
		out = append(out, d.Type+" "+d.Path)
	}
	return out
}

// TestProtobufDiffVectors runs Confluent's protobuf diff examples: every
// case must agree on compatibility and on the ordered list of changes.
func TestProtobufDiffVectors(t *testing.T) {
	raw := testvectors.Read(t, "Confluent Protobuf diff examples", "confluent/protobuf-diff-schema-examples.json")
	type dep struct {
		Name       string `json:"name"`
		Dependency string `json:"dependency"`
	}
	var cases []struct {
		Description  string   `json:"description"`
		Original     string   `json:"original_schema"`
		Update       string   `json:"update_schema"`
		Changes      []string `json:"changes"`
		Compatible   bool     `json:"compatible"`
		OriginalDeps []dep    `json:"original_dependencies"`
		UpdateDeps   []dep    `json:"update_dependencies"`
	}
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) != 54 {
		t.Fatalf("%d cases, want 54", len(cases))
	}
	toDeps := func(ds []dep) []formats.Dependency {
		var out []formats.Dependency
		for _, d := range ds {
			out = append(out, formats.Dependency{Name: d.Name, Schema: d.Dependency})
		}
		return out
	}
	agree := 0
	for _, c := range cases {
		t.Run(c.Description, func(t *testing.T) {
			original := parseProto(t, c.Original, toDeps(c.OriginalDeps)...)
			update := parseProto(t, c.Update, toDeps(c.UpdateDeps)...)
			got := diffStrings(t, original, update)
			if !reflect.DeepEqual(got, append([]string{}, c.Changes...)) {
				t.Errorf("changes\n got  %q\n want %q", got, c.Changes)
			}
			// BACKWARD: the update reads data written with the original.
			msgs := protobufDifferences(update, original, "new", "old", Options{})
			if compatible := len(msgs) == 0; compatible != c.Compatible {
				t.Errorf("compatible = %v, want %v (%v)", compatible, c.Compatible, msgs)
			} else if reflect.DeepEqual(got, append([]string{}, c.Changes...)) {
				agree++
			}
		})
	}
	t.Logf("%d of %d cases agree on compatibility and changes", agree, len(cases))
}

// TestProtobufDifferenceTypes covers every difference type, in both
// directions, with Confluent's verdict and message.
func TestProtobufDifferenceTypes(t *testing.T) {
	const p3 = "syntax = \"proto3\";\n"
	const p2 = "syntax = \"proto2\";\n"
	cases := []struct {
		name             string
		old, new         string
		backward         []string // changes from old to new
		forward          []string // changes from new to old
		backwardOK       bool
		forwardOK        bool
		backwardMessages []string
	}{
		{name: "package", old: p3 + "package a;\nmessage M { int32 x = 1; }", new: p3 + "package b;\nmessage M { int32 x = 1; }",
			backward: []string{"PACKAGE_CHANGED #/"}, forward: []string{"PACKAGE_CHANGED #/"},
			backwardMessages: []string{`{errorType:"PACKAGE_CHANGED", description:"The package at '#/' in the new schema does not match the package in the old schema"}`}},
		{name: "message added/removed", old: p3 + "message M { int32 x = 1; }", new: p3 + "message M { int32 x = 1; }\nmessage N { int32 y = 1; }",
			backward: []string{"MESSAGE_ADDED #/N"}, forward: []string{"MESSAGE_REMOVED #/N"}, backwardOK: true},
		{name: "message moved", old: p3 + "message M { }\nmessage N { }", new: p3 + "message N { }\nmessage M { }",
			backward: []string{"MESSAGE_MOVED #/M", "MESSAGE_MOVED #/N"}, forward: []string{"MESSAGE_MOVED #/M", "MESSAGE_MOVED #/N"}, backwardOK: true, forwardOK: true},
		{name: "enum added/removed", old: p3 + "message M { }", new: p3 + "message M { }\nenum E { A = 0; }",
			backward: []string{"ENUM_ADDED #/E"}, forward: []string{"ENUM_REMOVED #/E"}, backwardOK: true, forwardOK: true},
		{name: "enum constants", old: p3 + "enum E { A = 0; B = 1; C = 2; }", new: p3 + "enum E { A = 0; BB = 1; D = 3; }",
			backward: []string{"ENUM_CONST_CHANGED #/E/1", "ENUM_CONST_REMOVED #/E/2", "ENUM_CONST_ADDED #/E/3"},
			forward:  []string{"ENUM_CONST_CHANGED #/E/1", "ENUM_CONST_ADDED #/E/2", "ENUM_CONST_REMOVED #/E/3"}, backwardOK: true, forwardOK: true},
		{name: "field added/removed", old: p3 + "message M { int32 x = 1; }", new: p3 + "message M { int32 x = 1; string y = 2; }",
			backward: []string{"FIELD_ADDED #/M/2"}, forward: []string{"FIELD_REMOVED #/M/2"}, backwardOK: true, forwardOK: true},
		{name: "field renamed", old: p3 + "message M { int32 x = 1; }", new: p3 + "message M { int32 y = 1; }",
			backward: []string{"FIELD_NAME_CHANGED #/M/1"}, forward: []string{"FIELD_NAME_CHANGED #/M/1"}, backwardOK: true, forwardOK: true},
		{name: "field kind", old: p3 + "message M { int32 x = 1; }", new: p3 + "message M { N x = 1; }\nmessage N { }",
			backward: []string{"FIELD_KIND_CHANGED #/M/1", "MESSAGE_ADDED #/N"}, forward: []string{"FIELD_KIND_CHANGED #/M/1", "MESSAGE_REMOVED #/N"},
			backwardMessages: []string{`{errorType:"FIELD_KIND_CHANGED", description:"The type of a field at path '#/M/1' in the new schema does not match the old schema"}`}},
		{name: "map kind", old: p3 + "message M { map<string, int32> x = 1; }", new: p3 + "message M { int32 x = 1; }",
			backward: []string{"FIELD_KIND_CHANGED #/M/1"}, forward: []string{"FIELD_KIND_CHANGED #/M/1"}},
		{name: "scalar kind", old: p3 + "message M { int32 x = 1; }", new: p3 + "message M { sint32 x = 1; }",
			backward: []string{"FIELD_SCALAR_KIND_CHANGED #/M/1"}, forward: []string{"FIELD_SCALAR_KIND_CHANGED #/M/1"},
			backwardMessages: []string{`{errorType:"FIELD_SCALAR_KIND_CHANGED", description:"The kind of a SCALAR field at path '#/M/1' in the new schema does not match its kind in the old schema"}`}},
		{name: "scalar groups are compatible", old: p3 + "message M { int32 a = 1; string b = 2; fixed32 c = 3; fixed64 d = 4; E e = 5; }\nenum E { Z = 0; }",
			new:      p3 + "message M { bool a = 1; bytes b = 2; sfixed32 c = 3; sfixed64 d = 4; uint64 e = 5; }\nenum E { Z = 0; }",
			backward: []string{}, forward: []string{}, backwardOK: true, forwardOK: true},
		{name: "named type", old: p3 + "message M { A x = 1; }\nmessage A { }\nmessage B { }", new: p3 + "message M { B x = 1; }\nmessage A { }\nmessage B { }",
			backward: []string{"FIELD_NAMED_TYPE_CHANGED #/M/1"}, forward: []string{"FIELD_NAMED_TYPE_CHANGED #/M/1"},
			backwardMessages: []string{`{errorType:"FIELD_NAMED_TYPE_CHANGED", description:"The type of a MESSAGE field at path '#/M/1' in the new schema does not match its type in the old schema"}`}},
		{name: "numeric label", old: p3 + "message M { optional int32 x = 1; }", new: p3 + "message M { repeated int32 x = 1; }",
			backward: []string{"FIELD_NUMERIC_LABEL_CHANGED #/M/1"}, forward: []string{"FIELD_NUMERIC_LABEL_CHANGED #/M/1"},
			backwardMessages: []string{`{errorType:"FIELD_NUMERIC_LABEL_CHANGED", description:"The label for a NUMERIC field at path '#/M/1' in the new schema does not match its label in the old schema"}`}},
		{name: "string label", old: p3 + "message M { optional string x = 1; }", new: p3 + "message M { repeated string x = 1; }",
			backward: []string{"FIELD_STRING_OR_BYTES_LABEL_CHANGED #/M/1"}, forward: []string{"FIELD_STRING_OR_BYTES_LABEL_CHANGED #/M/1"}, backwardOK: true, forwardOK: true},
		{name: "required added/removed", old: p2 + "message M { optional int32 x = 1; }", new: p2 + "message M { optional int32 x = 1; required int32 y = 2; }",
			backward: []string{"REQUIRED_FIELD_ADDED #/M/2"}, forward: []string{"REQUIRED_FIELD_REMOVED #/M/2"},
			backwardMessages: []string{`{errorType:"REQUIRED_FIELD_ADDED", description:"A required field  at path '#/M/2' in the new schema is missing in the old schema"}`}},
		{name: "oneof added/removed", old: p3 + "message M { int32 x = 1; }", new: p3 + "message M { oneof o { int32 x = 1; } }",
			backward: []string{"ONEOF_ADDED #/M/o"}, forward: []string{"ONEOF_REMOVED #/M/o", "ONEOF_FIELD_MOVED_TO_TOP_LEVEL #/M/1"}, backwardOK: true, forwardOK: true},
		{name: "oneof field added/removed", old: p3 + "message M { oneof o { int32 x = 1; int32 y = 2; } }", new: p3 + "message M { oneof o { int32 x = 1; int32 y = 2; int32 z = 3; } }",
			backward: []string{"ONEOF_FIELD_ADDED #/M/o/3"}, forward: []string{"ONEOF_FIELD_REMOVED #/M/o/3"}, backwardOK: true,
		},
		{name: "fields moved to oneof", old: p3 + "message M { int32 x = 1; int32 y = 2; }", new: p3 + "message M { oneof o { int32 x = 1; int32 y = 2; } }",
			backward: []string{"MULTIPLE_FIELDS_MOVED_TO_ONEOF #/M/o", "ONEOF_ADDED #/M/o"},
			forward:  []string{"ONEOF_REMOVED #/M/o", "ONEOF_FIELD_MOVED_TO_TOP_LEVEL #/M/1", "ONEOF_FIELD_MOVED_TO_TOP_LEVEL #/M/2"}, forwardOK: true,
			backwardMessages: []string{`{errorType:"MULTIPLE_FIELDS_MOVED_TO_ONEOF", description:"Multiple fields in the oneof at path '#/M/o' in the new schema are outside a oneof in the old schema"}`}},
		{name: "field moved to existing oneof", old: p3 + "message M { int32 x = 1; oneof o { int32 y = 2; } }", new: p3 + "message M { oneof o { int32 x = 1; int32 y = 2; } }",
			backward: []string{"FIELD_MOVED_TO_EXISTING_ONEOF #/M/o"}, forward: []string{"ONEOF_FIELD_MOVED_TO_TOP_LEVEL #/M/1"}, forwardOK: true,
			backwardMessages: []string{`{errorType:"FIELD_MOVED_TO_EXISTING_ONEOF", description:"A field in the oneof at path '#/M/o' in the new schema is outside an existing oneof in the old schema"}`}},
	}
	seen := map[string]bool{}
	for _, c := range cases {
		for _, d := range append(append([]string{}, c.backward...), c.forward...) {
			seen[strings.Fields(d)[0]] = true
		}
		t.Run(c.name, func(t *testing.T) {
			old, upd := parseProto(t, c.old), parseProto(t, c.new)
			if got := diffStrings(t, old, upd); !reflect.DeepEqual(got, append([]string{}, c.backward...)) {
				t.Errorf("old->new\n got  %q\n want %q", got, c.backward)
			}
			if got := diffStrings(t, upd, old); !reflect.DeepEqual(got, append([]string{}, c.forward...)) {
				t.Errorf("new->old\n got  %q\n want %q", got, c.forward)
			}
			bw := protobufDifferences(upd, old, "new", "old", Options{})
			fw := protobufDifferences(old, upd, "old", "new", Options{})
			if (len(bw) == 0) != c.backwardOK || (len(fw) == 0) != c.forwardOK {
				t.Errorf("backward ok %v (%v), forward ok %v (%v); want %v, %v", len(bw) == 0, bw, len(fw) == 0, fw, c.backwardOK, c.forwardOK)
			}
			if c.backwardMessages != nil && !reflect.DeepEqual(bw, c.backwardMessages) {
				t.Errorf("messages\n got  %q\n want %q", bw, c.backwardMessages)
			}
		})
	}
	if len(seen) != 26 {
		t.Errorf("%d difference types covered, want all 26: %v", len(seen), seen)
	}
	for typ := range seen {
		msg := ProtobufDifference{Type: typ, Path: "#/X/1"}.Message("new", "old")
		if protobufCompatible[typ] {
			continue
		}
		if !strings.Contains(msg, "#/X/1") || !strings.Contains(msg, "new schema") || !strings.Contains(msg, "old schema") {
			t.Errorf("%s renders as %s", typ, msg)
		}
	}
	if len(protobufCompatible) != 15 {
		t.Errorf("%d compatible types, want 15", len(protobufCompatible))
	}
}

// TestProtobufLevels runs the Protobuf rules through Check: FORWARD swaps
// reader and writer and labels, and the messages end with the level line.
func TestProtobufLevels(t *testing.T) {
	v1 := parseProto(t, "syntax = \"proto3\";\nmessage M {\n  int32 x = 1;\n}\nmessage N {}\n")
	v2 := parseProto(t, "syntax = \"proto3\";\nmessage M {\n  int32 x = 1;\n}\n")
	prev := []Previous{{Version: 1, Schema: v1}}
	if msgs := Check(Forward, Options{}, v2, prev); msgs != nil {
		t.Errorf("forward: removing a message is compatible, got %v", msgs)
	}
	msgs := Check(Backward, Options{}, v2, prev)
	want := []string{
		`{errorType:"MESSAGE_REMOVED", description:"The new schema is missing a MESSAGE type at path '#/N' in the old schema"}`,
		"{oldSchemaVersion: 1}",
		"{oldSchema: '" + v1.Canonical() + "'}",
		"{validateFields: 'false', compatibility: 'BACKWARD'}",
	}
	if !reflect.DeepEqual(msgs, want) {
		t.Errorf("backward\n got  %q\n want %q", msgs, want)
	}
	msgs = Check(Full, Options{}, v2, prev)
	if len(msgs) != 4 || !strings.Contains(msgs[0], "MESSAGE_REMOVED") {
		t.Errorf("full: %q", msgs)
	}
}

// TestProtobufReferencedMessage compares a message type from a dependency
// whose definition changed between versions.
func TestProtobufReferencedMessage(t *testing.T) {
	main := "syntax = \"proto3\";\nimport \"dep.proto\";\nmessage M { dep.D d = 1; }\n"
	d1 := formats.Dependency{Name: "dep.proto", Schema: "syntax = \"proto3\";\npackage dep;\nmessage D { int32 a = 1; }\n"}
	d2 := formats.Dependency{Name: "dep.proto", Schema: "syntax = \"proto3\";\npackage dep;\nmessage D { string a = 1; }\n"}
	got := diffStrings(t, parseProto(t, main, d1), parseProto(t, main, d2))
	want := []string{"FIELD_SCALAR_KIND_CHANGED #/D/1", "FIELD_NAMED_TYPE_CHANGED #/M/1"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := diffStrings(t, parseProto(t, main, d1), parseProto(t, main, d1)); len(got) != 0 {
		t.Errorf("same dependency: %q", got)
	}
}

func TestProtobufHashSetOrder(t *testing.T) {
	// Java: new HashSet<>(List.of("TestMessage")) + "TestMessage2"
	// iterates TestMessage2 first (bucket 2 before bucket 4 of 16).
	got := pbHashSetOrder([]string{"TestMessage"}, []string{"TestMessage2", "TestMessage"}, pbStringHash)
	if !reflect.DeepEqual(got, []string{"TestMessage2", "TestMessage"}) {
		t.Errorf("order %q", got)
	}
	// Integers below the table size iterate in ascending order.
	ints := pbHashSetOrder([]int{5, 1, 3}, []int{2, 0}, func(i int) int32 { return int32(i) })
	if !reflect.DeepEqual(ints, []int{0, 1, 2, 3, 5}) {
		t.Errorf("ints %v", ints)
	}
}
