package compat

import (
	"reflect"
	"strings"
	"testing"

	"github.com/hamba/avro/v2"
)

// parseAvro parses with a fresh cache so that named types of one schema never
// leak into another.
func parseAvro(t *testing.T, text string) avro.Schema {
	t.Helper()
	s, err := avro.ParseWithCache(text, "", &avro.SchemaCache{})
	if err != nil {
		t.Fatalf("parse %s: %v", text, err)
	}
	return s
}

type avroCase struct {
	name   string
	reader string
	writer string
	want   []AvroIncompatibility
	// backward/forward are the expected Message renderings, one per entry of
	// want, with ("new", "old") and ("old", "new") labels; nil skips.
	backward []string
	forward  []string
}

func runAvroCases(t *testing.T, cases []avroCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := CheckAvro(parseAvro(t, tc.reader), parseAvro(t, tc.writer))
			if len(got) == 0 && len(tc.want) == 0 {
				return
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("CheckAvro:\n got  %#v\n want %#v", got, tc.want)
			}
			for i, want := range tc.backward {
				if m := got[i].Message("new", "old"); m != want {
					t.Errorf("Message(new, old) #%d:\n got  %s\n want %s", i, m, want)
				}
			}
			for i, want := range tc.forward {
				if m := got[i].Message("old", "new"); m != want {
					t.Errorf("Message(old, new) #%d:\n got  %s\n want %s", i, m, want)
				}
			}
			if tc.backward != nil && len(tc.backward) != len(got) {
				t.Errorf("test lists %d backward messages for %d incompatibilities", len(tc.backward), len(got))
			}
		})
	}
}

