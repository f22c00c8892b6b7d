package store

import (
	"context"
	"errors"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/internal/bounded"
)

// Settings are the server-wide defaults that apply where no config or mode
// record says otherwise.
type Settings struct {
	CompatibilityLevel string // BACKWARD unless set
	ModeMutability     bool
	ValidateNewSchemas bool
	ValidateFields     bool
	RejectEmptySubject bool
	SearchDefaultLimit int
	SearchMaxLimit     int
	// MaxRecordBytes bounds a schema record, as Kafka's max.message.bytes
	// does for Confluent (42209 beyond it). 1 MiB when 0.
	MaxRecordBytes int
	// MaxSchemaBytes and MaxSchemaDepth bound the schema text of a request
	// (register, lookup, compatibility) before it is parsed (42201 beyond
	// them). DefaultMaxSchemaBytes and DefaultMaxSchemaDepth when 0.
	MaxSchemaBytes int
	MaxSchemaDepth int
}

// Registry is the registry state machine: reads come from memory, writes
// become records appended to the Log and applied when it hands them back.
type Registry struct {
	log      Log
	logger   *slog.Logger
	settings Settings
	formats  map[string]formats.Format

	mu sync.RWMutex // guards st; held for writing only while a record is applied
	st *state

	// writeLock serialises write operations (decide, append, apply): a
	// channel of one slot, so that waiting for it can end with a context or
	// when a queued registration got done by another writer.
	writeLock chan struct{}
	// toPack wakes the goroutine compressing new schema texts (text.go);
	// done stops it.
	toPack    chan struct{}
	packMu    sync.Mutex
	done      chan struct{}
	closeOnce sync.Once

	// queue holds registrations waiting for the write lock (register.go).
	queueMu sync.Mutex
	queue   []*pendingRegistration
	// stale is set when the state may miss records: after this node became
	// primary, or after a write whose outcome is unknown (a timeout). The
	// next write first syncs with the log.
	stale atomic.Bool

	parses   *parseCache   // request parses, by exact content
	verdicts *verdictCache // compatibility answers, by candidate and versions

	// revision counts the records applied: any cached answer computed at
	// an older revision is stale.
	revision atomic.Int64

	// Compatibility checks run (registrations and the compatibility
	// endpoints) and those that found the schema incompatible.
	compatChecks, compatFailures atomic.Int64
}

// Open replays the log into memory and returns the registry.
func Open(log Log, fmts []formats.Format, settings Settings, logger *slog.Logger) (*Registry, error) {
	if logger == nil {
		logger = slog.Default()
	}
	if settings.CompatibilityLevel == "" {
		settings.CompatibilityLevel = "BACKWARD"
	}
	settings.CompatibilityLevel = strings.ToUpper(settings.CompatibilityLevel)
	if settings.SearchDefaultLimit <= 0 {
		settings.SearchDefaultLimit = 1000
	}
	if settings.SearchMaxLimit <= 0 {
		settings.SearchMaxLimit = 1000
	}
	if settings.MaxRecordBytes <= 0 {
		settings.MaxRecordBytes = 1 << 20
	}
	if settings.MaxSchemaBytes <= 0 {
		settings.MaxSchemaBytes = DefaultMaxSchemaBytes
	}
	if settings.MaxSchemaDepth <= 0 {
		settings.MaxSchemaDepth = DefaultMaxSchemaDepth
	}
	r := &Registry{log: log, logger: logger, settings: settings, formats: map[string]formats.Format{}, st: newState(),
		toPack: make(chan struct{}, 1), done: make(chan struct{}), writeLock: make(chan struct{}, 1),
		parses: newParseCache(2_000), verdicts: bounded.New[verdictKey, []string](10_000)}
	for _, f := range fmts {
		r.formats[f.Type()] = f
	}
	// Texts are compressed by another goroutine while the replay goes on
	// (on a second core), and every one of them before Open returns.
	r.st.packLater = true
	go r.packLoop()
	if err := log.Open(r.apply); err != nil {
		r.closeOnce.Do(func() { close(r.done) })
		return nil, err
	}
	r.packPending()
	return r, nil
}

func (r *Registry) apply(rec Record) {
	r.mu.Lock()
	r.st.apply(rec, r.logger)
	r.revision.Add(1)
	pending := len(r.st.unpacked)
	r.mu.Unlock()
	switch {
	case pending > maxUnpacked:
		// The packer is behind (a replay on one core): help it, so that
		// the texts held uncompressed stay few.
		r.packPending()
	case pending > 0:
		select {
		case r.toPack <- struct{}{}:
		default:
		}
	}
}

// maxUnpacked bounds the texts waiting for compression before the applying
// goroutine compresses them itself.
const maxUnpacked = 4096

