// This file is in the external test package because it also runs the
// registry on the embedded file log, and store/file imports store.
package store_test

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"reflect"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/avro"
	"github.com/schemaregistry/registry/store"
	"github.com/schemaregistry/registry/store/file"
)

const (
	concWriters  = 16 // goroutines registering
	concReaders  = 4  // goroutines reading while they do
	concRounds   = 40 // registrations per writer
	concSubjects = 5  // shared subjects
	concShared   = 12 // schemas of the shared pool
)

func concOpen(t *testing.T, log store.Log) *store.Registry {
	t.Helper()
	r, err := store.Open(log, []formats.Format{avro.Format{}},
		store.Settings{ModeMutability: true, ValidateNewSchemas: true}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return r
}

// concCanonical is the canonical text of an Avro schema.
func concCanonical(t *testing.T, text string) string {
	t.Helper()
	s, err := avro.Format{}.Parse(text, nil, formats.Options{})
	if err != nil {
		t.Fatalf("parse %s: %v", text, err)
	}
	return s.Canonical()
}

// concPool is the shared pool: several spellings of each schema, so that
// writers send different texts of one canonical schema.
func concPool() [][]string {
	var pool [][]string
	for i := 0; i < concShared; i++ {
		pool = append(pool, []string{
			fmt.Sprintf(`{"type":"record","name":"Shared%d","fields":[{"name":"f","type":"string"}]}`, i),
			fmt.Sprintf(`{ "type": "record", "name": "Shared%d", "fields": [ { "name": "f", "type": "string" } ] }`, i),
			fmt.Sprintf(`{"fields":[{"type":{"type":"string"},"name":"f"}],"name":"Shared%d","type":"record"}`, i),
		})
	}
	return pool
}

// concAck is a registration the registry acknowledged.
type concAck struct {
	subject   string
	id        int
	version   int
	canonical string
}

// concAcks collects the acknowledgements, readable while writers add to them.
type concAcks struct {
	mu   sync.Mutex
	list []concAck
}

func (a *concAcks) add(x concAck) {
	a.mu.Lock()
	a.list = append(a.list, x)
	a.mu.Unlock()
}

func (a *concAcks) pick(rng *rand.Rand) (concAck, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.list) == 0 {
		return concAck{}, false
	}
	return a.list[rng.IntN(len(a.list))], true
}

func (a *concAcks) all() []concAck {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]concAck(nil), a.list...)
}

// concErrors reports at most a few errors from any goroutine.
type concErrors struct {
	t *testing.T
	n atomic.Int32
}

func (e *concErrors) errorf(format string, args ...any) {
	if e.n.Add(1) <= 20 {
		e.t.Errorf(format, args...)
	}
}