func TestCheckAvroIncompatibilityTypes(t *testing.T) {
	runAvroCases(t, []avroCase{
		{
			name:   "reader field missing default value",
			reader: `{"type":"record","name":"R","fields":[{"name":"f1","type":"string"},{"name":"f2","type":"int"}]}`,
			writer: `{"type":"record","name":"R","fields":[{"name":"f1","type":"string"}]}`,
			want:   []AvroIncompatibility{{Type: "READER_FIELD_MISSING_DEFAULT_VALUE", Location: "/fields/1", Info: "f2"}},
			backward: []string{
				"{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'f2' at path '/fields/1' in the new schema has no default value and is missing in the old schema', additionalInfo:'f2'}",
			},
			forward: []string{
				"{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'f2' at path '/fields/1' in the old schema has no default value and is missing in the new schema', additionalInfo:'f2'}",
			},
		},
		{
			name:   "type mismatch in a field",
			reader: `{"type":"record","name":"R","fields":[{"name":"f1","type":"int"}]}`,
			writer: `{"type":"record","name":"R","fields":[{"name":"f1","type":"string"}]}`,
			want: []AvroIncompatibility{{Type: "TYPE_MISMATCH", Location: "/fields/0/type",
				Info: "reader type: INT not compatible with writer type: STRING"}},
			backward: []string{
				"{errorType:'TYPE_MISMATCH', description:'The type (path '/fields/0/type') of a field in the new schema does not match with the old schema', additionalInfo:'reader type: INT not compatible with writer type: STRING'}",
			},
			forward: []string{
				"{errorType:'TYPE_MISMATCH', description:'The type (path '/fields/0/type') of a field in the old schema does not match with the new schema', additionalInfo:'reader type: INT not compatible with writer type: STRING'}",
			},
		},
		{
			name:   "name mismatch",
			reader: `{"type":"record","name":"Bar","namespace":"com.acme","fields":[{"name":"a","type":"int"}]}`,
			writer: `{"type":"record","name":"Foo","namespace":"com.acme","fields":[{"name":"a","type":"int"}]}`,
			want:   []AvroIncompatibility{{Type: "NAME_MISMATCH", Location: "/name", Info: "expected: com.acme.Foo"}},
			backward: []string{
				"{errorType:'NAME_MISMATCH', description:'The name of the schema has changed (path '/name')', additionalInfo:'expected: com.acme.Foo'}",
			},
			forward: []string{
				"{errorType:'NAME_MISMATCH', description:'The name of the schema has changed (path '/name')', additionalInfo:'expected: com.acme.Foo'}",
			},
		},
		{
			name:   "fixed size mismatch",
			reader: `{"type":"fixed","name":"F","size":8}`,
			writer: `{"type":"fixed","name":"F","size":4}`,
			want:   []AvroIncompatibility{{Type: "FIXED_SIZE_MISMATCH", Location: "/size", Info: "expected: 4, found: 8"}},
			backward: []string{
				"{errorType:'FIXED_SIZE_MISMATCH', description:'The size of FIXED type field at path '/size' in the new schema does not match with the old schema', additionalInfo:'expected: 4, found: 8'}",
			},
			forward: []string{
				"{errorType:'FIXED_SIZE_MISMATCH', description:'The size of FIXED type field at path '/size' in the old schema does not match with the new schema', additionalInfo:'expected: 4, found: 8'}",
			},
		},
		{
			name:   "missing enum symbols are listed sorted like a Java TreeSet",
			reader: `{"type":"record","name":"R","fields":[{"name":"e","type":{"type":"enum","name":"E","symbols":["A"]}}]}`,
			writer: `{"type":"record","name":"R","fields":[{"name":"e","type":{"type":"enum","name":"E","symbols":["A","D","C","B"]}}]}`,
			want:   []AvroIncompatibility{{Type: "MISSING_ENUM_SYMBOLS", Location: "/fields/0/type/symbols", Info: "[B, C, D]"}},
			backward: []string{
				"{errorType:'MISSING_ENUM_SYMBOLS', description:'The new schema is missing enum symbols '[B, C, D]' at path '/fields/0/type/symbols' in the old schema', additionalInfo:'[B, C, D]'}",
			},
			forward: []string{
				"{errorType:'MISSING_ENUM_SYMBOLS', description:'The old schema is missing enum symbols '[B, C, D]' at path '/fields/0/type/symbols' in the new schema', additionalInfo:'[B, C, D]'}",
			},
		},
		{
			name:   "reader union lacks the writer type",
			reader: `{"type":"record","name":"R","fields":[{"name":"f","type":["null","string"]}]}`,
			writer: `{"type":"record","name":"R","fields":[{"name":"f","type":"int"}]}`,
			want: []AvroIncompatibility{{Type: "MISSING_UNION_BRANCH", Location: "/fields/0/type",
				Info: "reader union lacking writer type: INT"}},
			backward: []string{
				"{errorType:'MISSING_UNION_BRANCH', description:'The new schema is missing a type inside a union field at path '/fields/0/type' in the old schema', additionalInfo:'reader union lacking writer type: INT'}",
			},
			forward: []string{
				"{errorType:'MISSING_UNION_BRANCH', description:'The old schema is missing a type inside a union field at path '/fields/0/type' in the new schema', additionalInfo:'reader union lacking writer type: INT'}",
			},
		},
		{
			name:   "reader union lacks a writer union branch",
			reader: `{"type":"record","name":"R","fields":[{"name":"f","type":["null","string"]}]}`,
			writer: `{"type":"record","name":"R","fields":[{"name":"f","type":["null","string","int"]}]}`,
			want: []AvroIncompatibility{{Type: "MISSING_UNION_BRANCH", Location: "/fields/0/type/2",
				Info: "reader union lacking writer type: INT"}},
			backward: []string{
				"{errorType:'MISSING_UNION_BRANCH', description:'The new schema is missing a type inside a union field at path '/fields/0/type/2' in the old schema', additionalInfo:'reader union lacking writer type: INT'}",
			},
			forward: []string{
				"{errorType:'MISSING_UNION_BRANCH', description:'The old schema is missing a type inside a union field at path '/fields/0/type/2' in the new schema', additionalInfo:'reader union lacking writer type: INT'}",
			},
		},
	})
}

