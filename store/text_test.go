package store

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"unsafe"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/avro"
)

func TestPackTextRoundTrip(t *testing.T) {
	random := make([]byte, 64<<10)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	nonASCII := strings.Repeat(`{"name":"café_漢字_🙂","doc":"naïve — ünïcödé \u2028 ✓"},`, 20_000) // ~1 MB
	for _, tc := range []struct {
		name   string
		text   string
		packed bool
	}{
		{"empty", "", false},
		{"short", `"string"`, false},
		{"short non-ASCII", `{"doc":"été 漢字 🙂"}`, false},
		{"just under the threshold", strings.Repeat("a", minPackedText-1), false},
		{"at the threshold", strings.Repeat("a", minPackedText), true},
		{"typical", string(schemaRecords(1)[0].Value), true},
		{"large non-ASCII", nonASCII, true},
		{"incompressible", string(random), false},
		{"NUL and invalid UTF-8", strings.Repeat("\x00\xff\xfe{\"a\":1}", 100), true},
	} {
		p := packText([]byte(tc.text))
		if p.packed() != tc.packed {
			t.Errorf("%s: packed = %v, want %v (%d -> %d bytes)", tc.name, p.packed(), tc.packed, len(tc.text), len(p.data))
		}
		if got := p.unpack(); got != tc.text {
			t.Errorf("%s: the text does not come back (%d bytes, got %d)", tc.name, len(tc.text), len(got))
		}
		if tc.packed && len(p.data) > len(tc.text)/2 {
			t.Errorf("%s: %d bytes packed into %d", tc.name, len(tc.text), len(p.data))
		}
	}
}

// The text is copied: the caller's buffer may be reused at once.
func TestPackTextCopies(t *testing.T) {
	for _, n := range []int{10, 1000} {
		buf := []byte(strings.Repeat("x", n))
		p := packText(buf)
		for i := range buf {
			buf[i] = 'y'
		}
		if p.unpack() != strings.Repeat("x", n) {
			t.Errorf("%d bytes: the packed text changed with the buffer", n)
		}
	}
}

func TestSchemaTextCache(t *testing.T) {
	// Two entries in the same cache slot, read in turns and concurrently.
	a, b := entryWithText(1, strings.Repeat("a", 1000)), entryWithText(1+textCacheSlots, strings.Repeat("b", 2000))
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				if a.schema() != strings.Repeat("a", 1000) || b.schema() != strings.Repeat("b", 2000) {
					t.Error("wrong text from the cache")
					return
				}
			}
		}()
	}
	wg.Wait()
}

// bigSchema is an Avro schema of about n KB with non-ASCII names and docs.
func bigSchema(name string, n int) string {
	var fields []string
	for i := 0; len(fields)*110 < n<<10; i++ {
		fields = append(fields, fmt.Sprintf(`{"name":"f%d","type":["null","string"],"default":null,"doc":"champ n°%d — 漢字 🙂 \"quoted\" \\ back"}`, i, i))
	}
	return fmt.Sprintf(`{"type":"record","name":"%s","namespace":"com.acme","fields":[%s]}`, name, strings.Join(fields, ","))
}

