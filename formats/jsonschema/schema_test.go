package jsonschema

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/internal/testvectors"
)

func parse(t testing.TB, text string, opts formats.Options, deps ...formats.Dependency) *Schema {
	t.Helper()
	s, err := Format{}.Parse(text, deps, opts)
	if err != nil {
		t.Fatalf("parse %s: %v", text, err)
	}
	return s.(*Schema)
}

// TestCanonicalMatchesJackson holds schemas and the text Confluent's Jackson
// mapper prints for them (compact, key order kept, floats as exact
// BigDecimals printed by BigDecimal.toString, integers as Java ints).
func TestCanonicalMatchesJackson(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"compact, key order kept", "{\n  \"type\" : \"object\",\n  \"properties\" : { \"b\" : {\"type\":\"string\"}, \"a\": {} },\n  \"$schema\": \"http://json-schema.org/draft-07/schema#\"\n}",
			`{"type":"object","properties":{"b":{"type":"string"},"a":{}},"$schema":"http://json-schema.org/draft-07/schema#"}`},
		{"decimal kept exactly", `{"type":"number","maximum":1.0,"minimum":0.50,"multipleOf":0.0001}`, `{"type":"number","maximum":1.0,"minimum":0.50,"multipleOf":0.0001}`},
		{"exponents as BigDecimal.toString", `{"maximum":1e2,"minimum":1.5E3,"exclusiveMaximum":2.5e-7,"exclusiveMinimum":10e-1,"multipleOf":1E0}`,
			`{"maximum":1E+2,"minimum":1.5E+3,"exclusiveMaximum":2.5E-7,"exclusiveMinimum":1.0,"multipleOf":1}`},
		{"small decimals plain down to 1E-6", `{"minimum":0.000001,"maximum":0.0000001}`, `{"minimum":0.000001,"maximum":1E-7}`},
		{"zeros", `{"default":[-0,-0.0,0e5,0.00000000]}`, `{"default":[0,0.0,0E+5,0E-8]}`},
		{"big integers as written", `{"default":123456789012345678901234567890}`, `{"default":123456789012345678901234567890}`},
		{"duplicate key: first position, last value", `{"type":"string","title":"a","type":"integer"}`, `{"type":"integer","title":"a"}`},
		{"strings: unicode kept, controls escaped upper-case, no HTML or slash escaping", `{"description":"café </b> \"q\" \\ \u0001 \t \u001f"}`,
			`{"description":"café </b> \"q\" \\ \u0001 \t \u001F"}`},
		{"boolean schema", ` true `, `true`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := parse(t, tc.in, formats.Options{}).Canonical()
			if got != tc.want {
				t.Errorf("\n got  %s\n want %s", got, tc.want)
			}
			if again := parse(t, got, formats.Options{}).Canonical(); again != got {
				t.Errorf("canonical form is not a fixed point: %s -> %s", got, again)
			}
		})
	}
}

func TestNormalizedSortsKeysRecursively(t *testing.T) {
	in := `{"type":"object","properties":{"zeta":{"type":"string","title":"z"},"alpha":{"type":"integer"},"Émile":{},"Zed":{}},"required":["zeta","alpha"],"$schema":"http://json-schema.org/draft-07/schema#"}`
	want := `{"$schema":"http://json-schema.org/draft-07/schema#","properties":{"Zed":{},"alpha":{"type":"integer"},"zeta":{"title":"z","type":"string"},"Émile":{}},"required":["zeta","alpha"],"type":"object"}`
	if got := parse(t, in, formats.Options{Normalize: true}).Canonical(); got != want {
		t.Errorf("\n got  %s\n want %s", got, want)
	}
	// Java orders by UTF-16 code units: U+FF5E sorts after U+1F600.
	if got := parse(t, `{"～":1,"😀":2}`, formats.Options{Normalize: true}).Canonical(); got != `{"😀":2,"～":1}` {
		t.Errorf("UTF-16 order: got %s", got)
	}
}