func TestCheckAvroIncompatibleDetails(t *testing.T) {
	runAvroCases(t, []avroCase{
		{
			name:   "root primitives",
			reader: `"int"`,
			writer: `"string"`,
			want:   []AvroIncompatibility{{Type: "TYPE_MISMATCH", Location: "/", Info: "reader type: INT not compatible with writer type: STRING"}},
			backward: []string{
				"{errorType:'TYPE_MISMATCH', description:'The type (path '/') of a field in the new schema does not match with the old schema', additionalInfo:'reader type: INT not compatible with writer type: STRING'}",
			},
		},
		{
			name:   "no narrowing long to int",
			reader: `"int"`,
			writer: `"long"`,
			want:   []AvroIncompatibility{{Type: "TYPE_MISMATCH", Location: "/", Info: "reader type: INT not compatible with writer type: LONG"}},
		},
		{
			name:   "no narrowing double to float",
			reader: `"float"`,
			writer: `"double"`,
			want:   []AvroIncompatibility{{Type: "TYPE_MISMATCH", Location: "/", Info: "reader type: FLOAT not compatible with writer type: DOUBLE"}},
		},
		{
			name:   "record read from enum",
			reader: `{"type":"record","name":"R","fields":[{"name":"f","type":{"type":"record","name":"X","fields":[]}}]}`,
			writer: `{"type":"record","name":"R","fields":[{"name":"f","type":{"type":"enum","name":"X","symbols":["A"]}}]}`,
			want: []AvroIncompatibility{{Type: "TYPE_MISMATCH", Location: "/fields/0/type",
				Info: "reader type: RECORD not compatible with writer type: ENUM"}},
		},
		{
			name:   "writer union read by a non-union reader reports each bad branch at its index",
			reader: `{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"f","type":"string"}]}`,
			writer: `{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"f","type":["null","string","int"]}]}`,
			want: []AvroIncompatibility{
				{Type: "TYPE_MISMATCH", Location: "/fields/1/type/0", Info: "reader type: STRING not compatible with writer type: NULL"},
				{Type: "TYPE_MISMATCH", Location: "/fields/1/type/2", Info: "reader type: STRING not compatible with writer type: INT"},
			},
			backward: []string{
				"{errorType:'TYPE_MISMATCH', description:'The type (path '/fields/1/type/0') of a field in the new schema does not match with the old schema', additionalInfo:'reader type: STRING not compatible with writer type: NULL'}",
				"{errorType:'TYPE_MISMATCH', description:'The type (path '/fields/1/type/2') of a field in the new schema does not match with the old schema', additionalInfo:'reader type: STRING not compatible with writer type: INT'}",
			},
		},
		{
			name:   "record inside a writer union is checked at its branch path",
			reader: `{"type":"record","name":"R","fields":[{"name":"i","type":{"type":"record","name":"I","fields":[{"name":"x","type":"int"}]}}]}`,
			writer: `{"type":"record","name":"R","fields":[{"name":"i","type":["null",{"type":"record","name":"I","fields":[{"name":"x","type":"string"}]}]}]}`,
			want: []AvroIncompatibility{
				{Type: "TYPE_MISMATCH", Location: "/fields/0/type/0", Info: "reader type: RECORD not compatible with writer type: NULL"},
				{Type: "TYPE_MISMATCH", Location: "/fields/0/type/1/fields/0/type", Info: "reader type: INT not compatible with writer type: STRING"},
			},
		},
		{
			name:   "union branch of a named type reports the named type",
			reader: `{"type":"record","name":"R","fields":[{"name":"f","type":["null","string"]}]}`,
			writer: `{"type":"record","name":"R","fields":[{"name":"f","type":["null",{"type":"enum","name":"E","symbols":["A"]}]}]}`,
			want: []AvroIncompatibility{{Type: "MISSING_UNION_BRANCH", Location: "/fields/0/type/1",
				Info: "reader union lacking writer type: ENUM"}},
		},
		{
			name:   "array items",
			reader: `{"type":"array","items":"int"}`,
			writer: `{"type":"array","items":"string"}`,
			want:   []AvroIncompatibility{{Type: "TYPE_MISMATCH", Location: "/items", Info: "reader type: INT not compatible with writer type: STRING"}},
		},
		{
			name:   "map values",
			reader: `{"type":"record","name":"R","fields":[{"name":"m","type":{"type":"map","values":"boolean"}}]}`,
			writer: `{"type":"record","name":"R","fields":[{"name":"m","type":{"type":"map","values":"int"}}]}`,
			want: []AvroIncompatibility{{Type: "TYPE_MISMATCH", Location: "/fields/0/type/values",
				Info: "reader type: BOOLEAN not compatible with writer type: INT"}},
		},
		{
			name:   "array of records",
			reader: `{"type":"array","items":{"type":"record","name":"I","fields":[{"name":"a","type":"int"},{"name":"b","type":"int"}]}}`,
			writer: `{"type":"array","items":{"type":"record","name":"I","fields":[{"name":"a","type":"int"}]}}`,
			want:   []AvroIncompatibility{{Type: "READER_FIELD_MISSING_DEFAULT_VALUE", Location: "/items/fields/1", Info: "b"}},
		},
		{
			name: "nested record",
			reader: `{"type":"record","name":"R","fields":[{"name":"x","type":"int"},
				{"name":"inner","type":{"type":"record","name":"I","fields":[{"name":"a","type":"int"},{"name":"b","type":"int"}]}}]}`,
			writer: `{"type":"record","name":"R","fields":[{"name":"x","type":"int"},
				{"name":"inner","type":{"type":"record","name":"I","fields":[{"name":"a","type":"int"}]}}]}`,
			want: []AvroIncompatibility{{Type: "READER_FIELD_MISSING_DEFAULT_VALUE", Location: "/fields/1/type/fields/1", Info: "b"}},
			backward: []string{
				"{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'b' at path '/fields/1/type/fields/1' in the new schema has no default value and is missing in the old schema', additionalInfo:'b'}",
			},
		},
		{
			name:   "reader alias qualified with the reader namespace does not match another namespace",
			reader: `{"type":"record","name":"New","namespace":"org","aliases":["Old"],"fields":[]}`,
			writer: `{"type":"record","name":"Old","namespace":"com","fields":[]}`,
			want:   []AvroIncompatibility{{Type: "NAME_MISMATCH", Location: "/name", Info: "expected: com.Old"}},
		},
		{
			name:   "fixed name then size",
			reader: `{"type":"fixed","name":"G","size":2}`,
			writer: `{"type":"fixed","name":"F","size":3}`,
			want: []AvroIncompatibility{
				{Type: "NAME_MISMATCH", Location: "/name", Info: "expected: F"},
				{Type: "FIXED_SIZE_MISMATCH", Location: "/size", Info: "expected: 3, found: 2"},
			},
		},
		{
			name:   "enum name then symbols",
			reader: `{"type":"enum","name":"E2","symbols":["A"]}`,
			writer: `{"type":"enum","name":"E","namespace":"n","symbols":["A","B"]}`,
			want: []AvroIncompatibility{
				{Type: "NAME_MISMATCH", Location: "/name", Info: "expected: n.E"},
				{Type: "MISSING_ENUM_SYMBOLS", Location: "/symbols", Info: "[B]"},
			},
		},
		{
			name:   "new reader field of an enum type with an enum default is checked against the writer record",
			reader: `{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"e","type":{"type":"enum","name":"E","symbols":["X","Y"],"default":"X"}}]}`,
			writer: `{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}`,
			want: []AvroIncompatibility{{Type: "TYPE_MISMATCH", Location: "/fields/1/type",
				Info: "reader type: ENUM not compatible with writer type: RECORD"}},
		},
		{
			name:   "a named type met twice repeats its memoised result and first location",
			reader: `{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"record","name":"F","fields":[{"name":"x","type":"int"}]}},{"name":"b","type":"F"}]}`,
			writer: `{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"record","name":"F","fields":[{"name":"x","type":"string"}]}},{"name":"b","type":"F"}]}`,
			want: []AvroIncompatibility{
				{Type: "TYPE_MISMATCH", Location: "/fields/0/type/fields/0/type", Info: "reader type: INT not compatible with writer type: STRING"},
				{Type: "TYPE_MISMATCH", Location: "/fields/0/type/fields/0/type", Info: "reader type: INT not compatible with writer type: STRING"},
			},
		},
		{
			// Java probes reader union branches with a fresh location stack but the
			// shared memo, so the pair (I, I) keeps the probe's root-relative location.
			name:   "a pair first met while probing a reader union keeps the probe location",
			reader: `{"type":"record","name":"R","fields":[{"name":"f0","type":["null",{"type":"record","name":"I","fields":[{"name":"x","type":"int"}]}]},{"name":"f1","type":"I"}]}`,
			writer: `{"type":"record","name":"R","fields":[{"name":"f0","type":{"type":"record","name":"I","fields":[{"name":"x","type":"string"}]}},{"name":"f1","type":"I"}]}`,
			want: []AvroIncompatibility{
				{Type: "MISSING_UNION_BRANCH", Location: "/fields/0/type", Info: "reader union lacking writer type: RECORD"},
				{Type: "TYPE_MISMATCH", Location: "/fields/0/type", Info: "reader type: INT not compatible with writer type: STRING"},
			},
		},
	})
}

