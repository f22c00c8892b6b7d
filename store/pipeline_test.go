package store

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/avro"
)

// pipeLog is a Log that, like Kafka's, stores records when Write returns
// and applies them later: the function Write returns applies every record
// stored up to the group's (as a reader catching up) and returns. Hooks
// hold or fail a write and hold the read-back.
type pipeLog struct {
	mu      sync.Mutex
	apply   func(Record)
	stored  []Record // in the log
	applied int      // stored records applied

	// beforeWrite runs before the n-th Write (from 0) stores anything; an
	// error refuses the write.
	beforeWrite func(n int, recs []Record) error
	// beforeApply runs before the records of the n-th written group are
	// applied; an error fails the wait (the records stay stored and are
	// applied later).
	beforeApply func(n int) error
	writes      int // Writes called
	written     int // groups stored
}

func (l *pipeLog) Open(apply func(Record)) error { l.apply = apply; return nil }
func (l *pipeLog) Close() error                  { return nil }

func (l *pipeLog) Append(ctx context.Context, recs []Record) error {
	applied, err := l.Write(ctx, recs)
	if err != nil {
		return err
	}
	return applied()
}

func (l *pipeLog) Write(ctx context.Context, recs []Record) (func() error, error) {
	l.mu.Lock()
	n := l.writes
	l.writes++
	l.mu.Unlock()
	if l.beforeWrite != nil {
		if err := l.beforeWrite(n, recs); err != nil {
			return nil, err
		}
	}
	l.mu.Lock()
	for _, r := range recs {
		r.Offset = int64(len(l.stored))
		r.Timestamp = time.Now().UnixMilli()
		l.stored = append(l.stored, r)
	}
	end := len(l.stored)
	g := l.written
	l.written++
	l.mu.Unlock()
	return func() error {
		if l.beforeApply != nil {
			if err := l.beforeApply(g); err != nil {
				return err
			}
		}
		l.catchUp(end)
		return nil
	}, nil
}

// catchUp applies the stored records up to end.
func (l *pipeLog) catchUp(end int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for ; l.applied < end; l.applied++ {
		l.apply(l.stored[l.applied])
	}
}

// Sync applies everything stored, as Kafka's NOOP round trip does.
func (l *pipeLog) Sync(context.Context) error {
	l.mu.Lock()
	end := len(l.stored)
	l.mu.Unlock()
	l.catchUp(end)
	return nil
}

// schemaIDs maps the SCHEMA records stored to their ids, by subject-version.
func (l *pipeLog) schemaIDs(t *testing.T) map[string]int {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string]int{}
	for _, r := range l.stored {
		k, err := parseKey(r.Key)
		if err != nil || k.Type != keySchema || r.Value == nil {
			continue
		}
		v, _, err := decodeSchemaValue(r.Value, nil)
		if err != nil {
			t.Fatal(err)
		}
		out[fmt.Sprintf("%s/%d", k.Subject, k.Version)] = v.ID
	}
	return out
}

func pipeOpen(t *testing.T, l Log) *Registry {
	t.Helper()
	r, err := Open(l, []formats.Format{avro.Format{}}, Settings{ModeMutability: true, ValidateNewSchemas: true, CompatibilityLevel: "NONE"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

type regResult struct {
	sv  SchemaVersion
	err error
}

// registerAsync registers in the background; the answer comes on the channel.
func registerAsync(r *Registry, subject, schema string) chan regResult {
	ch := make(chan regResult, 1)
	go func() {
		sv, err := r.Register(context.Background(), subject, SchemaRequest{Schema: schema}, RegisterOptions{})
		ch <- regResult{sv, err}
	}()
	return ch
}

// waitUnwritten waits until n registrations wait for their write (queued,
// or decided and not handed to the log).
func waitUnwritten(t *testing.T, r *Registry, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for int(r.unwritten.Load()) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d registrations waiting, want %d", r.unwritten.Load(), n)
		}
		runtime.Gosched()
	}
}

// waitDecided waits until n registrations wait for their write and none
// is queued any more: taken by the committer, which decides what it took
// before it looks at the outcome of a write.
func waitDecided(t *testing.T, r *Registry, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r.queueMu.Lock()
		queued := len(r.queue)
		r.queueMu.Unlock()
		if queued == 0 && int(r.unwritten.Load()) >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d registrations waiting, %d queued; want %d decided", r.unwritten.Load(), queued, n)
		}
		runtime.Gosched()
	}
}

