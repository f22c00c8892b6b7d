// Package store holds the registry state and Confluent's write rules.
//
// The state (state.go) is a function of the log records applied so far:
// in-memory indexes of subjects, versions, ids, references, configs and
// modes; only apply changes it, and every read (reads.go) comes from it
// under a read lock. The listings page through the subject index
// (index.go), kept in name order as records are applied and shared with
// readers without locks. A write is a decision (rules_*.go, Confluent's rules:
// a function of a view of the state and the request that returns the
// records to append and the answer) committed by commit.go: the write lock,
// the catch-up with a shared log, one append through a Log (log.go),
// implemented by store/file and store/kafka. Registrations go through a
// pipeline (pipeline.go) instead: decided in groups, one append per group,
// the next group decided, and on Kafka written, while the previous one is
// in flight. Requests are parsed into
// candidates (candidate.go) before the write lock; compatibility questions
// are answered by compat (compatibility.go).
//
// It knows nothing of HTTP: the api package maps its errors (errors.go) to
// answers.
package store