// TestGoldenHashes checks the JSON entries of Confluent's MD5 golden file.
// Confluent's test hashes the schema text as given (pretty-printed), not
// the canonical text the registry stores; the registry hashes the canonical
// text. So: the golden hashes come from the text as given, and the
// canonical text (what the registry hashes) differs from it and is the
// compact form Jackson prints.
func TestGoldenHashes(t *testing.T) {
	b := testvectors.Read(t, "Confluent MD5 golden hashes (JSON Schema)", "confluent/core-schema-md5-golden-data.json")
	var g struct {
		Schemas        map[string]string            `json:"schemas"`
		References     []formats.Reference          `json:"references"`
		Metadata       *formats.Metadata            `json:"metadata"`
		Rules          *formats.RuleSet             `json:"rules"`
		ExpectedHashes map[string]map[string]string `json:"expectedHashes"`
	}
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	text := g.Schemas["json"]
	s := parse(t, text, formats.Options{New: true})
	const wantCanonical = `{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","title":"Person","properties":{"name":{"type":"string"},"age":{"type":"integer","minimum":0},"ssn":{"type":"string","pattern":"^[0-9]{3}-[0-9]{2}-[0-9]{4}$"},"user":{"$ref":"#/definitions/User"},"address":{"$ref":"#/definitions/Address"}},"required":["name","age"],"definitions":{"User":{"type":"object","properties":{"id":{"type":"string"},"email":{"type":"string","format":"email"}}},"Address":{"type":"object","properties":{"street":{"type":"string"},"city":{"type":"string"},"zip":{"type":"string"}}}}}`
	if s.Canonical() != wantCanonical {
		t.Errorf("canonical:\n got  %s\n want %s", s.Canonical(), wantCanonical)
	}
	if len(g.ExpectedHashes["JSON"]) != 8 {
		t.Fatalf("%d JSON hashes, want 8", len(g.ExpectedHashes["JSON"]))
	}
	for bits, want := range g.ExpectedHashes["JSON"] {
		var refs []formats.Reference
		var md *formats.Metadata
		var rs *formats.RuleSet
		if bits[0] == '1' {
			refs = g.References
		}
		if bits[1] == '1' {
			md = g.Metadata
		}
		if bits[2] == '1' {
			rs = g.Rules
		}
		if got := formats.IdentityOf(text, refs, md, rs).GUID(); got != want {
			t.Errorf("%s: identity of the text as given %s, want %s", bits, got, want)
		}
		if got := formats.IdentityOf(s.Canonical(), refs, md, rs).GUID(); got == want {
			t.Errorf("%s: the canonical text hashes to the golden value too; the test no longer tells them apart", bits)
		}
	}
	// The golden schema's references (by name) parse alongside it.
	deps := []formats.Dependency{
		{Name: "io.confluent.kafka.example.User", Schema: `{"type":"object"}`},
		{Name: "io.confluent.kafka.example.Address", Schema: `{"type":"object"}`},
	}
	parse(t, text, formats.Options{New: true}, deps...)
	if s.RecordName() != "Person" {
		t.Errorf("record name %q, want Person", s.RecordName())
	}
}

