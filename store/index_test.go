package store

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/schemaregistry/registry/formats"
)

// The listings read the subject index (index.go); these are the listings
// as they were before it, which sorted the subjects on every call. Their
// answers must stay the same, for every query over every state.

func (r *Registry) oldSubjects(o SubjectsOptions) []string {
	r.mu.RLock()
	out := []string{}
	f := parseSubjectFilter(o.Prefix)
	for name, s := range r.st.subjects {
		if !f.match(name) || o.Readable != nil && !o.Readable(name) {
			continue
		}
		live := s.latest(false) != nil
		if (o.DeletedOnly && !live) || (!o.DeletedOnly && (live || o.Deleted)) {
			out = append(out, name)
		}
	}
	r.mu.RUnlock()
	sort.Strings(out)
	return page(out, o.Paging, r.settings.SubjectSearch)
}

func (r *Registry) oldSchemas(o SchemasOptions) []SchemaVersion {
	r.mu.RLock()
	names := make([]string, 0, len(r.st.subjects))
	f := parseSubjectFilter(o.Prefix)
	for name := range r.st.subjects {
		if f.match(name) && (o.Readable == nil || o.Readable(name)) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var picked []*version
	var assocs map[string][]Association
	if o.Associations != nil {
		assocs = map[string][]Association{}
	}
	for _, name := range names {
		s := r.st.subjects[name]
		if o.Associations != nil {
			list, keep := o.Associations.pick(r.st, name)
			if !keep {
				continue
			}
			assocs[name] = list
		}
		if o.LatestOnly {
			if v := s.latest(Deleted(o.Deleted)); v != nil {
				picked = append(picked, v)
			}
			continue
		}
		for _, v := range s.versions {
			if Deleted(o.Deleted).visible(v) {
				picked = append(picked, v)
			}
		}
	}
	picked = page(picked, o.Paging, r.settings.SchemaSearch)
	out := make([]SchemaVersion, 0, len(picked))
	for _, v := range picked {
		sv := v.export()
		sv.Associations = assocs[v.subject]
		out = append(out, sv)
	}
	r.mu.RUnlock()
	return out
}

func (r *Registry) oldSubjectSummaries(o SummaryOptions) (list []SubjectSummary, total int) {
	f := parseSubjectFilter(o.Prefix)
	contains := strings.ToLower(o.Contains)
	r.mu.RLock()
	sorted := make([]*subjectState, 0, len(r.st.subjects))
	for _, s := range r.st.subjects {
		sorted = append(sorted, s)
	}
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].name < sorted[j].name })
	var picked []*subjectState
	for _, s := range sorted {
		name := s.name
		if !f.match(name) || contains != "" && !strings.Contains(strings.ToLower(name), contains) {
			continue
		}
		v := s.latest(Deleted(o.Deleted))
		if v == nil || o.Type != "" && v.entry.schemaType != o.Type {
			continue
		}
		if o.Readable != nil && !o.Readable(name) {
			continue
		}
		picked = append(picked, s)
	}
	total = len(picked)
	picked = page(picked, o.Paging, Limits{Default: 50, Max: 1000})
	list = make([]SubjectSummary, 0, len(picked))
	for _, s := range picked {
		v := s.latest(Deleted(o.Deleted))
		list = append(list, SubjectSummary{Subject: s.name, Version: v.version, Versions: len(s.versions),
			ID: v.entry.id, SchemaType: v.entry.schemaType, Deleted: s.latest(LiveOnly) == nil})
	}
	r.mu.RUnlock()
	return list, total
}

// listingWorld makes random records over a small set of subjects (plain,
// in two contexts, and, when odd, names that are not normalized or name a
// context alone) and random queries of the listings.
type listingWorld struct {
	rnd      *rand.Rand
	names    []string
	prefixes []string
	nextID   map[string]int // per context
	offset   int64
}

func newListingWorld(seed uint64, odd bool) *listingWorld {
	w := &listingWorld{rnd: rand.New(rand.NewPCG(seed, 7)), nextID: map[string]int{}}
	for _, p := range []string{"a", "ab", "b", "b-", "ba", "z", "A", "0", "-", "~", "é", "a:b", "a.b", "\xff"} {
		w.names = append(w.names, p, p+"x", p+"-value")
		w.names = append(w.names, ":.ctx:"+p, ":.other:"+p+"y")
	}
	w.names = append(w.names, ":.c:a", ":.c:", ":.ctx2:q")
	if odd {
		w.names = append(w.names, ":.:a", ":.:zz", ":.ctx", ":.odd:", ":.", ":.ctx::a")
	}
	w.prefixes = []string{":*:", "", "a", "ab", "b", "b-", "z", "~", "é", "\xff", ":", ":.", ":.:", ":.:a", ":*:a", ":*:b-",
		":.ctx:", ":.ctx:a", ":.ctx", ":.other:b", ":.c:", ":.nope:", ":*:\xff", ":.::a", "a:", ":a"}
	return w
}

