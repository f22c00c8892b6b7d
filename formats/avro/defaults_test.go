package avro

import (
	"errors"
	"math"
	"runtime"
	"strings"
	"testing"

	hamba "github.com/hamba/avro/v2"

	"github.com/schemaregistry/registry/formats"
)

func rec(fields ...string) string {
	return `{"type":"record","name":"R","fields":[` + strings.Join(fields, ",") + `]}`
}

func fld(name, typ, def string) string {
	return `{"name":"` + name + `","type":` + typ + `,"default":` + def + `}`
}

const (
	recS      = `{"type":"record","name":"S","fields":[{"name":"x","type":"int"},{"name":"y","type":"string","default":"d"}]}`
	recSText  = `{"type":"record","name":"S","fields":[{"name":"x","type":"int"},{"name":"y","type":"string","default":"d"}]}`
	addressNS = `{"type":"record","name":"Address","namespace":"com.acme","fields":[{"name":"street","type":"string"}]}`
)

var address = formats.Dependency{Name: "com.acme.Address", Schema: addressNS}

// defaultCases are schemas with field defaults and what Avro Java 1.12's
// Schema.Parser with validateDefaults says of them ("" = valid), and whether
// hamba/avro (which validated the defaults of new schemas before) accepts
// them: the cases where it differs from Java are behaviour changes.
var defaultCases = []struct {
	name  string
	in    string
	deps  []formats.Dependency
	java  string // Avro Java's message, "" when valid
	hamba bool   // hamba accepts
}{
	// int: an integral JSON number in int32.
	{"int", rec(fld("a", `"int"`, `1`)), nil, "", true},
	{"int max", rec(fld("a", `"int"`, `2147483647`)), nil, "", true},
	{"int min", rec(fld("a", `"int"`, `-2147483648`)), nil, "", true},
	{"int -0", rec(fld("a", `"int"`, `-0`)), nil, "", true},
	{"int above max", rec(fld("a", `"int"`, `2147483648`)), nil, `Invalid default for field a: 2147483648 not a "int"`, true},
	{"int below min", rec(fld("a", `"int"`, `-2147483649`)), nil, `Invalid default for field a: -2147483649 not a "int"`, true},
	{"int 1.0", rec(fld("a", `"int"`, `1.0`)), nil, `Invalid default for field a: 1.0 not a "int"`, true},
	{"int 1.5", rec(fld("a", `"int"`, `1.5`)), nil, `Invalid default for field a: 1.5 not a "int"`, true},
	{"int 1e2 is a double", rec(fld("a", `"int"`, `1e2`)), nil, `Invalid default for field a: 100.0 not a "int"`, true},
	{"int string", rec(fld("a", `"int"`, `"1"`)), nil, `Invalid default for field a: "1" not a "int"`, false},
	{"int null", rec(fld("a", `"int"`, `null`)), nil, `Invalid default for field a: null not a "int"`, false},
	// long: an integral JSON number in int64.
	{"long", rec(fld("a", `"long"`, `3000000000`)), nil, "", true},
	{"long max", rec(fld("a", `"long"`, `9223372036854775807`)), nil, "", true},
	{"long above max", rec(fld("a", `"long"`, `9223372036854775808`)), nil, `Invalid default for field a: 9223372036854775808 not a "long"`, true},
	{"long 1.0", rec(fld("a", `"long"`, `1.0`)), nil, `Invalid default for field a: 1.0 not a "long"`, true},
	{"long bool", rec(fld("a", `"long"`, `true`)), nil, `Invalid default for field a: true not a "long"`, false},
	// float, double: any JSON number; a string is read by Double.parseDouble.
	{"float int", rec(fld("a", `"float"`, `1`)), nil, "", true},
	{"double", rec(fld("a", `"double"`, `1.5e300`)), nil, "", true},
	{"double out of range", rec(fld("a", `"double"`, `1e400`)), nil, "", false},
	{"double text", rec(fld("a", `"double"`, `" 5 "`)), nil, "", true},
	{"double NaN", rec(fld("a", `"double"`, `"NaN"`)), nil, "", false},
	{"float -Infinity", rec(fld("a", `"float"`, `"-Infinity"`)), nil, "", false},
	{"double hex text", rec(fld("a", `"double"`, `"0x1p3"`)), nil, "", true},
	{"double not a number", rec(fld("a", `"double"`, `"abc"`)), nil, `For input string: "abc"`, false},
	{"double empty text", rec(fld("a", `"double"`, `" "`)), nil, `empty String`, false},
	{"double two points", rec(fld("a", `"double"`, `"1.2.3"`)), nil, `multiple points`, false},
	{"double bool", rec(fld("a", `"double"`, `false`)), nil, `Invalid default for field a: false not a "double"`, false},
	{"double null", rec(fld("a", `"double"`, `null`)), nil, `Invalid default for field a: null not a "double"`, false},
	// boolean, null.
	{"boolean", rec(fld("a", `"boolean"`, `true`)), nil, "", true},
	{"boolean number", rec(fld("a", `"boolean"`, `0`)), nil, `Invalid default for field a: 0 not a "boolean"`, false},
	{"boolean text", rec(fld("a", `"boolean"`, `"true"`)), nil, `Invalid default for field a: "true" not a "boolean"`, false},
	{"null", rec(fld("a", `"null"`, `null`)), nil, "", true},
	{"null number", rec(fld("a", `"null"`, `0`)), nil, `Invalid default for field a: 0 not a "null"`, false},
	// string, bytes, enum, fixed: any JSON string.
	{"string", rec(fld("a", `"string"`, `"x"`)), nil, "", true},
	{"string number", rec(fld("a", `"string"`, `1`)), nil, `Invalid default for field a: 1 not a "string"`, false},
	{"string null", rec(fld("a", `"string"`, `null`)), nil, `Invalid default for field a: null not a "string"`, false},
	{"string object", rec(fld("a", `"string"`, `{"k":"v"}`)), nil, `Invalid default for field a: {"k":"v"} not a "string"`, false},
	{"bytes", rec(fld("a", `"bytes"`, `"\u00ff"`)), nil, "", true},
	{"bytes beyond U+00FF", rec(fld("a", `"bytes"`, `"\u0100"`)), nil, "", false},
	{"bytes number", rec(fld("a", `"bytes"`, `1`)), nil, `Invalid default for field a: 1 not a "bytes"`, false},
	{"fixed", rec(fld("a", `{"type":"fixed","name":"F","size":2}`, `"ab"`)), nil, "", true},
	{"fixed of another size", rec(fld("a", `{"type":"fixed","name":"F","size":2}`, `"abc"`)), nil, "", true},
	{"fixed number", rec(fld("a", `{"type":"fixed","name":"F","size":2}`, `1`)), nil, `Invalid default for field a: 1 not a {"type":"fixed","name":"F","size":2}`, false},
	{"enum", rec(fld("a", `{"type":"enum","name":"E","symbols":["A","B"]}`, `"B"`)), nil, "", true},
	{"enum unknown symbol", rec(fld("a", `{"type":"enum","name":"E","symbols":["A","B"]}`, `"Z"`)), nil, "", false},
	{"enum number", rec(fld("a", `{"type":"enum","name":"E","symbols":["A","B"]}`, `1`)), nil, `Invalid default for field a: 1 not a {"type":"enum","name":"E","symbols":["A","B"]}`, false},
	// Logical types change nothing.
	{"decimal bytes", rec(fld("a", `{"type":"bytes","logicalType":"decimal","precision":4,"scale":2}`, `"\u0000\u0001"`)), nil, "", true},
	{"decimal number", rec(fld("a", `{"type":"bytes","logicalType":"decimal","precision":4,"scale":2}`, `1.5`)), nil, `Invalid default for field a: 1.5 not a {"type":"bytes","logicalType":"decimal","precision":4,"scale":2}`, false},
	{"date text", rec(fld("a", `{"type":"int","logicalType":"date"}`, `"2020-01-01"`)), nil, `Invalid default for field a: "2020-01-01" not a {"type":"int","logicalType":"date"}`, false},
	{"timestamp fraction", rec(fld("a", `{"type":"long","logicalType":"timestamp-millis"}`, `1.5`)), nil, `Invalid default for field a: 1.5 not a {"type":"long","logicalType":"timestamp-millis"}`, true},
	{"uuid", rec(fld("a", `{"type":"string","logicalType":"uuid"}`, `"not-a-uuid"`)), nil, "", true},
	// array, map: every element, every value.
	{"array", rec(fld("a", `{"type":"array","items":"int"}`, `[1,2]`)), nil, "", true},
	{"array empty", rec(fld("a", `{"type":"array","items":"int"}`, `[]`)), nil, "", true},
	{"array bad element", rec(fld("a", `{"type":"array","items":"int"}`, `[1,"x"]`)), nil, `Invalid default for field a: [1,"x"] not a {"type":"array","items":"int"}`, false},
	{"array fraction element", rec(fld("a", `{"type":"array","items":"long"}`, `[1,2.5]`)), nil, `Invalid default for field a: [1,2.5] not a {"type":"array","items":"long"}`, true},
	{"array not an array", rec(fld("a", `{"type":"array","items":"int"}`, `{}`)), nil, `Invalid default for field a: {} not a {"type":"array","items":"int"}`, false},
	{"array of unions, second branch", rec(fld("a", `{"type":"array","items":["null","int"]}`, `[null,1]`)), nil, "", false},
	{"map", rec(fld("a", `{"type":"map","values":"long"}`, `{"a":1}`)), nil, "", true},
	{"map bad value", rec(fld("a", `{"type":"map","values":"long"}`, `{"a":1,"b":1.5}`)), nil, `Invalid default for field a: {"a":1,"b":1.5} not a {"type":"map","values":"long"}`, true},
	{"map not an object", rec(fld("a", `{"type":"map","values":"long"}`, `[]`)), nil, `Invalid default for field a: [] not a {"type":"map","values":"long"}`, false},
	{"map of records, partial value", rec(fld("a", `{"type":"map","values":`+recS+`}`, `{"k":{"x":1},"l":{"y":"z"}}`)), nil,
		`Invalid default for field a: {"k":{"x":1},"l":{"y":"z"}} not a {"type":"map","values":` + recSText + `}`, false},
	// union: any branch (Avro Java 1.12).
	{"union null", rec(fld("a", `["null","int"]`, `null`)), nil, "", true},
	{"union second branch", rec(fld("a", `["null","int"]`, `1`)), nil, "", false},
	{"union second branch null", rec(fld("a", `["int","null"]`, `null`)), nil, "", false},
	{"union second branch record", rec(fld("a", `["null",`+recS+`]`, `{"x":1}`)), nil, "", false},
	{"union no branch", rec(fld("a", `["null","int"]`, `"x"`)), nil, `Invalid default for field a: "x" not a ["null","int"]`, false},
	{"union no branch fraction", rec(fld("a", `["string","long"]`, `1.5`)), nil, `Invalid default for field a: 1.5 not a ["string","long"]`, false},
	{"union with a logical type", rec(fld("a", `["null",{"type":"long","logicalType":"timestamp-millis"}]`, `1.5`)), nil,
		`Invalid default for field a: 1.5 not a ["null",{"type":"long","logicalType":"timestamp-millis"}]`, false},
	{"empty union", rec(fld("a", `[]`, `null`)), nil, `Invalid default for field a: null not a []`, false},
	// record: every field, from the object or the field's own default.
	{"record", rec(fld("a", recS, `{"x":1}`)), nil, "", true},
	{"record extra key", rec(fld("a", recS, `{"x":1,"extra":true}`)), nil, "", true},
	{"record duplicate key: the last wins", rec(fld("a", recS, `{"x":"a","x":1}`)), nil, "", true},
	{"record missing field without default", rec(fld("a", recS, `{"y":"z"}`)), nil, `Invalid default for field a: {"y":"z"} not a ` + recSText, false},
	{"record bad field", rec(fld("a", recS, `{"x":"1"}`)), nil, `Invalid default for field a: {"x":"1"} not a ` + recSText, false},
	{"record not an object", rec(fld("a", recS, `[]`)), nil, `Invalid default for field a: [] not a ` + recSText, false},
	{"record null", rec(fld("a", recS, `null`)), nil, `Invalid default for field a: null not a ` + recSText, false},
	{"record missing nullable field without default", rec(fld("a", `{"type":"record","name":"S","fields":[{"name":"z","type":["null","int"]}]}`, `{}`)), nil,
		`Invalid default for field a: {} not a {"type":"record","name":"S","fields":[{"name":"z","type":["null","int"]}]}`, true},
	{"record missing null field without default", rec(fld("a", `{"type":"record","name":"S","fields":[{"name":"z","type":"null"}]}`, `{}`)), nil,
		`Invalid default for field a: {} not a {"type":"record","name":"S","fields":[{"name":"z","type":"null"}]}`, true},
	{"record field default read as a double", rec(fld("a", `{"type":"record","name":"S","fields":[{"name":"d","type":"double","default":"5"}]}`, `{}`)), nil, "", true},
	{"error type", rec(fld("a", `{"type":"error","name":"X","fields":[{"name":"m","type":"string"}]}`, `{"m":1}`)), nil,
		`Invalid default for field a: {"m":1} not a {"type":"error","name":"X","fields":[{"name":"m","type":"string"}]}`, false},
	// Nested named types: checked as they are parsed, the first in document
	// order wins; a named type used again prints in full.
	{"nested record's field", rec(fld("a", `{"type":"record","name":"S","fields":[`+fld("x", `"int"`, `"bad"`)+`]}`, `{"x":1}`)), nil,
		`Invalid default for field x: "bad" not a "int"`, false},
	{"first of two", rec(fld("a", `"int"`, `"x"`), fld("b", `"string"`, `1`)), nil, `Invalid default for field a: "x" not a "int"`, false},
	{"nested before a later field", rec(fld("a", `{"type":"record","name":"S","fields":[`+fld("x", `"int"`, `"bad"`)+`]}`, `{}`), fld("b", `"string"`, `1`)), nil,
		`Invalid default for field x: "bad" not a "int"`, false},
	{"field before a later nested one", rec(fld("b", `"string"`, `1`), fld("a", `{"type":"record","name":"S","fields":[`+fld("x", `"int"`, `"bad"`)+`]}`, `{}`)), nil,
		`Invalid default for field b: 1 not a "string"`, false},
	{"named type used again", rec(`{"name":"a","type":`+recS+`}`, fld("b", `"S"`, `{"x":"no"}`)), nil,
		`Invalid default for field b: {"x":"no"} not a ` + recSText, false},
	{"named type used again in a namespace", `{"type":"record","name":"R","namespace":"n","fields":[{"name":"a","type":{"type":"enum","name":"E","symbols":["A"]}},` + fld("b", `["null","E"]`, `1`) + `]}`, nil,
		`Invalid default for field b: 1 not a ["null",{"type":"enum","name":"E","namespace":"n","symbols":["A"]}]`, false},
	{"named type used again, good", rec(`{"name":"a","type":`+recS+`}`, fld("b", `["null","S"]`, `{"x":2}`)), nil, "", false},
	// A record inside itself has no fields yet.
	{"recursive null", rec(fld("a", `["null","R"]`, `null`)), nil, "", true},
	{"recursive record value", rec(fld("a", `["null","R"]`, `{"a":null}`)), nil, `Schema fields not set yet`, false},
	{"recursive in an array", rec(fld("a", `{"type":"array","items":"R"}`, `[{}]`)), nil, `Schema fields not set yet`, false},
	{"recursive empty array", rec(fld("a", `{"type":"array","items":"R"}`, `[]`)), nil, "", true},
	{"recursive bad default prints the record so far", `{"type":"record","name":"R","namespace":"n","doc":"d","aliases":["Q"],"p":1,"fields":[{"name":"x","type":"int"},` + fld("a", `["null","R"]`, `"x"`) + `]}`, nil,
		`Invalid default for field a: "x" not a ["null",{"type":"record","name":"R","namespace":"n","doc":"d"}]`, false},
	// References.
	{"reference good", `{"type":"record","name":"User","namespace":"com.acme","fields":[` + fld("home", `"Address"`, `{"street":"main"}`) + `]}`, []formats.Dependency{address}, "", true},
	{"reference bad", `{"type":"record","name":"User","namespace":"com.acme","fields":[` + fld("home", `"Address"`, `{"street":1}`) + `]}`, []formats.Dependency{address},
		`Invalid default for field home: {"street":1} not a ` + addressNS, false},
	{"reference with a bad default", `{"type":"record","name":"User","fields":[]}`,
		[]formats.Dependency{{Name: "bad", Schema: rec(fld("a", `"int"`, `"x"`))}}, `reference "bad": Invalid default for field a: "x" not a "int"`, false},
	// The order attribute is read before the default; duplicate fields and
	// aliases are seen after all fields.
	{"order before default", rec(`{"name":"a","type":"int","order":"up","default":"x"}`), nil, `No enum constant for order "up"`, false},
	{"default before duplicate field", rec(`{"name":"a","type":"int"}`, `{"name":"a","type":"int"}`, fld("b", `"int"`, `"x"`)), nil, `Invalid default for field b: "x" not a "int"`, false},
	{"default before alias", `{"type":"record","name":"R","aliases":[1],"fields":[` + fld("b", `"int"`, `"x"`) + `]}`, nil, `Invalid default for field b: "x" not a "int"`, false},
}