// TestPipelineFailedWriteFailsGroupsOnTop: the registrations decided while a
// write is in flight (on top of it: the ids after its ids) fail with it
// and are never written; none is acknowledged, and the ids they took are
// given again, densely, once the failure is known.
func TestPipelineFailedWriteFailsGroupsOnTop(t *testing.T) {
	gate := make(chan struct{})
	entered := make(chan struct{})
	l := &pipeLog{beforeWrite: func(n int, recs []Record) error {
		if n == 0 {
			close(entered)
			<-gate
			return errors.New("broker gone")
		}
		return nil
	}}
	r := pipeOpen(t, l)
	first := registerAsync(r, "a", fixedSchema(1))
	<-entered
	var onTop []chan regResult
	for i, s := range []string{"b", "c", "d"} {
		onTop = append(onTop, registerAsync(r, s, fixedSchema(10+i)))
	}
	waitDecided(t, r, 3) // decided on top of the write in flight
	close(gate)
	if res := <-first; res.err == nil || AsError(res.err).Code != CodeStoreError {
		t.Fatalf("the failed write answered %+v %v", res.sv, res.err)
	}
	for i, ch := range onTop {
		if res := <-ch; res.err == nil {
			t.Errorf("registration %d decided on top of the failed write acknowledged: %+v", i, res.sv)
		}
	}
	if n := len(l.schemaIDs(t)); n != 0 {
		t.Fatalf("%d records stored after the failed write, want none", n)
	}
	if l.writes != 1 {
		t.Fatalf("%d writes, want only the failed one", l.writes)
	}
	// The ids come back: dense, each bound once.
	for i, s := range []string{"b", "c", "d", "a"} {
		sv, err := r.Register(context.Background(), s, SchemaRequest{Schema: fixedSchema(20 + i)}, RegisterOptions{})
		if err != nil || sv.ID != i+1 || sv.Version != 1 {
			t.Fatalf("%s after the failure: %+v %v, want id %d version 1", s, sv, err, i+1)
		}
	}
}

// TestPipelineGroupsInFlight: groups are written while the ones before are
// not applied yet; ids stay dense and unique across them, and a schema
// written by a group in flight keeps its id under another subject. A
// subject registered again while its first version is in flight gets
// version 2: it waits until the first is applied (its version number, its
// compatibility and whether it is already registered depend on it), while
// the registrations under other subjects go on.
func TestPipelineGroupsInFlight(t *testing.T) {
	release := make(chan struct{})
	l := &pipeLog{beforeApply: func(n int) error {
		<-release
		return nil
	}}
	r := pipeOpen(t, l)
	a1 := registerAsync(r, "a", fixedSchema(1))
	waitWrites(t, l, 1)
	// Decided while the first group is written and not applied.
	b1 := registerAsync(r, "b", fixedSchema(2))
	waitWrites(t, l, 2)
	shared := registerAsync(r, "c", fixedSchema(1)) // a's schema, not applied yet
	waitWrites(t, l, 3)
	a2 := registerAsync(r, "a", fixedSchema(3)) // a's second version, its first in flight
	waitUnwritten(t, r, 1)
	d := registerAsync(r, "d", fixedSchema(4))
	waitWrites(t, l, 4)
	l.mu.Lock()
	applied, writes := l.applied, l.writes
	l.mu.Unlock()
	if applied != 0 || writes != 4 {
		t.Fatalf("%d records applied and %d writes before the read-back, want 0 and 4 (a's second version waits)", applied, writes)
	}
	close(release)
	want := []struct {
		ch      chan regResult
		id, ver int
	}{{a1, 1, 1}, {b1, 2, 1}, {shared, 1, 1}, {d, 3, 1}, {a2, 4, 2}}
	for i, w := range want {
		res := <-w.ch
		if res.err != nil || res.sv.ID != w.id || res.sv.Version != w.ver {
			t.Errorf("registration %d: %+v %v, want id %d version %d", i, res.sv, res.err, w.id, w.ver)
		}
	}
	if ids := l.schemaIDs(t); fmt.Sprint(ids) != "map[a/1:1 a/2:4 b/1:2 c/1:1 d/1:3]" {
		t.Errorf("stored %v", ids)
	}
}

