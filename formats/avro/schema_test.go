package avro

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/internal/testvectors"
)

func canon(t *testing.T, text string, normalize bool, deps ...formats.Dependency) string {
	t.Helper()
	s, err := Format{}.Parse(text, deps, formats.Options{New: true, Normalize: normalize})
	if err != nil {
		t.Fatalf("parse %s: %v", text, err)
	}
	return s.Canonical()
}

// TestCanonicalMatchesAvroJava holds schemas and the text Avro Java's
// Schema.toString() prints for them (what Confluent stores and hashes).
func TestCanonicalMatchesAvroJava(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"primitive object becomes a bare name", `{"type": "string"}`, `"string"`},
		{"bare primitive", ` "int" `, `"int"`},
		{"primitive with a property keeps the object", `{"type":"string","avro.java.string":"String"}`, `{"type":"string","avro.java.string":"String"}`},
		{"logical type keeps its attributes in input order", `{"type":"bytes","scale":2,"logicalType":"decimal","precision":4}`, `{"type":"bytes","scale":2,"logicalType":"decimal","precision":4}`},
		{"record attribute order", `{"fields":[{"type":"long","name":"id"}],"namespace":"com.acme","name":"User","type":"record","doc":"a user"}`,
			`{"type":"record","name":"User","namespace":"com.acme","doc":"a user","fields":[{"name":"id","type":"long"}]}`},
		{"field attribute order", `{"type":"record","name":"R","fields":[{"aliases":["old"],"order":"descending","default":"x","doc":"d","type":"string","name":"f","custom":1}]}`,
			`{"type":"record","name":"R","fields":[{"name":"f","type":"string","doc":"d","default":"x","order":"descending","aliases":["old"],"custom":1}]}`},
		{"ascending order is not printed; order is lower-cased", `{"type":"record","name":"R","fields":[{"name":"a","type":"int","order":"ascending"},{"name":"b","type":"int","order":"IGNORE"}]}`,
			`{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"int","order":"ignore"}]}`},
		{"nested type inherits the namespace and prints none", `{"type":"record","name":"A","namespace":"n","fields":[{"name":"b","type":{"type":"record","name":"B","fields":[]}},{"name":"b2","type":"B"}]}`,
			`{"type":"record","name":"A","namespace":"n","fields":[{"name":"b","type":{"type":"record","name":"B","fields":[]}},{"name":"b2","type":"B"}]}`},
		{"nested type in another namespace", `{"type":"record","name":"A","namespace":"n","fields":[{"name":"b","type":{"type":"record","name":"B","namespace":"m","fields":[]}},{"name":"b2","type":"m.B"}]}`,
			`{"type":"record","name":"A","namespace":"n","fields":[{"name":"b","type":{"type":"record","name":"B","namespace":"m","fields":[]}},{"name":"b2","type":"m.B"}]}`},
		{"full name splits into namespace", `{"type":"record","name":"n.A","fields":[]}`, `{"type":"record","name":"A","namespace":"n","fields":[]}`},
		{"empty namespace inside a namespace is printed", `{"type":"record","name":"A","namespace":"n","fields":[{"name":"b","type":{"type":"fixed","name":"F","namespace":"","size":4}}]}`,
			`{"type":"record","name":"A","namespace":"n","fields":[{"name":"b","type":{"type":"fixed","name":"F","namespace":"","size":4}}]}`},
		{"enum attribute order", `{"symbols":["A","B"],"type":"enum","default":"A","name":"E","doc":"e","aliases":["F"],"x":true}`,
			`{"type":"enum","name":"E","doc":"e","symbols":["A","B"],"default":"A","x":true,"aliases":["F"]}`},
		{"aliases relative to the namespace", `{"type":"record","name":"R","namespace":"a","aliases":["Old","b.Other","a.Same"],"fields":[]}`,
			`{"type":"record","name":"R","namespace":"a","fields":[],"aliases":["Old","b.Other","Same"]}`},
		{"array and map", `{"type":"map","values":{"items":"int","type":"array"}}`, `{"type":"map","values":{"type":"array","items":"int"}}`},
		{"union", `["null", {"type":"string"}]`, `["null","string"]`},
		{"defaults: doubles as Java prints them, integers as written", `{"type":"record","name":"R","fields":[{"name":"a","type":"double","default":1},{"name":"b","type":"double","default":1.50},{"name":"c","type":"double","default":1e10},{"name":"d","type":"float","default":0.0001},{"name":"e","type":{"type":"array","items":"int"},"default":[1,2]},{"name":"f","type":["null","int"],"default":null}]}`,
			`{"type":"record","name":"R","fields":[{"name":"a","type":"double","default":1},{"name":"b","type":"double","default":1.5},{"name":"c","type":"double","default":1.0E10},{"name":"d","type":"float","default":1.0E-4},{"name":"e","type":{"type":"array","items":"int"},"default":[1,2]},{"name":"f","type":["null","int"],"default":null}]}`},
		{"strings: unicode kept, control characters and quotes escaped, no HTML escaping", `{"type":"record","name":"R","doc":"café <b> \"q\" \\ \u0001 \t","fields":[]}`,
			`{"type":"record","name":"R","doc":"café <b> \"q\" \\ \u0001 \t","fields":[]}`},
		{"error type", `{"type":"error","name":"E","fields":[{"name":"m","type":"string"}]}`, `{"type":"error","name":"E","fields":[{"name":"m","type":"string"}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := canon(t, tc.in, false); got != tc.want {
				t.Errorf("\n got  %s\n want %s", got, tc.want)
			}
			// The canonical form is a fixed point.
			if again := canon(t, tc.want, false); again != tc.want {
				t.Errorf("canonical form is not stable:\n %s\n %s", tc.want, again)
			}
		})
	}
}

func TestNormalizedForm(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"full names, fixed key order, sorted aliases and properties",
			`{"type":"record","namespace":"a","name":"R","doc":"d","aliases":["Z","Y"],"zz":1,"aa":2,"fields":[{"name":"f","type":{"type":"enum","name":"E","symbols":["X"]},"doc":"fd","aliases":["q","p"],"default":"X","b":1,"a":2},{"name":"g","type":"E"}]}`,
			`{"name":"a.R","type":"record","fields":[{"name":"f","type":{"name":"a.E","type":"enum","symbols":["X"]},"doc":"fd","aliases":["p","q"],"default":"X","a":2,"b":1},{"name":"g","type":"a.E"}],"doc":"d","aliases":["a.Y","a.Z"],"aa":2,"zz":1}`},
		{"logical type first", `{"type":"bytes","scale":2,"precision":4,"logicalType":"decimal"}`, `{"type":"bytes","logicalType":"decimal","precision":4,"scale":2}`},
		{"primitive", `{"type":"int"}`, `"int"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := canon(t, tc.in, true); got != tc.want {
				t.Errorf("\n got  %s\n want %s", got, tc.want)
			}
		})
	}
	// Two spellings of one schema normalize to the same text.
	a := canon(t, `{"type":"record","name":"R","namespace":"n","fields":[{"name":"x","type":"int","doc":"d"}]}`, true)
	b := canon(t, `{"namespace":"n","fields":[{"doc":"d","type":"int","name":"x"}],"name":"n.R","type":"record"}`, true)
	if a != b {
		t.Errorf("normalized forms differ:\n %s\n %s", a, b)
	}
}