func TestDrafts(t *testing.T) {
	for _, tc := range []struct {
		name       string
		schema     string
		draft      Draft
		good, bad  string
		invalid    string // a schema invalid against this draft's meta-schema
		invalidMsg string
	}{
		{"draft 4: boolean exclusiveMaximum, id", `{"$schema":"http://json-schema.org/draft-04/schema#","id":"http://x/s","type":"integer","maximum":5,"exclusiveMaximum":true}`,
			Draft4, `4`, `5`, `{"$schema":"http://json-schema.org/draft-04/schema#","type":"integer","maximum":5,"exclusiveMaximum":5}`, "exclusiveMaximum"},
		{"draft 6: const", `{"$schema":"http://json-schema.org/draft-06/schema#","const":"x"}`,
			Draft6, `"x"`, `"y"`, `{"$schema":"http://json-schema.org/draft-06/schema#","minLength":-1}`, "minLength"},
		{"draft 7: if/then", `{"$schema":"http://json-schema.org/draft-07/schema#","if":{"type":"string"},"then":{"minLength":2}}`,
			Draft7, `"ab"`, `"a"`, `{"$schema":"http://json-schema.org/draft-07/schema#","type":"strung"}`, "type"},
		{"no $schema is draft 7", `{"required":["b"],"properties":{"b":{}}}`,
			Draft7, `{"b":1}`, `{}`, `{"required":"b"}`, "required"},
		{"2019-09: unevaluatedProperties", `{"$schema":"https://json-schema.org/draft/2019-09/schema","properties":{"a":{}},"unevaluatedProperties":false}`,
			Draft2019, `{"a":1}`, `{"a":1,"c":2}`, `{"$schema":"https://json-schema.org/draft/2019-09/schema","unevaluatedProperties":5}`, "unevaluatedProperties"},
		{"2020-12: prefixItems and items", `{"$schema":"https://json-schema.org/draft/2020-12/schema","prefixItems":[{"type":"string"}],"items":false}`,
			Draft2020, `["a"]`, `["a",2]`, `{"$schema":"https://json-schema.org/draft/2020-12/schema","prefixItems":{}}`, "prefixItems"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := parse(t, tc.schema, formats.Options{New: true})
			if s.Draft() != tc.draft {
				t.Errorf("draft %v, want %v", s.Draft(), tc.draft)
			}
			if err := s.Validate([]byte(tc.good)); err != nil {
				t.Errorf("%s: %v", tc.good, err)
			}
			if err := s.Validate([]byte(tc.bad)); err == nil {
				t.Errorf("%s validated", tc.bad)
			}
			_, err := Format{}.Parse(tc.invalid, nil, formats.Options{New: true})
			if !errors.Is(err, formats.ErrInvalid) || !strings.Contains(err.Error(), tc.invalidMsg) {
				t.Errorf("invalid schema: got %v, want ErrInvalid mentioning %q", err, tc.invalidMsg)
			}
			// A stored schema is kept even when invalid, so history never
			// blocks.
			if _, err := (Format{}).Parse(tc.invalid, nil, formats.Options{}); err != nil {
				t.Errorf("stored invalid schema refused: %v", err)
			}
		})
	}
}

func TestUnknownSchemaURLIsDraft7(t *testing.T) {
	s := parse(t, `{"$schema":"http://example.com/my-meta","type":"string"}`, formats.Options{New: true})
	if s.Draft() != Draft7 {
		t.Errorf("draft %v", s.Draft())
	}
	if err := s.Validate([]byte(`1`)); err == nil {
		t.Error("1 validated against a string schema")
	}
}

func TestInvalidInput(t *testing.T) {
	for _, in := range []string{`{`, `{"a":1} x`, `[]`, `"string"`, `12`, `null`, `{"a":1e99999}`, strings.Repeat("[", 2000)} {
		_, err := Format{}.Parse(in, nil, formats.Options{})
		if !errors.Is(err, formats.ErrInvalid) {
			t.Errorf("%.40q: got %v, want ErrInvalid", in, err)
		}
	}
}

func TestReferences(t *testing.T) {
	address := formats.Dependency{Name: "address.json",
		Schema: `{"type":"object","properties":{"street":{"type":"string"}},"required":["street"],"$defs":{"zip":{"type":"string","pattern":"^[0-9]{5}$"}}}`}
	user := `{"type":"object","properties":{"addr":{"$ref":"address.json"},"zip":{"$ref":"address.json#/$defs/zip"}}}`
	s := parse(t, user, formats.Options{New: true}, address)
	if err := s.Validate([]byte(`{"addr":{"street":"x"},"zip":"12345"}`)); err != nil {
		t.Error(err)
	}
	for _, bad := range []string{`{"addr":{}}`, `{"zip":"1"}`} {
		if err := s.Validate([]byte(bad)); err == nil {
			t.Errorf("%s validated", bad)
		}
	}
	// The tree has the references resolved.
	props := s.Root().Get("properties")
	if r := props.Get("addr").Ref; r == nil || r.Get("required") == nil {
		t.Errorf("addr not resolved to the dependency: %v", r)
	}
	if r := props.Get("zip").Ref; r == nil || r.Get("pattern") == nil {
		t.Errorf("zip not resolved into the dependency's $defs: %v", r)
	}
	// Against the schema's own $id, and transitively.
	street := formats.Dependency{Name: "street.json", Schema: `{"type":"string","minLength":1}`}
	address2 := formats.Dependency{Name: "address.json", Schema: `{"type":"object","properties":{"street":{"$ref":"street.json"}}}`}
	s = parse(t, `{"$id":"https://example.com/schemas/user.json","properties":{"addr":{"$ref":"address.json"}}}`, formats.Options{New: true}, street, address2)
	if err := s.Validate([]byte(`{"addr":{"street":""}}`)); err == nil {
		t.Error("transitive reference not applied")
	}
	// A reference that is not registered is refused in a new schema, and
	// nothing is fetched.
	for _, ref := range []string{"missing.json", "https://json-schema.org/draft-07/schema-missing", "file:///etc/passwd"} {
		_, err := Format{}.Parse(`{"$ref":"`+ref+`"}`, nil, formats.Options{New: true})
		if !errors.Is(err, formats.ErrInvalid) {
			t.Errorf("%s: got %v, want ErrInvalid", ref, err)
		}
	}
}

