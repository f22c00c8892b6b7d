package file

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/schemaregistry/registry/store"
)

const (
	// FileName is the name of the log file inside the directory.
	FileName = "schemas.log"
	// tmpName is where a compacted (or brand new) file is written before
	// it is renamed over FileName. A leftover one is removed at Open.
	tmpName  = FileName + ".tmp"
	lockName = "LOCK"

	// DefaultCompactMinBytes is the file size under which the log is never
	// compacted.
	DefaultCompactMinBytes = 1 << 20
	// DefaultCompactRatio is the share of superseded records above which
	// the log is compacted.
	DefaultCompactRatio = 0.5

	ioBufSize = 1 << 20
)

var (
	// ErrClosed is returned by Append after Close (or before Open).
	ErrClosed = errors.New("store/file: log is not open")
)

// Options tunes a Log. The zero value is usable.
type Options struct {
	// Logger receives warnings about dropped tails and compaction. nil
	// means slog.Default().
	Logger *slog.Logger
	// CompactMinBytes: the file is compacted only when larger than this.
	// 0 means DefaultCompactMinBytes; a negative value disables compaction.
	CompactMinBytes int64
	// CompactRatio: the file is compacted when more than this share of its
	// records is superseded (or tombstones). 0 means DefaultCompactRatio.
	CompactRatio float64
}

// Log is the embedded store.Log: one append-only file in a directory.
//
// Writes are serialized (one write(2) at a time, at the end of the file)
// and fsync'd in groups: after a write, an fsync starts unless maxSyncs are
// in flight already, in which case the next one to start covers every
// record written meanwhile. Fsyncs in flight overlap (most disks, virtual
// ones above all, complete several concurrent flushes in about the time of
// one), and records become durable in the order of the file: a record is
// durable once every fsync started before its write's covering one has
// succeeded too. After a failed write or fsync the log refuses further
// writes, and the records not durable yet are never acknowledged.
//
// Append returns once its records are durable and applied. Write returns
// once they are written, and its applied function waits until they are
// durable and applies them (with those before them not applied yet): the
// store's pipeline writes its next group meanwhile. apply runs under
// applyMu, in the order of the file, never concurrently.
type Log struct {
	dir, path string
	log       *slog.Logger
	minBytes  int64
	ratio     float64

	mu    sync.Mutex
	cond  *sync.Cond // broadcast when durable, failed or inflight change
	state int

	// Owned by Open, then guarded by mu (a compaction runs under it).
	apply    func(store.Record)
	f, lock  *os.File
	size     int64             // bytes of valid data in f, written
	next     int64             // next offset to assign
	durable  int64             // the records below this offset are fsync'd
	latest   map[keyHash]int64 // live key -> offset of its latest record
	total    int64             // records in the file
	retryAt  int64             // after a failed compaction, size to reach before trying again
	failed   error             // set after a write or fsync failure: the log refuses further appends
	buf      []byte            // reused encoding buffer
	inflight []*syncTicket     // fsyncs in flight, in the order they started
	// syncFiles are the descriptors of the file the fsyncs not in flight
	// use: each fsync in flight has its own. Linux reports a failed
	// writeback once per open file (the first fsync to look clears it):
	// on one shared descriptor a concurrent fsync could take the error of
	// the pages of the one covering a record, which would then succeed.
	syncFiles []*os.File
	unsynced  int // records written since the last fsync started

	// unapplied are the requests written and not yet applied, oldest
	// first: applied once durable by their callers (Append, or the
	// function Write returns), each with those before it. applyMu makes
	// one goroutine apply at a time, in order.
	applyMu   sync.Mutex
	unapplied []*request

	// Test hooks.
	beforeSync func(records int)
	fsync      func(*os.File) error // f.Sync when nil
	syncs      int                  // commit fsyncs done
}

// maxSyncs bounds the fsyncs in flight.
const maxSyncs = 4

const (
	stateNew = iota
	stateOpening
	stateOpen
	stateClosed
)

// request is the records of one Append or Write.
type request struct {
	recs    []store.Record
	end     int64 // the offset after its records
	applied bool  // set under applyMu
}

// syncTicket is an fsync in flight: it makes durable what was written
// before it started, the records below target.
type syncTicket struct {
	target  int64
	records int
	done    bool
	err     error
}

var (
	_ store.Log    = (*Log)(nil)
	_ store.Writer = (*Log)(nil)
)