// concRun registers schemas from concWriters goroutines while concReaders
// goroutines read what was acknowledged, then checks the invariants. It
// returns the acknowledgements.
func concRun(t *testing.T, r *store.Registry) []concAck {
	t.Helper()
	ctx := context.Background()
	if _, err := r.UpdateConfig(ctx, "", []byte(`{"compatibility":"NONE"}`)); err != nil {
		t.Fatalf("UpdateConfig: %v", err)
	}
	pool := concPool()
	canonical := map[string]string{} // text -> canonical text
	for _, texts := range pool {
		for _, text := range texts {
			canonical[text] = concCanonical(t, text)
		}
		for _, text := range texts[1:] {
			if canonical[text] != canonical[texts[0]] {
				t.Fatalf("pool spellings differ: %s vs %s", canonical[text], canonical[texts[0]])
			}
		}
	}

	var (
		acks     concAcks
		errs     = concErrors{t: t}
		writers  sync.WaitGroup
		readers  sync.WaitGroup
		done     = make(chan struct{})
		reads    atomic.Int64
		start    = make(chan struct{})
		distinct = map[int][]string{} // per writer, its own schemas, precomputed
	)
	for w := 0; w < concWriters; w++ {
		for i := 0; i < concRounds; i++ {
			text := fmt.Sprintf(`{"type":"record","name":"W%dN%d","fields":[{"name":"g","type":"long"}]}`, w, i)
			distinct[w] = append(distinct[w], text)
			canonical[text] = concCanonical(t, text)
		}
	}

	for w := 0; w < concWriters; w++ {
		writers.Add(1)
		go func(w int) {
			defer writers.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 1))
			<-start
			for i := 0; i < concRounds; i++ {
				if i == concRounds/2 {
					// Halfway, the readers have read: reads happen during
					// the writes however the goroutines are scheduled.
					for reads.Load() == 0 {
						runtime.Gosched()
					}
				}
				subject := fmt.Sprintf("subject-%d", rng.IntN(concSubjects))
				var text string
				switch rng.IntN(3) {
				case 0, 1: // shared: the same schemas from every writer
					spellings := pool[rng.IntN(len(pool))]
					text = spellings[rng.IntN(len(spellings))]
				default: // distinct, but maybe registered twice by this writer
					text = distinct[w][rng.IntN(i+1)]
				}
				got, err := r.Register(ctx, subject, store.SchemaRequest{Schema: text}, store.RegisterOptions{})
				if err != nil {
					errs.errorf("Register(%s, %s): %v", subject, text, err)
					continue
				}
				if got.Subject != subject || got.ID <= 0 || got.Version <= 0 || got.Schema != canonical[text] {
					errs.errorf("Register(%s, %s) = subject %q id %d version %d schema %s; want subject %s, schema %s",
						subject, text, got.Subject, got.ID, got.Version, got.Schema, subject, canonical[text])
					continue
				}
				acks.add(concAck{subject: subject, id: got.ID, version: got.Version, canonical: canonical[text]})
			}
		}(w)
	}

	for k := 0; k < concReaders; k++ {
		readers.Add(1)
		go func(k int) {
			defer readers.Done()
			rng := rand.New(rand.NewPCG(uint64(k), 2))
			<-start
			for {
				select {
				case <-done:
					return
				default:
				}
				a, ok := acks.pick(rng)
				if !ok {
					runtime.Gosched()
					continue
				}
				reads.Add(1)
				if got, err := r.SchemaByID(a.id, ""); err != nil || got.ID != a.id || got.Schema != a.canonical {
					errs.errorf("reader: SchemaByID(%d) = id %d schema %s, %v; acknowledged %+v", a.id, got.ID, got.Schema, err, a)
				}
				if got, err := r.SchemaByID(a.id, a.subject); err != nil || got.Subject != a.subject {
					errs.errorf("reader: SchemaByID(%d, %s) = subject %q, %v; acknowledged %+v", a.id, a.subject, got.Subject, err, a)
				}
				if got, err := r.Version(a.subject, a.version, false); err != nil || got.ID != a.id || got.Schema != a.canonical {
					errs.errorf("reader: Version(%s, %d) = id %d schema %s, %v; acknowledged %+v", a.subject, a.version, got.ID, got.Schema, err, a)
				}
				if got, err := r.Version(a.subject, store.LatestVersion, false); err != nil || got.Version < a.version {
					errs.errorf("reader: Version(%s, latest) = version %d, %v; acknowledged %+v", a.subject, got.Version, err, a)
				}
				if subjects := r.Subjects(store.SubjectsOptions{}); sort.SearchStrings(subjects, a.subject) == len(subjects) ||
					subjects[sort.SearchStrings(subjects, a.subject)] != a.subject {
					errs.errorf("reader: Subjects() = %q lacks acknowledged %+v", subjects, a)
				}
				if got, err := r.VersionsOfID(a.id, "", false, store.Paging{}); err != nil || !containsSV(got, store.SubjectVersion{Subject: a.subject, Version: a.version}) {
					errs.errorf("reader: VersionsOfID(%d, store.Paging{}) = %v, %v; lacks acknowledged %+v", a.id, got, err, a)
				}
			}
		}(k)
	}

	close(start)
	writers.Wait()
	close(done)
	readers.Wait()
	if reads.Load() == 0 {
		t.Errorf("the readers read nothing while the writers ran")
	}

	list := acks.all()
	t.Logf("%d registrations acknowledged, %d reads during the writes", len(list), reads.Load())
	if len(list) != concWriters*concRounds {
		t.Errorf("%d registrations acknowledged, want %d", len(list), concWriters*concRounds)
	}
	concCheck(t, r, list)
	return list
}

func containsSV(list []store.SubjectVersion, x store.SubjectVersion) bool {
	for _, y := range list {
		if y == x {
			return true
		}
	}
	return false
}

// concState is what the registry holds: per subject, its versions in order
// with their id and canonical schema.
type concState map[string][]concAck

func concRead(t *testing.T, r *store.Registry) concState {
	t.Helper()
	st := concState{}
	for _, subject := range r.Subjects(store.SubjectsOptions{Deleted: true}) {
		versions, err := r.Versions(subject, store.VersionsOptions{Deleted: true})
		if err != nil {
			t.Fatalf("Versions(%s): %v", subject, err)
		}
		for _, v := range versions {
			got, err := r.Version(subject, v, true)
			if err != nil {
				t.Fatalf("Version(%s, %d): %v", subject, v, err)
			}
			if got.Deleted {
				t.Errorf("Version(%s, %d) is deleted; nothing was deleted", subject, v)
			}
			st[subject] = append(st[subject], concAck{subject: subject, id: got.ID, version: got.Version, canonical: got.Schema})
		}
	}
	return st
}