func TestDefaultsAsAvroJava(t *testing.T) {
	if len(defaultCases) < 60 {
		t.Fatalf("%d cases", len(defaultCases))
	}
	for _, tc := range defaultCases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Format{}.Parse(tc.in, tc.deps, formats.Options{New: true})
			got := ""
			if err != nil {
				if !errors.Is(err, formats.ErrInvalid) {
					t.Fatalf("%v does not wrap ErrInvalid", err)
				}
				got = strings.TrimPrefix(err.Error(), formats.ErrInvalid.Error()+": ")
			}
			if got != tc.java {
				t.Errorf("%s\n got  %q\n want %q", tc.in, got, tc.java)
			}
			// hamba's verdict on the same text (what Parse used to say), and
			// what the checker gets.
			s, err := Format{}.Parse(tc.in, tc.deps, formats.Options{})
			if err != nil {
				if tc.java == "" {
					t.Fatalf("stored parse: %v", err)
				}
				return // refused for another reason too
			}
			as := s.(*Schema)
			_, herr := hambaParseAll(as.depTexts, as.hambaText)
			if (herr == nil) != tc.hamba {
				t.Errorf("hamba accepts: %v (%v), want %v", herr == nil, herr, tc.hamba)
			}
			if tc.java == "" && as.Hamba() == nil {
				t.Errorf("no hamba model for a valid schema: %v", as.hambaFail)
			}
		})
	}
}