func TestCheckAvroCollectsAllInJavaOrder(t *testing.T) {
	runAvroCases(t, []avroCase{{
		name: "name, then fields in reader order",
		reader: `{"type":"record","name":"R2","fields":[
			{"name":"f1","type":"int"},
			{"name":"f2","type":"string"},
			{"name":"f3","type":{"type":"enum","name":"E","symbols":["A"]}},
			{"name":"f4","type":"long","default":0}]}`,
		writer: `{"type":"record","name":"R","fields":[
			{"name":"f3","type":{"type":"enum","name":"E","symbols":["A","C","B"]}},
			{"name":"f1","type":"string"}]}`,
		want: []AvroIncompatibility{
			{Type: "NAME_MISMATCH", Location: "/name", Info: "expected: R"},
			{Type: "TYPE_MISMATCH", Location: "/fields/0/type", Info: "reader type: INT not compatible with writer type: STRING"},
			{Type: "READER_FIELD_MISSING_DEFAULT_VALUE", Location: "/fields/1", Info: "f2"},
			{Type: "MISSING_ENUM_SYMBOLS", Location: "/fields/2/type/symbols", Info: "[B, C]"},
		},
		backward: []string{
			"{errorType:'NAME_MISMATCH', description:'The name of the schema has changed (path '/name')', additionalInfo:'expected: R'}",
			"{errorType:'TYPE_MISMATCH', description:'The type (path '/fields/0/type') of a field in the new schema does not match with the old schema', additionalInfo:'reader type: INT not compatible with writer type: STRING'}",
			"{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'f2' at path '/fields/1' in the new schema has no default value and is missing in the old schema', additionalInfo:'f2'}",
			"{errorType:'MISSING_ENUM_SYMBOLS', description:'The new schema is missing enum symbols '[B, C]' at path '/fields/2/type/symbols' in the old schema', additionalInfo:'[B, C]'}",
		},
		forward: []string{
			"{errorType:'NAME_MISMATCH', description:'The name of the schema has changed (path '/name')', additionalInfo:'expected: R'}",
			"{errorType:'TYPE_MISMATCH', description:'The type (path '/fields/0/type') of a field in the old schema does not match with the new schema', additionalInfo:'reader type: INT not compatible with writer type: STRING'}",
			"{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'f2' at path '/fields/1' in the old schema has no default value and is missing in the new schema', additionalInfo:'f2'}",
			"{errorType:'MISSING_ENUM_SYMBOLS', description:'The old schema is missing enum symbols '[B, C]' at path '/fields/2/type/symbols' in the new schema', additionalInfo:'[B, C]'}",
		},
	}})
}

