package store

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/avro"
)

// gatedLog holds its first Append until released, and counts the records of
// each Append.
type gatedLog struct {
	*MemoryLog
	gate    chan struct{}
	entered chan struct{}
	once    sync.Once
	mu      sync.Mutex
	appends []int
	fail    func(recs []Record) error // refuses an Append when it returns an error
}

func (l *gatedLog) Append(ctx context.Context, recs []Record) error {
	l.once.Do(func() { close(l.entered); <-l.gate })
	l.mu.Lock()
	l.appends = append(l.appends, len(recs))
	l.mu.Unlock()
	if l.fail != nil {
		if err := l.fail(recs); err != nil {
			return err
		}
	}
	return l.MemoryLog.Append(ctx, recs)
}

// queued counts the registrations waiting for their write: queued, or
// decided and not yet handed to the log.
func (l *gatedLog) queued(r *Registry) int {
	return int(r.unwritten.Load())
}

// batchRun registers first alone and holds its write, queues the others
// behind it, releases the write and returns each registration's answer.
func batchRun(t *testing.T, l *gatedLog, first [2]string, rest [][2]string, levelNone bool) (SchemaVersion, []SchemaVersion, []error) {
	t.Helper()
	settings := Settings{ModeMutability: true, ValidateNewSchemas: true}
	if levelNone {
		settings.CompatibilityLevel = "NONE"
	}
	r, err := Open(l, []formats.Format{avro.Format{}}, settings, nil)
	if err != nil {
		t.Fatal(err)
	}
	var firstSV SchemaVersion
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var err error
		if firstSV, err = r.Register(context.Background(), first[0], SchemaRequest{Schema: first[1]}, RegisterOptions{}); err != nil {
			t.Errorf("first: %v", err)
		}
	}()
	<-l.entered
	svs, errs := make([]SchemaVersion, len(rest)), make([]error, len(rest))
	for i, x := range rest {
		wg.Add(1)
		go func() {
			defer wg.Done()
			svs[i], errs[i] = r.Register(context.Background(), x[0], SchemaRequest{Schema: x[1]}, RegisterOptions{})
		}()
	}
	for l.queued(r) < len(rest) {
		runtime.Gosched()
	}
	close(l.gate)
	wg.Wait()
	return firstSV, svs, errs
}

func fixedSchema(i int) string { return fmt.Sprintf(`{"type":"fixed","name":"F%d","size":4}`, i) }

