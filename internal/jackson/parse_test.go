package jackson

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
)

// tnode is a tree as the builder gets it, nil slices kept apart from empty
// ones.
type tnode struct {
	kind  byte // 'o' object, 'a' array, 's' string, 'n' number, 'b' bool, 'z' null
	str   string
	keys  []string
	vals  []*tnode
	items []*tnode
}

// recorder builds tnodes and notes every call of the builder, in order.
type recorder struct{ calls []string }

func (r *recorder) builder() Builder[*tnode] {
	return Builder[*tnode]{
		Object: func(keys []string, vals []*tnode) *tnode {
			r.calls = append(r.calls, fmt.Sprintf("O%q/%d/%t/%t", keys, len(vals), keys == nil, vals == nil))
			return &tnode{kind: 'o', keys: keys, vals: vals}
		},
		Array: func(items []*tnode) *tnode {
			r.calls = append(r.calls, fmt.Sprintf("A%d/%t", len(items), items == nil))
			return &tnode{kind: 'a', items: items}
		},
		String: func(s string) *tnode {
			r.calls = append(r.calls, fmt.Sprintf("S%q", s))
			return &tnode{kind: 's', str: s}
		},
		Number: func(lit string) (*tnode, error) {
			r.calls = append(r.calls, "N"+lit)
			if lit == "666" {
				return nil, errRefusedNumber
			}
			return &tnode{kind: 'n', str: lit}, nil
		},
		Bool: func(b bool) *tnode {
			r.calls = append(r.calls, fmt.Sprint("B", b))
			return &tnode{kind: 'b', str: fmt.Sprint(b)}
		},
		Null: func() *tnode {
			r.calls = append(r.calls, "Z")
			return &tnode{kind: 'z'}
		},
	}
}

var errRefusedNumber = errors.New("refused number 666")

// errClass sorts the errors of both parsers into what must agree.
func errClass(err error) string {
	switch {
	case err == nil:
		return "ok"
	case err == errRefusedNumber:
		return "number"
	case strings.HasPrefix(err.Error(), "JSON nested deeper than "):
		return err.Error()
	case err.Error() == "unexpected data after the JSON value":
		return "after"
	case err == io.EOF, err == io.ErrUnexpectedEOF, err.Error() == "unexpected end of JSON input":
		return "end"
	}
	return "syntax"
}

// checkSame parses data with Parse and with the old Decoder-based parser
// and fails unless both refuse it the same way or build the same tree, with
// the same calls of the builder in both cases.
func checkSame(t *testing.T, data []byte, maxDepth int) {
	t.Helper()
	var oldRec, newRec recorder
	oldTree, oldErr := parseOracle(data, maxDepth, oldRec.builder())
	newTree, newErr := Parse(data, maxDepth, newRec.builder())
	if errClass(oldErr) != errClass(newErr) {
		t.Fatalf("%q (maxDepth %d): Decoder says %v, Parse says %v", data, maxDepth, oldErr, newErr)
	}
	if !reflect.DeepEqual(oldTree, newTree) {
		t.Fatalf("%q (maxDepth %d): trees differ:\nDecoder %s\nParse   %s", data, maxDepth, render(oldTree), render(newTree))
	}
	if !reflect.DeepEqual(oldRec.calls, newRec.calls) {
		t.Fatalf("%q (maxDepth %d): builder calls differ:\nDecoder %q\nParse   %q", data, maxDepth, oldRec.calls, newRec.calls)
	}
	if newErr != nil && errClass(newErr) == "syntax" && !strings.HasPrefix(newErr.Error(), "invalid character ") {
		t.Fatalf("%q: unexpected message %q", data, newErr)
	}
}

func render(n *tnode) string {
	if n == nil {
		return "<nil>"
	}
	var b strings.Builder
	var walk func(n *tnode)
	walk = func(n *tnode) {
		switch n.kind {
		case 'o':
			b.WriteByte('{')
			for i, k := range n.keys {
				fmt.Fprintf(&b, "%q:", k)
				walk(n.vals[i])
				b.WriteByte(',')
			}
			b.WriteByte('}')
		case 'a':
			b.WriteByte('[')
			for _, v := range n.items {
				walk(v)
				b.WriteByte(',')
			}
			b.WriteByte(']')
		case 's':
			fmt.Fprintf(&b, "%q", n.str)
		default:
			b.WriteString(n.str + string(n.kind))
		}
	}
	walk(n)
	return b.String()
}