// waitWrites waits until the log got n writes.
func waitWrites(t *testing.T, l *pipeLog, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		l.mu.Lock()
		got := l.written
		l.mu.Unlock()
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d groups written, want %d", got, n)
		}
		runtime.Gosched()
	}
}

// TestPipelineFailedReadBack: a group written but not seen applied in time
// fails (50002: its outcome is unknown to the caller; it did land). A group
// written on top of it stands; the registrations decided on top of it and
// not written yet are decided again once the state holds it, and get the
// next ids, never its ones.
func TestPipelineFailedReadBack(t *testing.T) {
	applyGate, writeGate := make(chan struct{}), make(chan struct{})
	l := &pipeLog{
		beforeApply: func(n int) error {
			if n == 0 {
				<-applyGate
				return context.DeadlineExceeded
			}
			return nil
		},
		beforeWrite: func(n int, _ []Record) error {
			if n == 1 {
				<-writeGate
			}
			return nil
		},
	}
	r := pipeOpen(t, l)
	first := registerAsync(r, "a", fixedSchema(1))
	waitWrites(t, l, 1)
	written := registerAsync(r, "b", fixedSchema(2)) // written on top of a
	waitWrites(t, l, 1)
	for {
		l.mu.Lock()
		n := l.writes
		l.mu.Unlock()
		if n == 2 {
			break
		}
		runtime.Gosched()
	}
	decided := registerAsync(r, "c", fixedSchema(3)) // decided on top of both
	waitDecided(t, r, 1)
	close(applyGate)
	if res := <-first; res.err == nil || AsError(res.err).Code != CodeOperationTimeout {
		t.Fatalf("the write not read back answered %+v %v, want 50002", res.sv, res.err)
	}
	close(writeGate)
	if res := <-written; res.err != nil || res.sv.ID != 2 || res.sv.Version != 1 {
		t.Fatalf("written on top: %+v %v, want id 2", res.sv, res.err)
	}
	if res := <-decided; res.err != nil || res.sv.ID != 3 || res.sv.Version != 1 {
		t.Fatalf("decided again: %+v %v, want id 3", res.sv, res.err)
	}
	// The retry finds what landed.
	if sv, err := r.Register(context.Background(), "a", SchemaRequest{Schema: fixedSchema(1)}, RegisterOptions{}); err != nil || sv.ID != 1 {
		t.Fatalf("retry: %+v %v, want id 1", sv, err)
	}
	if ids := l.schemaIDs(t); fmt.Sprint(ids) != "map[a/1:1 b/1:2 c/1:3]" {
		t.Fatalf("stored %v", ids)
	}
}