// Revision changes whenever the state changes: an answer computed when it
// had a value stays true until it moves.
func (r *Registry) Revision() int64 { return r.revision.Load() }

// Close closes the log.
func (r *Registry) Close() error {
	r.closeOnce.Do(func() { close(r.done) })
	return r.log.Close()
}

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

// MarkStale makes the next write sync with the log first: call it when this
// node becomes the primary.
func (r *Registry) MarkStale() { r.stale.Store(true) }

// lockWrite takes the write lock and, when the state may be behind the log,
// syncs with it. On success the caller calls unlockWrite.
func (r *Registry) lockWrite(ctx context.Context) error {
	select {
	case r.writeLock <- struct{}{}:
	case <-ctx.Done():
		return errorf(CodeOperationTimeout, "Timed out waiting for the write lock")
	}
	if err := r.syncIfStale(ctx); err != nil {
		r.unlockWrite()
		return err
	}
	return nil
}

func (r *Registry) unlockWrite() { <-r.writeLock }

// syncIfStale syncs with the log when the state may be behind it. The
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

// Types lists the schema types this registry accepts.
func (r *Registry) Types() []string {
	out := make([]string, 0, len(r.formats))
	for t := range r.formats {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// Stats are counts for metrics and health.
type Stats struct {
	Subjects, Versions, Schemas int
	Offset                      int64
}

// Stats counts what the registry holds.
func (r *Registry) Stats() Stats {
	r.mu.RLock()
	defer r.mu.RUnlock()
	s := Stats{Subjects: len(r.st.subjects), Schemas: len(r.st.ids), Offset: r.st.offset}
	for _, sub := range r.st.subjects {
		s.Versions += len(sub.versions)
	}
	return s
}

// CompatibilityStats counts the compatibility checks run since start-up
// (by registrations and by the compatibility endpoints; not those skipped
// under level NONE or on a subject's first version) and the failed ones.
func (r *Registry) CompatibilityStats() (checks, failures int64) {
	return r.compatChecks.Load(), r.compatFailures.Load()
}

// LatestVersion is the pseudo version "latest" (or -1).
const LatestVersion = -1

// ParseVersion reads a version path parameter: an integer in [1, 2^31-1],
// "latest" (any case, trimmed) or -1.
func ParseVersion(s string) (int, error) {
	t := strings.TrimSpace(s)
	if strings.EqualFold(t, "latest") {
		return LatestVersion, nil
	}
	n, err := strconv.ParseInt(t, 10, 32)
	if err != nil || (n < 1 && n != -1) {
		return 0, errorf(CodeInvalidVersion, "The specified version '%s' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\"", s)
	}
	return int(n), nil
}

// validSubject applies Confluent's subject rules.
func (r *Registry) validSubject(subject string, registering bool) error {
	bad := subject == "__GLOBAL" || subject == "__EMPTY" || (registering && r.settings.RejectEmptySubject && subject == "")
	for _, c := range subject {
		if unicode.IsControl(c) {
			bad = true
		}
	}
	if bad {
		return errorf(CodeInvalidSubject, "The specified subject '%s' is not a valid.", subject)
	}
	return nil
}

// SchemaVersion is one subject-version with its schema, as the API returns it.
type SchemaVersion struct {
	Subject    string
	Version    int
	ID         int
	GUID       string
	SchemaType string
	Schema     string
	References []formats.Reference
	Metadata   *formats.Metadata
	RuleSet    *formats.RuleSet
	Timestamp  int64
	Deleted    bool
}

func (v *version) export() SchemaVersion {
	e := v.entry
	return SchemaVersion{Subject: v.subject, Version: v.version, ID: e.id, GUID: e.identity.GUID(),
		SchemaType: e.schemaType, Schema: e.schema(), References: e.refs, Metadata: e.metadata,
		RuleSet: e.ruleSet, Timestamp: v.ts, Deleted: v.deleted}
}

// visible reports whether a version is shown given the deleted flag.
func visible(v *version, deleted bool) bool { return deleted || !v.deleted }

// subject returns a subject that has a visible version, or 40401.
func (st *state) subject(name string, deleted bool) (*subjectState, error) {
	s := st.subjects[name]
	if s == nil || s.latest(deleted) == nil {
		return nil, errSubjectNotFound(name)
	}
	return s, nil
}

// Version returns a subject-version; v may be LatestVersion.
func (r *Registry) Version(subject string, v int, deleted bool) (SchemaVersion, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	ver, err := r.st.version(subject, v, deleted)
	if err != nil {
		return SchemaVersion{}, err
	}
	return ver.export(), nil
}

func (st *state) version(subject string, v int, deleted bool) (*version, error) {
	s, err := st.subject(subject, deleted)
	if err != nil {
		return nil, err
	}
	if v == LatestVersion {
		return s.latest(deleted), nil
	}
	ver := s.find(v)
	if ver == nil || !visible(ver, deleted) {
		return nil, errVersionNotFound(v)
	}
	return ver, nil
}

// VersionsOptions filter a subject's version list.
type VersionsOptions struct {
	Deleted, DeletedOnly, DeletedAsNegative bool
	Offset, Limit                           int
}

// Versions lists a subject's version numbers.
func (r *Registry) Versions(subject string, o VersionsOptions) ([]int, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	s, err := r.st.subject(subject, o.Deleted || o.DeletedOnly || o.DeletedAsNegative)
	if err != nil {
		return nil, err
	}
	out := []int{}
	for _, v := range s.versions {
		switch {
		case o.DeletedOnly:
			if v.deleted {
				out = append(out, v.version)
			}
		case o.DeletedAsNegative:
			if v.deleted {
				out = append(out, -v.version)
			} else {
				out = append(out, v.version)
			}
		case o.Deleted || !v.deleted:
			out = append(out, v.version)
		}
	}
	return Page(out, o.Offset, o.Limit, 0), nil
}

// Page applies offset and limit to a list; a non-positive or too large
// limit falls back to def (0 = no limit), as Confluent's normalizeLimit.
func Page[T any](list []T, offset, limit, def int) []T {
	if offset > 0 {
		if offset >= len(list) {
			return list[:0]
		}
		list = list[offset:]
	}
	if limit <= 0 || (def > 0 && limit > def) {
		limit = def
	}
	if limit > 0 && limit < len(list) {
		list = list[:limit]
	}
	return list
}

// SubjectsOptions filter the subject list.
type SubjectsOptions struct {
	Prefix               string
	Deleted, DeletedOnly bool
	Offset, Limit        int
}

// Subjects lists subject names in order. A subject counts as deleted when
// all its versions are soft-deleted.
func (r *Registry) Subjects(o SubjectsOptions) []string {
	r.mu.RLock()
	out := []string{}
	for name, s := range r.st.subjects {
		if !strings.HasPrefix(name, o.Prefix) && o.Prefix != ":*:" {
			continue
		}
		live := s.latest(false) != nil
		if (o.DeletedOnly && !live) || (!o.DeletedOnly && (live || o.Deleted)) {
			out = append(out, name)
		}
	}
	r.mu.RUnlock()
	sort.Strings(out)
	return Page(out, o.Offset, o.Limit, 0)
}

// SchemaByID returns the schema bound to an id, with a subject-version that
// holds it: under the given subject when it does, else the first one.
func (r *Registry) SchemaByID(id int, subject string) (SchemaVersion, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	e := r.st.ids[id]
	if e == nil {
		return SchemaVersion{}, errSchemaIDNotFound(id)
	}
	return e.pick(subject).export(), nil
}

// pick chooses the usage to report: the given subject's, else the first live
// one in subject-version order, else the first.
func (e *schemaEntry) pick(subject string) *version {
	var best *version
	for _, u := range e.usages {
		if subject != "" && u.subject == subject {
			return u
		}
		if best == nil || (best.deleted && !u.deleted) ||
			(best.deleted == u.deleted && (u.subject < best.subject || (u.subject == best.subject && u.version < best.version))) {
			best = u
		}
	}
	return best
}

// SchemaByGUID returns the schema with that GUID.
func (r *Registry) SchemaByGUID(guid string) (SchemaVersion, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	e := r.st.guids[strings.ToLower(guid)]
	if e == nil {
		return SchemaVersion{}, errSchemaIDNotFound(guid)
	}
	return e.pick("").export(), nil
}

// SubjectVersion names a subject-version.
type SubjectVersion struct {
	Subject string `json:"subject"`
	Version int    `json:"version"`
}

// UsagesOfID lists the subject-versions holding an id, sorted.
func (r *Registry) UsagesOfID(id int, subject string, deleted bool) ([]SubjectVersion, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	e := r.st.ids[id]
	if e == nil {
		return nil, errSchemaIDNotFound(id)
	}
	out := []SubjectVersion{}
	for _, u := range e.usages {
		if visible(u, deleted) && (subject == "" || u.subject == subject) {
			out = append(out, SubjectVersion{u.subject, u.version})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Subject != out[j].Subject {
			return out[i].Subject < out[j].Subject
		}
		return out[i].Version < out[j].Version
	})
	return out, nil
}

// SchemasOptions filter GET /schemas.
type SchemasOptions struct {
	Prefix              string
	Deleted, LatestOnly bool
	Offset, Limit       int
}

// Schemas lists subject-versions with their schemas, by subject then version.
func (r *Registry) Schemas(o SchemasOptions) []SchemaVersion {
	r.mu.RLock()
	names := make([]string, 0, len(r.st.subjects))
	for name := range r.st.subjects {
		if strings.HasPrefix(name, o.Prefix) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var picked []*version
	for _, name := range names {
		s := r.st.subjects[name]
		if o.LatestOnly {
			if v := s.latest(o.Deleted); v != nil {
				picked = append(picked, v)
			}
			continue
		}
		for _, v := range s.versions {
			if visible(v, o.Deleted) {
				picked = append(picked, v)
			}
		}
	}
	// Only the page is exported: an export decompresses the text.
	picked = Page(picked, o.Offset, o.Limit, r.settings.SearchMaxLimit)
	out := make([]SchemaVersion, 0, len(picked))
	for _, v := range picked {
		out = append(out, v.export())
	}
	r.mu.RUnlock()
	return out
}

// ReferencedBy lists the ids of schemas referring to a subject-version.
func (r *Registry) ReferencedBy(subject string, v int, deleted bool, offset, limit int) ([]int, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	ver, err := r.st.version(subject, v, deleted)
	if err != nil {
		return nil, err
	}
	seen := map[int]bool{}
	out := []int{}
	for ref := range r.st.referrers[svKey{subject, ver.version}] {
		if visible(ref, deleted) && !seen[ref.entry.id] {
			seen[ref.entry.id] = true
			out = append(out, ref.entry.id)
		}
	}
	sort.Ints(out)
	return Page(out, offset, limit, r.settings.SearchMaxLimit), nil
}

// MetadataVersion returns the latest version whose metadata properties hold
// every given pair.
func (r *Registry) MetadataVersion(subject string, pairs map[string]string, deleted bool) (SchemaVersion, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	s, err := r.st.subject(subject, deleted)
	if err != nil {
		return SchemaVersion{}, err
	}
	for i := len(s.versions) - 1; i >= 0; i-- {
		v := s.versions[i]
		if !visible(v, deleted) {
			continue
		}
		ok := true
		for k, val := range pairs {
			if v.entry.metadata == nil || v.entry.metadata.Properties[k] != val {
				ok = false
				break
			}
		}
		if ok {
			return v.export(), nil
		}
	}
	return SchemaVersion{}, errSchemaNotFound()
}

// Contexts lists the contexts: the default one, then stored ones.
func (r *Registry) Contexts() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := []string{"."}
	var named []string
	for c := range r.st.contexts {
		named = append(named, c)
	}
	sort.Strings(named)
	return append(out, named...)
}

// DeleteContext deletes an empty context.
func (r *Registry) DeleteContext(ctx context.Context, name string) error {
	r.mu.RLock()
	empty := true
	if name == "." || name == "" || name == ":.:" {
		for _, s := range r.st.subjects {
			if s.latest(true) != nil {
				empty = false
				break
			}
		}
	}
	r.mu.RUnlock()
	if !empty {
		return errorf(CodeContextNotEmpty, "The specified context '%s' is not empty.", name)
	}
	return nil
}

// MaxID is the highest id ever bound.
func (r *Registry) MaxID() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.st.maxID
}

// Parsed returns the schema bound to an id, parsed (and cached), with every
// subject-version holding it, soft-deleted ones included: what the
// validation hook checks records against.
func (r *Registry) Parsed(id int) (formats.Schema, []SubjectVersion, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	e := r.st.ids[id]
	if e == nil {
		return nil, nil, errSchemaIDNotFound(id)
	}
	usages := make([]SubjectVersion, 0, len(e.usages))
	for _, u := range e.usages {
		usages = append(usages, SubjectVersion{u.subject, u.version})
	}
	s, err := r.parsed(r.st, e)
	return s, usages, err
}

// IDOfGUID returns the id bound to a schema GUID.
func (r *Registry) IDOfGUID(guid formats.Identity) (int, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	e := r.st.identities[guid]
	if e == nil {
		return 0, false
	}
	return e.id, true
}

// Formatted returns the text of the schema bound to id in another format
// (format=serialized for Protobuf); ok is false when the type has no such
// format, and the stored text applies.
func (r *Registry) Formatted(id int, format string) (string, bool, error) {
	s, _, err := r.Parsed(id)
	if err != nil {
		return "", false, err
	}
	f, isFormatter := s.(formats.Formatter)
	if !isFormatter {
		return "", false, nil
	}
	text, ok, err := f.Formatted(format)
	if err != nil {
		return "", false, errorf(CodeInvalidSchema, "Schema %d cannot be served as %s: %v", id, format, err)
	}
	return text, ok, nil
}