// New returns a Log stored in dir, creating the directory if needed. Nothing
// is read until Open.
func New(dir string, opts Options) (*Log, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("store/file: %w", err)
	}
	l := &Log{
		dir:      dir,
		path:     filepath.Join(dir, FileName),
		log:      opts.Logger,
		minBytes: opts.CompactMinBytes,
		ratio:    opts.CompactRatio,
		latest:   make(map[keyHash]int64),
	}
	if l.log == nil {
		l.log = slog.Default()
	}
	if l.minBytes == 0 {
		l.minBytes = DefaultCompactMinBytes
	}
	if l.ratio <= 0 || l.ratio >= 1 {
		l.ratio = DefaultCompactRatio
	}
	l.cond = sync.NewCond(&l.mu)
	return l, nil
}

// Open locks the directory, replays every stored record through apply (a
// corrupt or torn tail is cut off with a warning) and compacts the file if it
// is mostly superseded. After a failed Open the Log cannot be used.
//
// The Key and Value of a replayed record are only valid during the call to
// apply: they are read into a buffer reused for the next record (a replay
// would otherwise allocate the size of the file, for records the store
// decodes and drops). apply copies what it keeps, as the store does.
func (l *Log) Open(apply func(store.Record)) error {
	l.mu.Lock()
	if l.state != stateNew {
		l.mu.Unlock()
		return errors.New("store/file: Open called twice")
	}
	l.state = stateOpening
	l.mu.Unlock()

	if apply == nil {
		apply = func(store.Record) {}
	}
	l.apply = apply
	err := l.open()

	l.mu.Lock()
	if err == nil && l.state != stateOpening { // closed meanwhile
		err = ErrClosed
	}
	if err != nil {
		l.state = stateClosed
	} else {
		l.state = stateOpen
	}
	l.mu.Unlock()
	if err != nil {
		l.release()
		return fmt.Errorf("store/file: open %s: %w", l.dir, err)
	}
	return nil
}

func (l *Log) open() error {
	lock, err := lockDir(filepath.Join(l.dir, lockName))
	if err != nil {
		return err
	}
	l.lock = lock

	// A leftover temp file is an unfinished compaction or creation; the
	// log file itself was not touched before the rename, so it is complete.
	tmp := filepath.Join(l.dir, tmpName)
	if err := os.Remove(tmp); err == nil {
		l.log.Warn("store/file: removed leftover temporary file", "path", tmp)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}

	f, err := os.OpenFile(l.path, os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		f, err = l.create()
	}
	if err != nil {
		return err
	}
	l.f = f
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if st.Size() == 0 { // e.g. touched by hand: start a fresh log
		f.Close()
		l.f = nil
		if l.f, err = l.create(); err != nil {
			return err
		}
	}
	if err := l.replay(); err != nil {
		return err
	}
	if err := l.openSyncFiles(); err != nil {
		return err
	}
	if l.shouldCompact() {
		l.compactNow()
	}
	return l.failed
}

// create writes a new empty log file atomically (temp file, fsync, rename,
// directory fsync), so a crash never leaves a file with a torn header.
func (l *Log) create() (*os.File, error) {
	tmp := filepath.Join(l.dir, tmpName)
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, err
	}
	if _, err = f.Write(encodeHeader(0)); err == nil {
		if err = f.Sync(); err == nil {
			if err = os.Rename(tmp, l.path); err == nil {
				err = syncDir(l.dir)
			}
		}
	}
	if err != nil {
		f.Close()
		os.Remove(tmp)
		return nil, err
	}
	return f, nil
}