// The textual defaults of float and double fields become doubles, printed
// as Jackson prints them (non-finite ones quoted), and stay so.
func TestTextualDoubleDefaults(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`"5"`, `5.0`}, {`" 1.5 "`, `1.5`}, {`"NaN"`, `"NaN"`}, {`"-Infinity"`, `"-Infinity"`}, {`"1e400"`, `"Infinity"`},
		{`"0x1p3"`, `8.0`}, {`"1d"`, `1.0`}, {`"+.5f"`, `0.5`}, {`"1e-400"`, `0.0`}, {`"-0"`, `-0.0`}, {`1e400`, `"Infinity"`},
	} {
		in := rec(fld("a", `"double"`, tc.in))
		want := rec(fld("a", `"double"`, tc.want))
		for _, nw := range []bool{true, false} {
			s, err := Format{}.Parse(in, nil, formats.Options{New: nw})
			if err != nil {
				t.Fatalf("%s: %v", in, err)
			}
			if s.Canonical() != want {
				t.Errorf("%s:\n got  %s\n want %s", in, s.Canonical(), want)
			}
			if again := canon(t, want, false); again != want {
				t.Errorf("not stable: %s", again)
			}
		}
	}
	// Stored schemas keep a text Double.parseDouble refuses.
	in := rec(fld("a", `"double"`, `"abc"`))
	if s, err := (Format{}).Parse(in, nil, formats.Options{}); err != nil || s.Canonical() != in {
		t.Errorf("stored: %v", err)
	}
}

