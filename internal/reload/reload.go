// Package reload keeps a value built from files up to date with them: the
// TLS material and the users file are rebuilt when their files change,
// without a restart and without a watcher goroutine.
package reload

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Files is a value loaded from files. Get re-reads the files when the
// interval has passed since the last look and, when any content changed,
// builds the value again. A new content that fails to load leaves the
// previous value in place and is logged once.
type Files[T any] struct {
	what     string // names the value in log lines, e.g. "TLS certificate"
	paths    []string
	interval time.Duration
	load     func(contents [][]byte) (T, error)
	logger   *slog.Logger

	cur  atomic.Pointer[T]
	next atomic.Int64 // unix nanoseconds of the next look

	mu         sync.Mutex // held while looking at the files
	loaded     [][]byte   // contents of the current value
	refused    [][]byte   // contents that last failed to load
	readFailed bool       // the last look could not read a file (logged)
}

// New reads the files and builds the first value: an error here is fatal
// for the caller. interval 0 never looks again.
func New[T any](what string, paths []string, interval time.Duration, load func(contents [][]byte) (T, error), logger *slog.Logger) (*Files[T], error) {
	if logger == nil {
		logger = slog.Default()
	}
	f := &Files[T]{what: what, paths: paths, interval: interval, load: load, logger: logger}
	contents, err := f.read()
	if err != nil {
		return nil, err
	}
	v, err := load(contents)
	if err != nil {
		return nil, err
	}
	f.cur.Store(&v)
	f.loaded = contents
	f.next.Store(time.Now().Add(interval).UnixNano())
	return f, nil
}

// Get returns the current value, first reloading it when the files changed
// and the interval has passed. Only one caller looks at the files at a
// time; the others get the current value meanwhile.
func (f *Files[T]) Get() T {
	if f.interval > 0 && time.Now().UnixNano() >= f.next.Load() && f.mu.TryLock() {
		f.check()
		f.next.Store(time.Now().Add(f.interval).UnixNano())
		f.mu.Unlock()
	}
	return *f.cur.Load()
}

// check reloads the value when the content of the files changed. The
// caller holds mu.
func (f *Files[T]) check() {
	contents, err := f.read()
	if err != nil {
		if !f.readFailed {
			f.logger.Warn("cannot reread "+f.what+"; keeping the current one", "err", err)
		}
		f.readFailed = true
		return
	}
	f.readFailed = false
	if same(contents, f.loaded) || same(contents, f.refused) {
		return
	}
	v, err := f.load(contents)
	if err != nil {
		f.refused = contents
		f.logger.Warn("changed "+f.what+" refused; keeping the current one", "err", err)
		return
	}
	f.cur.Store(&v)
	f.loaded, f.refused = contents, nil
	f.logger.Info(f.what+" reloaded", "files", f.paths)
}

func (f *Files[T]) read() ([][]byte, error) {
	out := make([][]byte, len(f.paths))
	for i, p := range f.paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", p, err)
		}
		out[i] = b
	}
	return out, nil
}

func same(a, b [][]byte) bool {
	if a == nil || b == nil || len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}