// replay reads the whole file, calling apply for each record, and cuts the
// file at the first record that is torn or corrupt.
func (l *Log) replay() error {
	st, err := l.f.Stat()
	if err != nil {
		return err
	}
	size := st.Size()
	hdr := make([]byte, headerLen)
	n, err := l.f.ReadAt(hdr, 0)
	if err != nil && !(errors.Is(err, io.EOF) && size < headerLen) {
		return err
	}
	if l.next, err = decodeHeader(hdr[:n]); err != nil {
		return fmt.Errorf("%s: %w", l.path, err)
	}

	r := bufio.NewReaderSize(io.NewSectionReader(l.f, headerLen, size-headerLen), ioBufSize)
	pos, last := int64(headerLen), int64(-1)
	var buf []byte
	for pos < size {
		raw, rec, err := readRecord(r, size-pos, buf)
		if err == nil && rec.Offset <= last {
			err = corrupt("offset %d not above previous offset %d", rec.Offset, last)
		}
		if err != nil {
			if !isCorrupt(err) {
				return fmt.Errorf("read %s at byte %d: %w", l.path, pos, err)
			}
			l.log.Warn("store/file: dropping corrupt or torn log tail",
				"path", l.path, "offset", pos, "dropped_bytes", size-pos, "reason", err.Error())
			if err := l.f.Truncate(pos); err != nil {
				return err
			}
			if err := l.f.Sync(); err != nil {
				return err
			}
			size = pos
			break
		}
		pos += int64(len(raw))
		last = rec.Offset
		l.track(&rec)
		l.apply(rec)
		if cap(raw) <= ioBufSize { // do not pin a huge buffer
			buf = raw
		}
	}
	l.size = size
	l.next = max(l.next, last+1)
	l.durable = l.next
	return nil
}

// keyHash stands for a record key in the compaction state: 128 bits of its
// SHA-256 digest. Keys are about 60 bytes (a subject, a version): a map
// keyed by copies of them took twice the memory. Two keys with the same
// hash would be compacted as one; with a cryptographic hash of 128 bits
// that takes about 2^64 distinct keys (and the keys chosen to collide only
// shadow each other).
type keyHash [16]byte

func hashKey(key []byte) keyHash {
	sum := sha256.Sum256(key)
	return keyHash(sum[:16])
}

// track updates the compaction state for a record added to the file.
func (l *Log) track(rec *store.Record) {
	l.total++
	if rec.Value == nil {
		delete(l.latest, hashKey(rec.Key))
		return
	}
	l.latest[hashKey(rec.Key)] = rec.Offset
}

// Append writes recs, waits until they are fsync'd, applies them and
// returns. On success recs[i].Offset and recs[i].Timestamp hold the
// assigned values. The context is only checked until the records are
// written. The Key and Value bytes are copied, so the caller may reuse
// them. Keys are opaque bytes: a nil key comes back as an empty one after a
// reopen.
func (l *Log) Append(ctx context.Context, recs []store.Record) error {
	req, err := l.write(ctx, recs)
	if err != nil || req == nil {
		return err
	}
	if err := l.applyDurable(req); err != nil {
		return err
	}
	for i := range recs {
		recs[i].Offset = req.recs[i].Offset
		recs[i].Timestamp = req.recs[i].Timestamp
	}
	return nil
}

// Write is Append answered once the records are written, before they are
// durable: applied (to call once) waits until they are fsync'd, applies
// them (with those written before them, unless done already) and returns;
// it fails when they will never be durable (an fsync failed). The store's
// pipeline writes its next group meanwhile.
func (l *Log) Write(ctx context.Context, recs []store.Record) (applied func() error, err error) {
	req, err := l.write(ctx, recs)
	if err != nil {
		return nil, err
	}
	return func() error {
		if req == nil {
			return nil
		}
		return l.applyDurable(req)
	}, nil
}

// write writes recs at the end of the file and starts an fsync if it may;
// the request, nil when there were no records.
func (l *Log) write(ctx context.Context, recs []store.Record) (*request, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	req := &request{recs: make([]store.Record, len(recs))}
	for i := range recs {
		r := &recs[i]
		if n := bodyLen(r); n > maxBodyLen {
			return nil, fmt.Errorf("store/file: record %d too large (%d bytes)", i, n)
		}
		req.recs[i] = store.Record{Key: bytes.Clone(r.Key), Value: bytes.Clone(r.Value), Timestamp: r.Timestamp}
	}

	l.mu.Lock()
	defer l.mu.Unlock()
	if l.state != stateOpen {
		return nil, ErrClosed
	}
	if len(recs) == 0 {
		return nil, nil
	}
	if l.failed != nil {
		return nil, l.failed
	}
	buf := l.buf[:0]
	next := l.next
	now := time.Now().UnixMilli()
	for i := range req.recs {
		r := &req.recs[i]
		r.Offset = next
		next++
		if r.Timestamp == 0 {
			r.Timestamp = now
		}
		buf = appendRecord(buf, r)
	}
	_, err := l.f.WriteAt(buf, l.size)
	if cap(buf) <= 4*ioBufSize { // do not pin a huge buffer
		l.buf = buf
	}
	if err != nil {
		// Cut the partial write so that it cannot come back at replay.
		if terr := l.f.Truncate(l.size); terr != nil {
			l.failed = fmt.Errorf("store/file: log unusable after failed write: %w", err)
		}
		return nil, fmt.Errorf("store/file: write: %w", err)
	}
	l.size += int64(len(buf))
	l.next = next
	l.unsynced += len(req.recs)
	for i := range req.recs {
		l.track(&req.recs[i])
	}
	req.end = l.next
	l.applyMu.Lock()
	l.unapplied = append(l.unapplied, req)
	l.applyMu.Unlock()
	l.startSync()
	return req, nil
}