func TestJavaParseDouble(t *testing.T) {
	for in, want := range map[string]float64{
		"1": 1, "-1.5": -1.5, "1.": 1, ".5": .5, "1e3": 1000, "1E+3": 1000, "1e-3": .001, "\t7\n": 7, "7F": 7, "7D": 7,
		"0x10p0": 16, "0X.8P1": 1, "-0x1.8p1d": -3, "Infinity": math.Inf(1), "+Infinity": math.Inf(1), "1e99999999999": math.Inf(1), "007": 7,
	} {
		if got, err := javaParseDouble(in); err != nil || got != want {
			t.Errorf("%q: %v %v, want %v", in, got, err, want)
		}
	}
	if v, err := javaParseDouble("-NaN"); err != nil || !math.IsNaN(v) {
		t.Errorf("-NaN: %v %v", v, err)
	}
	for in, msg := range map[string]string{
		"": "empty String", " \x01": "empty String", "abc": `For input string: "abc"`, " x ": `For input string: "x"`, "1e": `For input string: "1e"`,
		"1f2": `For input string: "1f2"`, ".": `For input string: "."`, "0x10": `For input string: "0x10"`, "1_0": `For input string: "1_0"`,
		"nan": `For input string: "nan"`, "Inf": `For input string: "Inf"`, "1..2": "multiple points", "+": `For input string: "+"`,
		"0x1_0p0": `For input string: "0x1_0p0"`, "1e5.5": `For input string: "1e5.5"`, "١": `For input string: "١"`,
	} {
		if _, err := javaParseDouble(in); err == nil || err.Error() != msg {
			t.Errorf("%q: %v, want %s", in, err, msg)
		}
	}
}