// Schema texts, kept compressed, come back exactly as written to the log,
// from the registry and from a replay of its log; a schema registered under
// a second subject is found by identity and keeps its id.
func TestSchemaTextsThroughRegistry(t *testing.T) {
	r, log, _ := replayOpenLogged(t)
	ctx := context.Background()
	schemas := []string{`"string"`, bigSchema("Small", 1), bigSchema("Large", 300)}
	var ids []int
	for i, s := range schemas {
		got, err := r.Register(ctx, fmt.Sprintf("s%d", i), SchemaRequest{Schema: s}, RegisterOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, got.ID)
	}
	// What the log holds is the reference.
	written := map[int]string{}
	for _, rec := range log.Records() {
		var v schemaValue
		if err := json.Unmarshal(rec.Value, &v); err != nil {
			t.Fatal(err)
		}
		written[v.ID] = v.Schema
	}
	check := func(r *Registry, when string) {
		t.Helper()
		for i, id := range ids {
			for range 2 { // decompressed, then from the cache
				got, err := r.SchemaByID(id, "")
				if err != nil || got.Schema != written[id] {
					t.Fatalf("%s: SchemaByID(%d) = %.60q (%d bytes), %v; want %d bytes", when, id, got.Schema, len(got.Schema), err, len(written[id]))
				}
			}
			v, err := r.Version(fmt.Sprintf("s%d", i), 1, false)
			if err != nil || v.Schema != written[id] {
				t.Fatalf("%s: Version(s%d, 1): %v, or not the text written", when, i, err)
			}
			// Looked up and re-registered under another subject: the same id.
			again, err := r.Register(ctx, fmt.Sprintf("other%d", i), SchemaRequest{Schema: schemas[i]}, RegisterOptions{})
			if err != nil || again.ID != id || again.Schema != written[id] {
				t.Fatalf("%s: registered under a second subject: id %d, %v; want id %d", when, again.ID, err, id)
			}
			found, err := r.Lookup(fmt.Sprintf("other%d", i), SchemaRequest{Schema: schemas[i]}, false, false)
			if err != nil || found.ID != id {
				t.Fatalf("%s: Lookup under the second subject: id %d, %v; want %d", when, found.ID, err, id)
			}
			byGUID, err := r.SchemaByGUID(found.GUID)
			if err != nil || byGUID.ID != id || byGUID.Schema != written[id] {
				t.Fatalf("%s: SchemaByGUID(%s): id %d, %v", when, found.GUID, byGUID.ID, err)
			}
		}
	}
	check(r, "registered")
	r.packPending() // what the background goroutine does, if it has not yet
	if e := r.st.dflt.ids.get(ids[2]); !e.text.p.Load().packed() {
		t.Errorf("the large schema is not compressed")
	}
	check(r, "compressed")
	replayed := replayOpen(t, log.Records()...)
	check(replayed, "replayed")
	if got, want := replayed.Stats(), r.Stats(); got != want {
		t.Errorf("replayed stats %+v, want %+v", got, want)
	}
}

// One text bound to two ids (an import) is held once.
func TestSameTextUnderTwoIDsHeldOnce(t *testing.T) {
	parsed, err := avro.Format{}.Parse(bigSchema("Twice", 2), nil, formats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	schema := parsed.Canonical() // as stored by a registry
	rec := func(subject string, id int) Record {
		return Record{Key: recordKey{Type: keySchema, Subject: subject, Version: 1}.bytes(),
			Value: marshal(schemaValue{Subject: subject, Version: 1, ID: id, SchemaType: formats.Avro, Schema: schema})}
	}
	r := replayOpen(t, rec("a", 1), rec("b", 2))
	a, b := r.st.dflt.ids.get(1), r.st.dflt.ids.get(2)
	if a == nil || b == nil || !a.text.p.Load().packed() {
		t.Fatalf("entries %v %v", a, b)
	}
	if a.text != b.text || unsafe.StringData(a.text.p.Load().data) != unsafe.StringData(b.text.p.Load().data) {
		t.Error("the text of ids 1 and 2 is held twice")
	}
	if a.schema() != schema || b.schema() != schema {
		t.Error("wrong text")
	}
	// Each subject finds the id it holds, not the identity's first one.
	for subject, id := range map[string]int{"a": 1, "b": 2} {
		if v, err := r.Lookup(subject, SchemaRequest{Schema: schema}, false, false); err != nil || v.ID != id {
			t.Errorf("Lookup(%s): id %d, %v; want %d", subject, v.ID, err, id)
		}
	}
}

func BenchmarkSchemaText(b *testing.B) {
	text := []byte(bigSchema("Bench", 3))
	p := packText(text)
	b.Run("pack", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		for b.Loop() {
			packText(text)
		}
	})
	b.Run("unpack", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		for b.Loop() {
			p.unpack()
		}
	})
	b.Run("cached", func(b *testing.B) {
		e := &schemaEntry{id: 3, text: &sharedText{}}
		e.text.p.Store(&p)
		for b.Loop() {
			e.schema()
		}
	})
	b.ReportMetric(float64(len(p.data)), "packed-bytes")
}

func entryWithText(id int, text string) *schemaEntry {
	e := &schemaEntry{id: id, text: &sharedText{}}
	p := packText([]byte(text))
	e.text.p.Store(&p)
	return e
}
