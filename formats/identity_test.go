package formats

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/schemaregistry/registry/internal/testvectors"
)

// golden is ../shared/testdata/confluent/core-schema-md5-golden-data.json:
// schemas of each type and the GUIDs Confluent computes with and without
// references, metadata and rules.
type golden struct {
	Schemas        map[string]string            `json:"schemas"`
	References     []Reference                  `json:"references"`
	Metadata       *Metadata                    `json:"metadata"`
	Rules          *RuleSet                     `json:"rules"`
	ExpectedHashes map[string]map[string]string `json:"expectedHashes"`
}

// loadGolden reads the golden hash file from the shared test vectors
// (testvectors skips or fails the test when they are absent).
func loadGolden(t *testing.T) golden {
	t.Helper()
	b := testvectors.Read(t, "Confluent MD5 golden hashes", "confluent/core-schema-md5-golden-data.json")
	var g golden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	return g
}

func TestIdentityGoldenHashes(t *testing.T) {
	g := loadGolden(t)
	keys := map[string]string{"AVRO": "avro", "PROTOBUF": "protobuf", "JSON": "json"}
	n := 0
	for typ, hashes := range g.ExpectedHashes {
		for bits, want := range hashes {
			var refs []Reference
			var md *Metadata
			var rs *RuleSet
			if bits[0] == '1' {
				refs = g.References
			}
			if bits[1] == '1' {
				md = g.Metadata
			}
			if bits[2] == '1' {
				rs = g.Rules
			}
			got := IdentityOf(g.Schemas[keys[typ]], refs, md, rs).GUID()
			if got != want {
				t.Errorf("%s %s: got %s want %s", typ, bits, got, want)
			}
			n++
		}
	}
	if n != 24 {
		t.Errorf("checked %d hashes, want 24", n)
	}
}

// TestUUID checks the UUID printing of an identity against fmt's.
func TestUUID(t *testing.T) {
	var b [16]byte
	for i := range b {
		b[i] = byte(i*17 + 3)
	}
	want := fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
	if got := UUID(b); got != want || Identity(b).GUID() != want {
		t.Errorf("UUID = %s, GUID = %s, want %s", got, Identity(b).GUID(), want)
	}
}

func TestParseGUID(t *testing.T) {
	id := IdentityOf(`{"type":"string"}`, nil, nil, nil)
	got, ok := ParseGUID(id.GUID())
	if !ok || got != id {
		t.Fatalf("ParseGUID(%s) = %v, %v", id.GUID(), got, ok)
	}
	upper := strings.ToUpper(id.GUID())
	for _, bad := range []string{"", upper, id.GUID()[:35], id.GUID() + "0", strings.ReplaceAll(id.GUID(), "-", "_"), "zzzzzzzz-0000-0000-0000-000000000000"} {
		if _, ok := ParseGUID(bad); ok && bad != id.GUID() {
			t.Errorf("ParseGUID(%q) accepted", bad)
		}
	}
}
