package store

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/schemaregistry/registry/compat"
	"github.com/schemaregistry/registry/formats"
)

// SchemaRequest is the body of register, lookup and compatibility requests
// (Confluent's RegisterSchemaRequest).
type SchemaRequest struct {
	Schema     string              `json:"schema"`
	SchemaType string              `json:"schemaType,omitempty"`
	References []formats.Reference `json:"references,omitempty"`
	Metadata   *formats.Metadata   `json:"metadata,omitempty"`
	RuleSet    *formats.RuleSet    `json:"ruleSet,omitempty"`
	ID         int                 `json:"id,omitempty"`
	Version    int                 `json:"version,omitempty"`
}

// candidate is a request's schema parsed and identified.
type candidate struct {
	schema   formats.Schema
	refs     []formats.Reference
	identity formats.Identity
	req      SchemaRequest
}

// resolve turns references into dependencies, the references' own first,
// de-duplicated by name. Versions -1 become the latest version. A new schema
// may only refer to live versions.
func (st *state) resolve(refs []formats.Reference, live bool, depth int, seen map[string]bool, deps *[]formats.Dependency) ([]formats.Reference, error) {
	if depth > 64 {
		return nil, formats.Invalid("references nested deeper than 64 levels (cycle?)")
	}
	out := make([]formats.Reference, 0, len(refs))
	for _, ref := range refs {
		if ref.Name == "" || ref.Subject == "" || ref.Version == 0 {
			return nil, formats.Invalid("Invalid reference %+v: name, subject and version are required", ref)
		}
		v, err := st.version(ref.Subject, ref.Version, !live)
		if err != nil {
			return nil, formats.Invalid("No schema reference found for subject \"%s\" and version %d", ref.Subject, ref.Version)
		}
		ref.Version = v.version
		out = append(out, ref)
		if seen[ref.Name] {
			continue
		}
		seen[ref.Name] = true
		if _, err := st.resolve(v.entry.refs, false, depth+1, seen, deps); err != nil {
			return nil, err
		}
		*deps = append(*deps, formats.Dependency{Name: ref.Name, Schema: v.entry.schema()})
	}
	return out, nil
}

// prepared is a request with its references resolved against the state:
// what parsing needs, so that parsing runs without holding the state lock.
type prepared struct {
	req       SchemaRequest
	format    formats.Format
	refs      []formats.Reference
	deps      []formats.Dependency
	normalize bool
	isNew     bool
}

// prepare checks a request and resolves its references. A new schema may
// only refer to live versions. The caller holds r.mu for reading.
func (r *Registry) prepare(st *state, req SchemaRequest, normalize, isNew bool) (*prepared, error) {
	typ := req.SchemaType
	if typ == "" {
		typ = formats.Avro
	}
	f := r.formats[strings.ToUpper(typ)]
	if f == nil {
		return nil, errorf(CodeInvalidSchema, "Invalid schema type %s", req.SchemaType)
	}
	if strings.TrimSpace(req.Schema) == "" {
		return nil, errorf(CodeInvalidSchema, "Empty schema")
	}
	p := &prepared{req: req, format: f, normalize: normalize, isNew: isNew}
	refs, err := st.resolve(req.References, isNew, 0, map[string]bool{}, &p.deps)
	if err != nil {
		return nil, invalidSchema(f.Type(), err)
	}
	if normalize {
		refs = sortReferences(refs)
	}
	p.refs = refs
	return p, nil
}

// parse parses a prepared request; new schemas get the strict validation.
// Parses are cached (cache.go): the same text with the same dependencies is
// parsed once.
func (r *Registry) parse(p *prepared) (*candidate, error) {
	validate := p.isNew && r.settings.ValidateNewSchemas
	key := parseCacheKey(p, validate)
	res, ok := r.parses.Get(key)
	if !ok {
		res.schema, res.err = p.format.Parse(p.req.Schema, p.deps, formats.Options{Normalize: p.normalize, New: validate})
		r.parses.Put(key, res)
	}
	s, err := res.schema, res.err
	if err != nil {
		return nil, invalidSchema(p.format.Type(), err)
	}
	return &candidate{schema: s, refs: p.refs, req: p.req,
		identity: formats.IdentityOf(s.Canonical(), p.refs, p.req.Metadata, p.req.RuleSet)}, nil
}

