package file

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/schemaregistry/registry/internal/testlog"
	"github.com/schemaregistry/registry/store"
)

// collector is an apply function that remembers what it was given and
// fails the test if it is ever called concurrently with itself.
type collector struct {
	t        testing.TB
	inFlight atomic.Int32
	mu       sync.Mutex
	recs     []store.Record
}

func (c *collector) apply(r store.Record) {
	if c.inFlight.Add(1) != 1 {
		c.t.Errorf("apply called concurrently")
	}
	// Replayed records alias a reused buffer: keep copies.
	r.Key, r.Value = bytes.Clone(r.Key), bytes.Clone(r.Value)
	c.mu.Lock()
	c.recs = append(c.recs, r)
	c.mu.Unlock()
	c.inFlight.Add(-1)
}

func (c *collector) all() []store.Record {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]store.Record(nil), c.recs...)
}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

// open opens the log in dir and closes it at the end of the test.
func open(t testing.TB, dir string, opts Options) (*Log, *collector) {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = quiet()
	}
	l, err := New(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	c := &collector{t: t}
	if err := l.Open(c.apply); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l, c
}

func mustAppend(t testing.TB, l *Log, recs ...store.Record) {
	t.Helper()
	if err := l.Append(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
}

func rec(key, value string) store.Record {
	return store.Record{Key: []byte(key), Value: []byte(value)}
}

func tombstone(key string) store.Record {
	return store.Record{Key: []byte(key)}
}

func fileSize(t testing.TB, dir string) int64 {
	t.Helper()
	st, err := os.Stat(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

// sameRecords compares key, value (including nil versus empty), offset and
// timestamp.
func sameRecords(t testing.TB, got, want []store.Record) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d records, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if !bytes.Equal(g.Key, w.Key) || !bytes.Equal(g.Value, w.Value) ||
			(g.Value == nil) != (w.Value == nil) || g.Offset != w.Offset || g.Timestamp != w.Timestamp {
			t.Fatalf("record %d: got {%q %q nil=%v off=%d ts=%d}, want {%q %q nil=%v off=%d ts=%d}", i,
				g.Key, g.Value, g.Value == nil, g.Offset, g.Timestamp,
				w.Key, w.Value, w.Value == nil, w.Offset, w.Timestamp)
		}
	}
}

func TestReopenReplaysRecords(t *testing.T) {
	dir := t.TempDir()
	l, c := open(t, dir, Options{})
	before := time.Now().UnixMilli()
	var want []store.Record
	for i := range 30 {
		batch := []store.Record{rec(fmt.Sprintf("k%d", i), fmt.Sprintf(`{"v":%d}`, i))}
		switch i % 5 {
		case 1:
			batch = append(batch, tombstone(fmt.Sprintf("k%d", i-1)))
		case 2:
			batch = append(batch, store.Record{Key: []byte("empty"), Value: []byte{}})
		case 3:
			batch[0].Timestamp = 1234567
		}
		mustAppend(t, l, batch...)
		want = append(want, batch...)
	}
	after := time.Now().UnixMilli()

	got := c.all()
	if len(got) != len(want) {
		t.Fatalf("applied %d records, want %d", len(got), len(want))
	}
	for i := range want {
		want[i].Offset = int64(i)
		if want[i].Timestamp == 0 {
			if ts := got[i].Timestamp; ts < before || ts > after {
				t.Fatalf("record %d: timestamp %d not assigned from the clock", i, ts)
			}
			want[i].Timestamp = got[i].Timestamp
		}
	}
	sameRecords(t, got, want)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	l2, c2 := open(t, dir, Options{})
	sameRecords(t, c2.all(), want)
	next := []store.Record{rec("after", "reopen")}
	mustAppend(t, l2, next...)
	if next[0].Offset != int64(len(want)) {
		t.Fatalf("offset after reopen = %d, want %d", next[0].Offset, len(want))
	}
}

func TestAppendReportsOffsetsAndCopiesBytes(t *testing.T) {
	l, c := open(t, t.TempDir(), Options{})
	recs := []store.Record{rec("a", "1"), rec("b", "2")}
	mustAppend(t, l, recs...)
	if recs[0].Offset != 0 || recs[1].Offset != 1 || recs[0].Timestamp == 0 {
		t.Fatalf("offsets/timestamps not reported: %+v", recs)
	}
	recs[0].Value[0] = 'X' // the caller reuses its buffer
	if got := c.all(); string(got[0].Value) != "1" {
		t.Fatalf("applied value changed with the caller's buffer: %q", got[0].Value)
	}
	if err := l.Append(context.Background(), nil); err != nil {
		t.Fatalf("empty append: %v", err)
	}
}

// writeRecords creates a log with n records and returns the file size after
// each record (ends[i] is the byte offset just after record i).
func writeRecords(t *testing.T, dir string, n int) ([]store.Record, []int64) {
	t.Helper()
	l, c := open(t, dir, Options{CompactMinBytes: -1})
	var ends []int64
	for i := range n {
		mustAppend(t, l, rec(fmt.Sprintf("key-%d", i), strings.Repeat("v", 40+i)))
		ends = append(ends, fileSize(t, dir))
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return c.all(), ends
}

func TestTornTail(t *testing.T) {
	const n = 10
	cases := []struct {
		name   string
		damage func(t *testing.T, path string, ends []int64)
		keep   int // records that survive
	}{
		{"truncated in last record", func(t *testing.T, path string, ends []int64) {
			if err := os.Truncate(path, ends[n-1]-7); err != nil {
				t.Fatal(err)
			}
		}, n - 1},
		{"truncated in last record header", func(t *testing.T, path string, ends []int64) {
			if err := os.Truncate(path, ends[n-2]+3); err != nil {
				t.Fatal(err)
			}
		}, n - 1},
		{"garbage appended", func(t *testing.T, path string, ends []int64) {
			appendBytes(t, path, bytes.Repeat([]byte{0xA5, 0x00, 0x17}, 100))
		}, n},
		{"short garbage appended", func(t *testing.T, path string, ends []int64) {
			appendBytes(t, path, []byte{1, 2, 3})
		}, n},
		{"zero length appended", func(t *testing.T, path string, ends []int64) {
			appendBytes(t, path, make([]byte, 64))
		}, n},
		{"flipped byte in last record", func(t *testing.T, path string, ends []int64) {
			flipByte(t, path, ends[n-1]-5)
		}, n - 1},
		{"flipped byte in a middle record", func(t *testing.T, path string, ends []int64) {
			flipByte(t, path, ends[4]+20)
		}, 5},
		{"absurd length in a middle record", func(t *testing.T, path string, ends []int64) {
			writeAt(t, path, ends[2], []byte{0x7f, 0xff, 0xff, 0xff})
		}, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, FileName)
			want, ends := writeRecords(t, dir, n)
			tc.damage(t, path, ends)
			damaged := fileSize(t, dir)

			logs := &testlog.Buffer{}
			l, c := open(t, dir, Options{Logger: slog.New(slog.NewTextHandler(logs, nil))})
			sameRecords(t, c.all(), want[:tc.keep])
			wantSize := ends[tc.keep-1]
			if got := fileSize(t, dir); got != wantSize {
				t.Fatalf("file size after recovery = %d, want %d", got, wantSize)
			}
			out := logs.String()
			for _, s := range []string{"level=WARN", fmt.Sprintf("offset=%d", wantSize), fmt.Sprintf("dropped_bytes=%d", damaged-wantSize)} {
				if !strings.Contains(out, s) {
					t.Fatalf("log output lacks %q:\n%s", s, out)
				}
			}

			extra := []store.Record{rec("new", "after recovery")}
			mustAppend(t, l, extra...)
			if extra[0].Offset != int64(tc.keep) {
				t.Fatalf("offset after recovery = %d, want %d", extra[0].Offset, tc.keep)
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			_, c2 := open(t, dir, Options{})
			sameRecords(t, c2.all(), append(want[:tc.keep:tc.keep], extra...))
		})
	}
}

func appendBytes(t *testing.T, path string, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
}

func writeAt(t *testing.T, path string, off int64, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

func flipByte(t *testing.T, path string, off int64) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	writeAt(t, path, off, []byte{b[off] ^ 0x40})
}

func TestBadHeaderIsAnError(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	content := []byte("this is not a schema log, do not touch it")
	if err := os.WriteFile(path, content, 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := New(dir, Options{Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Open(nil); err == nil {
		t.Fatal("Open accepted a file with a bad header")
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, content) {
		t.Fatal("Open modified a file it does not understand")
	}
	if err := l.Append(context.Background(), []store.Record{rec("a", "b")}); err == nil {
		t.Fatal("Append succeeded after a failed Open")
	}
}

func TestEmptyFileStartsFresh(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, FileName), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	l, c := open(t, dir, Options{})
	if len(c.all()) != 0 {
		t.Fatal("records replayed from an empty file")
	}
	mustAppend(t, l, rec("a", "b"))
	l.Close()
	_, c2 := open(t, dir, Options{})
	if got := c2.all(); len(got) != 1 || string(got[0].Value) != "b" {
		t.Fatalf("replayed %v", got)
	}
}

// model returns what a replay of a compacted log holds: the latest record of
// each key that is not a tombstone, in offset order.
func model(recs []store.Record) []store.Record {
	latest := map[string]int64{}
	for _, r := range recs {
		latest[string(r.Key)] = r.Offset
	}
	var out []store.Record
	for _, r := range recs {
		if latest[string(r.Key)] == r.Offset && r.Value != nil {
			out = append(out, r)
		}
	}
	return out
}

func TestCompactionAtOpen(t *testing.T) {
	dir := t.TempDir()
	l, c := open(t, dir, Options{CompactMinBytes: -1})
	value := strings.Repeat("x", 200)
	for v := range 200 {
		for k := range 5 {
			mustAppend(t, l, rec(fmt.Sprintf("key-%d", k), fmt.Sprintf("%d:%s", v, value)))
		}
		if v == 100 {
			mustAppend(t, l, tombstone("key-3"), tombstone("key-0"))
		}
	}
	// key-0 and key-4 end deleted, key-3 was deleted then written again.
	mustAppend(t, l, tombstone("key-0"), store.Record{Key: []byte("key-2"), Value: []byte{}}, tombstone("key-4"))
	all := c.all()
	maxOffset := all[len(all)-1].Offset
	l.Close()
	sizeBefore := fileSize(t, dir)

	// The replay that compacts still sees every record.
	l2, c2 := open(t, dir, Options{CompactMinBytes: 1})
	sameRecords(t, c2.all(), all)
	if after := fileSize(t, dir); after >= sizeBefore/10 {
		t.Fatalf("file not compacted: %d bytes before, %d after", sizeBefore, after)
	}
	l2.Close()

	l3, c3 := open(t, dir, Options{CompactMinBytes: 1})
	want := model(all)
	if len(want) != 3 {
		t.Fatalf("model has %d live keys, want 3", len(want))
	}
	sameRecords(t, c3.all(), want)
	// The last record (a tombstone) is gone, yet offsets do not go back.
	next := []store.Record{rec("key-9", "new")}
	mustAppend(t, l3, next...)
	if next[0].Offset != maxOffset+1 {
		t.Fatalf("next offset = %d, want %d", next[0].Offset, maxOffset+1)
	}
}

func TestCompactionOfEverything(t *testing.T) {
	dir := t.TempDir()
	l, _ := open(t, dir, Options{CompactMinBytes: -1})
	for i := range 100 {
		mustAppend(t, l, rec("k", fmt.Sprint(i)))
	}
	mustAppend(t, l, tombstone("k"))
	l.Close()
	l2, _ := open(t, dir, Options{CompactMinBytes: 1})
	if got := fileSize(t, dir); got != headerLen {
		t.Fatalf("file size after compacting only dead records = %d, want %d", got, headerLen)
	}
	l2.Close()
	l3, c3 := open(t, dir, Options{CompactMinBytes: 1})
	if len(c3.all()) != 0 {
		t.Fatalf("replayed %d records, want none", len(c3.all()))
	}
	next := []store.Record{rec("k", "again")}
	mustAppend(t, l3, next...)
	if next[0].Offset != 101 {
		t.Fatalf("next offset = %d, want 101", next[0].Offset)
	}
}

func TestCompactionOnAppend(t *testing.T) {
	dir := t.TempDir()
	l, c := open(t, dir, Options{CompactMinBytes: 8 << 10})
	value := strings.Repeat("y", 100)
	var written, maxSize int64
	shrank := false
	for i := range 1000 {
		r := []store.Record{rec(fmt.Sprintf("key-%d", i%3), fmt.Sprint(i, value))}
		mustAppend(t, l, r...)
		written += int64(len(appendRecord(nil, &r[0])))
		size := fileSize(t, dir)
		if size < maxSize {
			shrank = true
		}
		maxSize = max(maxSize, size)
	}
	if !shrank || maxSize > 20<<10 {
		t.Fatalf("no compaction during appends: shrank=%v max size %d, %d bytes written", shrank, maxSize, written)
	}
	all := c.all()
	if len(all) != 1000 {
		t.Fatalf("applied %d records, want 1000", len(all))
	}
	// Appends keep working on the new file and survive a reopen.
	mustAppend(t, l, rec("key-0", "last"))
	all = append(all, store.Record{Key: []byte("key-0"), Value: []byte("last"), Offset: 1000, Timestamp: c.all()[1000].Timestamp})
	l.Close()
	// What is left since the last compaction still replays to the same
	// state, and compacting it at Open leaves only the latest records.
	l2, c2 := open(t, dir, Options{CompactMinBytes: 1})
	if got := c2.all(); len(got) >= 1000 {
		t.Fatalf("replayed %d records: the file was never compacted", len(got))
	} else {
		sameRecords(t, model(got), model(all))
	}
	l2.Close()
	_, c3 := open(t, dir, Options{CompactMinBytes: 1})
	sameRecords(t, c3.all(), model(all))
}

// A crash in the middle of a compaction leaves the complete temp file next
// to the untouched log: Open must ignore and remove it.
func TestCrashDuringCompaction(t *testing.T) {
	dir := t.TempDir()
	l, c := open(t, dir, Options{CompactMinBytes: -1})
	for i := range 50 {
		mustAppend(t, l, rec(fmt.Sprintf("k%d", i%2), fmt.Sprint(i)))
	}
	tmp := filepath.Join(dir, tmpName)
	f, _, err := l.writeCompacted(tmp)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	abandon(l) // crash before the rename

	_, c2 := open(t, dir, Options{CompactMinBytes: -1})
	sameRecords(t, c2.all(), c.all())
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Fatalf("leftover temp file not removed: %v", err)
	}
}

func TestLeftoverGarbageTempFile(t *testing.T) {
	dir := t.TempDir()
	want, _ := writeRecords(t, dir, 5)
	tmp := filepath.Join(dir, tmpName)
	if err := os.WriteFile(tmp, []byte("half-written compaction"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, c := open(t, dir, Options{})
	sameRecords(t, c.all(), want)
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Fatalf("leftover temp file not removed: %v", err)
	}
}

func TestConcurrentAppends(t *testing.T) {
	dir := t.TempDir()
	l, c := open(t, dir, Options{CompactMinBytes: 4 << 10}) // compactions happen too
	const workers, perWorker = 16, 40
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				var recs []store.Record
				for j := range 1 + i%3 {
					recs = append(recs, rec(fmt.Sprintf("w%d-%d-%d", w, i, j), strings.Repeat("z", 50)))
				}
				if err := l.Append(context.Background(), recs); err != nil {
					t.Error(err)
					return
				}
				// Read-your-writes: applied before Append returned.
				applied := c.all()
				for _, r := range recs {
					if r.Offset >= int64(len(applied)) || !bytes.Equal(applied[r.Offset].Key, r.Key) {
						t.Errorf("record %q (offset %d) not applied when Append returned", r.Key, r.Offset)
					}
				}
			}
		})
	}
	wg.Wait()

	all := c.all()
	seen := map[string]bool{}
	for i, r := range all {
		if r.Offset != int64(i) {
			t.Fatalf("apply #%d has offset %d", i, r.Offset)
		}
		if seen[string(r.Key)] {
			t.Fatalf("record %q applied twice", r.Key)
		}
		seen[string(r.Key)] = true
	}
	if want := workers * (perWorker/3*6 + []int{0, 1, 3}[perWorker%3]); len(seen) != want {
		t.Fatalf("applied %d records, want %d", len(seen), want)
	}
	l.Close()
	_, c2 := open(t, dir, Options{})
	sameRecords(t, c2.all(), all) // distinct keys: nothing to compact away
}