func (w *listingWorld) pick(list []string) string { return list[w.rnd.IntN(len(list))] }

// record returns a random record for the state of r.
func (w *listingWorld) record(r *Registry) Record {
	w.offset++
	subject := w.pick(w.names)
	r.mu.RLock()
	s := r.st.subjects[subject]
	var versions []*version
	if s != nil {
		versions = slices.Clone(s.versions)
	}
	var existing []*Association
	for _, a := range r.st.assocs.all {
		existing = append(existing, a)
	}
	r.mu.RUnlock()
	schema := func(v int, deleted bool) Record {
		ctx := contextOf(subject)
		w.nextID[ctx]++
		id := w.nextID[ctx]
		text := fmt.Sprintf(`{"type":"fixed","name":"F%d","size":%d}`, id, id%16+1)
		return Record{Offset: w.offset, Timestamp: w.offset, Key: recordKey{Type: keySchema, Subject: subject, Version: v}.bytes(),
			Value: marshal(schemaValue{Subject: subject, Version: v, ID: id, SchemaType: "AVRO", Schema: text, Deleted: deleted})}
	}
	switch n := w.rnd.IntN(100); {
	case n < 45 || len(versions) == 0: // a new version, now and then soft-deleted
		v := 1
		if len(versions) > 0 {
			v = versions[len(versions)-1].version + 1 + w.rnd.IntN(2)
		}
		return schema(v, w.rnd.IntN(8) == 0)
	case n < 60: // a version soft-deleted or undeleted
		ver := versions[w.rnd.IntN(len(versions))]
		val := ver.value()
		val.Deleted = !val.Deleted
		return Record{Offset: w.offset, Timestamp: w.offset, Key: recordKey{Type: keySchema, Subject: subject, Version: ver.version}.bytes(), Value: marshal(val)}
	case n < 68: // a version hard-deleted
		ver := versions[w.rnd.IntN(len(versions))]
		return Record{Offset: w.offset, Key: recordKey{Type: keySchema, Subject: subject, Version: ver.version}.bytes()}
	case n < 74: // the subject soft-deleted
		return Record{Offset: w.offset, Key: recordKey{Type: keyDeleteSubject, Subject: subject}.bytes(),
			Value: marshal(deleteSubjectValue{Subject: subject, Version: versions[len(versions)-1].version})}
	case n < 77: // soft-deleted versions dropped: of the subject, its context, or all
		scope := []string{subject, contextScope(subject), ""}[w.rnd.IntN(3)]
		return Record{Offset: w.offset, Key: recordKey{Type: keyClearSubject, Subject: scope}.bytes(), Value: []byte(`{}`)}
	case n < 80 && len(versions) > 0: // an existing version overwritten by another schema (an import)
		return schema(versions[w.rnd.IntN(len(versions))].version, false)
	case n < 92: // an association
		a := &Association{Subject: subject, GUID: "g", ResourceName: w.pick([]string{"t1", "t2"}), ResourceNamespace: "lkc",
			ResourceID: "id", ResourceType: ResourceTopic, AssociationType: w.pick([]string{"key", "value"}),
			Lifecycle: w.pick([]string{Strong, Weak})}
		rec := assocRecord(a, false)
		rec.Offset = w.offset
		return rec
	default:
		if len(existing) == 0 {
			return schema(1+len(versions), false)
		}
		rec := assocRecord(existing[w.rnd.IntN(len(existing))], true)
		rec.Offset = w.offset
		return rec
	}
}

func (w *listingWorld) paging() Paging {
	pick := func() int {
		switch w.rnd.IntN(4) {
		case 0:
			return []int{-1, 0, 1, 2, 3}[w.rnd.IntN(5)]
		case 1:
			return w.rnd.IntN(20)
		case 2:
			return w.rnd.IntN(200)
		default:
			return []int{5, 10, 1000, 1001, 5000}[w.rnd.IntN(5)]
		}
	}
	return Paging{Offset: pick(), Limit: pick()}
}

func (w *listingWorld) readable() func(string) bool {
	if w.rnd.IntN(4) != 0 {
		return nil
	}
	return func(s string) bool { return len(s)%2 == 0 }
}

func (w *listingWorld) associations() *SchemaAssociationFilter {
	if w.rnd.IntN(4) != 0 {
		return nil
	}
	f := &SchemaAssociationFilter{}
	if w.rnd.IntN(2) == 0 {
		rt := ResourceTopic
		f.ResourceType = &rt
	}
	if w.rnd.IntN(2) == 0 {
		f.Types = []string{w.pick([]string{"key", "value"})}
	}
	for _, l := range []string{Strong, Weak, "NONE"} {
		if w.rnd.IntN(3) == 0 {
			f.Lifecycles = append(f.Lifecycles, l)
		}
	}
	return f
}

