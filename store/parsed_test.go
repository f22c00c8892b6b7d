package store

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/avro"
	"github.com/schemaregistry/registry/formats/jsonschema"
	"github.com/schemaregistry/registry/formats/protobuf"
	"github.com/schemaregistry/registry/internal/scaledata"
)

// parsedTestRecord is a record of subject i with n long fields, each but
// the first with a default: n+1 fields are a compatible evolution of n.
func parsedTestRecord(i, n int) string {
	fields := `{"name":"f0","type":"long"}`
	for f := 1; f < n; f++ {
		fields += fmt.Sprintf(`,{"name":"f%d","type":"long","default":0}`, f)
	}
	return fmt.Sprintf(`{"type":"record","name":"R%d","namespace":"com.acme","fields":[%s]}`, i, fields)
}

// Checking against many more distinct schemas than the bound keeps at most
// the bound parsed, and the answers stay right when the parses checked
// against were dropped and are parsed again.
func TestParsedSchemasBounded(t *testing.T) {
	ctx := context.Background()
	const bound, n = 20, 300
	r, err := Open(NewMemoryLog(), []formats.Format{avro.Format{}}, Settings{MaxParsedSchemas: bound}, nil)
	if err != nil {
		t.Fatal(err)
	}
	subject := func(i int) string { return fmt.Sprintf("s%d", i) }
	for i := range n {
		if _, err := r.Register(ctx, subject(i), SchemaRequest{Schema: parsedTestRecord(i, 3)}, RegisterOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if got := r.ParsedStats().Held; got != 0 {
		t.Fatalf("%d schemas held parsed before any check, want 0", got)
	}
	check := func(i int) {
		t.Helper()
		// A field added with a default is BACKWARD compatible; one
		// without is not (the new reader cannot read old data).
		ok, err := r.CheckCompatibility(subject(i), LatestVersion, SchemaRequest{Schema: parsedTestRecord(i, 4)}, false, true)
		if err != nil || !ok.Compatible || !ok.Checked {
			t.Fatalf("check %d: %+v %v, want compatible", i, ok, err)
		}
		bad := fmt.Sprintf(`{"type":"record","name":"R%d","namespace":"com.acme","fields":[{"name":"f0","type":"long"},{"name":"g","type":"long"}]}`, i)
		no, err := r.CheckCompatibility(subject(i), LatestVersion, SchemaRequest{Schema: bad}, false, true)
		if err != nil || no.Compatible || len(no.Messages) == 0 {
			t.Fatalf("check %d: %+v %v, want incompatible", i, no, err)
		}
		if held := r.ParsedStats().Held; held > bound {
			t.Fatalf("after checking against %d schemas, %d are held parsed, more than the bound %d", i+1, held, bound)
		}
	}
	for i := range n {
		check(i)
	}
	st := r.ParsedStats()
	if st.Held != bound || st.Parses != n || st.Evictions != n-bound {
		t.Errorf("after %d distinct schemas: %+v, want %d held, %d parses, %d evictions", n, st, bound, n, n-bound)
	}
	// The first ones were dropped long ago: parsed again, same answers
	// (and the verdict cache is not what answers: the stored side is
	// parsed again).
	for i := range 2 * bound {
		check(i)
	}
	if st2 := r.ParsedStats(); st2.Parses <= st.Parses || st2.Held > bound {
		t.Errorf("after checking the first ones again: %+v, want more parses (they had been dropped) and at most %d held", st2, bound)
	}
}

// A hot schema, used between the cold ones, stays parsed: the cold ones
// go first.
func TestParsedSchemasKeepHotOnes(t *testing.T) {
	ctx := context.Background()
	const bound = 10
	r, err := Open(NewMemoryLog(), []formats.Format{avro.Format{}}, Settings{MaxParsedSchemas: bound}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 200 {
		if _, err := r.Register(ctx, fmt.Sprintf("s%d", i), SchemaRequest{Schema: parsedTestRecord(i, 2)}, RegisterOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	hot := func() {
		t.Helper()
		res, err := r.CheckCompatibility("s0", LatestVersion, SchemaRequest{Schema: parsedTestRecord(0, 3)}, false, false)
		if err != nil || !res.Compatible {
			t.Fatal(res, err)
		}
	}
	hot()
	parses := r.ParsedStats().Parses
	for i := 1; i < 200; i++ {
		if _, err := r.CheckCompatibility(fmt.Sprintf("s%d", i), LatestVersion, SchemaRequest{Schema: parsedTestRecord(i, 3)}, false, false); err != nil {
			t.Fatal(err)
		}
		hot()
	}
	if got := r.ParsedStats().Parses - parses; got != 199 {
		t.Errorf("%d parses for 199 cold schemas and one hot, want 199 (the hot one never dropped)", got)
	}
}

// The bound in bytes holds too: estimated sizes never add up to more
// than it (but for a single parse larger than the bound).
func TestParsedSchemasBoundedInBytes(t *testing.T) {
	ctx := context.Background()
	const maxBytes = 64 << 10
	r, err := Open(NewMemoryLog(), []formats.Format{avro.Format{}}, Settings{MaxParsedBytes: maxBytes}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		s := fmt.Sprintf("s%d", i)
		if _, err := r.Register(ctx, s, SchemaRequest{Schema: parsedTestRecord(i, 20)}, RegisterOptions{}); err != nil {
			t.Fatal(err)
		}
		if res, err := r.CheckCompatibility(s, LatestVersion, SchemaRequest{Schema: parsedTestRecord(i, 21)}, false, false); err != nil || !res.Compatible {
			t.Fatal(res, err)
		}
		if st := r.ParsedStats(); st.Bytes > maxBytes || st.Held < 1 {
			t.Fatalf("after %d: %+v, want at most %d bytes", i+1, st, maxBytes)
		}
	}
	if st := r.ParsedStats(); st.Held >= 100 || st.Held < 2 {
		t.Errorf("%+v: the byte bound should keep some but not all", st)
	}
}

// A stored schema's parse follows its references: when the subject-version
// it refers to is bound to another schema while it lives (a record written
// by another node to a shared log, an import overwriting it), or when a
// new version becomes the latest it refers to, it is parsed again. Checks
// against it would otherwise compare the candidate with the old dependency.
func TestParsedSchemasFollowChangedReferences(t *testing.T) {
	const (
		depA = `{"type":"record","name":"Dep","namespace":"com.acme","fields":[{"name":"a","type":"long"}]}`
		depB = `{"type":"record","name":"Dep","namespace":"com.acme","fields":[{"name":"b","type":"string"}]}`
		main = `{"type":"record","name":"Main","namespace":"com.acme","fields":[{"name":"d","type":"Dep"}]}`
	)
	for _, tc := range []struct {
		name    string
		refVer  int // what main's reference names
		replace func(ctx context.Context, r *Registry, log *MemoryLog) error
	}{
		{"version overwritten", 1, func(ctx context.Context, r *Registry, log *MemoryLog) error {
			return log.Append(ctx, []Record{schemaRecord(schemaValue{Subject: "dep", Version: 1, ID: 3, SchemaType: "AVRO", Schema: depB})})
		}},
		{"new latest", LatestVersion, func(ctx context.Context, r *Registry, log *MemoryLog) error {
			_, err := r.Register(ctx, "dep", SchemaRequest{Schema: depB}, RegisterOptions{Force: true})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			log := NewMemoryLog(
				schemaRecord(schemaValue{Subject: "dep", Version: 1, ID: 1, SchemaType: "AVRO", Schema: depA}),
				schemaRecord(schemaValue{Subject: "main", Version: 1, ID: 2, SchemaType: "AVRO", Schema: main,
					References: []formats.Reference{{Name: "com.acme.Dep", Subject: "dep", Version: tc.refVer}}}),
			)
			r, err := Open(log, []formats.Format{avro.Format{}}, Settings{ModeMutability: true}, nil)
			if err != nil {
				t.Fatal(err)
			}
			// Main itself, its reference resolved at each check; and main
			// with Dep{b} inline, the same request each time.
			self := SchemaRequest{Schema: main, References: []formats.Reference{{Name: "com.acme.Dep", Subject: "dep", Version: LatestVersion}}}
			inline := SchemaRequest{Schema: `{"type":"record","name":"Main","namespace":"com.acme","fields":[{"name":"d","type":` + depB + `}]}`}
			check := func(req SchemaRequest, want bool, why string) {
				t.Helper()
				for try := range 2 { // the second from the caches
					res, err := r.CheckCompatibility("main", LatestVersion, req, false, true)
					if err != nil || res.Compatible != want {
						t.Fatalf("%s (try %d): compatible=%v %v %v, want %v", why, try, res.Compatible, res.Messages, err, want)
					}
				}
			}
			check(self, true, "main against itself")
			check(inline, false, "Dep{b} cannot read Dep{a}: b has no default")
			if err := tc.replace(ctx, r, log); err != nil {
				t.Fatal(err)
			}
			// Main as stored now holds Dep{b}: main parsed against Dep{a}
			// would not read records written with Dep{b}, nor would the
			// answer remembered for the inline request stay true.
			check(self, true, "main against itself after its dependency changed")
			check(inline, true, "main with Dep{b} inline, against main now holding Dep{b}")
		})
	}
}

// Many readers checking against more schemas than the bound at once: each
// answer right, the bound kept (run with -race).
func TestParsedSchemasConcurrent(t *testing.T) {
	ctx := context.Background()
	const bound, n = 16, 200
	r, err := Open(NewMemoryLog(), []formats.Format{avro.Format{}}, Settings{MaxParsedSchemas: bound}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if _, err := r.Register(ctx, fmt.Sprintf("s%d", i), SchemaRequest{Schema: parsedTestRecord(i, 3)}, RegisterOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for k := range 3 * n {
				i := (k*7 + g*13) % n
				if k%5 == 0 {
					i = 0 // a hot one
				}
				res, err := r.CheckCompatibility(fmt.Sprintf("s%d", i), LatestVersion, SchemaRequest{Schema: parsedTestRecord(i, 4)}, false, true)
				if err != nil || !res.Compatible {
					t.Errorf("check %d: %+v %v", i, res, err)
					return
				}
				if held := r.ParsedStats().Held; held > bound {
					t.Errorf("%d held, bound %d", held, bound)
					return
				}
			}
		})
	}
	wg.Wait()
}

// A stored schema whose referenced subject-version was removed (a tombstone
// written to a shared log by another node) can no longer be parsed, held
// parse or not: the answer does not depend on what the cache still holds.
// Bound to a schema again, the version is what the reference resolves to.
func TestParsedSchemasFollowRemovedReferences(t *testing.T) {
	const (
		depA = `{"type":"record","name":"Dep","namespace":"com.acme","fields":[{"name":"a","type":"long"}]}`
		depB = `{"type":"record","name":"Dep","namespace":"com.acme","fields":[{"name":"b","type":"string"}]}`
		main = `{"type":"record","name":"Main","namespace":"com.acme","fields":[{"name":"d","type":"Dep"}]}`
	)
	ctx := context.Background()
	log := NewMemoryLog(
		schemaRecord(schemaValue{Subject: "dep", Version: 1, ID: 1, SchemaType: "AVRO", Schema: depA}),
		schemaRecord(schemaValue{Subject: "main", Version: 1, ID: 2, SchemaType: "AVRO", Schema: main,
			References: []formats.Reference{{Name: "com.acme.Dep", Subject: "dep", Version: 1}}}),
	)
	r, err := Open(log, []formats.Format{avro.Format{}}, Settings{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	inlineA := SchemaRequest{Schema: `{"type":"record","name":"Main","namespace":"com.acme","fields":[{"name":"d","type":` + depA + `}]}`}
	check := func(want bool, message, why string) {
		t.Helper()
		res, err := r.CheckCompatibility("main", LatestVersion, inlineA, false, true)
		if err != nil || res.Compatible != want || message != "" && (len(res.Messages) == 0 || !strings.Contains(res.Messages[0], message)) {
			t.Fatalf("%s: compatible=%v %v %v, want %v %q", why, res.Compatible, res.Messages, err, want, message)
		}
	}
	check(true, "", "main with Dep{a} inline against main")
	tombstone := Record{Key: recordKey{Type: keySchema, Subject: "dep", Version: 1}.bytes()}
	if err := log.Append(ctx, []Record{tombstone}); err != nil {
		t.Fatal(err)
	}
	check(false, "No schema reference found", "against main whose dependency is gone")
	if err := log.Append(ctx, []Record{schemaRecord(schemaValue{Subject: "dep", Version: 1, ID: 3, SchemaType: "AVRO", Schema: depB})}); err != nil {
		t.Fatal(err)
	}
	check(false, "READER_FIELD_MISSING_DEFAULT_VALUE", "against main holding Dep{b}")
}

// The estimate of a parse's size stays near what parses take (within 30%
// over a thousand schemas of each kind), so that schema.cache.max.bytes
// means what it says.
func TestParsedSizeEstimate(t *testing.T) {
	g := scaledata.New(1000)
	var realistic []string
	for {
		rec, ok := g.Next()
		if !ok {
			break
		}
		realistic = append(realistic, string(rec.Schema))
	}
	var jsonTexts, protoTexts []string
	for i := range 1000 {
		var props []string
		var proto strings.Builder
		fmt.Fprintf(&proto, "syntax = \"proto3\";\npackage acme.p%d;\nmessage M%d {\n", i, i)
		for f := range 5 + i%40 {
			props = append(props, fmt.Sprintf(`"field_%d":{"type":"string","description":"field number %d"}`, f, f))
			fmt.Fprintf(&proto, "  string field_%d = %d;\n", f, f+1)
		}
		proto.WriteString("}\n")
		jsonTexts = append(jsonTexts, `{"type":"object","title":"T`+strconv.Itoa(i)+`","properties":{`+strings.Join(props, ",")+`}}`)
		protoTexts = append(protoTexts, proto.String())
	}
	for _, tc := range []struct {
		name  string
		f     formats.Format
		texts []string
	}{
		{"Avro", avro.Format{}, realistic},
		{"JSON Schema", jsonschema.Format{}, jsonTexts},
		{"Protobuf", protobuf.Format{}, protoTexts},
	} {
		var estimate int64
		for _, s := range tc.texts {
			estimate += parsedSize(tc.f.Type(), s)
		}
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		held := make([]formats.Schema, len(tc.texts))
		for i, s := range tc.texts {
			p, err := tc.f.Parse(s, nil, formats.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if a, ok := p.(*avro.Schema); ok {
				a.Hamba() // what a compatibility check adds
			}
			held[i] = p
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(held)
		measured := int64(after.HeapAlloc) - int64(before.HeapAlloc)
		ratio := float64(estimate) / float64(measured)
		t.Logf("%s: estimated %d KiB, measured %d KiB (%.2f)", tc.name, estimate>>10, measured>>10, ratio)
		if ratio < 0.7 || ratio > 1.3 {
			t.Errorf("%s: the estimate is %.2f times the measured size of %d parses", tc.name, ratio, len(tc.texts))
		}
	}
}