// seeds are inputs that the fuzz test starts from and that
// TestParseMatchesDecoder checks on every run.
var seeds = []string{
	// the inputs of TestParse
	`{"b":1,"a":[1.50,"x",true,null],"b":2}`, `  {}  `, `1e10`,
	`[[[[1]]]]`, `{"a":1} x`, `{"a":`, `[666]`, `{"a":666,"b":"c`,
	// Avro and JSON Schema
	avroSmall, avroLarge[:300], avroLarge,
	`{"type":"record","name":"R","fields":[{"name":"a","type":"int","default":0},{"name":"b","type":["null","string"],"default":null}]}`,
	`{"type":"enum","name":"E","symbols":["A","B"],"default":"A"}`,
	`{"type":"array","items":{"type":"map","values":"long"}}`,
	`"string"`, `["null","int"]`,
	`{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","properties":{"id":{"type":"integer","minimum":-1e3,"multipleOf":0.5},"tags":{"type":"array","items":{"$ref":"#/definitions/t"}}},"required":["id"],"additionalProperties":false,"definitions":{"t":{"type":"string","pattern":"^[a-z\\d]+$"}}}`,
	// white space, literals, trailing data
	"\t\r\n [ true , false , null ] \n", ``, ` `, "\f1", "\u00a01", "\ufeff{}", `tru`, `truex`, `nul`, `nulll`, `falsey`, `[true false]`,
	`{} {}`, `1 2`, `"a" "b"`, `[]]`, `{}}`, `[}`, `{]`, `[1,]`, `{"a":1,}`, `[,1]`, `{,}`, `{"a" 1}`, `{"a"::1}`, `{1:2}`, `{"a"}`, `{"a":}`,
	`[1 2]`, `[1,,2]`, `{"a":1 "b":2}`, `{'a':1}`,
	// duplicate keys
	`{"a":1,"b":2,"a":3,"c":{"a":1,"a":[]},"b":{}}`,
	`{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k17":17,"k3":"x","k17":"y","k18":18,"k0":"z"}`,
	// numbers
	`0`, `-0`, `-`, `-a`, `01`, `-01`, `00`, `+1`, `.5`, `1.`, `1.5`, `1.a`, `1e`, `1e+`, `1e-`, `1E+2`, `1e-02`, `-0.0e0`, `1.5E`, `1ee2`, `1.2.3`, `0x1F`,
	`123456789012345678901234567890.123456789e-999`, `[1,-2,3.25,4e5,-6E-7,0,666]`, `NaN`, `Infinity`, `-Infinity`, `[1.]`, `[-]`, `[1e]`, `{"a":1.}`,
	// strings and escapes
	`"plain"`, `"\"\\\/\b\f\n\r\t"`, `"\u0041\u00e9\u20AC"`, `"\u0000"`, `"\'"`, `"\a"`, `"\x41"`, `"\u12"`, `"\u12G4"`, `"\U0041"`, `"tab	in"`, "\"nl\nin\"", "\"del\x7f\"",
	`"\ud83d\ude00"`, `"\uD83D\uDE00x"`, `"\ud83d"`, `"\ude00"`, `"\ude00\ud83d"`, `"\ud83d\ud83d\ude00"`, `"\ud83dx"`, `"\ud83d\u0041"`, `"\ud83d\n"`, `"\ud83d\u00"`, `"\ud83d\uZZZZ"`, `"\ud83d\`, `"\ud83d\u`, `"\ud83d\ude0`,
	"\"bad\xffutf8\"", "\"\xc3\"", "\"\xc3\xa9\"", "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"", "\"\xe2\x82\"", "\"\xef\xbf\xbd\"", "[\"\xff\xfe\",\"a\\n\xff\"]", "{\"k\xff\":\"v\"}", "\xff", "[\xff]",
	`"unterminated`, `"esc at end\`, `{"a":"b`, `["a`,
	// nesting
	strings.Repeat("[", 20) + strings.Repeat("]", 20),
	strings.Repeat("[", 9) + "1" + strings.Repeat("]", 9),
	strings.Repeat(`{"a":`, 9) + "1" + strings.Repeat("}", 9),
	strings.Repeat(`{"a":[`, 5) + "{}" + strings.Repeat("]}", 5),
	strings.Repeat("[", 300) + strings.Repeat("]", 300),
	strings.Repeat("[", 10), strings.Repeat("[", 5) + "x", `[[[[]]]]`, `[[[[{}]]]]`, `[[[{"a" x`, `[[[{"a":1}]]]`, `[[[{1`, `[[[[}`,
}

func TestParseMatchesDecoder(t *testing.T) {
	for _, s := range seeds {
		for _, d := range []int{0, 1, 3, 4, 256} {
			checkSame(t, []byte(s), d)
		}
	}
}

func FuzzParseMatchesDecoder(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s), uint8(4))
		f.Add([]byte(s), uint8(255))
	}
	f.Fuzz(func(t *testing.T, data []byte, maxDepth uint8) {
		checkSame(t, data, int(maxDepth))
	})
}

func TestParseStrings(t *testing.T) {
	for in, want := range map[string]string{
		`"\ud83d\ude00"`:        "\U0001F600",
		`"\ud83d"`:              "\uFFFD",
		`"\ude00\ud83d\ude00"`:  "\uFFFD\U0001F600",
		`"\ud83d\u0041"`:        "\uFFFDA",
		"\"a\xffb\xc3\"":        "a\uFFFDb\uFFFD",
		`"\u00e9\/\"\\\b\f\n"`:  "é/\"\\\b\f\n",
		"\"\xed\xa0\x80\"":      "\uFFFD\uFFFD\uFFFD",
		`"plain text, no esc"`:  "plain text, no esc",
		"\"caf\xc3\xa9 \\t x\"": "café \t x",
	} {
		got, err := Parse([]byte(in), 1, show)
		if err != nil || got != fmt.Sprintf("%q", want) {
			t.Errorf("%s: %s %v, want %q", in, got, err, want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for in, want := range map[string]string{
		``:                    "unexpected end of JSON input",
		`  `:                  "unexpected end of JSON input",
		`{"a":[1,`:            "unexpected end of JSON input",
		`"abc`:                "unexpected end of JSON input",
		`[1] [2]`:             "unexpected data after the JSON value",
		`{"a":1}x`:            "unexpected data after the JSON value",
		`[1,]`:                "invalid character ']' looking for beginning of value at offset 3",
		`{"a" 1}`:             "invalid character '1' after object key at offset 5",
		`{"a":1 "b"}`:         "invalid character '\"' after object key:value pair at offset 7",
		`[1 2]`:               "invalid character '2' after array element at offset 3",
		`{1:2}`:               "invalid character '1' looking for beginning of object key string at offset 1",
		`01`:                  "unexpected data after the JSON value",
		`[01]`:                "invalid character '1' after array element at offset 2",
		`1.x`:                 "invalid character 'x' after decimal point in numeric literal at offset 2",
		`-x`:                  "invalid character 'x' in numeric literal at offset 1",
		`1e+x`:                "invalid character 'x' in exponent of numeric literal at offset 3",
		`trux`:                "invalid character 'x' in literal true at offset 3",
		"\"a\nb\"":            `invalid character '\n' in string literal at offset 2`,
		`"\q"`:                `invalid character 'q' in string escape code at offset 2`,
		`"\u12x4"`:            `invalid character 'x' in \u hexadecimal character escape at offset 5`,
		"\xff":                `invalid character '\xff' looking for beginning of value at offset 0`,
		"é":                   `invalid character 'é' looking for beginning of value at offset 0`,
		"'a'":                 `invalid character '\'' looking for beginning of value at offset 0`,
		`[[[[]]]]`:            "",
		`[[[[1]]]]`:           "JSON nested deeper than 3 levels",
		`[[[{"a":1}]]]`:       "JSON nested deeper than 3 levels",
		`[[[{"a" x`:           "JSON nested deeper than 3 levels",
		`[[[[x`:               "JSON nested deeper than 3 levels",
		`[[[{}]]]`:            "",
		`{"a":{"b":{"c":1}}}`: "",
	} {
		_, err := Parse([]byte(in), 3, show)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != want {
			t.Errorf("%q: got error %q, want %q", in, got, want)
		}
	}
}

// TestParseKeepsNothing checks that the builder owns the slices it gets:
// reading on does not change them.
func TestParseKeepsNothing(t *testing.T) {
	var r recorder
	tree, err := Parse([]byte(`{"a":[1,{"x":[2,3],"y":4}],"b":{"c":[5],"d":6},"e":[[7],[8,9]]}`), 10, r.builder())
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"a":[1n,{"x":[2n,3n,],"y":4n,},],"b":{"c":[5n,],"d":6n,},"e":[[7n,],[8n,9n,],],}`
	if got := render(tree); got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// avroSmall is an Avro record schema of about 1 KB.
const avroSmall = `{
  "type": "record",
  "name": "Payment",
  "namespace": "com.example.billing",
  "doc": "A payment made by a customer, as sent to the ledger.",
  "fields": [
    {"name": "id", "type": {"type": "string", "logicalType": "uuid"}},
    {"name": "customer_id", "type": "long", "doc": "The paying customer."},
    {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 12, "scale": 2}},
    {"name": "currency", "type": {"type": "enum", "name": "Currency", "symbols": ["EUR", "USD", "GBP", "JPY"]}, "default": "EUR"},
    {"name": "created_at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
    {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["PENDING", "SETTLED", "FAILED"]}},
    {"name": "note", "type": ["null", "string"], "default": null, "doc": "Free text, \"as typed\" by the clerk\n(may be empty)."},
    {"name": "fee_rate", "type": "double", "default": 0.015},
    {"name": "tags", "type": {"type": "array", "items": "string"}, "default": []},
    {"name": "attributes", "type": {"type": "map", "values": "string"}, "default": {}}
  ]
}`

// avroLarge is an Avro record schema of about 6 KB: avroSmall's fields and
// nested records, unions, enums and defaults.
var avroLarge = func() string {
	var b strings.Builder
	b.WriteString(`{"type":"record","name":"Order","namespace":"com.example.shop","doc":"An order with its lines, payments and shipping.","fields":[`)
	b.WriteString(`{"name":"payment","type":` + avroSmall + `},`)
	for i := range 13 {
		fmt.Fprintf(&b, `{"name":"line%d","type":["null",{"type":"record","name":"Line%d","fields":[`+
			`{"name":"sku","type":"string","doc":"Stock keeping unit \u00e9"},`+
			`{"name":"qty","type":"int","default":1},`+
			`{"name":"price","type":{"type":"bytes","logicalType":"decimal","precision":10,"scale":2}},`+
			`{"name":"discount","type":["null","double"],"default":null}]}],"default":null},`, i, i)
	}
	b.WriteString(`{"name":"shipping","type":{"type":"enum","name":"Shipping","symbols":["STANDARD","EXPRESS","PICKUP"],"default":"STANDARD"}}]}`)
	return b.String()
}()

// BenchmarkParse reads Avro schemas with Parse ("new") and with the
// Decoder-based parser it replaced ("old"): into a tree like the Avro
// package's ("tree"), and into nothing, to see the reading alone ("scan").
func BenchmarkParse(b *testing.B) {
	type node struct {
		kind  byte
		str   string
		keys  []string
		vals  []*node
		items []*node
	}
	build := Builder[*node]{
		Object: func(keys []string, vals []*node) *node { return &node{kind: 'o', keys: keys, vals: vals} },
		Array:  func(items []*node) *node { return &node{kind: 'a', items: items} },
		String: func(s string) *node { return &node{kind: 's', str: s} },
		Number: func(lit string) (*node, error) { return &node{kind: 'n', str: lit}, nil },
		Bool:   func(v bool) *node { return &node{kind: 'b'} },
		Null:   func() *node { return &node{kind: 'z'} },
	}
	for _, doc := range []struct{ name, text string }{{"1KB", avroSmall}, {"6KB", avroLarge}} {
		data := []byte(doc.text)
		for _, impl := range []struct {
			name  string
			parse func([]byte, int, Builder[*node]) (*node, error)
		}{{"new", Parse[*node]}, {"old", parseOracle[*node]}} {
			b.Run(doc.name+"/"+impl.name+"/tree", func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(data)))
				for b.Loop() {
					if _, err := impl.parse(data, 256, build); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		for _, impl := range []struct {
			name  string
			parse func([]byte, int, Builder[int]) (int, error)
		}{{"new", Parse[int]}, {"old", parseOracle[int]}} {
			b.Run(doc.name+"/"+impl.name+"/scan", func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(data)))
				for b.Loop() {
					if _, err := impl.parse(data, 256, scan); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// scan builds nothing: it counts values.
var scan = Builder[int]{
	Object: func(keys []string, vals []int) int { return 1 },
	Array:  func(items []int) int { return 1 },
	String: func(s string) int { return 1 },
	Number: func(lit string) (int, error) { return 1, nil },
	Bool:   func(v bool) int { return 1 },
	Null:   func() int { return 1 },
}