// checkAgainstHamba compares the verdict of a new schema's parse with what
// hamba/avro said of it before (it validated new schemas and their defaults):
// they differ only on default values. newErr is the error of the new parse.
func checkAgainstHamba(t *testing.T, in string, newErr error) {
	t.Helper()
	stored, err := (Format{}).Parse(in, nil, formats.Options{})
	if err != nil {
		if newErr == nil {
			t.Fatalf("%s: new parse accepts what the stored parse refuses: %v", in, err)
		}
		return // refused by our parser, as before
	}
	s := stored.(*Schema)
	// What hamba says of the schema, and of it with defaults it likes.
	_, hambaErr := hambaParse(s.hambaText, &hamba.SchemaCache{})
	_, stubErr := hambaParse(canonicalText(s.root, nil, true), &hamba.SchemaCache{})
	if newErr == nil {
		if hambaErr != nil && stubErr != nil {
			t.Fatalf("%s: accepted, hamba refuses it for another reason than its defaults: %v", in, hambaErr)
		}
		return
	}
	msg := strings.TrimPrefix(newErr.Error(), formats.ErrInvalid.Error()+": ")
	if !defaultError(msg) && hambaErr == nil {
		t.Fatalf("%s: new parse refuses (%s) what the stored parse and hamba accept", in, msg)
	}
}