// TestPipelineReadYourWrites: once a registration is answered, reads see it.
func TestPipelineReadYourWrites(t *testing.T) {
	l := &pipeLog{beforeApply: func(n int) error {
		time.Sleep(time.Duration(n%3) * 100 * time.Microsecond)
		return nil
	}}
	r := pipeOpen(t, l)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 40 {
				subject, schema := fmt.Sprintf("s%d", (w+i)%5), fixedSchema(w*1000+i)
				sv, err := r.Register(context.Background(), subject, SchemaRequest{Schema: schema}, RegisterOptions{})
				if err != nil {
					t.Errorf("register: %v", err)
					return
				}
				if got, err := r.Lookup(subject, SchemaRequest{Schema: schema}, false, LiveOnly); err != nil || got.ID != sv.ID || got.Version != sv.Version {
					t.Errorf("lookup after the answer: %+v %v, want %+v", got, err, sv)
				}
				if got, err := r.Version(subject, sv.Version, false); err != nil || got.ID != sv.ID {
					t.Errorf("version after the answer: %+v %v", got, err)
				}
			}
		})
	}
	wg.Wait()
	seen := map[int]bool{}
	for _, id := range l.schemaIDs(t) {
		seen[id] = true
	}
	for id := 1; id <= 8*40; id++ {
		if !seen[id] {
			t.Fatalf("id %d unused: ids are not dense (%d ids)", id, len(seen))
		}
	}
}

// TestPipelineLetsOtherWritesIn: a write other than a registration gets the
// write lock while registrations keep coming.
func TestPipelineLetsOtherWritesIn(t *testing.T) {
	l := &pipeLog{beforeApply: func(int) error {
		time.Sleep(200 * time.Microsecond)
		return nil
	}}
	r := pipeOpen(t, l)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := r.Register(context.Background(), fmt.Sprintf("w%d", w), SchemaRequest{Schema: fixedSchema(w*100000 + i)}, RegisterOptions{}); err != nil {
					t.Errorf("register: %v", err)
					return
				}
			}
		})
	}
	defer func() { close(stop); wg.Wait() }()
	for range 5 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := r.UpdateConfig(ctx, "", []byte(`{"compatibility":"NONE"}`))
		cancel()
		if err != nil {
			t.Fatalf("a config write among registrations: %v", err)
		}
	}
}

// TestPipelineFailuresKeepTheLogConsistent: writers register concurrently
// (shared schemas, shared subjects) while writes fail (nothing stored) and
// read-backs fail (stored, applied later). Every acknowledged registration
// is in the log as answered; the log binds each id to one schema, its ids
// are dense, and each subject's versions are 1, 2, ...
func TestPipelineFailuresKeepTheLogConsistent(t *testing.T) {
	var mu sync.Mutex
	rng := uint64(1)
	chance := func(pct uint64) bool {
		mu.Lock()
		defer mu.Unlock()
		rng = rng*6364136223846793005 + 1442695040888963407
		return (rng>>33)%100 < pct
	}
	l := &pipeLog{
		beforeWrite: func(int, []Record) error {
			if chance(5) {
				return errors.New("write refused")
			}
			return nil
		},
		beforeApply: func(int) error {
			if chance(5) {
				return context.DeadlineExceeded
			}
			if chance(30) {
				time.Sleep(100 * time.Microsecond)
			}
			return nil
		},
	}
	r := pipeOpen(t, l)
	type ack struct {
		subject string
		sv      SchemaVersion
	}
	var acks []ack
	var acksMu sync.Mutex
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 60 {
				subject := fmt.Sprintf("s%d", (w*7+i)%6)
				schema := fixedSchema(w*100 + i)
				if i%4 == 0 {
					schema = fixedSchema(i % 10) // shared by the writers
				}
				sv, err := r.Register(context.Background(), subject, SchemaRequest{Schema: schema}, RegisterOptions{})
				if err != nil {
					if c := AsError(err).Code; c != CodeStoreError && c != CodeOperationTimeout {
						t.Errorf("register: %v", err)
					}
					continue
				}
				acksMu.Lock()
				acks = append(acks, ack{subject, sv})
				acksMu.Unlock()
			}
		})
	}
	wg.Wait()
	if err := l.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	l.mu.Lock()
	stored := append([]Record(nil), l.stored...)
	l.mu.Unlock()
	type sv struct {
		id     int
		schema string
	}
	bySV := map[string]sv{}
	byID := map[int]string{}
	versions := map[string][]int{}
	for _, rec := range stored {
		k, err := parseKey(rec.Key)
		if err != nil || k.Type != keySchema || rec.Value == nil {
			continue
		}
		v, text, err := decodeSchemaValue(rec.Value, nil)
		if err != nil {
			t.Fatal(err)
		}
		key := fmt.Sprintf("%s/%d", k.Subject, k.Version)
		if _, ok := bySV[key]; ok {
			t.Fatalf("%s written twice", key)
		}
		bySV[key] = sv{v.ID, string(text)}
		if prev, ok := byID[v.ID]; ok && prev != string(text) {
			t.Fatalf("id %d bound to %s and %s", v.ID, prev, text)
		}
		byID[v.ID] = string(text)
		versions[k.Subject] = append(versions[k.Subject], k.Version)
	}
	for id := 1; id <= len(byID); id++ {
		if _, ok := byID[id]; !ok {
			t.Fatalf("id %d not in the log: ids are not dense (%d ids)", id, len(byID))
		}
	}
	for subject, vs := range versions {
		for i, v := range vs {
			if v != i+1 {
				t.Fatalf("%s: versions %v", subject, vs)
			}
		}
	}
	for _, a := range acks {
		got, ok := bySV[fmt.Sprintf("%s/%d", a.subject, a.sv.Version)]
		if !ok || got.id != a.sv.ID || got.schema != a.sv.Schema {
			t.Fatalf("acknowledged %s/%d id %d, the log holds %+v", a.subject, a.sv.Version, a.sv.ID, got)
		}
	}
	if len(acks) < 100 {
		t.Fatalf("only %d registrations acknowledged", len(acks))
	}
}

