package store

import (
	"context"
	"errors"
)

// Record is one entry of the registry log: the key and value bytes of a
// record on the `_schemas` topic. A nil Value is a tombstone.
type Record struct {
	Key       []byte
	Value     []byte
	Offset    int64 // position in the log, assigned by the Log
	Timestamp int64 // milliseconds since the epoch, assigned by the Log when zero
}

// Log is the single source of truth of the registry: an ordered, durable
// sequence of records. The embedded file log (store/file) and the Kafka topic
// (store/kafka) implement it.
type Log interface {
	// Open replays every stored record, in order, through apply and keeps
	// apply for the records appended later. It returns once the replay is
	// complete. apply is never called concurrently with itself. A record's
	// Key and Value may be reused once apply returns: apply copies what it
	// keeps.
	Open(apply func(Record)) error
	// Append stores records durably, in order, and returns only after apply
	// has been called for each of them (read-your-writes). Offsets and
	// timestamps are assigned by the Log. An error means none of the records
	// may be assumed applied.
	Append(ctx context.Context, recs []Record) error
	// Close releases the log; Append fails after it.
	Close() error
}

// ErrRecordTooLarge is returned by a Log that refuses a record for its size
// (Kafka's RecordTooLargeException): the API answers 42209.
var ErrRecordTooLarge = errors.New("record too large")

// Syncer is a Log shared with other writers (Kafka): Sync returns once every
// record written before it, by anyone, has been applied. The store calls it
// before deciding a write after it became primary or after a write whose
// outcome is unknown.
type Syncer interface {
	Sync(ctx context.Context) error
}

// Writer is a Log whose appends can be pipelined: Write stores records as
// Append does, in order after every record stored before, but returns
// before they are applied; applied (to call once) waits until they are.
// The registrations' pipeline writes a group while the one before it is
// still being read back (Kafka: the next transaction runs while the reader
// catches up with the previous one).
type Writer interface {
	Write(ctx context.Context, recs []Record) (applied func() error, err error)
}