func defaultError(msg string) bool {
	return strings.HasPrefix(msg, "Invalid default for field ") || msg == errFieldsNotSet.Error() ||
		strings.HasPrefix(msg, "For input string: ") || msg == "empty String" || msg == "multiple points"
}

// hambaRefusals are schemas Avro Java accepts and hamba/avro refuses for
// another reason than their defaults: new schemas like them stay refused
// (hamba decides), stored ones parse.
var hambaRefusals = []string{
	`{"type":"record","name":"café","fields":[]}`,
	`{"type":"record","name":"R","namespace":"é","fields":[]}`,
	`{"type":"record","name":"R","fields":[{"name":"é","type":"int"}]}`,
	`{"type":"record","name":"R","fields":[{"name":"a","type":"int","aliases":["a-b"]}]}`,
	`{"type":"record","name":"R","fields":[{"name":"a","type":"int","aliases":["x.y"]}]}`,
	`{"type":"record","name":"R","aliases":["é"],"fields":[]}`,
	`{"type":"record","name":"R","aliases":["x..Z"],"fields":[]}`,
	`{"type":"enum","name":"E","symbols":[]}`,
	`{"type":"enum","name":"E","symbols":["é"]}`,
	// hamba reads a "defAult" property as the default when there is none.
	`{"type":"record","name":"A","fields":[{"name":"A","type":[],"defAult":null}]}`,
	`{"type":"record","name":"R","fields":[{"name":"a","type":"int","Default":"x"}]}`,
	`{"type":"record","name":"R","fields":[{"name":"a","type":"int","Order":"up"}]}`,
	`{"type":"record","name":"R","Doc":1,"fields":[]}`,
}