func TestRecordName(t *testing.T) {
	for in, want := range map[string]string{`{"title":"Order"}`: "Order", `{"type":"object"}`: "", `true`: "", `{"title":7}`: "7"} {
		if got := parse(t, in, formats.Options{}).RecordName(); got != want {
			t.Errorf("%s: %q, want %q", in, got, want)
		}
	}
}

func TestECMAPatterns(t *testing.T) {
	// Look-ahead is not RE2 but is valid in Java and ECMAScript.
	s := parse(t, `{"type":"string","pattern":"^(?!tmp_).+$"}`, formats.Options{New: true})
	if err := s.Validate([]byte(`"tmp_x"`)); err == nil {
		t.Error("look-ahead pattern not applied")
	}
	if err := s.Validate([]byte(`"x"`)); err != nil {
		t.Error(err)
	}
	if _, err := (Format{}).Parse(`{"pattern":"(["}`, nil, formats.Options{New: true}); !errors.Is(err, formats.ErrInvalid) {
		t.Errorf("bad pattern: %v", err)
	}
}

// FuzzParse feeds arbitrary text through the parse path: it must not panic,
// and it cannot reach a file or the network (the loader refuses them).
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{"type":"object","properties":{"a":{"$ref":"#/definitions/x"}},"definitions":{"x":{"type":"string"}}}`,
		`{"$schema":"https://json-schema.org/draft/2020-12/schema","prefixItems":[{"type":"string"}],"$defs":{"a":{"$ref":"#"}}}`,
		`{"$ref":"dep.json#/$defs/a"}`, `{"$id":"http://x/y","$ref":"#foo","$anchor":"foo"}`,
		`{"allOf":[{"$ref":"#"}],"maximum":1e300,"multipleOf":0.1}`, `true`, `{"pattern":"(?<=a)b"}`,
	} {
		f.Add(s, `{"$defs":{"a":{"type":"integer"}}}`, true)
	}
	f.Fuzz(func(t *testing.T, text, dep string, normalize bool) {
		start := time.Now()
		defer func() {
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("took %v", d)
			}
		}()
		deps := []formats.Dependency{{Name: "dep.json", Schema: dep}}
		for _, isNew := range []bool{true, false} {
			s, err := Format{}.Parse(text, deps, formats.Options{New: isNew, Normalize: normalize})
			if err != nil {
				if !errors.Is(err, formats.ErrInvalid) {
					t.Fatalf("error not wrapping ErrInvalid: %v", err)
				}
				continue
			}
			c := s.Canonical()
			again, err := Format{}.Parse(c, deps, formats.Options{Normalize: normalize})
			if err != nil {
				t.Fatalf("canonical text %q does not parse: %v", c, err)
			}
			if again.Canonical() != c {
				t.Fatalf("canonical form not stable: %q -> %q", c, again.Canonical())
			}
			_ = s.(*Schema).Validate([]byte(text))
			_ = s.(*Schema).RecordName()
		}
	})
}
