package scaledata

import (
	"crypto/md5"
	"encoding/json"
	"slices"
	"testing"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/avro"
)

// TestRecords checks what the start-up tests rely on: Confluent's key and
// value, a new id per record over a distinct text, schemas a registry
// accepts, and the promised shape (sizes, versions per subject).
func TestRecords(t *testing.T) {
	const n = 200_000
	g := New(n)
	seen := make(map[[16]byte]int, n)
	var size, count int
	for {
		r, ok := g.Next()
		if !ok {
			break
		}
		count++
		if r.ID != count {
			t.Fatalf("record %d has id %d", count, r.ID)
		}
		sum := md5.Sum(r.Schema)
		if first, dup := seen[sum]; dup {
			t.Fatalf("ids %d and %d have the same text", first, r.ID)
		}
		seen[sum] = r.ID
		size += len(r.Value)
		if count <= 3000 || count%997 == 0 {
			var key struct {
				Keytype, Subject string
				Version, Magic   int
			}
			var value struct {
				Subject, Schema, SchemaType string
				Version, ID                 int
			}
			if err := json.Unmarshal(r.Key, &key); err != nil || key.Keytype != "SCHEMA" || key.Subject != r.Subject || key.Version != r.Version {
				t.Fatalf("key %s: %v", r.Key, err)
			}
			if err := json.Unmarshal(r.Value, &value); err != nil || value.Schema != string(r.Schema) || value.ID != r.ID || value.Version != r.Version {
				t.Fatalf("value %.300s: %v", r.Value, err)
			}
			if _, err := (avro.Format{}).Parse(value.Schema, nil, formats.Options{New: true}); err != nil {
				t.Fatalf("id %d: %v\n%s", r.ID, err, r.Schema)
			}
		}
	}
	if count != n {
		t.Fatalf("%d records, want %d", count, n)
	}
	vs := slices.Clone(g.Versions)
	slices.Sort(vs)
	avg, p50, top := size/n, vs[len(vs)/2], vs[len(vs)-1]
	t.Logf("%d records, %d subjects, value %d B on average, versions p50 %d max %d", n, len(vs), avg, p50, top)
	if avg < 2000 || avg > 3500 || p50 != 5 || top < 100 {
		t.Errorf("shape: value %d B, versions p50 %d max %d; want about 2.5 KB, 5, over 100", avg, p50, top)
	}
}
