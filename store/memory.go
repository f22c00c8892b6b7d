package store

import (
	"context"
	"errors"
	"sync"
	"time"
)

// MemoryLog is a Log kept in memory only: for tests and benchmarks, and to
// inspect the exact records the registry writes.
type MemoryLog struct {
	mu      sync.Mutex
	records []Record
	apply   func(Record)
	closed  bool
}

// NewMemoryLog returns an empty log holding the given records.
func NewMemoryLog(recs ...Record) *MemoryLog {
	l := &MemoryLog{}
	for i, r := range recs {
		r.Offset = int64(i)
		l.records = append(l.records, r)
	}
	return l
}

// Open replays the records.
func (l *MemoryLog) Open(apply func(Record)) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.apply = apply
	for _, r := range l.records {
		apply(r)
	}
	return nil
}

// Append adds records and applies them.
func (l *MemoryLog) Append(ctx context.Context, recs []Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return errors.New("log closed")
	}
	for _, r := range recs {
		r.Offset = int64(len(l.records))
		if r.Timestamp == 0 {
			r.Timestamp = time.Now().UnixMilli()
		}
		l.records = append(l.records, r)
		l.apply(r)
	}
	return nil
}

// Close closes the log.
func (l *MemoryLog) Close() error {
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
	return nil
}

// Records returns a copy of every record appended so far.
func (l *MemoryLog) Records() []Record {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Record(nil), l.records...)
}