// Appends written while maxSyncs fsyncs are in flight share the next one.
func TestGroupCommit(t *testing.T) {
	l, c := open(t, t.TempDir(), Options{})
	const n = 20
	l.beforeSync = func(records int) {
		// Hold every fsync until every caller has written.
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			l.mu.Lock()
			written := l.next
			l.mu.Unlock()
			if written == n {
				return
			}
			time.Sleep(time.Millisecond)
		}
		t.Error("callers never wrote")
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { mustAppend(t, l, rec(fmt.Sprint(i), "v")) })
	}
	wg.Wait()
	l.Close()
	if len(c.all()) != n {
		t.Fatalf("applied %d records, want %d", len(c.all()), n)
	}
	if l.syncs != maxSyncs+1 {
		t.Fatalf("%d appends took %d fsyncs, want %d", n, l.syncs, maxSyncs+1)
	}
}

// heldFsyncs makes the log's first fsync wait for release, then return
// firstErr; the others return at once, successfully. files gets the
// descriptor of every fsync as it starts.
func heldFsyncs(t *testing.T, l *Log, firstErr error) (release chan struct{}, files chan *os.File) {
	release, files = make(chan struct{}), make(chan *os.File, 16)
	var n atomic.Int32
	l.fsync = func(f *os.File) error {
		files <- f
		if n.Add(1) == 1 {
			<-release
			return firstErr
		}
		return nil
	}
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
	})
	return release, files
}