// prepareAndParse prepares under the read lock and parses without it.
func (r *Registry) prepareAndParse(subject string, req SchemaRequest, normalize, isNew bool) (*candidate, error) {
	r.mu.RLock()
	p, err := r.prepare(r.st, req, r.normalizeFor(r.st, subject, normalize), isNew)
	r.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	return r.parse(p)
}

func invalidSchema(typ string, err error) *Error {
	msg := strings.TrimPrefix(err.Error(), formats.ErrInvalid.Error()+": ")
	return errorf(CodeInvalidSchema, "Invalid schema of type %s, details: %s", typ, msg)
}

func sortReferences(refs []formats.Reference) []formats.Reference {
	out := append([]formats.Reference(nil), refs...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		if a.Subject != b.Subject {
			return a.Subject < b.Subject
		}
		return a.Version < b.Version
	})
	dedup := out[:0]
	for i, ref := range out {
		if i == 0 || ref != out[i-1] {
			dedup = append(dedup, ref)
		}
	}
	return dedup
}

// findInSubject returns the version of subject holding the candidate.
func (st *state) findInSubject(subject string, c *candidate, deleted bool) *version {
	s := st.subjects[subject]
	if s == nil {
		return nil
	}
	if !st.sharedIdentities {
		// One entry per identity: the subject's versions holding it are
		// among that entry's usages (a new schema has none).
		e := st.identities[c.identity]
		if e == nil || e.schemaType != c.schema.Type() {
			return nil
		}
		if len(s.versions) < len(e.usages) { // a common schema: walk the subject
			for i := len(s.versions) - 1; i >= 0; i-- {
				if v := s.versions[i]; v.entry == e && visible(v, deleted) {
					return v
				}
			}
			return nil
		}
		var found *version
		for _, v := range e.usages {
			if v.subject == subject && visible(v, deleted) && (found == nil || v.version > found.version) {
				found = v
			}
		}
		return found
	}
	for i := len(s.versions) - 1; i >= 0; i-- {
		v := s.versions[i]
		if visible(v, deleted) && v.entry.identity == c.identity && v.entry.schemaType == c.schema.Type() {
			return v
		}
	}
	return nil
}

func (r *Registry) normalizeFor(st *state, subject string, normalize bool) bool {
	if normalize {
		return true
	}
	c := st.effectiveConfig(subject, r.defaultConfig())
	return c.Normalize != nil && *c.Normalize
}