// TestRegisteredIgnoringVersion: a version holding the same text, rule set
// and metadata but for confluent:version is found; another text is not,
// even of the same length, nor the same text under other metadata.
func TestRegisteredIgnoringVersion(t *testing.T) {
	md := func(props ...string) *formats.Metadata {
		m := &formats.Metadata{Properties: map[string]string{}}
		for i := 0; i+1 < len(props); i += 2 {
			m.Properties[props[i]] = props[i+1]
		}
		return m
	}
	rec := func(version, id int, schema string, m *formats.Metadata) Record {
		return schemaRecord(schemaValue{Subject: "s", Version: version, ID: id, SchemaType: formats.Avro, Schema: schema, Metadata: m})
	}
	r := ruleOpen(t, ruleSettings,
		rec(1, 1, fixedSchema(1), md(confluentVersion, "1")),
		rec(2, 2, fixedSchema(2), nil),
		rec(3, 3, fixedSchema(3), md("owner", "a", confluentVersion, "3")))
	find := func(schema string, m *formats.Metadata) int {
		c, err := r.candidate("s", SchemaRequest{Schema: schema, Metadata: m}, false, forLookup)
		if err != nil {
			t.Fatal(err)
		}
		r.mu.RLock()
		defer r.mu.RUnlock()
		if v := r.st.registeredIgnoringVersion("s", c); v != nil {
			return v.version
		}
		return 0
	}
	for _, tc := range []struct {
		schema string
		md     *formats.Metadata
		want   int
	}{
		{fixedSchema(1), md(confluentVersion, "7"), 1},
		{fixedSchema(1), nil, 1},
		{fixedSchema(2), nil, 2},
		{fixedSchema(2), md(confluentVersion, "4"), 2},
		{fixedSchema(3), md("owner", "a", confluentVersion, "9"), 3},
		{fixedSchema(3), md("owner", "b"), 0},
		{fixedSchema(3), nil, 0},
		{fixedSchema(4), nil, 0}, // the same length as the others
	} {
		if got := find(tc.schema, tc.md); got != tc.want {
			t.Errorf("%s %v: version %d, want %d", tc.schema, tc.md, got, tc.want)
		}
	}
}