// appendHeld appends a under a held first fsync, then b, whose own fsync
// is done at once; it returns the outcomes of both appends as they come.
func appendHeld(t *testing.T, l *Log, files chan *os.File) (done chan error, fa, fb *os.File) {
	done = make(chan error, 2)
	go func() { done <- l.Append(context.Background(), []store.Record{rec("a", "1")}) }()
	fa = <-files
	go func() { done <- l.Append(context.Background(), []store.Record{rec("b", "2")}) }()
	fb = <-files
	for { // b's fsync is done
		l.mu.Lock()
		n := l.syncs
		l.mu.Unlock()
		if n == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	return done, fa, fb
}

// TestDurableInOrder: a record is acknowledged only once every fsync
// started before the one covering it succeeded: b's fsync, done, waits for
// a's, held.
func TestDurableInOrder(t *testing.T) {
	l, c := open(t, t.TempDir(), Options{})
	release, files := heldFsyncs(t, l, nil)
	done, _, _ := appendHeld(t, l, files)
	select {
	case err := <-done:
		t.Fatalf("an append returned (%v) before the first fsync", err)
	case <-time.After(20 * time.Millisecond):
	}
	if got := keysOf(c.all()); got != "" {
		t.Fatalf("applied %q before the first fsync", got)
	}
	close(release)
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if got := keysOf(c.all()); got != "a b" {
		t.Fatalf("applied %q", got)
	}
}

// TestFailedFsyncBeforeADoneOne: the first fsync fails after a later one
// succeeded: neither write is acknowledged nor applied (the later fsync
// does not vouch for the pages the first one lost), and the log refuses
// further writes.
func TestFailedFsyncBeforeADoneOne(t *testing.T) {
	l, c := open(t, t.TempDir(), Options{})
	release, files := heldFsyncs(t, l, errors.New("injected EIO"))
	done, _, _ := appendHeld(t, l, files)
	close(release)
	for range 2 {
		if err := <-done; err == nil {
			t.Fatal("an append was acknowledged though the fsync before its own failed")
		}
	}
	if got := keysOf(c.all()); got != "" {
		t.Fatalf("applied %q after a failed fsync", got)
	}
	if err := l.Append(context.Background(), []store.Record{rec("c", "3")}); err == nil {
		t.Fatal("an append after a failed fsync succeeded")
	}
}

// TestFsyncsInFlightHaveTheirOwnFiles: concurrent fsyncs use distinct
// descriptors. Linux reports a failed writeback once per open file: with
// one shared descriptor, b's fsync could report the error of a's pages
// and a's succeed, acknowledging a lost record.
func TestFsyncsInFlightHaveTheirOwnFiles(t *testing.T) {
	l, _ := open(t, t.TempDir(), Options{})
	release, files := heldFsyncs(t, l, nil)
	done, fa, fb := appendHeld(t, l, files)
	if fa == fb {
		t.Fatal("two fsyncs in flight share one file descriptor")
	}
	close(release)
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

// abandon drops the log's file descriptors without Close, as a killed
// process would (the kernel releases the flock with the descriptor).
func abandon(l *Log) {
	l.f.Close()
	l.lock.Close()
}

func TestReopenWithoutClose(t *testing.T) {
	dir := t.TempDir()
	l, c := open(t, dir, Options{})
	for i := range 20 {
		mustAppend(t, l, rec(fmt.Sprint(i), fmt.Sprint(i)))
	}
	abandon(l)
	_, c2 := open(t, dir, Options{})
	sameRecords(t, c2.all(), c.all())
}

func TestSecondOpenIsRefused(t *testing.T) {
	dir := t.TempDir()
	l, _ := open(t, dir, Options{})
	l2, err := New(dir, Options{Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	if err := l2.Open(nil); err == nil {
		t.Fatal("a second Log opened a directory that is in use")
	}
	l.Close()
	open(t, dir, Options{})
}

func TestCloseAndAppend(t *testing.T) {
	l, c := open(t, t.TempDir(), Options{})
	mustAppend(t, l, rec("a", "1"))
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := l.Append(context.Background(), []store.Record{rec("b", "2")}); err == nil {
		t.Fatal("Append after Close succeeded")
	}
	if len(c.all()) != 1 {
		t.Fatal("record applied after Close")
	}
	if err := l.Open(nil); err == nil {
		t.Fatal("Open after Close succeeded")
	}
}

func TestCanceledContext(t *testing.T) {
	l, c := open(t, t.TempDir(), Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.Append(ctx, []store.Record{rec("a", "1")}); err == nil {
		t.Fatal("Append with a canceled context succeeded")
	}
	if len(c.all()) != 0 {
		t.Fatal("record applied despite the canceled context")
	}
	r := []store.Record{rec("b", "2")}
	mustAppend(t, l, r...)
	if r[0].Offset != 0 {
		t.Fatalf("offset = %d, want 0", r[0].Offset)
	}
}

// validLog returns the bytes of a small log file, as seed for FuzzOpen.
func validLog(t testing.TB) []byte {
	dir := t.TempDir()
	l, _ := open(t, dir, Options{CompactMinBytes: -1})
	mustAppend(t, l, rec("a", "1"), tombstone("a"), store.Record{Key: []byte("b"), Value: []byte{}}, rec("c", `{"x":1}`))
	l.Close()
	b, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func FuzzOpen(f *testing.F) {
	valid := validLog(f)
	f.Add(valid)
	f.Add(valid[:len(valid)-3])
	f.Add(valid[:headerLen])
	f.Add(valid[:headerLen-1])
	f.Add([]byte{})
	f.Add(append(append([]byte(nil), valid...), 0, 0, 0, 30, 1, 2, 3, 4))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, FileName), data, 0o644); err != nil {
			t.Fatal(err)
		}
		l, err := New(dir, Options{Logger: quiet()})
		if err != nil {
			t.Fatal(err)
		}
		c := &collector{t: t}
		if err := l.Open(c.apply); err != nil {
			return // refusing the file is fine
		}
		replayed := c.all()
		for i := 1; i < len(replayed); i++ {
			if replayed[i].Offset <= replayed[i-1].Offset {
				t.Fatalf("offsets not increasing: %d then %d", replayed[i-1].Offset, replayed[i].Offset)
			}
		}
		// The log is usable: an append lands after everything replayed
		// and survives a reopen.
		r := []store.Record{rec("fuzz", "value")}
		if err := l.Append(context.Background(), r); err != nil {
			t.Fatal(err)
		}
		if n := len(replayed); n > 0 && r[0].Offset <= replayed[n-1].Offset {
			t.Fatalf("appended offset %d not above replayed %d", r[0].Offset, replayed[n-1].Offset)
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		l2, err := New(dir, Options{Logger: quiet()})
		if err != nil {
			t.Fatal(err)
		}
		c2 := &collector{t: t}
		if err := l2.Open(c2.apply); err != nil {
			t.Fatalf("reopen: %v", err)
		}
		defer l2.Close()
		got := c2.all()
		if len(got) == 0 || got[len(got)-1].Offset != r[0].Offset || string(got[len(got)-1].Value) != "value" {
			t.Fatalf("appended record not replayed last: %v", got)
		}
	})
}

// BenchmarkOpen100k measures Open (replay) of 100,000 records of ~2 KB.
func BenchmarkOpen100k(b *testing.B) {
	dir := b.TempDir()
	l, err := New(dir, Options{Logger: quiet(), CompactMinBytes: -1})
	if err != nil {
		b.Fatal(err)
	}
	if err := l.Open(nil); err != nil {
		b.Fatal(err)
	}
	value := bytes.Repeat([]byte(`{"schema":"x"}`), 2048/14)
	batch := make([]store.Record, 0, 1000)
	for i := range 100_000 {
		key := fmt.Sprintf(`{"keytype":"SCHEMA","subject":"subject-%d","version":1,"magic":1}`, i)
		batch = append(batch, store.Record{Key: []byte(key), Value: value})
		if len(batch) == cap(batch) {
			if err := l.Append(context.Background(), batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	l.Close()
	b.SetBytes(fileSize(b, dir))
	b.ResetTimer()
	for b.Loop() {
		l, err := New(dir, Options{Logger: quiet()})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		if err := l.Open(func(store.Record) { n++ }); err != nil {
			b.Fatal(err)
		}
		l.Close()
		if n != 100_000 {
			b.Fatalf("replayed %d records", n)
		}
	}
}

// keysOf lists the keys of records.
func keysOf(recs []store.Record) string {
	var out []string
	for _, r := range recs {
		out = append(out, string(r.Key))
	}
	return strings.Join(out, " ")
}

// TestWriteAppliesLater: Write returns once the records are stored and
// leaves them to apply: its applied function applies them, with the ones
// written before, in order; an Append applies the Writes' records before
// its own; a reopen replays all of them.
func TestWriteAppliesLater(t *testing.T) {
	dir := t.TempDir()
	l, c := open(t, dir, Options{})
	ctx := context.Background()
	a1, err := l.Write(ctx, []store.Record{rec("a", "1")})
	if err != nil {
		t.Fatal(err)
	}
	a2, err := l.Write(ctx, []store.Record{rec("b", "2"), rec("c", "3")})
	if err != nil {
		t.Fatal(err)
	}
	if got := keysOf(c.all()); got != "" {
		t.Fatalf("applied %q before applied() was called", got)
	}
	// The second's applied applies the first's records too, in order.
	if err := a2(); err != nil {
		t.Fatal(err)
	}
	if got := keysOf(c.all()); got != "a b c" {
		t.Fatalf("applied %q", got)
	}
	if err := a1(); err != nil { // done already
		t.Fatal(err)
	}
	a3, err := l.Write(ctx, []store.Record{rec("d", "4")})
	if err != nil {
		t.Fatal(err)
	}
	mustAppend(t, l, rec("e", "5"))
	if got := keysOf(c.all()); got != "a b c d e" {
		t.Fatalf("after an Append: applied %q", got)
	}
	if err := a3(); err != nil {
		t.Fatal(err)
	}
	if got := keysOf(c.all()); got != "a b c d e" {
		t.Fatalf("applied twice: %q", got)
	}
	l.Close()
	_, c2 := open(t, dir, Options{})
	if got := keysOf(c2.all()); got != "a b c d e" {
		t.Fatalf("replayed %q", got)
	}
}

// TestConcurrentWrites: writers and appliers on several goroutines apply
// every record once, in the order of the file.
func TestConcurrentWrites(t *testing.T) {
	dir := t.TempDir()
	l, c := open(t, dir, Options{})
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Go(func() {
			for i := range 50 {
				r := rec(fmt.Sprintf("w%d-%d", w, i), "v")
				if i%5 == 0 {
					mustAppend(t, l, r)
					continue
				}
				applied, err := l.Write(context.Background(), []store.Record{r})
				if err != nil {
					t.Error(err)
					return
				}
				if i%2 == 0 {
					applied()
				} else {
					defer applied()
				}
			}
		})
	}
	wg.Wait()
	got := c.all()
	if len(got) != 300 {
		t.Fatalf("%d records applied, want 300", len(got))
	}
	for i, r := range got {
		if r.Offset != int64(i) {
			t.Fatalf("record %d applied with offset %d: out of order", i, r.Offset)
		}
	}
}