// Lookup finds the version of subject holding the schema of req.
func (r *Registry) Lookup(subject string, req SchemaRequest, normalize, deleted bool) (SchemaVersion, error) {
	if err := r.checkLimits(req); err != nil {
		return SchemaVersion{}, err
	}
	r.mu.RLock()
	_, err := r.st.subject(subject, deleted)
	r.mu.RUnlock()
	if err != nil {
		return SchemaVersion{}, err
	}
	c, err := r.prepareAndParse(subject, req, normalize, false)
	if err != nil {
		return SchemaVersion{}, err
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if v := r.st.findInSubject(subject, c, deleted); v != nil {
		return v.export(), nil
	}
	return SchemaVersion{}, errSchemaNotFound()
}

// RegisterOptions are the query options of a registration.
type RegisterOptions struct {
	Normalize bool
	Force     bool // skip compatibility checks
}

// Register registers the schema of req under subject and returns the
// subject-version holding it: the existing one when the subject already holds
// that schema (even in READONLY mode), else a new version.
func (r *Registry) Register(ctx context.Context, subject string, req SchemaRequest, o RegisterOptions) (SchemaVersion, error) {
	if err := r.checkLimits(req); err != nil {
		return SchemaVersion{}, err
	}
	if err := r.validSubject(subject, true); err != nil {
		return SchemaVersion{}, err
	}
	if err := validateRuleSet(req.RuleSet); err != nil {
		return SchemaVersion{}, err
	}
	// Fast path: the subject already holds it. No mode check, no write lock.
	// The parse is the strict one a new schema gets, so that a new schema is
	// parsed once; a stored schema that today's rules refuse is found by the
	// lenient parse.
	c, err := r.prepareAndParse(subject, req, o.Normalize, true)
	if err != nil {
		if old, oldErr := r.prepareAndParse(subject, req, o.Normalize, false); oldErr == nil {
			if v, ok := r.existing(subject, old); ok {
				return v, nil
			}
		}
		return SchemaVersion{}, err
	}
	if v, ok := r.existing(subject, c); ok {
		return v, nil
	}
	return r.registerQueued(ctx, &pendingRegistration{subject: subject, c: c, o: o, done: make(chan struct{})})
}

// pendingRegistration is a registration waiting for the write lock. The
// writer holding the lock decides the registrations queued at that moment
// one after the other and appends their records together, so that one
// fsync (or one Kafka produce) makes a batch of registrations durable
// instead of one each.
type pendingRegistration struct {
	subject string
	c       *candidate
	o       RegisterOptions

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

// registerQueued queues p, takes the write lock and, until p is decided,
// decides and writes batches of queued registrations. A registration taken
// by another writer is finished before that writer releases the lock, so
// its caller stops waiting for the lock as soon as it is done.
func (r *Registry) registerQueued(ctx context.Context, p *pendingRegistration) (SchemaVersion, error) {
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
	}
	defer r.unlockWrite()
	for !p.finished() {
		if ctx.Err() != nil && r.unqueue(p) {
			// Gone before being taken: this request does not write for
			// the others, whose contexts may be alive.
			return SchemaVersion{}, errorf(CodeOperationTimeout, "Write operation timed out")
		}
		batch := r.takeBatch()
		if len(batch) == 0 { // cannot happen: p is queued or finished
			return SchemaVersion{}, errorf(CodeStoreError, "Error while writing to the store: registration lost from the queue")
		}
		r.registerBatch(ctx, batch)
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
		single := p.c.req.ID > 0
		full := len(batch) >= maxBatchRegistrations || (len(batch) > 0 && size+len(p.c.schema.Canonical()) > maxBatchSchemaBytes)
		if full || subjects[p.subject] || (single && len(batch) > 0) {
			rest = append(rest, p)
			subjects[p.subject] = true // a subject's registrations keep their order
			continue
		}
		batch = append(batch, p)
		subjects[p.subject] = true
		size += len(p.c.schema.Canonical())
		if single {
			rest = append(rest, r.queue[i+1:]...)
			break
		}
	}
	clear(r.queue[len(rest):])
	r.queue = rest
	return batch
}

// batchIDs are the ids a batch of registrations allocated, not yet in the
// state: a second registration of the same schema in the batch gets the
// same id, the next new schema the next one.
type batchIDs struct {
	last       int
	byIdentity map[typedIdentity]int
}

type typedIdentity struct {
	identity   formats.Identity
	schemaType string
}

// registerBatch decides each registration of the batch, appends the records
// of those that write, and finishes every one, also when it panics. The
// caller holds the write lock.
func (r *Registry) registerBatch(ctx context.Context, batch []*pendingRegistration) {
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
	// One caller going away does not fail the others' writes; a deadline
	// of the writer's (the same for every request) still bounds them.
	wctx := context.WithoutCancel(ctx)
	if deadline, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		wctx, cancel = context.WithDeadline(wctx, deadline)
		defer cancel()
	}
	ctx = wctx
	if err := r.syncIfStale(ctx); err != nil {
		for _, p := range batch {
			p.finish(SchemaVersion{}, err)
		}
		return
	}
	var recs []Record
	var writing []*pendingRegistration
	var versions []int
	ids := &batchIDs{byIdentity: map[typedIdentity]int{}}
	for _, p := range batch {
		rec, existing, err := r.decideRegistration(p.subject, p.c, p.o, ids)
		switch {
		case err != nil:
			p.finish(SchemaVersion{}, err)
		case existing != nil:
			p.finish(*existing, nil)
		default:
			key, _ := parseKey(rec[len(rec)-1].Key)
			recs = append(recs, rec...)
			writing = append(writing, p)
			versions = append(versions, key.Version)
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
			r.registerBatch(ctx, []*pendingRegistration{p})
		}
		return
	}
	for i, p := range writing {
		if err != nil {
			p.finish(SchemaVersion{}, err)
			continue
		}
		p.finish(r.Version(p.subject, versions[i], true))
	}
}