// TestRegistrationsBatch checks that registrations queued behind a write are
// decided together and written with one Append, with the ids and versions
// they would get one by one: a schema twice in the batch gets one id, a
// subject twice in the queue gets two versions, in two batches.
func TestRegistrationsBatch(t *testing.T) {
	l := &gatedLog{MemoryLog: NewMemoryLog(), gate: make(chan struct{}), entered: make(chan struct{})}
	var rest [][2]string
	for i := range 20 {
		rest = append(rest, [2]string{fmt.Sprintf("s%d", i), fixedSchema(i)})
	}
	rest = append(rest, [2]string{"again", fixedSchema(0)}, [2]string{"also", fixedSchema(100)},
		[2]string{"also2", fixedSchema(100)}, [2]string{"s1", fixedSchema(101)})
	first, svs, errs := batchRun(t, l, [2]string{"first", fixedSchema(1000)}, rest, true)
	if first.ID != 1 || first.Version != 1 {
		t.Errorf("first: id %d version %d", first.ID, first.Version)
	}
	ids := map[string]int{}
	for i, x := range rest {
		if errs[i] != nil {
			t.Fatalf("%s: %v", x[0], errs[i])
		}
		if prev, ok := ids[x[1]]; ok && prev != svs[i].ID {
			t.Errorf("%s: schema %s got id %d and %d", x[0], x[1], prev, svs[i].ID)
		}
		ids[x[1]] = svs[i].ID
	}
	seen := map[int]string{}
	for text, id := range ids {
		if other, ok := seen[id]; ok {
			t.Errorf("id %d names %s and %s", id, text, other)
		}
		seen[id] = text
	}
	if len(ids) != 22 || len(seen) != 22 {
		t.Errorf("%d schemas, %d ids; want 22", len(ids), len(seen))
	}
	for id := 2; id <= 23; id++ {
		if seen[id] == "" {
			t.Errorf("id %d unused: ids are not dense", id)
		}
	}
	if v1, v2 := svs[1].Version, svs[len(svs)-1].Version; v1+v2 != 3 || v1*v2 != 2 {
		t.Errorf("s1's two schemas: versions %d and %d, want 1 and 2", v1, v2)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	// first alone, then every queued registration but s1's second, then it.
	if want := []int{1, 23, 1}; fmt.Sprint(l.appends) != fmt.Sprint(want) {
		t.Errorf("appends of %v records, want %v", l.appends, want)
	}
}

// TestBatchTooLargeRetriesEachAlone checks that a batch the log refuses as
// too large is written again one registration at a time, so that only the
// registration too large on its own fails.
func TestBatchTooLargeRetriesEachAlone(t *testing.T) {
	l := &gatedLog{MemoryLog: NewMemoryLog(), gate: make(chan struct{}), entered: make(chan struct{})}
	big := `{"type":"enum","name":"Big","symbols":["A"],"doc":"` + fmt.Sprintf("%0500d", 0) + `"}`
	l.fail = func(recs []Record) error {
		for _, r := range recs {
			if len(recs) > 1 || len(r.Value) > 500 {
				return ErrRecordTooLarge
			}
		}
		return nil
	}
	rest := [][2]string{{"a", fixedSchema(1)}, {"b", big}, {"c", fixedSchema(2)}}
	_, svs, errs := batchRun(t, l, [2]string{"first", fixedSchema(0)}, rest, false)
	for i, x := range rest {
		tooLarge := x[0] == "b"
		var e *Error
		if got := errs[i] != nil && errors.As(errs[i], &e) && e.Code == CodeSchemaTooLarge; got != tooLarge {
			t.Errorf("%s: %v, %v", x[0], svs[i], errs[i])
		}
	}
	if svs[0].ID == svs[2].ID || svs[0].ID < 2 || svs[2].ID < 2 {
		t.Errorf("ids %d and %d", svs[0].ID, svs[2].ID)
	}
}

// TestBatchPanicFinishesEveryone checks that a panic while writing a batch
// (here in the log) fails the batch's registrations instead of leaving them
// waiting, and that the registry writes again afterwards.
func TestBatchPanicFinishesEveryone(t *testing.T) {
	l := &gatedLog{MemoryLog: NewMemoryLog(), gate: make(chan struct{}), entered: make(chan struct{})}
	panicked := false
	l.fail = func(recs []Record) error {
		if len(recs) > 1 && !panicked {
			panicked = true
			panic("log broke")
		}
		return nil
	}
	r, err := Open(l, []formats.Format{avro.Format{}}, Settings{ModeMutability: true, ValidateNewSchemas: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	register := func(subject string, i int) (sv SchemaVersion, err error, panicValue any) {
		defer func() { panicValue = recover() }()
		sv, err = r.Register(context.Background(), subject, SchemaRequest{Schema: fixedSchema(i)}, RegisterOptions{})
		return
	}
	var wg sync.WaitGroup
	wg.Go(func() { register("first", 0) })
	<-l.entered
	results := make([]error, 3)
	panics := make([]any, 3)
	for i := range results {
		wg.Go(func() { _, results[i], panics[i] = register(fmt.Sprintf("s%d", i), i+1) })
	}
	for l.queued(r) < len(results) {
		runtime.Gosched()
	}
	close(l.gate)
	wg.Wait()
	writer := 0
	for i := range results {
		var e *Error
		switch {
		case panics[i] != nil:
			writer++
		case !errors.As(results[i], &e) || e.Code != CodeStoreError:
			t.Errorf("s%d: %v, want a store error", i, results[i])
		}
	}
	if writer != 1 {
		t.Errorf("%d writers panicked, want 1", writer)
	}
	if sv, err, p := register("after", 99); err != nil || p != nil || sv.ID == 0 {
		t.Errorf("after the panic: %+v %v %v", sv, err, p)
	}
}

// TestDeposeAnswersWaitingWrites: writes waiting for the write lock when
// this node stops being the primary answer 50004 at once and write
// nothing; the write in flight ends as
// the log says.
func TestDeposeAnswersWaitingWrites(t *testing.T) {
	l := &gatedLog{MemoryLog: NewMemoryLog(), gate: make(chan struct{}), entered: make(chan struct{})}
	r, err := Open(l, []formats.Format{avro.Format{}}, Settings{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	first := make(chan error, 1)
	go func() {
		_, err := r.Register(context.Background(), "a", SchemaRequest{Schema: `"int"`}, RegisterOptions{})
		first <- err
	}()
	<-l.entered
	waiting := make(chan error, 2)
	for _, subject := range []string{"b", "c"} {
		go func() {
			_, err := r.Register(context.Background(), subject, SchemaRequest{Schema: `"long"`}, RegisterOptions{})
			waiting <- err
		}()
	}
	for l.queued(r) < 2 {
		runtime.Gosched()
	}
	r.Depose()
	for range 2 {
		var e *Error
		if err := <-waiting; !errors.As(err, &e) || e.Code != CodeUnknownLeader {
			t.Fatalf("a waiting write answered %v, want 50004", err)
		}
	}
	close(l.gate)
	if err := <-first; err != nil {
		t.Fatalf("the write in flight: %v", err)
	}
	if n := len(l.Records()); n != 1 {
		t.Fatalf("%d records written, want the one in flight", n)
	}
}
