package compat

import (
	"reflect"
	"strings"
	"testing"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/avro"
	"github.com/schemaregistry/registry/formats/jsonschema"
	"github.com/schemaregistry/registry/formats/protobuf"
)

func parse(t *testing.T, text string) formats.Schema {
	t.Helper()
	s, err := avro.Format{}.Parse(text, nil, formats.Options{New: true})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Schemas of one record's evolution:
//
//	v1 {a}          v2 {a, b default}   v3 {a, b default, c no default}
//	onlyC {c no default}
const (
	v1    = `{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}`
	v2    = `{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"string","default":""}]}`
	v3    = `{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"string","default":""},{"name":"c","type":"long"}]}`
	noA   = `{"type":"record","name":"R","fields":[{"name":"b","type":"string","default":""}]}`
	withC = `{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"c","type":"long"}]}`
)

func history(t *testing.T, texts ...string) []Previous {
	var out []Previous
	for i, s := range texts {
		out = append(out, Previous{Version: i + 1, Schema: parse(t, s)})
	}
	return out
}

func TestLevels(t *testing.T) {
	for _, tc := range []struct {
		level     Level
		history   []string
		candidate string
		ok        bool
	}{
		// BACKWARD: the new schema reads the latest's data.
		{Backward, []string{v1}, v2, true},
		{Backward, []string{v1}, withC, false}, // c has no default
		{Backward, []string{v1}, noA, true},    // dropping a field is fine for the reader
		// FORWARD: the latest reads the new schema's data.
		{Forward, []string{v1}, withC, true},
		{Forward, []string{v1}, noA, false}, // old reader needs a
		{Forward, []string{v2}, v1, true},   // old reader has a default for b
		// FULL: both.
		{Full, []string{v1}, v2, true},
		{Full, []string{v1}, withC, false},
		{Full, []string{v1}, noA, false},
		// Non-transitive levels look at the latest only...
		{Backward, []string{noA, v2}, v1, true},
		{Forward, []string{withC, v1}, v2, true},
		{Full, []string{noA, v1}, v2, true},
		// ...transitive ones at every version.
		{BackwardTransitive, []string{v1, v2}, v3, false},
		{BackwardTransitive, []string{v1, v2}, v2, true},
		{BackwardTransitive, []string{noA, v2}, v1, false},
		{ForwardTransitive, []string{withC, v1}, v2, false},
		{ForwardTransitive, []string{v1, v2}, v1, true},
		{FullTransitive, []string{noA, v1}, v2, false},
		{FullTransitive, []string{v1, v2}, v2, true},
		// NONE accepts anything, and the first version is always fine.
		{None, []string{v1}, `"string"`, true},
		{Backward, nil, v3, true},
		{FullTransitive, nil, v3, true},
	} {
		msgs := Check(tc.level, Options{}, parse(t, tc.candidate), history(t, tc.history...))
		if (len(msgs) == 0) != tc.ok {
			t.Errorf("%s history %v candidate %s: compatible=%v, want %v; messages %q", tc.level, tc.history, tc.candidate, len(msgs) == 0, tc.ok, msgs)
		}
	}
}

func TestMessages(t *testing.T) {
	got := Check(Backward, Options{}, parse(t, withC), history(t, v1))
	want := []string{
		"{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'c' at path '/fields/1' in the new schema has no default value and is missing in the old schema', additionalInfo:'c'}",
		"{oldSchemaVersion: 1}",
		"{oldSchema: '" + v1 + "'}",
		"{validateFields: 'false', compatibility: 'BACKWARD'}",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("BACKWARD:\n got  %q\n want %q", got, want)
	}
	// FORWARD labels the old schema as the reader.
	got = Check(Forward, Options{ValidateFields: true}, parse(t, noA), history(t, v1))
	want = []string{
		"{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'a' at path '/fields/0' in the old schema has no default value and is missing in the new schema', additionalInfo:'a'}",
		"{oldSchemaVersion: 1}",
		"{oldSchema: '" + v1 + "'}",
		"{validateFields: 'true', compatibility: 'FORWARD'}",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("FORWARD:\n got  %q\n want %q", got, want)
	}
	// FULL: forward messages first, the old-schema lines only after the backward half.
	got = Check(Full, Options{}, parse(t, `{"type":"record","name":"R","fields":[{"name":"c","type":"long"}]}`), history(t, v1))
	want = []string{
		"{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'a' at path '/fields/0' in the old schema has no default value and is missing in the new schema', additionalInfo:'a'}",
		"{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'c' at path '/fields/0' in the new schema has no default value and is missing in the old schema', additionalInfo:'c'}",
		"{oldSchemaVersion: 1}",
		"{oldSchema: '" + v1 + "'}",
		"{validateFields: 'false', compatibility: 'FULL'}",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("FULL:\n got  %q\n want %q", got, want)
	}
}

// Transitive checks run newest to oldest and report only the first
// incompatible version.
func TestTransitiveStopsAtNewestIncompatible(t *testing.T) {
	hist := history(t, v1, v1, v2)
	got := Check(BackwardTransitive, Options{}, parse(t, v3), hist)
	if len(got) != 4 || got[1] != "{oldSchemaVersion: 3}" {
		t.Errorf("got %q, want the messages of version 3 only", got)
	}
	// Version 3 reads v2's data; version 2 cannot: its messages are reported.
	got = Check(ForwardTransitive, Options{}, parse(t, v2), history(t, withC, withC, v1))
	if len(got) != 4 || got[1] != "{oldSchemaVersion: 2}" {
		t.Errorf("got %q, want the messages of version 2", got)
	}
}

type otherType struct{}

func (otherType) Type() formats.SchemaType { return "JSON" }
func (otherType) Canonical() string        { return "{}" }

func TestDifferentSchemaType(t *testing.T) {
	got := Check(Backward, Options{}, parse(t, v1), []Previous{{Version: 1, Schema: otherType{}}})
	want := []string{"Incompatible because of different schema type", "{validateFields: 'false', compatibility: 'BACKWARD'}"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestLevelNames(t *testing.T) {
	for in, want := range map[string]Level{"backward": Backward, " Full_Transitive ": FullTransitive, "NONE": None} {
		if got, err := ParseLevel(in); err != nil || got != want {
			t.Errorf("ParseLevel(%q) = %q, %v", in, got, err)
		}
		var l Level
		if err := l.UnmarshalText([]byte(in)); err != nil || l != want {
			t.Errorf("UnmarshalText(%q) = %q, %v", in, l, err)
		}
	}
	for _, bad := range []string{"sideways", "", "BACKWARDS"} {
		if _, err := ParseLevel(bad); err != ErrInvalidLevel {
			t.Errorf("ParseLevel(%q): %v, want ErrInvalidLevel", bad, err)
		}
	}
	// The 42203 message names every level, in Confluent's order.
	var names []string
	for _, l := range Levels {
		names = append(names, strings.ToLower(l.String()))
	}
	want := "Valid values are " + strings.Join(names[:len(names)-1], ", ") + ", and " + names[len(names)-1]
	if !strings.Contains(ErrInvalidLevel.Error(), want) {
		t.Errorf("%q does not list the levels as %q", ErrInvalidLevel, want)
	}
}

func TestOldSchemaIsTruncated(t *testing.T) {
	var fields []string
	for i := 0; i < 600; i++ {
		fields = append(fields, `{"name":"field_number_`+strings.Repeat("x", 10)+string(rune('a'+i%26))+`_`+itoa(i)+`","type":"int"}`)
	}
	big := `{"type":"record","name":"R","fields":[` + strings.Join(fields, ",") + `]}`
	got := Check(Backward, Options{}, parse(t, `{"type":"record","name":"R","fields":[{"name":"z","type":"int"}]}`), history(t, big))
	var old string
	for _, m := range got {
		if strings.HasPrefix(m, "{oldSchema:") {
			old = m
		}
	}
	if !strings.HasPrefix(old, "{oldSchema: <truncated> '") || len(old) > 10*1024+64 {
		t.Errorf("old schema line not truncated: %d bytes, starts %q", len(old), old[:min(40, len(old))])
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	s := ""
	for ; i > 0; i /= 10 {
		s = string(rune('0'+i%10)) + s
	}
	return s
}

func TestChanges(t *testing.T) {
	parse := func(f formats.Format, text string) formats.Schema {
		s, err := f.Parse(text, nil, formats.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	p1 := parse(protobuf.Format{}, "syntax = \"proto3\";\nmessage M { string a = 1; }\n")
	p2 := parse(protobuf.Format{}, "syntax = \"proto3\";\nmessage M { int32 a = 1; string b = 2; }\n")
	got, ok, err := Changes(p1, p2)
	want := []Change{{"FIELD_SCALAR_KIND_CHANGED", "#/M/1", false}, {"FIELD_ADDED", "#/M/2", true}}
	if err != nil || !ok || !reflect.DeepEqual(got, want) {
		t.Errorf("protobuf changes %+v %v %v, want %+v", got, ok, err, want)
	}
	j1 := parse(jsonschema.Format{}, `{"type":"object","properties":{"a":{"type":"string","maxLength":10}}}`)
	j2 := parse(jsonschema.Format{}, `{"type":"object","properties":{"a":{"type":"string","maxLength":5}}}`)
	got, ok, err = Changes(j1, j2)
	want = []Change{{"MAX_LENGTH_DECREASED", "#/properties/a/maxLength", false}}
	if err != nil || !ok || !reflect.DeepEqual(got, want) {
		t.Errorf("json changes %+v %v %v, want %+v", got, ok, err, want)
	}
	a := parse(avro.Format{}, `"string"`)
	if _, ok, _ := Changes(a, a); ok {
		t.Error("Avro has no change list")
	}
}