func TestReferencesArePrintedByName(t *testing.T) {
	address := formats.Dependency{Name: "com.acme.Address", Schema: `{"type":"record","name":"Address","namespace":"com.acme","fields":[{"name":"street","type":"string"}]}`}
	in := `{"type":"record","name":"User","namespace":"com.acme","fields":[{"name":"home","type":"Address"},{"name":"work","type":["null","com.acme.Address"]}]}`
	want := `{"type":"record","name":"User","namespace":"com.acme","fields":[{"name":"home","type":"Address"},{"name":"work","type":["null","Address"]}]}`
	if got := canon(t, in, false, address); got != want {
		t.Errorf("\n got  %s\n want %s", got, want)
	}
	if _, err := (Format{}).Parse(in, nil, formats.Options{New: true}); err == nil || !strings.Contains(err.Error(), "Address") {
		t.Errorf("without the reference: %v, want an undefined-name error", err)
	}
}

// TestGoldenSchemaParses parses the Avro schema of Confluent's golden hash
// file with its references. (The golden hashes are computed over the text as
// given, not over a canonical form; formats.TestIdentityGoldenHashes checks
// them.) Same-namespace references print by their short name, as Avro Java's
// Name.getQualified does.
func TestGoldenSchemaParses(t *testing.T) {
	b := testvectors.Read(t, "Confluent MD5 golden data (Avro schema)", "confluent/core-schema-md5-golden-data.json")
	var g struct {
		Schemas map[string]string `json:"schemas"`
	}
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	deps := []formats.Dependency{
		{Name: "io.confluent.kafka.example.User", Schema: `{"type":"record","name":"User","namespace":"io.confluent.kafka.example","fields":[{"name":"id","type":"string"}]}`},
		{Name: "io.confluent.kafka.example.Address", Schema: `{"type":"record","name":"Address","namespace":"io.confluent.kafka.example","fields":[{"name":"street","type":"string"}]}`},
	}
	want := strings.NewReplacer(`"io.confluent.kafka.example.User"`, `"User"`, `"io.confluent.kafka.example.Address"`, `"Address"`).Replace(g.Schemas["avro"])
	if got := canon(t, g.Schemas["avro"], false, deps...); got != want {
		t.Errorf("\n got  %s\n want %s", got, want)
	}
}

