package store

import (
	"context"
	"errors"
)

// A write is a decision (rules_*.go) committed here: under the write lock,
// against a state caught up with the log, its records appended, and applied
// when the append returns. Registrations go through a pipeline instead
// (pipeline.go): decided in groups, one append (one fsync, one Kafka
// transaction) per group, the next group decided while the previous one is
// written.

// decision is a write rule applied to one request: the records to append
// and the answer, or an error.
type decision[A any] func(w *view) ([]Record, A, error)

// commit runs one decision under the write lock and appends its records.
func commit[A any](ctx context.Context, r *Registry, d decision[A]) (A, error) {
	var zero A
	if err := r.lockWrite(ctx); err != nil {
		return zero, err
	}
	defer r.unlockWrite()
	if err := r.syncIfStale(ctx); err != nil {
		return zero, err
	}
	recs, answer, err := decide(r, newTakenIDs(), d)
	if err != nil {
		return zero, err
	}
	if len(recs) > 0 {
		if err := r.append(ctx, recs...); err != nil {
			return zero, err
		}
	}
	return answer, nil
}

// decide runs a decision on a view of the state, under the read lock. The
// caller holds the write lock, so the state changes under no decision but
// by records others write to a shared log (Kafka), which wait for the read
// lock to be applied.
func decide[A any](r *Registry, taken *takenIDs, d decision[A]) ([]Record, A, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return d(&view{st: r.st, settings: &r.settings, taken: taken,
		check: func(q compatQuestion) []string { return r.compatibility(r.st, q)() }})
}

// lockWrite takes the write lock, or gives up when ctx ends (50002) or
// this node stops being the primary (50004).
func (r *Registry) lockWrite(ctx context.Context) error {
	term := r.currentTerm()
	// A pipeline of registrations holding the lock lets it go when its
	// writes in flight are done (pipeline.go).
	r.writersWaiting.Add(1)
	r.poke()
	defer r.writersWaiting.Add(-1)
	select {
	case r.writeLock <- struct{}{}:
	case <-ctx.Done():
		return errorf(CodeOperationTimeout, "Timed out waiting for the write lock")
	case <-term:
		return ErrLeaderNotKnown()
	}
	if deposed(term) {
		r.unlockWrite()
		return ErrLeaderNotKnown()
	}
	return nil
}

// Depose tells the store that this node is no longer the primary: the
// writes waiting for the write lock answer 50004 instead of writing.
func (r *Registry) Depose() {
	r.termMu.Lock()
	defer r.termMu.Unlock()
	close(r.term)
	r.term = make(chan struct{})
}

func (r *Registry) currentTerm() <-chan struct{} {
	r.termMu.Lock()
	defer r.termMu.Unlock()
	return r.term
}

func deposed(term <-chan struct{}) bool {
	select {
	case <-term:
		return true
	default:
		return false
	}
}

func (r *Registry) unlockWrite() { <-r.writeLock }

// syncIfStale syncs with the log when the state may be behind it: after
// this node became primary, or after a write whose outcome is unknown. The
// caller holds the write lock.
func (r *Registry) syncIfStale(ctx context.Context) error {
	if !r.stale.Load() {
		return nil
	}
	if s, ok := r.log.(Syncer); ok {
		if err := s.Sync(ctx); err != nil {
			return errorf(CodeOperationTimeout, "Timed out catching up with the schema log: %v", err)
		}
	}
	r.stale.Store(false)
	return nil
}

// CatchUp returns once every record written to a log shared with other
// writers before the call is applied here; at once on a log this node
// alone writes. A reader that must not act on a state behind the log (an
// exporter starting on a new primary) calls it first.
func (r *Registry) CatchUp(ctx context.Context) error {
	if s, ok := r.log.(Syncer); ok {
		return s.Sync(ctx)
	}
	return nil
}

// MarkStale makes the next write sync with the log first: call it when this
// node becomes the primary.
func (r *Registry) MarkStale() { r.stale.Store(true) }

// append writes records through the log; they are applied when it returns.
// After a failure the outcome is unknown (a timed-out record may still land),
// so the next write syncs first: a retry then finds what landed instead of
// minting a second id.
func (r *Registry) append(ctx context.Context, recs ...Record) error {
	if err := r.log.Append(ctx, recs); err != nil {
		return r.writeFailed(ctx, err)
	}
	return nil
}

// writeFailed marks the state stale after a failed write (its outcome is
// unknown) and returns the API error answering it.
func (r *Registry) writeFailed(ctx context.Context, err error) *Error {
	r.stale.Store(true)
	switch {
	case errors.Is(err, ErrRecordTooLarge):
		return errorf(CodeSchemaTooLarge, "Register operation failed because schema is too large")
	case ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded):
		return errorf(CodeOperationTimeout, "Write operation timed out")
	}
	return errorf(CodeStoreError, "Error while writing to the store: %v", err)
}

// written reads back a subject-version just written, in its own context
// only (Version would look in others).
func (r *Registry) written(subject string, v int, c *candidate) (SchemaVersion, error) {
	r.mu.RLock()
	ver, err := r.st.version(subject, v, IncludingDeleted)
	if err != nil {
		r.mu.RUnlock()
		return SchemaVersion{}, err
	}
	ref := ver.ref()
	r.mu.RUnlock()
	if c != nil && ref.v.entry.identity == c.identity {
		// The same identity, the same text: the candidate's, at hand,
		// instead of the stored one rebuilt (a delta of the version
		// before, maybe of a compressed one).
		return ref.exportWithText(c.schema.Canonical()), nil
	}
	return ref.export(), nil
}