func TestCheckAvroCompatible(t *testing.T) {
	rec := func(fields string) string {
		return `{"type":"record","name":"R","namespace":"com.acme","fields":[` + fields + `]}`
	}
	runAvroCases(t, []avroCase{
		{name: "identical", reader: rec(`{"name":"a","type":"int"}`), writer: rec(`{"name":"a","type":"int"}`)},
		{name: "add field with default", reader: rec(`{"name":"a","type":"int"},{"name":"b","type":"string","default":"x"}`), writer: rec(`{"name":"a","type":"int"}`)},
		{name: "add optional field with null default", reader: rec(`{"name":"a","type":"int"},{"name":"b","type":["null","string"],"default":null}`), writer: rec(`{"name":"a","type":"int"}`)},
		{name: "remove field", reader: rec(`{"name":"a","type":"int"}`), writer: rec(`{"name":"a","type":"int"},{"name":"b","type":"int"}`)},
		{name: "int to long", reader: rec(`{"name":"a","type":"long"}`), writer: rec(`{"name":"a","type":"int"}`)},
		{name: "int to float", reader: `"float"`, writer: `"int"`},
		{name: "int to double", reader: `"double"`, writer: `"int"`},
		{name: "long to float", reader: `"float"`, writer: `"long"`},
		{name: "long to double", reader: `"double"`, writer: `"long"`},
		{name: "float to double", reader: `"double"`, writer: `"float"`},
		{name: "string to bytes", reader: `"bytes"`, writer: `"string"`},
		{name: "bytes to string", reader: `"string"`, writer: `"bytes"`},
		{name: "null", reader: `"null"`, writer: `"null"`},
		{
			name:   "enum symbol added",
			reader: `{"type":"enum","name":"E","symbols":["A","B","C"]}`,
			writer: `{"type":"enum","name":"E","symbols":["A","B"]}`,
		},
		{
			name:   "enum symbol removed but reader has a default",
			reader: `{"type":"enum","name":"E","symbols":["A","B"],"default":"A"}`,
			writer: `{"type":"enum","name":"E","symbols":["A","B","C"]}`,
		},
		{name: "union widened", reader: rec(`{"name":"a","type":["null","string","int"]}`), writer: rec(`{"name":"a","type":["null","string"]}`)},
		{name: "union reordered", reader: rec(`{"name":"a","type":["string","null"]}`), writer: rec(`{"name":"a","type":["null","string"]}`)},
		{name: "value made optional", reader: rec(`{"name":"a","type":["null","string"]}`), writer: rec(`{"name":"a","type":"string"}`)},
		{name: "union branch promoted", reader: rec(`{"name":"a","type":["null","long"]}`), writer: rec(`{"name":"a","type":"int"}`)},
		{name: "single branch writer union", reader: `"string"`, writer: `["string"]`},
		{
			name:   "record renamed with alias",
			reader: `{"type":"record","name":"New","namespace":"com.acme","aliases":["Old"],"fields":[{"name":"a","type":"int"}]}`,
			writer: `{"type":"record","name":"Old","namespace":"com.acme","fields":[{"name":"a","type":"int"}]}`,
		},
		{
			name:   "record renamed with fully qualified alias",
			reader: `{"type":"record","name":"New","namespace":"org","aliases":["com.acme.Old"],"fields":[]}`,
			writer: `{"type":"record","name":"Old","namespace":"com.acme","fields":[]}`,
		},
		{
			name:   "namespace changed only",
			reader: `{"type":"record","name":"R","namespace":"org.other","fields":[]}`,
			writer: `{"type":"record","name":"R","namespace":"com.acme","fields":[]}`,
		},
		{name: "field renamed with alias", reader: rec(`{"name":"b","aliases":["a"],"type":"int"}`), writer: rec(`{"name":"a","type":"int"}`)},
		{
			name: "nested records",
			reader: rec(`{"name":"inner","type":{"type":"record","name":"I","fields":[{"name":"x","type":"long"},{"name":"y","type":"int","default":1}]}},
				{"name":"again","type":"I"}`),
			writer: rec(`{"name":"inner","type":{"type":"record","name":"I","fields":[{"name":"x","type":"int"}]}},
				{"name":"again","type":"I"}`),
		},
		{
			name:   "array of records",
			reader: `{"type":"array","items":{"type":"record","name":"I","fields":[{"name":"x","type":"long"},{"name":"y","type":"int","default":1}]}}`,
			writer: `{"type":"array","items":{"type":"record","name":"I","fields":[{"name":"x","type":"int"}]}}`,
		},
		{
			name:   "map of records",
			reader: `{"type":"map","values":{"type":"record","name":"I","fields":[{"name":"x","type":"double"}]}}`,
			writer: `{"type":"map","values":{"type":"record","name":"I","fields":[{"name":"x","type":"float"},{"name":"z","type":"string"}]}}`,
		},
		{name: "fixed", reader: `{"type":"fixed","name":"F","size":16}`, writer: `{"type":"fixed","name":"F","size":16}`},
		{
			name:   "logical types are ignored",
			reader: rec(`{"name":"ts","type":"long"},{"name":"d","type":{"type":"int","logicalType":"date"}},{"name":"u","type":"string"}`),
			writer: rec(`{"name":"ts","type":{"type":"long","logicalType":"timestamp-millis"}},{"name":"d","type":"int"},{"name":"u","type":{"type":"string","logicalType":"uuid"}}`),
		},
		{
			name:   "error record reads a record",
			reader: `{"type":"error","name":"R","fields":[]}`,
			writer: `{"type":"record","name":"R","fields":[]}`,
		},
	})
}

