package store

import (
	"context"
	"errors"
)

// A write is a decision (rules_*.go) committed here: under the write lock,
// against a state caught up with the log, its records appended, and applied
// when the append returns. Registrations arriving while one is written are
// queued and committed together: one append (one fsync, one Kafka produce)
// for a batch of decisions.

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
		r.stale.Store(true)
		switch {
		case errors.Is(err, ErrRecordTooLarge):
			return errorf(CodeSchemaTooLarge, "Register operation failed because schema is too large")
		case ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded):
			return errorf(CodeOperationTimeout, "Write operation timed out")
		}
		return errorf(CodeStoreError, "Error while writing to the store: %v", err)
	}
	return nil
}

// pendingRegistration is a registration waiting for the write lock. The
// writer holding the lock commits the registrations queued at that moment
// together.
type pendingRegistration struct {
	reg registration

	done chan struct{} // closed when sv and err are set
	sv   SchemaVersion
	err  error
}

func (p *pendingRegistration) finish(sv SchemaVersion, err error) {
	p.sv, p.err = sv, err
	close(p.done)
}

func (p *pendingRegistration) finished() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Limits of one batch of registrations: records, and bytes of schema text.
const (
	maxBatchRegistrations = 128
	maxBatchSchemaBytes   = 512 << 10
)

// commitRegistration queues a registration, takes the write lock and, until
// the registration is committed, commits batches of queued ones. A
// registration taken by another writer is finished before that writer
// releases the lock, so its caller stops waiting for the lock as soon as
// it is done.
func (r *Registry) commitRegistration(ctx context.Context, g registration) (SchemaVersion, error) {
	p := &pendingRegistration{reg: g, done: make(chan struct{})}
	term := r.currentTerm()
	r.queueMu.Lock()
	r.queue = append(r.queue, p)
	r.queueMu.Unlock()
	select {
	case r.writeLock <- struct{}{}:
	case <-p.done:
		return p.sv, p.err
	case <-ctx.Done():
		if r.unqueue(p) {
			return SchemaVersion{}, errorf(CodeOperationTimeout, "Timed out waiting for the write lock")
		}
		<-p.done // a writer took it: its outcome is this request's
		return p.sv, p.err
	case <-term:
		if r.unqueue(p) {
			return SchemaVersion{}, ErrLeaderNotKnown()
		}
		<-p.done
		return p.sv, p.err
	}
	defer r.unlockWrite()
	for !p.finished() {
		if deposed(term) && r.unqueue(p) {
			return SchemaVersion{}, ErrLeaderNotKnown()
		}
		if ctx.Err() != nil && r.unqueue(p) {
			// Gone before being taken: this request does not write for
			// the others, whose contexts may be alive.
			return SchemaVersion{}, errorf(CodeOperationTimeout, "Write operation timed out")
		}
		batch := r.takeBatch()
		if len(batch) == 0 { // cannot happen: p is queued or finished
			return SchemaVersion{}, errorf(CodeStoreError, "Error while writing to the store: registration lost from the queue")
		}
		r.commitBatch(ctx, batch)
	}
	return p.sv, p.err
}

// unqueue removes p from the queue; false when a writer already took it.
func (r *Registry) unqueue(p *pendingRegistration) bool {
	r.queueMu.Lock()
	defer r.queueMu.Unlock()
	for i, q := range r.queue {
		if q == p {
			r.queue = append(r.queue[:i], r.queue[i+1:]...)
			return true
		}
	}
	return false
}

// takeBatch takes queued registrations in order, at most one per subject (a
// registration depends on the versions before it in its subject), leaving
// the others queued. A registration with an explicit id is a batch of its
// own.
func (r *Registry) takeBatch() []*pendingRegistration {
	r.queueMu.Lock()
	defer r.queueMu.Unlock()
	var batch []*pendingRegistration
	subjects := map[string]bool{}
	size := 0
	rest := r.queue[:0]
	for i, p := range r.queue {
		single := p.reg.c.req.ID > 0
		n := len(p.reg.c.schema.Canonical())
		full := len(batch) >= maxBatchRegistrations || (len(batch) > 0 && size+n > maxBatchSchemaBytes)
		if full || subjects[p.reg.subject] || (single && len(batch) > 0) {
			rest = append(rest, p)
			subjects[p.reg.subject] = true // a subject's registrations keep their order
			continue
		}
		batch = append(batch, p)
		subjects[p.reg.subject] = true
		size += n
		if single {
			rest = append(rest, r.queue[i+1:]...)
			break
		}
	}
	clear(r.queue[len(rest):])
	r.queue = rest
	return batch
}

// commitBatch decides each registration of the batch with decideRegister,
// the ids taken by one seen by the next, appends the records of those that
// write, and finishes every one, also when it panics. The caller holds the
// write lock.
func (r *Registry) commitBatch(ctx context.Context, batch []*pendingRegistration) {
	defer func() {
		if p := recover(); p != nil {
			for _, q := range batch {
				if !q.finished() {
					q.finish(SchemaVersion{}, errorf(CodeStoreError, "Error while writing to the store: %v", p))
				}
			}
			panic(p)
		}
	}()
	ctx, cancel := writerContext(ctx)
	defer cancel()
	if err := r.syncIfStale(ctx); err != nil {
		for _, p := range batch {
			p.finish(SchemaVersion{}, err)
		}
		return
	}
	var recs []Record
	var writing []*pendingRegistration
	var versions []int
	taken := newTakenIDs()
	for _, p := range batch {
		rec, answer, err := decide(r, taken, func(w *view) ([]Record, registerAnswer, error) { return w.decideRegister(p.reg) })
		switch {
		case err != nil:
			p.finish(SchemaVersion{}, err)
		case answer.existing != nil:
			p.finish(*answer.existing, nil)
		default:
			recs = append(recs, rec...)
			writing = append(writing, p)
			versions = append(versions, answer.version)
		}
	}
	if len(writing) == 0 {
		return
	}
	// When the deadline passes first the outcome is unknown for all (50002),
	// the store syncs before the next write, and a retry finds what landed.
	err := r.append(ctx, recs...)
	var e *Error
	if len(writing) > 1 && errors.As(err, &e) && e.Code == CodeSchemaTooLarge {
		// The batch was too large for the log, maybe not any one record:
		// each is tried again on its own, now.
		for _, p := range writing {
			r.commitBatch(ctx, []*pendingRegistration{p})
		}
		return
	}
	for i, p := range writing {
		if err != nil {
			p.finish(SchemaVersion{}, err)
			continue
		}
		p.finish(r.written(p.reg.subject, versions[i]))
	}
}

// writerContext is the context a batch is written with: one caller going
// away does not fail the others' writes, while the writer's deadline (the
// same for every request) still bounds them.
func writerContext(ctx context.Context) (context.Context, context.CancelFunc) {
	wctx := context.WithoutCancel(ctx)
	if deadline, ok := ctx.Deadline(); ok {
		return context.WithDeadline(wctx, deadline)
	}
	return wctx, func() {}
}

// written reads back a subject-version just written, in its own context
// only (Version would look in others).
func (r *Registry) written(subject string, v int) (SchemaVersion, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	ver, err := r.st.version(subject, v, IncludingDeleted)
	if err != nil {
		return SchemaVersion{}, err
	}
	return ver.export(), nil
}
