// Package file holds the embedded Log: a local append-only file holding the
// same key/value records as the `_schemas` topic of a Kafka-backed registry.
//
// Every Append is written and fsync'd before it is acknowledged (and before
// the records are applied; up to 4 fsyncs run at once, and records become
// durable in the order of the file), the whole file is replayed at
// start-up, and the file is compacted like a Kafka compacted topic (only
// the latest record of each key survives, tombstones are dropped) when most
// of it is superseded.
//
// A torn or corrupt tail, as left by a crash in the middle of a write, is cut
// off at Open with a warning. A lock file (flock) keeps a second process from
// opening the same directory; the kernel releases it when a process dies.
package file