// existing returns the live version of subject holding the candidate, when
// its id and version agree with any the request gives.
func (r *Registry) existing(subject string, c *candidate) (SchemaVersion, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	v := r.st.findInSubject(subject, c, false)
	if v == nil || (c.req.ID != 0 && c.req.ID != v.entry.id) || (c.req.Version != 0 && c.req.Version != v.version) {
		return SchemaVersion{}, false
	}
	return v.export(), true
}

// decideRegistration checks mode and compatibility and chooses the id and
// version; it returns the records to append, or the existing version.
// The caller holds the write lock; the compatibility check runs without r.mu.
func (r *Registry) decideRegistration(subject string, c *candidate, o RegisterOptions, ids *batchIDs) ([]Record, *SchemaVersion, error) {
	r.mu.RLock()
	ver, _, check, existing, err := r.planRegistration(subject, c, o)
	r.mu.RUnlock()
	if err != nil || existing != nil {
		return nil, existing, err
	}
	if msgs := check(); len(msgs) > 0 {
		return nil, nil, errorf(CodeIncompatibleSchema, "Schema being registered is incompatible with an earlier schema for subject \"%s\", details: [%s]", subject, strings.Join(msgs, ", "))
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.allocate(subject, ver, c, ids)
}

// planRegistration checks the mode and the requested version, and returns
// the version to write and the compatibility check to run. The caller holds
// r.mu for reading.
func (r *Registry) planRegistration(subject string, c *candidate, o RegisterOptions) (ver int, importing bool, check func() []string, existing *SchemaVersion, err error) {
	st := r.st
	check = func() []string { return nil }
	// Another registration may have won the race since the fast path.
	if v := st.findInSubject(subject, c, false); v != nil && (c.req.ID == 0 || c.req.ID == v.entry.id) && (c.req.Version == 0 || c.req.Version == v.version) {
		out := v.export()
		return 0, false, nil, &out, nil
	}
	mode := st.mode(subject)
	switch {
	case mode == ModeReadOnly || mode == ModeReadOnlyOverride:
		return 0, false, nil, nil, errorf(CodeOperationNotPermitted, "Subject %s in context . is in read-only mode", subject)
	case c.req.ID > 0 && mode != ModeImport && mode != ModeForward:
		return 0, false, nil, nil, errorf(CodeOperationNotPermitted, "Subject %s in context . is not in import mode", subject)
	case c.req.ID <= 0 && mode != ModeReadWrite:
		return 0, false, nil, nil, errorf(CodeOperationNotPermitted, "Subject %s in context . is not in read-write mode", subject)
	}
	importing = mode == ModeImport || mode == ModeForward

	s := st.subjects[subject]
	next := 1
	if s != nil && len(s.versions) > 0 {
		next = s.versions[len(s.versions)-1].version + 1
	}
	ver = next
	if c.req.Version > 0 {
		if importing {
			ver = c.req.Version
			if s != nil {
				if old := s.find(ver); old != nil && old.entry.identity != c.identity {
					return 0, false, nil, nil, errorf(CodeOperationNotPermitted, "Overwrite new schema with version %d in subject %s is not permitted.", ver, subject)
				}
			}
		} else if c.req.Version != next {
			return 0, false, nil, nil, errorf(CodeInvalidSchema, "Version is not one more than previous version")
		}
	}
	if !importing && !o.Force && s != nil {
		if ch := r.compatibilityCheck(st, subject, c, s.live()); ch != nil {
			check = ch
		}
	}
	return ver, importing, check, nil, nil
}

// allocate chooses the id and builds the records of a registration, with
// the ids allocated earlier in its batch. The caller holds r.mu for reading.
func (r *Registry) allocate(subject string, ver int, c *candidate, ids *batchIDs) ([]Record, *SchemaVersion, error) {
	st := r.st
	s := st.subjects[subject]
	id := 0
	typ := c.schema.Type()
	switch {
	case c.req.ID > 0: // alone in its batch
		if e := st.ids[c.req.ID]; e != nil && (e.identity != c.identity || e.schemaType != typ) {
			return nil, nil, errorf(CodeOperationNotPermitted, "Overwrite new schema with id %d in context . is not permitted.", c.req.ID)
		}
		id = c.req.ID
	case st.identities[c.identity] != nil && st.identities[c.identity].schemaType == typ:
		id = st.identities[c.identity].id
	case ids.byIdentity[typedIdentity{c.identity, typ}] > 0:
		id = ids.byIdentity[typedIdentity{c.identity, typ}]
	default:
		id = max(st.maxID, ids.last) + 1
	}

	var recs []Record
	// Older soft-deleted versions of this subject with the same id are
	// tombstoned, unless something still refers to them.
	if s != nil {
		for _, v := range s.versions {
			if v.deleted && v.entry.id == id && len(st.referrers[svKey{subject, v.version}]) == 0 {
				recs = append(recs, Record{Key: recordKey{Type: keySchema, Subject: subject, Version: v.version}.bytes()})
			}
		}
	}
	val := schemaValue{Subject: subject, Version: ver, ID: id, SchemaType: c.schema.Type(), References: c.refs,
		Metadata: c.req.Metadata, RuleSet: c.req.RuleSet, Schema: c.schema.Canonical()}
	rec := Record{Key: recordKey{Type: keySchema, Subject: subject, Version: ver}.bytes(), Value: marshal(val)}
	if len(rec.Key)+len(rec.Value) > r.settings.MaxRecordBytes {
		return nil, nil, errorf(CodeSchemaTooLarge, "Register operation failed because schema is too large")
	}
	if id > max(st.maxID, ids.last) { // a new id: the batch's next ones follow it
		ids.last = id
		ids.byIdentity[typedIdentity{c.identity, typ}] = id
	}
	return append(recs, rec), nil, nil
}

// compatibilityCheck gathers, under the read lock, what checking c against
// the given live versions under the subject's level needs, and returns the
// check itself, to run without the lock; nil when there is nothing to check
// (level NONE, no versions).
func (r *Registry) compatibilityCheck(st *state, subject string, c *candidate, versions []*version) func() []string {
	cfg := st.effectiveConfig(subject, r.defaultConfig())
	level := *cfg.CompatibilityLevel
	o := compat.Options{ValidateFields: r.settings.ValidateFields}
	if cfg.ValidateFields != nil {
		o.ValidateFields = *cfg.ValidateFields
	}
	if cfg.CompatibilityPolicy != nil {
		o.Policy = *cfg.CompatibilityPolicy
	}
	if level == compat.None || len(versions) == 0 {
		return nil
	}
	var prev []compat.Previous
	ids := make([]byte, 0, 16*len(versions))
	for _, v := range versions {
		p, err := r.parsed(st, v.entry)
		if err != nil {
			msg := fmt.Sprintf("Unexpected exception during compatibility check: %v", err)
			return func() []string { return r.counted([]string{msg}) }
		}
		prev = append(prev, compat.Previous{Version: v.version, Schema: p})
		ids = fmt.Appendf(ids, "%d:%d,", v.entry.id, v.version)
	}
	key := verdictKey{candidate: c.schema, level: level, policy: o.Policy, fields: o.ValidateFields, previous: string(ids)}
	return func() []string {
		msgs, ok := r.verdicts.Get(key)
		if !ok {
			msgs = compat.Check(level, o, c.schema, prev)
			r.verdicts.Put(key, msgs)
		}
		return r.counted(msgs)
	}
}

// CountCompatibilityCheck counts a compatibility check answered without
// running it again (an answer replayed from a cache).
func (r *Registry) CountCompatibilityCheck(compatible bool) {
	if compatible {
		r.counted(nil)
	} else {
		r.counted([]string{""})
	}
}

// counted counts a compatibility check and its outcome for the metrics.
func (r *Registry) counted(problems []string) []string {
	r.compatChecks.Add(1)
	if len(problems) > 0 {
		r.compatFailures.Add(1)
	}
	return problems
}

// parsed returns the stored schema parsed, caching the result on the entry.
func (r *Registry) parsed(st *state, e *schemaEntry) (formats.Schema, error) {
	if p := e.parsed.Load(); p != nil {
		return p.schema, p.err
	}
	p := &parsedSchema{}
	f := r.formats[e.schemaType]
	if f == nil {
		p.err = fmt.Errorf("unknown schema type %s", e.schemaType)
	} else {
		var deps []formats.Dependency
		if _, err := st.resolve(e.refs, false, 0, map[string]bool{}, &deps); err != nil {
			p.err = err
		} else {
			p.schema, p.err = f.Parse(e.schema(), deps, formats.Options{})
		}
	}
	e.parsed.Store(p)
	return p.schema, p.err
}

// CompatibilityResult is the answer of a compatibility check.
type CompatibilityResult struct {
	Compatible bool
	Messages   []string
	Checked    bool // a check ran and was counted (not under NONE, nor without versions)
}

// CheckCompatibility checks req against one version of subject, or against
// every live version the level asks for when v is 0. With verbose, an
// unparsable schema is reported as incompatible with its error.
func (r *Registry) CheckCompatibility(subject string, v int, req SchemaRequest, normalize, verbose bool) (CompatibilityResult, error) {
	if err := r.checkLimits(req); err != nil {
		return CompatibilityResult{}, err
	}
	r.mu.RLock()
	var versions []*version
	s := r.st.subjects[subject]
	switch {
	case s == nil || s.latest(false) == nil:
		if v > 0 {
			r.mu.RUnlock()
			return CompatibilityResult{}, errSubjectNotFound(subject)
		}
	case v == 0:
		versions = s.live()
	default:
		ver, err := r.st.version(subject, v, false)
		if err != nil {
			r.mu.RUnlock()
			return CompatibilityResult{}, err
		}
		versions = []*version{ver}
	}
	p, err := r.prepare(r.st, req, r.normalizeFor(r.st, subject, normalize), true)
	r.mu.RUnlock()
	var c *candidate
	if err == nil {
		c, err = r.parse(p)
	}
	if err != nil {
		var e *Error
		if verbose && errors.As(err, &e) && e.Code == CodeInvalidSchema {
			return CompatibilityResult{Messages: []string{e.Message}}, nil
		}
		return CompatibilityResult{}, err
	}
	r.mu.RLock()
	check := r.compatibilityCheck(r.st, subject, c, versions)
	r.mu.RUnlock()
	if check == nil {
		return CompatibilityResult{Compatible: true}, nil
	}
	msgs := check()
	return CompatibilityResult{Compatible: len(msgs) == 0, Messages: msgs, Checked: true}, nil
}

var ruleName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_\-]*$`)

// validateRuleSet applies Confluent's rule checks (42210).
func validateRuleSet(rs *formats.RuleSet) error {
	if rs == nil {
		return nil
	}
	names := map[string]bool{}
	check := func(list []formats.Rule, modes ...string) error {
		for _, rule := range list {
			if rule.Name == "" {
				return errorf(CodeInvalidRuleSet, "Missing rule name")
			}
			if !ruleName.MatchString(rule.Name) || len(rule.Name) > 64 {
				return errorf(CodeInvalidRuleSet, "Invalid rule name '%s'", rule.Name)
			}
			if names[rule.Name] {
				return errorf(CodeInvalidRuleSet, "Found rule with duplicate name '%s'", rule.Name)
			}
			names[rule.Name] = true
			if rule.Type == "" {
				return errorf(CodeInvalidRuleSet, "Missing rule type")
			}
			ok := rule.Mode == ""
			for _, m := range modes {
				ok = ok || strings.EqualFold(rule.Mode, m)
			}
			if !ok {
				if modes[0] == "UPGRADE" {
					return errorf(CodeInvalidRuleSet, "Migration rules can only be UPGRADE, DOWNGRADE, UPDOWN")
				}
				return errorf(CodeInvalidRuleSet, "Domain rules can only be WRITE, READ, WRITEREAD")
			}
		}
		return nil
	}
	if err := check(rs.MigrationRules, "UPGRADE", "DOWNGRADE", "UPDOWN"); err != nil {
		return err
	}
	if err := check(rs.DomainRules, "WRITE", "READ", "WRITEREAD"); err != nil {
		return err
	}
	return check(rs.EncodingRules, "WRITE", "READ", "WRITEREAD")
}

// Existing returns the live version of subject holding the schema of req, if
// any: what a follower answers itself before forwarding a registration.
func (r *Registry) Existing(subject string, req SchemaRequest, normalize bool) (SchemaVersion, bool, error) {
	if err := r.checkLimits(req); err != nil {
		return SchemaVersion{}, false, err
	}
	c, err := r.prepareAndParse(subject, req, normalize, false)
	if err != nil {
		return SchemaVersion{}, false, err
	}
	v, ok := r.existing(subject, c)
	return v, ok, nil
}