// startSync starts an fsync of what was written and is not covered by an
// fsync in flight, unless maxSyncs are in flight. The caller holds mu.
func (l *Log) startSync() {
	if l.failed != nil || len(l.inflight) >= maxSyncs || l.next == l.durable {
		return
	}
	if n := len(l.inflight); n > 0 && l.inflight[n-1].target >= l.next {
		return // the last one started covers everything written
	}
	t := &syncTicket{target: l.next, records: l.unsynced}
	l.unsynced = 0
	l.inflight = append(l.inflight, t)
	f := l.syncFiles[len(l.syncFiles)-1]
	l.syncFiles = l.syncFiles[:len(l.syncFiles)-1]
	go l.sync(t, f)
}

// openSyncFiles opens the descriptors of the fsyncs, with none in flight.
func (l *Log) openSyncFiles() error {
	l.closeSyncFiles()
	for range maxSyncs {
		f, err := os.OpenFile(l.path, os.O_RDWR, 0)
		if err != nil {
			l.closeSyncFiles()
			return fmt.Errorf("store/file: %w", err)
		}
		l.syncFiles = append(l.syncFiles, f)
	}
	return nil
}

func (l *Log) closeSyncFiles() {
	for _, f := range l.syncFiles {
		f.Close()
	}
	l.syncFiles = nil
}

// sync runs one fsync, then makes durable, in order, what the fsyncs done
// cover, and starts the next fsync if records were written meanwhile.
func (l *Log) sync(t *syncTicket, f *os.File) {
	if l.beforeSync != nil {
		l.beforeSync(t.records)
	}
	var err error
	if l.fsync != nil {
		err = l.fsync(f)
	} else {
		err = f.Sync()
	}
	l.mu.Lock()
	l.syncFiles = append(l.syncFiles, f)
	l.syncs++
	t.done, t.err = true, err
	if err != nil && l.failed == nil {
		// After a failed fsync what reached the disk is unknown (and the
		// kernel may have dropped the dirty pages): stop writing, and
		// acknowledge nothing not durable yet (a later fsync's success
		// does not vouch for pages this one lost).
		l.failed = fmt.Errorf("store/file: log unusable after failed fsync: %w", err)
	}
	for len(l.inflight) > 0 && l.inflight[0].done {
		done := l.inflight[0]
		l.inflight[0] = nil
		l.inflight = l.inflight[1:]
		if l.failed == nil {
			l.durable = max(l.durable, done.target)
		}
	}
	l.startSync()
	l.cond.Broadcast()
	l.mu.Unlock()

	// Compacted once the writes so far are acknowledged; later writes
	// wait for it.
	l.mu.Lock()
	if l.state == stateOpen && len(l.inflight) == 0 && l.durable == l.next && l.failed == nil && l.shouldCompact() {
		l.compactNow()
		l.cond.Broadcast()
	}
	l.mu.Unlock()
}

// applyDurable waits until req is durable and applies it, with the
// requests before it not applied yet.
func (l *Log) applyDurable(req *request) error {
	l.mu.Lock()
	for l.durable < req.end && l.failed == nil {
		l.cond.Wait()
	}
	durable, err := l.durable >= req.end, l.failed
	l.mu.Unlock()
	if !durable {
		return err
	}
	l.applyThrough(req)
	return nil
}

// applyThrough applies the written requests not applied yet, in order, up
// to req included. They are durable: durability follows the file's order.
func (l *Log) applyThrough(req *request) {
	l.applyMu.Lock()
	defer l.applyMu.Unlock()
	for !req.applied && len(l.unapplied) > 0 {
		next := l.unapplied[0]
		l.unapplied[0] = nil
		l.unapplied = l.unapplied[1:]
		for i := range next.recs {
			l.apply(next.recs[i])
		}
		next.applied = true
	}
}