// Avro Java checks the name of a named type's alias (not a field's alias).
func TestAliasNames(t *testing.T) {
	for in, want := range map[string]string{
		`{"type":"record","name":"R","namespace":"n","aliases":["m.a-b"],"fields":[]}`: "Illegal character in: a-b",
		`{"type":"enum","name":"E","symbols":["A"],"aliases":["1E"]}`:                  "Illegal initial character: 1E",
		`{"type":"fixed","name":"F","size":1,"aliases":[""]}`:                          "Empty name",
	} {
		_, err := (Format{}).Parse(in, nil, formats.Options{New: true})
		if err == nil || err.Error() != formats.ErrInvalid.Error()+": "+want {
			t.Errorf("%s: %v, want %s", in, err, want)
		}
		if _, err := (Format{}).Parse(in, nil, formats.Options{}); err != nil {
			t.Errorf("%s: stored: %v", in, err)
		}
	}
}

func TestHambaRefusalsStayRefused(t *testing.T) {
	for _, in := range hambaRefusals {
		if _, err := (Format{}).Parse(in, nil, formats.Options{New: true}); !errors.Is(err, formats.ErrInvalid) {
			t.Errorf("%s: new: %v", in, err)
		}
		if _, err := (Format{}).Parse(in, nil, formats.Options{}); err != nil {
			t.Errorf("%s: stored: %v", in, err)
		}
	}
	// Their well-behaved neighbours need no hamba.
	for _, in := range []string{
		`{"type":"record","name":"R","namespace":"a.b","aliases":["c.D","E"],"fields":[{"name":"_a1","type":"int","aliases":["b"],"default":1,"doc":"d","x-Default":1}]}`,
		`{"type":"enum","name":"E","symbols":["A","_b"],"default":"A","Docs":1}`,
	} {
		s, err := (Format{}).Parse(in, nil, formats.Options{New: true})
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if s.(*Schema).hambaMayRefuse() {
			t.Errorf("%s: sent to hamba", in)
		}
	}
}

// TestHugeFixedNotGivenToHamba checks that a schema with a huge fixed type
// and field defaults is not parsed by hamba (which would allocate the
// fixed's size) and that the compatibility model then says why.
func TestHugeFixedNotGivenToHamba(t *testing.T) {
	text := `{"type":"record","name":"R","fields":[{"name":"f","type":{"type":"fixed","name":"F","size":400000000},"default":""},{"name":"g","type":"int","default":0}]}`
	s, err := Format{}.Parse(text, nil, formats.Options{})
	if err != nil {
		t.Fatalf("stored schema refused: %v", err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	h := s.(*Schema).Hamba()
	runtime.ReadMemStats(&after)
	if h != nil || s.(*Schema).hambaErr() == nil {
		t.Errorf("hamba model made for a 400 MB fixed")
	}
	if grown := after.TotalAlloc - before.TotalAlloc; grown > 50<<20 {
		t.Errorf("%d MB allocated", grown>>20)
	}
}