const linkedListWriter = `{"type":"record","name":"Node","fields":[
	{"name":"value","type":"int"},
	{"name":"next","type":["null","Node"]}]}`

func TestCheckAvroRecursive(t *testing.T) {
	runAvroCases(t, []avroCase{
		{
			name: "linked list compatible",
			reader: `{"type":"record","name":"Node","fields":[
				{"name":"value","type":"long"},
				{"name":"next","type":["null","Node"]},
				{"name":"label","type":"string","default":""}]}`,
			writer: linkedListWriter,
		},
		{
			name: "tree through arrays and maps compatible",
			reader: `{"type":"record","name":"T","fields":[{"name":"kids","type":{"type":"array","items":"T"}},
				{"name":"byName","type":{"type":"map","values":"T"}}]}`,
			writer: `{"type":"record","name":"T","fields":[{"name":"kids","type":{"type":"array","items":"T"}},
				{"name":"byName","type":{"type":"map","values":"T"}}]}`,
		},
		{
			name: "linked list incompatible value",
			reader: `{"type":"record","name":"Node","fields":[
				{"name":"value","type":"string"},
				{"name":"next","type":["null","Node"]}]}`,
			writer: linkedListWriter,
			want: []AvroIncompatibility{{Type: "TYPE_MISMATCH", Location: "/fields/0/type",
				Info: "reader type: STRING not compatible with writer type: INT"}},
		},
		{
			name: "linked list with required next",
			reader: `{"type":"record","name":"Node","fields":[
				{"name":"value","type":"int"},
				{"name":"next","type":"Node"}]}`,
			writer: linkedListWriter,
			want: []AvroIncompatibility{{Type: "TYPE_MISMATCH", Location: "/fields/1/type/0",
				Info: "reader type: RECORD not compatible with writer type: NULL"}},
		},
		{
			name: "linked list with a new required field",
			reader: `{"type":"record","name":"Node","fields":[
				{"name":"value","type":"int"},
				{"name":"next","type":["null","Node"]},
				{"name":"extra","type":"int"}]}`,
			writer: linkedListWriter,
			want:   []AvroIncompatibility{{Type: "READER_FIELD_MISSING_DEFAULT_VALUE", Location: "/fields/2", Info: "extra"}},
		},
	})
}