// compare asks every listing a few random queries, old and new.
func (w *listingWorld) compare(t *testing.T, r *Registry, step int) {
	t.Helper()
	for range 6 {
		so := SubjectsOptions{Prefix: w.pick(w.prefixes), Deleted: w.rnd.IntN(2) == 0, DeletedOnly: w.rnd.IntN(4) == 0,
			Readable: w.readable(), Paging: w.paging()}
		if got, want := r.Subjects(so), r.oldSubjects(so); !reflect.DeepEqual(got, want) {
			t.Fatalf("step %d: Subjects(%+v)\n got %q\nwant %q", step, so, got, want)
		}
		sc := SchemasOptions{Prefix: w.pick(w.prefixes), Deleted: w.rnd.IntN(2) == 0, LatestOnly: w.rnd.IntN(3) == 0,
			Readable: w.readable(), Associations: w.associations(), Paging: w.paging()}
		if got, want := r.Schemas(sc), r.oldSchemas(sc); !reflect.DeepEqual(got, want) {
			t.Fatalf("step %d: Schemas(%+v)\n got %v\nwant %v", step, sc, got, want)
		}
		mo := SummaryOptions{Prefix: w.pick(w.prefixes), Contains: []string{"", "", "A", "x", "-v"}[w.rnd.IntN(5)],
			Type: []formats.SchemaType{"", "", "AVRO", "JSON"}[w.rnd.IntN(4)], Deleted: w.rnd.IntN(2) == 0, Readable: w.readable(), Paging: w.paging()}
		gotList, gotTotal := r.SubjectSummaries(mo)
		wantList, wantTotal := r.oldSubjectSummaries(mo)
		if gotTotal != wantTotal || !reflect.DeepEqual(gotList, wantList) {
			t.Fatalf("step %d: SubjectSummaries(%+v)\n got %d %v\nwant %d %v", step, mo, gotTotal, gotList, wantTotal, wantList)
		}
	}
}

// checkIndex checks the index against the subjects it indexes.
func checkIndex(t *testing.T, r *Registry, step int) {
	t.Helper()
	r.mu.RLock()
	defer r.mu.RUnlock()
	x := r.st.index
	var names []string
	odd := 0
	for _, c := range x.chunks {
		if len(c.entries) == 0 || len(c.entries) > chunkMax {
			t.Fatalf("step %d: a chunk of %d entries", step, len(c.entries))
		}
		var sums indexSums
		for i := range c.entries {
			e := &c.entries[i]
			sums.add(e, 1)
			names = append(names, e.name)
			s := r.st.subjects[e.name]
			if s == nil || s != e.subject {
				t.Fatalf("step %d: entry %q is not its subject's", step, e.name)
			}
			live := int32(len(s.live()))
			if e.versions != int32(len(s.versions)) || e.live != live {
				t.Fatalf("step %d: entry %q counts %d/%d, subject %d/%d", step, e.name, e.live, e.versions, live, len(s.versions))
			}
			if oddName(e.name) {
				odd++
			}
		}
		if sums != c.sums {
			t.Fatalf("step %d: chunk sums %+v, entries sum to %+v", step, c.sums, sums)
		}
	}
	if !slices.IsSorted(names) || len(names) != len(r.st.subjects) || odd != x.odd {
		t.Fatalf("step %d: %d names (sorted %v), %d subjects; odd %d, counted %d", step, len(names), slices.IsSorted(names), len(r.st.subjects), x.odd, odd)
	}
}

// TestListingsOldAndNew applies random records one by one, reading now
// and then (so that some changes copy a frozen index and others change it
// in place), and compares every listing's answers with the old ones'.
func TestListingsOldAndNew(t *testing.T) {
	defer func(b, max, min int) { schemaBatch, chunkMax, chunkMin = b, max, min }(schemaBatch, chunkMax, chunkMin)
	for seed := range uint64(12) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			settings := Settings{}
			switch seed % 3 {
			case 1:
				settings.SubjectSearch = Limits{Default: 3, Max: 7}
				settings.SchemaSearch = Limits{Default: 4, Max: 9}
			case 2:
				settings.SchemaSearch = Limits{Default: -1, Max: 0} // no limit: read in batches
			}
			schemaBatch = []int{1024, 3, 1}[seed%3]
			chunkMax, chunkMin = []int{512, 8, 4, 2}[seed%4], []int{64, 2, 1, 1}[seed%4]
			r, err := Open(NewMemoryLog(), nil, settings, nil)
			if err != nil {
				t.Fatal(err)
			}
			w := newListingWorld(seed, seed%2 == 1)
			steps := 1500
			if testing.Short() {
				steps = 300
			}
			var recs []Record
			for step := range steps {
				rec := w.record(r)
				recs = append(recs, rec)
				r.apply(rec)
				if w.rnd.IntN(3) == 0 {
					checkIndex(t, r, step)
					w.compare(t, r, step)
				}
			}
			checkIndex(t, r, steps)
			// A replay builds the index once, at the end.
			replayed, err := Open(NewMemoryLog(recs...), nil, settings, nil)
			if err != nil {
				t.Fatal(err)
			}
			checkIndex(t, replayed, steps)
			w.compare(t, replayed, steps)
		})
	}
}

