package store

import (
	"context"
	"time"
)

// Registrations are committed by a pipeline. A request queues its
// registration and waits for the answer. A committer goroutine takes the
// write lock while there are registrations to commit and runs three stages:
//
//   - it decides queued registrations (decideRegister) into the open group,
//     against the state and an overlay of what the groups decided before and
//     not yet applied hold: the ids they took, per context (takenIDs), and
//     their subjects. A registration under a subject that has one in flight
//     waits until that one is applied: it depends on the versions before it
//     (its number, its compatibility, whether it is already registered).
//   - the appender writes one group at a time with one append (one fsync,
//     one Kafka transaction), the next group being decided meanwhile;
//   - the awaiter waits until a written group is applied, when the log
//     returns before that (Writer: Kafka's reader catches up with a group
//     while the next one is written), and answers its registrations. An
//     answer is given once its records are applied: a read after it sees
//     them.
//
// A group is written only after every group before it was written: when a
// write fails, its group fails and so does every group decided on top of
// it, which is never written (its ids and versions assumed the failed
// ones). The pipeline then drains, drops its overlay and syncs with the log
// before deciding again, as after any write whose outcome is unknown. A
// group the log refuses as too large is not an unknown outcome: its
// registrations are written again one by one, and those decided on top of
// it are decided again. A group written but not seen applied in time fails
// (50002: it did land), and those decided on top of it and not written are
// decided again once the state holds it. When this node stops being the
// primary, the groups decided and not written answer 50004.

