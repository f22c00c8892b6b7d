// Package testlog holds what tests use to read what the code under test
// logs while it runs. It is imported by tests only.
package testlog

import (
	"bytes"
	"sync"
)

// Buffer is a log destination that tests read while goroutines write to it.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