func TestInvalidSchemas(t *testing.T) {
	for _, in := range []string{
		``, `{`, `"nope"`, `{"type":"record","name":"R"}`, `{"type":"record","fields":[]}`,
		`{"type":"record","name":"1R","fields":[]}`, `{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"a","type":"int"}]}`,
		`{"type":"enum","name":"E","symbols":["A","A"]}`, `{"type":"enum","name":"E","symbols":["A"],"default":"B"}`,
		`{"type":"fixed","name":"F"}`, `{"type":"fixed","name":"F","size":1.5}`, `["int","int"]`, `["null",["int"]]`,
		`{"type":"array"}`, `{"type":"map"}`, `{"type":{"type":"string"}}`, `{"type":"record","name":"string","fields":[]}`,
		`{"type":"record","name":"R","fields":[{"name":"a","type":"int","default":"x"}]}`,
		`{"type":"record","name":"R","fields":[{"name":"a","type":"R"},{"name":"b","type":{"type":"record","name":"R","fields":[]}}]}`,
	} {
		_, err := (Format{}).Parse(in, nil, formats.Options{New: true})
		if !errors.Is(err, formats.ErrInvalid) {
			t.Errorf("%s: got %v, want an invalid-schema error", in, err)
		}
	}
}

// A stored schema whose default hamba refuses still parses (Confluent does not
// validate defaults of stored schemas), without a hamba model.
func TestStoredSchemaWithInvalidDefault(t *testing.T) {
	in := `{"type":"record","name":"R","fields":[{"name":"a","type":"int","default":"x"}]}`
	s, err := (Format{}).Parse(in, nil, formats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Canonical() != in {
		t.Errorf("got %s", s.Canonical())
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{`"int"`, `{"type":"record","name":"R","fields":[{"name":"a","type":["null","R"],"default":null}]}`,
		`{"type":"enum","name":"E","symbols":["A"],"default":"A"}`, `[{"type":"fixed","name":"F","size":2},"F"]`,
		`{"type":"map","values":{"type":"array","items":"double"}}`} {
		f.Add(s, false)
	}
	for _, tc := range defaultCases {
		if tc.deps == nil {
			f.Add(tc.in, false)
		}
	}
	for _, s := range hambaRefusals {
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, in string, normalize bool) {
		s, err := (Format{}).Parse(in, nil, formats.Options{New: true, Normalize: normalize})
		checkAgainstHamba(t, in, err)
		if err != nil {
			return
		}
		// What we accept prints to text that parses to the same text.
		again, err := (Format{}).Parse(s.Canonical(), nil, formats.Options{Normalize: normalize})
		if err != nil {
			t.Fatalf("canonical form %s does not parse: %v", s.Canonical(), err)
		}
		if again.Canonical() != s.Canonical() {
			t.Fatalf("canonical form unstable:\n %s\n %s", s.Canonical(), again.Canonical())
		}
	})
}