// pendingRegistration is a registration waiting to be committed.
type pendingRegistration struct {
	reg  registration
	ctx  context.Context
	term <-chan struct{} // of the primary it was queued under: never written under another
	// alone: written in a group of its own, with nothing else in flight
	// (its group was too large for the log).
	alone bool

	done     chan struct{} // closed when sv and err are set
	sv       SchemaVersion
	err      error
	panicked any // a panic while committing it, raised again in its caller
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

// barrier reports whether the registration is decided and written with
// nothing else in flight, in a group of its own: an explicit id (which
// must not be bound to another schema, maybe by a group in flight), or a
// retry after its group was too large.
func (p *pendingRegistration) barrier() bool { return p.alone || p.reg.c.req.ID > 0 }

// Limits of one group of registrations: registrations, and bytes of schema
// text; and of the groups written and not yet applied.
const (
	maxBatchRegistrations = 128
	maxBatchSchemaBytes   = 512 << 10
	maxAwaitedGroups      = 8
)

// commitRegistration queues a registration and waits for its answer, or
// gives up while it is still queued when ctx ends (50002) or this node
// stops being the primary (50004). Once taken, its outcome is the
// pipeline's.
func (r *Registry) commitRegistration(ctx context.Context, g registration) (SchemaVersion, error) {
	p := &pendingRegistration{reg: g, ctx: ctx, term: r.currentTerm(), done: make(chan struct{})}
	r.enqueue(p)
	select {
	case <-p.done:
	case <-ctx.Done():
		if r.unqueue(p) {
			return SchemaVersion{}, errorf(CodeOperationTimeout, "Timed out waiting for the write lock")
		}
		<-p.done
	case <-p.term:
		if r.unqueue(p) {
			return SchemaVersion{}, ErrLeaderNotKnown()
		}
		<-p.done
	}
	if p.panicked != nil {
		panic(p.panicked)
	}
	return p.sv, p.err
}

// enqueue queues a registration and starts the committer if none runs.
func (r *Registry) enqueue(p *pendingRegistration) {
	r.queueMu.Lock()
	r.queue = append(r.queue, p)
	r.unwritten.Add(1)
	start := !r.committing
	r.committing = true
	r.queueMu.Unlock()
	if start {
		go r.commitLoop()
	} else {
		r.poke()
	}
}

// poke wakes the committer: a registration is queued, or a writer waits
// for the lock.
func (r *Registry) poke() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// unqueue removes p from the queue; false when the committer took it.
func (r *Registry) unqueue(p *pendingRegistration) bool {
	r.queueMu.Lock()
	defer r.queueMu.Unlock()
	for i, q := range r.queue {
		if q == p {
			r.queue = append(r.queue[:i], r.queue[i+1:]...)
			r.unwritten.Add(-1)
			return true
		}
	}
	return false
}

// requeue puts registrations back at the head of the queue, in order.
func (r *Registry) requeue(ps []*pendingRegistration) {
	r.queueMu.Lock()
	r.queue = append(ps[:len(ps):len(ps)], r.queue...)
	r.queueMu.Unlock()
}

func (r *Registry) queued() int {
	r.queueMu.Lock()
	defer r.queueMu.Unlock()
	return len(r.queue)
}

// commitLoop runs the pipeline under the write lock until the queue is
// empty. It lets the lock go between runs when other writes wait for it.
func (r *Registry) commitLoop() {
	for {
		r.writeLock <- struct{}{}
		newCommitter(r).run()
		r.unlockWrite()
		r.queueMu.Lock()
		if len(r.queue) == 0 {
			r.committing = false
			r.queueMu.Unlock()
			return
		}
		r.queueMu.Unlock()
	}
}

// group is registrations decided together and written with one append.
type group struct {
	regs     []*pendingRegistration // the registrations that write, in order
	versions []int                  // the version each writes
	recs     []Record
	bytes    int               // of schema text
	noted    []contextIdentity // the new ids it took, in the overlay until it is applied
	alone    bool              // a barrier's group

	ctx    context.Context
	cancel context.CancelFunc
	// Set by the appender, then read by the committer after the event.
	applied  func() error // a Writer's wait for the records to be applied
	writeErr *Error
	tooLarge bool // refused for its size with several registrations: written again one by one
	// Set by the awaiter.
	applyErr *Error
}

// groupContext is the context a group is written with: one caller going
// away does not fail the others' writes, and the latest of their
// deadlines bounds the write.
func groupContext(regs []*pendingRegistration) (context.Context, context.CancelFunc) {
	var latest time.Time
	for _, p := range regs {
		d, ok := p.ctx.Deadline()
		if !ok {
			return context.WithoutCancel(regs[0].ctx), func() {}
		}
		if d.After(latest) {
			latest = d
		}
	}
	return context.WithDeadline(context.WithoutCancel(regs[0].ctx), latest)
}

type eventKind int

const (
	evWritten eventKind = iota // the appender is done with the group; the awaiter has it if applied is set
	evApplied                  // the awaiter is done with the group
)

type event struct {
	g    *group
	kind eventKind
}

// committer is one run of the pipeline, holding the write lock. Its fields
// belong to the committer goroutine; the appender and the awaiter get
// groups through channels and answer with events.
type committer struct {
	r       *Registry
	term    <-chan struct{}
	taken   *takenIDs       // ids taken by the groups in flight
	pending map[string]bool // subjects with a registration in flight
	open    *group          // being decided
	closed  []*group        // decided, waiting for the appender, oldest first
	writing bool            // the appender holds a group
	// awaiting counts the groups written and not yet applied; alone the
	// barriers' groups in flight.
	awaiting, alone int
	// broken is set when a write or a read-back failed: nothing is
	// decided until every group in flight is done.
	broken bool
	// took is set once this run decided registrations: from then on it
	// lets writers waiting for the lock go first.
	took bool

	toWrite chan *group
	toAwait chan *group
	events  chan event
}

func newCommitter(r *Registry) *committer {
	return &committer{r: r, term: r.currentTerm(), taken: newTakenIDs(), pending: map[string]bool{},
		toWrite: make(chan *group, 1), toAwait: make(chan *group, maxAwaitedGroups), events: make(chan event, 2*maxAwaitedGroups+2)}
}

func (c *committer) inFlight() bool {
	return c.writing || c.awaiting > 0 || c.open != nil || len(c.closed) > 0
}

// run commits queued registrations until the queue is empty, this node is
// deposed or another write waits for the lock, and every group it decided
// is done.
func (c *committer) run() {
	go c.appender()
	go c.awaiter()
	defer close(c.toWrite) // the appender then closes toAwait
	for {
		c.drainEvents()
		deposedNow := deposed(c.term)
		if deposedNow && (c.open != nil || len(c.closed) > 0) {
			// Decided, not written: they answer as if still queued.
			c.dropUnwritten(ErrLeaderNotKnown(), false)
		}
		if !c.inFlight() {
			c.reset()
		}
		yield := deposedNow || c.took && c.r.writersWaiting.Load() > 0
		if !yield && !c.broken {
			c.decideQueued()
		}
		c.handOver()
		if !c.inFlight() && (yield || c.r.queued() == 0) {
			return
		}
		c.wait()
	}
}

// wait waits for an event, a registration queued, a writer waiting or the
// end of the term.
func (c *committer) wait() {
	term := c.term
	if deposed(term) {
		if c.open != nil || len(c.closed) > 0 {
			// Decided after the loop looked at the term: dropped by
			// the next turn, not left waiting for the write in flight.
			return
		}
		term = nil // seen already
	}
	select {
	case ev := <-c.events:
		c.handle(ev)
	case <-c.r.wake:
	case <-term:
	}
}

func (c *committer) drainEvents() {
	for {
		select {
		case ev := <-c.events:
			c.handle(ev)
		default:
			return
		}
	}
}

func (c *committer) handle(ev event) {
	g := ev.g
	switch ev.kind {
	case evWritten:
		c.writing = false
		switch {
		case g.writeErr != nil:
			// Refused for its size, the group wrote nothing: the groups on
			// top of it are decided again. After any other failure its
			// outcome is unknown: they fail with it.
			c.breakOff(g, g.writeErr, g.writeErr.Code == CodeSchemaTooLarge)
			c.retire(g)
		case g.applied != nil:
			c.awaiting++
		default:
			c.retire(g)
		}
	case evApplied:
		c.awaiting--
		if g.applyErr != nil {
			// Written, but not seen applied in time: the groups decided on
			// top of it are decided again once the state has it.
			c.breakOff(g, g.applyErr, true)
		}
		c.retire(g)
	}
}

// breakOff stops the pipeline after group g failed with err: the groups
// decided on top of it and not written are decided again (requeue) or
// fail with err. With tooLarge, g's own registrations are written again,
// each alone.
func (c *committer) breakOff(g *group, err *Error, requeue bool) {
	c.dropUnwritten(err, requeue || g.tooLarge)
	if g.tooLarge { // queued again ahead of those decided on top of it
		for _, p := range g.regs {
			p.alone = true
		}
		c.r.unwritten.Add(int64(len(g.regs)))
		c.r.requeue(g.regs)
	}
}

// unwritten lists the registrations of the groups decided and not handed
// to the appender, in order.
func (c *committer) unwritten() []*pendingRegistration {
	var out []*pendingRegistration
	for _, g := range c.closed {
		out = append(out, g.regs...)
	}
	if c.open != nil {
		out = append(out, c.open.regs...)
	}
	return out
}

// dropUnwritten forgets the groups not handed to the appender: their
// registrations go back to the queue or fail with err. The overlay keeps
// what they took until the pipeline is drained (reset).
func (c *committer) dropUnwritten(err *Error, requeue bool) {
	regs := c.unwritten()
	c.open, c.closed = nil, nil
	c.broken = true
	if requeue {
		c.r.requeue(regs)
		return
	}
	c.r.unwritten.Add(-int64(len(regs)))
	for _, p := range regs {
		p.finish(SchemaVersion{}, err)
	}
}

// retire takes a group that is done out of the overlay: the state holds
// what it wrote (or it wrote nothing and the pipeline is broken).
func (c *committer) retire(g *group) {
	for _, p := range g.regs {
		delete(c.pending, p.reg.subject)
	}
	for _, k := range g.noted {
		delete(c.taken.byIdentity, k)
	}
	if g.alone {
		c.alone--
	}
}

// reset drops the overlay when nothing is in flight: the state holds all
// that was written (after a failure, once synced).
func (c *committer) reset() {
	if c.broken || len(c.pending) > 0 || len(c.taken.last) > 0 || len(c.taken.contexts) > 0 {
		c.taken, c.pending, c.alone, c.broken = newTakenIDs(), map[string]bool{}, 0, false
	}
}

// decideQueued decides the queued registrations it may into the open
// group. After a failure (the state is stale) it first lets the groups in
// flight finish and syncs with the log.
func (c *committer) decideQueued() {
	for {
		stale := c.r.stale.Load()
		if stale && c.inFlight() {
			return
		}
		batch := c.take()
		if len(batch) == 0 {
			return
		}
		c.took = true
		if stale {
			ctx, cancel := groupContext(batch)
			err := c.r.syncIfStale(ctx)
			cancel()
			if err != nil {
				c.r.unwritten.Add(-int64(len(batch)))
				for _, p := range batch {
					p.finish(SchemaVersion{}, err)
				}
				continue
			}
		}
		for _, p := range batch {
			c.decide(p)
		}
	}
}

// take takes the queued registrations that may be decided now, in order,
// leaving queued those under a subject in flight (and the ones after them
// under the same subject: a subject's registrations keep their order), and
// those beyond the open group's limits. A barrier is taken alone when
// nothing is in flight; until then nothing after it is taken, so that the
// pipeline drains. Registrations queued under a term that ended answer
// 50004, those whose caller left (its context ended) 50002.
func (c *committer) take() []*pendingRegistration {
	if c.alone > 0 {
		return nil
	}
	n, size := 0, 0
	if c.open != nil {
		n, size = len(c.open.regs), c.open.bytes
	}
	inFlight := c.inFlight()
	r := c.r
	r.queueMu.Lock()
	defer r.queueMu.Unlock()
	var batch []*pendingRegistration
	var blocked map[string]bool
	stop := false
	rest := r.queue[:0]
	for _, p := range r.queue {
		if deposed(p.term) {
			r.unwritten.Add(-1)
			p.finish(SchemaVersion{}, ErrLeaderNotKnown())
			continue
		}
		if p.ctx.Err() != nil {
			// Gone before being taken: not written for a caller that left.
			r.unwritten.Add(-1)
			p.finish(SchemaVersion{}, errorf(CodeOperationTimeout, "Timed out waiting for the write lock"))
			continue
		}
		subject := p.reg.subject
		if stop || c.pending[subject] || blocked[subject] {
			rest = append(rest, p)
			if blocked == nil {
				blocked = map[string]bool{}
			}
			blocked[subject] = true
			continue
		}
		if p.barrier() {
			stop = true
			if inFlight || len(batch) > 0 {
				rest = append(rest, p)
			} else {
				batch = append(batch, p)
			}
			continue
		}
		bytes := len(p.reg.c.schema.Canonical())
		if n+len(batch) >= maxBatchRegistrations || n+len(batch) > 0 && size+bytes > maxBatchSchemaBytes {
			stop = true
			rest = append(rest, p)
			continue
		}
		batch = append(batch, p)
		if blocked == nil {
			blocked = map[string]bool{}
		}
		blocked[subject] = true
		size += bytes
	}
	clear(r.queue[len(rest):])
	r.queue = rest
	return batch
}

// decide decides one registration: answered at once (an error, or the
// version already holding the schema), or added to the open group.
func (c *committer) decide(p *pendingRegistration) {
	var (
		recs   []Record
		answer registerAnswer
		err    error
	)
	panicked := func() (v any) {
		defer func() { v = recover() }()
		recs, answer, err = decide(c.r, c.taken, func(w *view) ([]Record, registerAnswer, error) { return w.decideRegister(p.reg) })
		return nil
	}()
	noted := c.taken.noted
	c.taken.noted = nil
	if panicked != nil || err != nil || answer.existing != nil {
		c.r.unwritten.Add(-1)
		switch {
		case panicked != nil:
			p.panicked = panicked
			p.finish(SchemaVersion{}, errorf(CodeStoreError, "Error while writing to the store: %v", panicked))
		case err != nil:
			p.finish(SchemaVersion{}, err)
		default:
			p.finish(*answer.existing, nil)
		}
		return
	}
	g := c.open
	if g == nil {
		g = &group{}
		c.open = g
	}
	g.regs = append(g.regs, p)
	g.versions = append(g.versions, answer.version)
	g.recs = append(g.recs, recs...)
	g.bytes += len(p.reg.c.schema.Canonical())
	g.noted = append(g.noted, noted...)
	c.pending[p.reg.subject] = true
	if p.barrier() {
		g.alone = true
		c.alone++
		c.closed = append(c.closed, g)
		c.open = nil
	}
}

// handOver gives the next group decided to the appender when it is free.
func (c *committer) handOver() {
	if c.writing || c.broken || c.awaiting >= maxAwaitedGroups || deposed(c.term) {
		return
	}
	var g *group
	switch {
	case len(c.closed) > 0:
		g = c.closed[0]
		c.closed = c.closed[1:]
	case c.open != nil:
		g, c.open = c.open, nil
	default:
		return
	}
	g.ctx, g.cancel = groupContext(g.regs)
	c.r.unwritten.Add(-int64(len(g.regs)))
	c.writing = true
	c.toWrite <- g // buffered, and the appender is free
}

// appender writes the groups it is given, one at a time.
func (c *committer) appender() {
	defer close(c.toAwait)
	w, split := c.r.log.(Writer)
	for g := range c.toWrite {
		c.write(g, w, split)
		await := g.writeErr == nil && g.applied != nil
		c.events <- event{g, evWritten}
		if await {
			c.toAwait <- g
		}
	}
}

// write writes a group. With a Writer the records are applied later (the
// awaiter answers the registrations); else they are applied when Append
// returns, and the registrations are answered here. A failure answers
// them, except for a group too large for the log, which is written again
// one registration at a time. A panic (in the log) fails the group, and is
// raised again in the caller of its first registration.
func (c *committer) write(g *group, w Writer, split bool) {
	defer func() {
		if v := recover(); v != nil {
			c.r.stale.Store(true)
			g.applied, g.tooLarge = nil, false
			g.writeErr = errorf(CodeStoreError, "Error while writing to the store: %v", v)
			c.failPanic(g, v, g.writeErr)
		}
	}()
	var err error
	if split {
		g.applied, err = w.Write(g.ctx, g.recs)
	} else {
		err = c.r.log.Append(g.ctx, g.recs)
	}
	if err != nil {
		g.applied = nil
		g.writeErr = c.r.writeFailed(g.ctx, err)
		if g.writeErr.Code == CodeSchemaTooLarge && len(g.regs) > 1 {
			// Too large for the log, maybe not any one record: each is
			// tried again on its own. Nothing was written.
			g.tooLarge = true
			g.cancel()
			return
		}
		c.fail(g, g.writeErr)
		return
	}
	if !split {
		c.answer(g)
	}
}

// awaiter waits for the written groups to be applied, in order, and
// answers their registrations.
func (c *committer) awaiter() {
	for g := range c.toAwait {
		func() {
			defer func() {
				if v := recover(); v != nil {
					c.r.stale.Store(true)
					g.applyErr = errorf(CodeStoreError, "Error while writing to the store: %v", v)
					c.failPanic(g, v, g.applyErr)
				}
			}()
			if err := g.applied(); err != nil {
				g.applyErr = c.r.writeFailed(g.ctx, err)
				c.fail(g, g.applyErr)
				return
			}
			c.answer(g)
		}()
		c.events <- event{g, evApplied}
	}
}

// answer answers the registrations of a group applied, from the state.
func (c *committer) answer(g *group) {
	defer g.cancel()
	for i, p := range g.regs {
		p.finish(c.r.written(p.reg.subject, g.versions[i], p.reg.c))
	}
}

// fail answers the registrations of a group with err.
func (c *committer) fail(g *group, err *Error) {
	defer g.cancel()
	for _, p := range g.regs {
		p.finish(SchemaVersion{}, err)
	}
}

// failPanic answers the registrations of a group not answered yet with
// err, after a panic, which the caller of the first of them raises again.
func (c *committer) failPanic(g *group, v any, err *Error) {
	defer g.cancel()
	raised := false
	for _, p := range g.regs {
		if p.finished() {
			continue
		}
		if !raised {
			p.panicked, raised = v, true
		}
		p.finish(SchemaVersion{}, err)
	}
}