// concCheck checks the invariants of the registry after the writes.
func concCheck(t *testing.T, r *store.Registry, acks []concAck) {
	t.Helper()
	st := concRead(t, r)

	idOf := map[string]int{}   // canonical text -> id
	textOf := map[int]string{} // id -> canonical text
	perSubject := map[string]map[string]bool{}
	for subject, versions := range st {
		seen := map[int]int{}        // id -> version, within the subject
		seenText := map[string]int{} // canonical text -> version, within the subject
		for i, v := range versions {
			// Version numbers are exactly 1..n.
			if v.version != i+1 {
				t.Errorf("subject %s: versions %v are not 1..%d", subject, concVersions(versions), len(versions))
				break
			}
			if id, ok := idOf[v.canonical]; ok && id != v.id {
				t.Errorf("schema %s has two ids: %d and %d (%s-%d)", v.canonical, id, v.id, subject, v.version)
			}
			idOf[v.canonical] = v.id
			if text, ok := textOf[v.id]; ok && text != v.canonical {
				t.Errorf("id %d has two schemas: %s and %s (%s-%d)", v.id, text, v.canonical, subject, v.version)
			}
			textOf[v.id] = v.canonical
			if prev, ok := seen[v.id]; ok {
				t.Errorf("subject %s holds id %d twice: versions %d and %d", subject, v.id, prev, v.version)
			}
			seen[v.id] = v.version
			if prev, ok := seenText[v.canonical]; ok {
				t.Errorf("subject %s holds schema %s twice: versions %d and %d", subject, v.canonical, prev, v.version)
			}
			seenText[v.canonical] = v.version
		}
	}
	for _, a := range acks {
		if perSubject[a.subject] == nil {
			perSubject[a.subject] = map[string]bool{}
		}
		perSubject[a.subject][a.canonical] = true
		versions := st[a.subject]
		if a.version < 1 || a.version > len(versions) {
			t.Errorf("acknowledged %+v is not there: subject has %d versions", a, len(versions))
			continue
		}
		if got := versions[a.version-1]; got.id != a.id || got.canonical != a.canonical {
			t.Errorf("acknowledged %+v, the registry holds id %d schema %s", a, got.id, got.canonical)
		}
		if got, err := r.SchemaByID(a.id, ""); err != nil || got.Schema != a.canonical {
			t.Errorf("SchemaByID(%d) = %s, %v; acknowledged %+v", a.id, got.Schema, err, a)
		}
	}
	// Each subject holds exactly the distinct schemas acknowledged under it.
	for subject, versions := range st {
		if len(versions) != len(perSubject[subject]) {
			t.Errorf("subject %s has %d versions for %d distinct acknowledged schemas", subject, len(versions), len(perSubject[subject]))
		}
	}
	if len(st) != len(perSubject) {
		t.Errorf("%d subjects, %d acknowledged", len(st), len(perSubject))
	}
	// Ids are allocated 1..n, one per distinct schema.
	if r.MaxID("") != len(textOf) {
		t.Errorf("MaxID() = %d for %d distinct schemas", r.MaxID(""), len(textOf))
	}
	for id := 1; id <= len(textOf); id++ {
		if _, ok := textOf[id]; !ok {
			t.Errorf("id %d is not used: ids are not 1..%d", id, len(textOf))
		}
	}
	// Every usage the id index reports is a version that holds the id.
	for id, text := range textOf {
		usages, err := r.VersionsOfID(id, "", true, store.Paging{})
		if err != nil {
			t.Errorf("VersionsOfID(%d, store.Paging{}): %v", id, err)
			continue
		}
		n := 0
		for _, versions := range st {
			for _, v := range versions {
				if v.id == id {
					n++
				}
			}
		}
		if len(usages) != n {
			t.Errorf("VersionsOfID(%d, store.Paging{}) = %v, but %d versions hold %s", id, usages, n, text)
		}
		for _, u := range usages {
			if vs := st[u.Subject]; u.Version < 1 || u.Version > len(vs) || vs[u.Version-1].id != id {
				t.Errorf("VersionsOfID(%d, store.Paging{}) lists %+v, which does not hold it", id, u)
			}
		}
	}
}

func concVersions(vs []concAck) []int {
	out := make([]int, len(vs))
	for i, v := range vs {
		out[i] = v.version
	}
	return out
}

// TestConcurrentRegisterMemoryLog registers schemas from many goroutines on
// a MemoryLog and checks the invariants (one id per schema, one schema per
// id, no schema twice in a subject, versions 1..n, every acknowledged
// registration visible, also to concurrent readers), then that a registry
// replaying the same records holds the same state.
func TestConcurrentRegisterMemoryLog(t *testing.T) {
	log := store.NewMemoryLog()
	r := concOpen(t, log)
	defer r.Close()
	acks := concRun(t, r)
	before := concRead(t, r)

	again := concOpen(t, store.NewMemoryLog(log.Records()...))
	defer again.Close()
	if after := concRead(t, again); !reflect.DeepEqual(after, before) {
		t.Errorf("replaying the records gives another state:\n%v\nwant\n%v", after, before)
	}
	concCheck(t, again, acks)
}

// TestConcurrentRegisterFileLog is TestConcurrentRegisterMemoryLog on the
// embedded file log, reopened from its directory.
func TestConcurrentRegisterFileLog(t *testing.T) {
	dir := t.TempDir()
	l, err := file.New(dir, file.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("file.New: %v", err)
	}
	r := concOpen(t, l)
	acks := concRun(t, r)
	before := concRead(t, r)
	if err := r.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	l, err = file.New(dir, file.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("file.New: %v", err)
	}
	again := concOpen(t, l)
	defer again.Close()
	if after := concRead(t, again); !reflect.DeepEqual(after, before) {
		t.Errorf("reopening the file log gives another state:\n%v\nwant\n%v", after, before)
	}
	concCheck(t, again, acks)
}