func TestCheckAvroMultipleWriterFieldsMatch(t *testing.T) {
	reader := parseAvro(t, `{"type":"record","name":"R","fields":[{"name":"a","aliases":["b"],"type":"int"}]}`)
	writer := parseAvro(t, `{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"int"}]}`)
	got := CheckAvro(reader, writer)
	if len(got) != 1 || got[0].Type != "" {
		t.Fatalf("CheckAvro = %#v, want one aborted entry", got)
	}
	wantInfo := "Reader record field a type:INT pos:0 matches multiple fields in writer record schema " + writer.String()
	if got[0].Info != wantInfo {
		t.Errorf("Info = %q, want %q", got[0].Info, wantInfo)
	}
	if m := got[0].Message("new", "old"); m != "Unexpected exception during compatibility check: "+wantInfo {
		t.Errorf("Message = %q", m)
	}
}

// The result must not be shared with the memo: appending to one result must
// not change a later check.
func TestCheckAvroResultsAreIndependent(t *testing.T) {
	r := parseAvro(t, `"int"`)
	w := parseAvro(t, `"string"`)
	a := CheckAvro(r, w)
	a[0].Info = "changed"
	b := CheckAvro(r, w)
	if len(b) != 1 || !strings.HasPrefix(b[0].Info, "reader type: INT") {
		t.Fatalf("second check = %#v", b)
	}
}
