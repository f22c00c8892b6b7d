package store

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/avro"
	"github.com/schemaregistry/registry/internal/scaledata"
)

// Versions of a subject are held as deltas of the one before (a few bytes
// for a field added) and come back exactly as written: after their base is
// deleted for good, after a replay, and at the end of chains longer than
// maxDeltaDepth.
func TestVersionsHeldAsDeltas(t *testing.T) {
	ctx := context.Background()
	log := NewMemoryLog()
	r, err := Open(log, []formats.Format{avro.Format{}}, Settings{CompatibilityLevel: "NONE"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	fields := []string{`{"name":"id","type":"string","doc":"the key of it all"}`}
	schema := func() string {
		return fmt.Sprintf(`{"type":"record","name":"Order","namespace":"com.acme","doc":"%s","fields":[%s]}`,
			strings.Repeat("An order placed by a customer. ", 8), strings.Join(fields, ","))
	}
	const n = 3*maxDeltaDepth + 5
	texts := map[int]string{}
	for v := 1; v <= n; v++ {
		if v == 20 {
			fields = []string{`{"name":"other","type":"long"}`} // shares little: held whole
		} else if v > 1 {
			fields = append(fields, fmt.Sprintf(`{"name":"f%d","type":["null","string"],"default":null}`, v))
		}
		got, err := r.Register(ctx, "orders", SchemaRequest{Schema: schema()}, RegisterOptions{})
		if err != nil {
			t.Fatal(err)
		}
		texts[v] = got.Schema
	}
	check := func(r *Registry, when string, from int) {
		t.Helper()
		for v := from; v <= n; v++ {
			got, err := r.Version("orders", v, false)
			if err != nil || got.Schema != texts[v] {
				t.Fatalf("%s: version %d: %v, %.80q; want %.80q", when, v, err, got.Schema, texts[v])
			}
			byID, err := r.SchemaByID(got.ID, "")
			if err != nil || byID.Schema != texts[v] {
				t.Fatalf("%s: id %d: %v", when, got.ID, err)
			}
		}
	}
	check(r, "registered", 1)
	whole, deltas, depth := r.heldTexts()
	if whole > n/maxDeltaDepth+3 || deltas < n-n/maxDeltaDepth-3 || depth > maxDeltaDepth {
		t.Errorf("%d texts held whole, %d as deltas, chains up to %d; want most as deltas, chains up to %d", whole, deltas, depth, maxDeltaDepth)
	}
	for v := 1; v <= 10; v++ {
		for _, how := range []Deletion{SoftDelete, PermanentDelete} {
			if _, err := r.DeleteVersion(ctx, "orders", v, how); err != nil {
				t.Fatal(err)
			}
		}
	}
	clearTextCache()
	check(r, "bases deleted", 11)
	check(replayOpen(t, log.Records()...), "replayed", 11)
}

// clearTextCache forgets the texts decompressed last, so that reads rebuild
// them.
func clearTextCache() {
	for i := range textCache {
		textCache[i].Store(nil)
	}
}

// A replay of a large, real-looking topic holds most versions as deltas,
// and serves every text as written.
func TestReplayHoldsVersionsAsDeltas(t *testing.T) {
	g := scaledata.New(5000)
	var recs []Record
	texts := map[int]string{}
	for {
		rec, ok := g.Next()
		if !ok {
			break
		}
		recs = append(recs, Record{Key: []byte(string(rec.Key)), Value: []byte(string(rec.Value))})
		texts[rec.ID] = string(rec.Schema)
	}
	r := replayOpen(t, recs...)
	clearTextCache()
	for id, text := range texts {
		got, err := r.SchemaByID(id, "")
		if err != nil || got.Schema != text {
			t.Fatalf("id %d: %v, %.80q", id, err, got.Schema)
		}
	}
	whole, deltas, depth := r.heldTexts()
	t.Logf("%d texts held whole, %d as deltas, chains up to %d", whole, deltas, depth)
	if deltas < 2*whole || depth > maxDeltaDepth {
		t.Errorf("%d texts held whole, %d as deltas, chains up to %d", whole, deltas, depth)
	}
}

// heldTexts counts the texts of the default context held whole and as
// deltas, and the longest chain.
func (r *Registry) heldTexts() (whole, deltas, depth int) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	r.st.dflt.ids.each(func(e *schemaEntry) {
		p := e.text.p.Load()
		if p.base == nil {
			whole++
		} else {
			deltas++
			depth = max(depth, int(p.depth))
		}
	})
	return whole, deltas, depth
}

// Ids far above the others (an import) are kept apart from the dense ones,
// and stay found when the dense ones grow past them.
func TestIDIndexFarIDs(t *testing.T) {
	var x idIndex
	entries := map[int]*schemaEntry{}
	put := func(id int) {
		e := &schemaEntry{id: id}
		entries[id] = e
		x.put(id, e)
	}
	put(5000) // far: nothing dense yet
	put(-3)
	for id := 1; id <= 6000; id++ {
		if id != 5000 {
			put(id)
		}
	}
	put(5000) // again: replaced, not counted twice
	if x.len() != len(entries) {
		t.Fatalf("len %d, want %d", x.len(), len(entries))
	}
	for id, e := range entries {
		if x.get(id) != e {
			t.Fatalf("id %d: got %v", id, x.get(id))
		}
	}
	x.remove(5000)
	x.remove(-3)
	x.remove(42)
	if x.get(5000) != nil || x.get(-3) != nil || x.get(42) != nil || x.len() != len(entries)-3 {
		t.Fatalf("after removals: len %d", x.len())
	}
	n := 0
	x.each(func(*schemaEntry) { n++ })
	if n != x.len() {
		t.Fatalf("each saw %d, len %d", n, x.len())
	}
}
