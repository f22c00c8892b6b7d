// Package store holds the registry state: it applies log records to in-memory
// indexes (subjects, versions, ids, references, configs, modes) and turns the
// write operations of the API into records appended through a Log. It knows
// nothing of HTTP.
package store