func (l *Log) shouldCompact() bool {
	if l.minBytes < 0 || l.size <= l.minBytes || l.size < l.retryAt {
		return false
	}
	dead := l.total - int64(len(l.latest))
	return float64(dead) > l.ratio*float64(l.total)
}

// compactNow compacts and logs the outcome. A failure leaves the old file in
// use and postpones the next attempt until the file has grown by half.
func (l *Log) compactNow() {
	start, oldSize, oldTotal := time.Now(), l.size, l.total
	if err := l.compact(); err != nil {
		l.retryAt = l.size + l.size/2
		l.log.Error("store/file: compaction failed", "path", l.path, "error", err)
		return
	}
	l.retryAt = 0
	l.log.Info("store/file: compacted log", "path", l.path,
		"bytes_before", oldSize, "bytes_after", l.size,
		"records_before", oldTotal, "records_after", l.total,
		"duration", time.Since(start))
}

// compact rewrites the live records (the latest of each key, tombstones
// dropped) into a temp file, fsyncs it and renames it over the log. Until the
// rename the old file is untouched; after it the new one is complete.
func (l *Log) compact() error {
	tmp := filepath.Join(l.dir, tmpName)
	nf, size, err := l.writeCompacted(tmp)
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, l.path); err != nil {
		nf.Close()
		os.Remove(tmp)
		return err
	}
	// The new file has the name now: appends must go to it.
	l.f.Close()
	l.f, l.size, l.total = nf, size, int64(len(l.latest))
	if err := l.openSyncFiles(); err != nil { // of the new file
		l.failed = err
		return err
	}
	if err := syncDir(l.dir); err != nil {
		// The rename may not survive a crash, and with it the appends
		// made to the new file: stop writing.
		l.failed = fmt.Errorf("store/file: log unusable after failed directory fsync: %w", err)
		return err
	}
	return nil
}

func (l *Log) writeCompacted(tmp string) (*os.File, int64, error) {
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, 0, err
	}
	ok := false
	defer func() {
		if !ok {
			f.Close()
		}
	}()
	w := bufio.NewWriterSize(f, ioBufSize)
	// The header keeps the next offset: the records with the highest
	// offsets may be dropped here.
	w.Write(encodeHeader(l.next))
	size, kept := int64(headerLen), 0
	r := bufio.NewReaderSize(io.NewSectionReader(l.f, headerLen, l.size-headerLen), ioBufSize)
	var buf []byte
	for pos := int64(headerLen); pos < l.size; {
		raw, rec, err := readRecord(r, l.size-pos, buf)
		if err != nil {
			return nil, 0, fmt.Errorf("read %s at byte %d: %w", l.path, pos, err)
		}
		buf = raw
		pos += int64(len(raw))
		if off, live := l.latest[hashKey(rec.Key)]; live && off == rec.Offset {
			w.Write(raw) // errors are kept by w and returned by Flush
			size += int64(len(raw))
			kept++
		}
	}
	if kept != len(l.latest) {
		return nil, 0, fmt.Errorf("found %d live records in %s, expected %d", kept, l.path, len(l.latest))
	}
	if err := w.Flush(); err != nil {
		return nil, 0, err
	}
	if err := f.Sync(); err != nil {
		return nil, 0, err
	}
	ok = true
	return f, size, nil
}

// Close waits for the fsyncs in flight, then releases the file and the
// directory lock. It is idempotent.
func (l *Log) Close() error {
	l.mu.Lock()
	if l.state != stateOpen {
		// A running Open sees the change and releases everything itself.
		l.state = stateClosed
		l.mu.Unlock()
		return nil
	}
	l.state = stateClosed
	for len(l.inflight) > 0 {
		l.cond.Wait()
	}
	l.mu.Unlock()
	return l.release()
}

func (l *Log) release() error {
	var errs []error
	l.closeSyncFiles()
	if l.f != nil {
		errs = append(errs, l.f.Close())
		l.f = nil
	}
	if l.lock != nil {
		errs = append(errs, l.lock.Close())
		l.lock = nil
	}
	return errors.Join(errs...)
}

// syncDir fsyncs a directory so that a rename in it is durable.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" { // directories cannot be fsync'd there
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
