package store

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/schemaregistry/registry/formats"
)

// decodeSamples are SCHEMA record values: the forms our writer and
// Confluent's emit, and the odd ones the fast path leaves to
// encoding/json.
var decodeSamples = []string{
	`{"subject":"s","version":1,"id":7,"schemaType":"AVRO","schema":"{\"type\":\"string\"}","deleted":false}`,
	`{"subject":"s","version":1,"id":7,"schema":"\"int\"","deleted":true}`,
	`{"subject":"s","version":2,"id":8,"schemaType":"PROTOBUF","references":[{"name":"a.proto","subject":"a","version":1}],"metadata":{"properties":{"owner":"x"},"tags":{"f":["PII"]}},"ruleSet":{"domainRules":[{"name":"r","type":"CEL","mode":"WRITE"}]},"schema":"syntax = \"proto3\";\n","deleted":false}`,
	` { "subject" : "s" , "version" : 3 , "id" : 9 , "schema" : "\"long\"" } `,
	"{\"subject\":\"s\",\"version\":1,\"id\":1,\"schema\":\"\\\"caf\u00e9 \u6f22\u5b57 \U0001F642\\\"\"}",
	`{"subject":"s","version":1,"id":1,"schema":"a\u00e9\u2028\ud83d\ude42\/\b\f\n\r\t\\\"z"}`,
	`{"subject":"s","version":1,"id":1,"schema":"lone \ud83d surrogate \ude42 and \ud83dx"}`,
	`{"subject":"s\u0000","version":1,"id":1,"schema":"x"}`,
	`{}`,
	`null`,
	`[]`,
	`{"subject":"s","version":1,"id":1,"schema":"x"} trailing`,
	`{"subject":"s","version":1,"id":1,"schema":"x",}`,
	`{"subject":"s","subject":"t","version":1,"id":1,"schema":"x"}`,
	`{"Subject":"s","VERSION":4,"id":1,"schema":"x"}`,
	`{"subject":"s","version":1,"id":1,"schema":"x","extra":{"a":[1,2,{"b":"}"}]}}`,
	`{"subject":null,"version":1,"id":1,"schema":null}`,
	`{"subject":"s","version":"1","id":1,"schema":"x"}`,
	`{"subject":"s","version":1.0,"id":1,"schema":"x"}`,
	`{"subject":"s","version":-0,"id":-5,"schema":"x"}`,
	`{"subject":"s","version":01,"id":1,"schema":"x"}`,
	`{"subject":"s","version":1,"id":123456789012345678901234,"schema":"x"}`,
	`{"subject":"s","version":1,"id":1,"deleted":tru,"schema":"x"}`,
	`{"subject":"s","version":1,"id":1,"deleted":truex,"schema":"x"}`,
	`{"subject":"s","version":1,"id":1,"schema":"bad \x escape"}`,
	`{"subject":"s","version":1,"id":1,"schema":"bad \u12 escape"}`,
	"{\"subject\":\"s\",\"version\":1,\"id\":1,\"schema\":\"control \x01 char\"}",
	"{\"subject\":\"s\",\"version\":1,\"id\":1,\"schema\":\"invalid \xff\xfe utf-8\"}",
	`{"subject":"s","version":1,"id":1,"references":null,"metadata":null,"ruleSet":null,"schema":"x"}`,
	`{"subject":"s","version":1,"id":1,"references":[],"metadata":{},"schema":"x"}`,
	`{"subject":"s","version":1,"id":1,"references":{"name":"x"},"schema":"x"}`,
	`{"subject":"s","version":1,"id":1,"references":[{"name":"x"],"schema":"x"}`,
	`{"subject":"s","version":1,"id":1,"metadata":"oops","schema":"x"}`,
	`{"subject":"s","version":1,"id":1,"schema":"x"`,
	`{"subject":"s","version":1,"id":1,"schema":"x`,
	`{"subject":"s","version":1,"id":1,"schema":"x\`,
	`{"subject":"s" "version":1}`,
	`{"subject":"s","version":1,"id":1,"schemaType":"JSON","schema":"{}"}`,
	``,
	`  `,
}

// jsonSchemaValue is what json.Unmarshal makes of a value.
// jsonSchemaValue is what encoding/json reads of a value, the schema type
// kept as written (an empty one stays empty: apply makes it AVRO).
func jsonSchemaValue(data []byte) (schemaValue, error) {
	var v struct {
		schemaValue
		SchemaType string `json:"schemaType"`
	}
	err := json.Unmarshal(data, &v)
	v.schemaValue.SchemaType = formats.SchemaType(v.SchemaType)
	return v.schemaValue, err
}

func checkDecodeSchemaValue(t *testing.T, data []byte) {
	t.Helper()
	want, wantErr := jsonSchemaValue(data)
	got, text, err := decodeSchemaValue(data, make([]byte, 3))
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("decodeSchemaValue(%q): error %v, json.Unmarshal: error %v", data, err, wantErr)
	}
	if err != nil {
		return
	}
	if got.Schema != "" {
		t.Errorf("decodeSchemaValue(%q) left the text in Schema", data)
	}
	got.Schema = string(text)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("decodeSchemaValue(%q)\n got  %#v\n want %#v", data, got, want)
	}
}

func TestDecodeSchemaValueMatchesJSON(t *testing.T) {
	for _, s := range decodeSamples {
		checkDecodeSchemaValue(t, []byte(s))
	}
	for _, r := range schemaRecords(3) {
		checkDecodeSchemaValue(t, r.Value)
	}
}

// The values written by the registry, and Confluent's, take the fast path.
func TestDecodeSchemaValueFastPath(t *testing.T) {
	values := []string{
		string(marshal(schemaValue{Subject: "s", Version: 1, ID: 1, SchemaType: "AVRO", Schema: `{"type":"record","name":"é","fields":[]}`,
			References: []formats.Reference{{Name: "n", Subject: "t", Version: 2}}, Metadata: &formats.Metadata{Properties: map[string]string{"a": "b"}}})),
		string(marshal(schemaValue{Subject: "s", Version: 1, ID: 1, Schema: "a\u2028b<>&"})),
		decodeSamples[0], decodeSamples[2], decodeSamples[3], decodeSamples[4], decodeSamples[5], decodeSamples[6],
		// Confluent's Java writer.
		`{"subject":"orders-value","version":1,"id":100001,"schemaType":"AVRO","schema":"{\"type\":\"record\",\"name\":\"R\",\"fields\":[]}","deleted":false}`,
	}
	for _, s := range values {
		var v schemaValue
		p := valueParser{d: []byte(s)}
		if !p.object(&v) {
			t.Errorf("not decoded by the fast path: %s", s)
		}
		checkDecodeSchemaValue(t, []byte(s))
	}
}

func FuzzDecodeSchemaValue(f *testing.F) {
	for _, s := range decodeSamples {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecodeSchemaValue(t, data)
	})
}

var keySamples = []string{
	`{"keytype":"SCHEMA","subject":"orders-value","version":3,"magic":1}`,
	`{"keytype":"CONFIG","magic":0}`,
	`{"keytype":"CONFIG","subject":null,"magic":0}`,
	`{"keytype":"MODE","subject":"s","magic":0}`,
	`{"keytype":"CONTEXT","tenant":"default","context":".ctx","magic":0}`,
	`{"keytype":"CONTEXT","context":".ctx","magic":0}`,
	"{\"keytype\":\"SCHEMA\",\"subject\":\"a<b>&c\u2028d\",\"version\":1,\"magic\":1}",
	`{"keytype":"SCHEMA","subject":"\u00e9\ud83d\ude42","version":1,"magic":1}`,
	`{"keytype":"SCHEMA","subject":"s","version":1,"magic":1,"magic":2}`,
	`{"KeyType":"SCHEMA","subject":"s","version":1,"magic":1}`,
	`{"keytype":"SCHEMA","subject":nul,"version":1,"magic":1}`,
	`{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}x`,
	`{"keytype":"NOOP","magic":0}`,
	`{}`,
	`null`,
	`"x"`,
	``,
}

func checkDecodeKey(t *testing.T, data []byte) {
	t.Helper()
	var want rawKey
	wantErr := json.Unmarshal(data, &want)
	got, ok := decodeKey(data)
	if !ok {
		return // json.Unmarshal decodes it
	}
	if wantErr != nil {
		t.Fatalf("decodeKey(%q) accepted what json.Unmarshal refuses: %v", data, wantErr)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("decodeKey(%q)\n got  %#v\n want %#v", data, got, want)
	}
}

func TestDecodeKeyMatchesJSON(t *testing.T) {
	for _, s := range keySamples {
		checkDecodeKey(t, []byte(s))
	}
	for _, k := range []recordKey{{Type: keySchema, Subject: "s", Version: 2}, {Type: keyConfig}, {Type: keyMode, Subject: "x\"y"}, {Type: keyNoop}} {
		if _, ok := decodeKey(k.bytes()); !ok {
			t.Errorf("%s is not decoded by the fast path", k.bytes())
		}
		checkDecodeKey(t, k.bytes())
	}
}

func FuzzDecodeKey(f *testing.F) {
	for _, s := range keySamples {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecodeKey(t, data)
	})
}

func BenchmarkDecodeSchemaValue(b *testing.B) {
	value := schemaRecords(1)[0].Value
	b.SetBytes(int64(len(value)))
	var buf []byte
	for b.Loop() {
		_, text, err := decodeSchemaValue(value, buf)
		if err != nil {
			b.Fatal(err)
		}
		buf = text
	}
}

// plainEnd finds the first byte plain does not mark, at every position of
// every byte value.
func TestPlainEnd(t *testing.T) {
	for c := 0; c < 256; c++ {
		for n := 0; n < 20; n++ {
			for at := 0; at <= n; at++ {
				d := []byte(strings.Repeat("a", n))
				want := n
				if at < n {
					d[at] = byte(c)
					if !plain[c] {
						want = at
					}
				}
				if got := plainEnd(d, 0); got != want {
					t.Fatalf("byte %#x at %d of %d: plainEnd = %d, want %d", c, at, n, got, want)
				}
			}
		}
	}
}

// copyPlain copies what plainEnd finds, into a buffer of any capacity.
func TestCopyPlain(t *testing.T) {
	for c := 0; c < 256; c++ {
		for n := 0; n < 20; n++ {
			for at := 0; at <= n; at++ {
				d := []byte(strings.Repeat("abcdefgh", 3)[:n])
				if at < n {
					d[at] = byte(c)
				}
				end := plainEnd(d, 0)
				for _, dst := range [][]byte{nil, []byte("xy"), make([]byte, 1, 64)} {
					prefix := string(dst)
					got, j := copyPlain(dst, d, 0)
					if j != end || string(got) != prefix+string(d[:end]) {
						t.Fatalf("byte %#x at %d of %d: copyPlain = %q, %d; want %q, %d", c, at, n, got, j, prefix+string(d[:end]), end)
					}
				}
			}
		}
	}
}