// Chunks split and merge as subjects come and go, and a frozen index
// never changes.
func TestIndexChunks(t *testing.T) {
	r, err := Open(NewMemoryLog(), nil, Settings{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rec := func(subject string, v, id int, tombstone bool) Record {
		k := recordKey{Type: keySchema, Subject: subject, Version: v}.bytes()
		if tombstone {
			return Record{Key: k}
		}
		return Record{Key: k, Value: marshal(schemaValue{Subject: subject, Version: v, ID: id, SchemaType: "AVRO",
			Schema: fmt.Sprintf(`{"type":"fixed","name":"F%d","size":1}`, id)})}
	}
	const n = 5000
	perm := rand.New(rand.NewPCG(1, 2)).Perm(n)
	var frozen []*subjectIndex
	var frozenNames [][]string
	names := func(x *subjectIndex) []string {
		var out []string
		for _, c := range x.chunks {
			for _, e := range c.entries {
				out = append(out, e.name)
			}
		}
		return out
	}
	for i, k := range perm {
		r.apply(rec(fmt.Sprintf("s%05d", k), 1, k+1, false))
		if i%700 == 0 {
			r.mu.RLock()
			x := r.st.index.freeze()
			r.mu.RUnlock()
			frozen, frozenNames = append(frozen, x), append(frozenNames, names(x))
		}
	}
	checkIndex(t, r, 0)
	if c := len(r.st.index.chunks); c < n/chunkMax || c > 2*n/chunkMin {
		t.Errorf("%d chunks for %d subjects", c, n)
	}
	if got := r.Subjects(SubjectsOptions{Prefix: ":*:", Paging: Paging{Offset: 4321, Limit: 2}}); !reflect.DeepEqual(got, []string{"s04321", "s04322"}) {
		t.Errorf("page at 4321: %q", got)
	}
	for i, k := range perm[:n-10] {
		r.apply(rec(fmt.Sprintf("s%05d", k), 1, 0, true))
		if i%900 == 0 {
			r.Subjects(SubjectsOptions{}) // freezes it
		}
	}
	checkIndex(t, r, 1)
	if c := len(r.st.index.chunks); c > 2 {
		t.Errorf("%d chunks left for 10 subjects", c)
	}
	for i, x := range frozen {
		if got := names(x); !reflect.DeepEqual(got, frozenNames[i]) {
			t.Fatalf("frozen index %d changed: %d names, was %d", i, len(got), len(frozenNames[i]))
		}
	}
}

// Listings read while records are applied (run with -race): each answer
// is sorted and, for the names, a set the index held at one revision.
func TestListingsWhileWriting(t *testing.T) {
	defer func(b, max, min int) { schemaBatch, chunkMax, chunkMin = b, max, min }(schemaBatch, chunkMax, chunkMin)
	schemaBatch, chunkMax, chunkMin = 5, 8, 2
	r, err := Open(NewMemoryLog(), nil, Settings{SchemaSearch: Limits{Default: -1}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	w := newListingWorld(99, false)
	done := make(chan struct{})
	errs := make(chan string, 8)
	for range 3 {
		go func() {
			defer func() { errs <- "" }()
			for {
				select {
				case <-done:
					return
				default:
				}
				var names []string
				r.EachSubject(SubjectsOptions{Prefix: ":*:", Deleted: true}, func(name string) bool {
					names = append(names, name)
					return true
				})
				if !slices.IsSorted(names) {
					errs <- fmt.Sprintf("subjects not sorted: %q", names)
					return
				}
				var last SchemaVersion
				for _, v := range r.Schemas(SchemasOptions{Prefix: ":*:", Deleted: true}) {
					if v.Subject < last.Subject || v.Subject == last.Subject && v.Version <= last.Version {
						errs <- fmt.Sprintf("schemas out of order: %s/%d after %s/%d", v.Subject, v.Version, last.Subject, last.Version)
						return
					}
					last = v
				}
				r.SubjectSummaries(SummaryOptions{Prefix: ":*:", Deleted: true})
			}
		}()
	}
	for range 3000 {
		r.apply(w.record(r))
	}
	close(done)
	for range 3 {
		if e := <-errs; e != "" {
			t.Fatal(e)
		}
	}
	checkIndex(t, r, 3000)
}
