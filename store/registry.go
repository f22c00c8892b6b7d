package store

import (
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/schemaregistry/registry/compat"
	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/internal/bounded"
)

// Settings are the server-wide defaults that apply where no config or mode
// record says otherwise.
type Settings struct {
	CompatibilityLevel compat.Level // compat.DefaultLevel unless set
	ModeMutability     bool
	ValidateNewSchemas bool
	ValidateFields     bool
	RejectEmptySubject bool
	// Page sizes of the lists (Confluent's <list>.search.default.limit and
	// .max.limit): SchemaSearch of /schemas and referencedby (1000 and 1000
	// when 0), the others of the subjects, the versions and the contexts
	// (no limit when 0).
	SchemaSearch, SubjectSearch, VersionSearch, ContextSearch Limits
	// MaxRecordBytes bounds a schema record, as Kafka's max.message.bytes
	// does for Confluent (42209 beyond it). 1 MiB when 0.
	MaxRecordBytes int
	// MaxSchemaBytes and MaxSchemaDepth bound the schema text of a request
	// (register, lookup, compatibility) before it is parsed (42201 beyond
	// them). DefaultMaxSchemaBytes and DefaultMaxSchemaDepth when 0.
	MaxSchemaBytes int
	MaxSchemaDepth int
	// MaxParsedSchemas and MaxParsedBytes bound the stored schemas held
	// parsed for compatibility checks and the other reads that need a
	// parse, in number and in estimated bytes (parsed.go): those not used
	// lately are dropped, and parsed again when needed.
	// DefaultMaxParsedSchemas and DefaultMaxParsedBytes when 0.
	MaxParsedSchemas int
	MaxParsedBytes   int64
}

// Registry is the registry state machine: reads come from memory, writes
// become records appended to the Log and applied when it hands them back.
type Registry struct {
	log      Log
	logger   *slog.Logger
	settings Settings
	formats  map[formats.SchemaType]formats.Format

	mu sync.RWMutex // guards st; held for writing only while a record is applied
	st *state

	// writeLock serialises write operations (decide, append, apply): a
	// channel of one slot, so that waiting for it can end with a context or
	// when a queued registration got done by another writer.
	writeLock chan struct{}
	// toPack wakes the goroutine compressing new schema texts (text.go);
	// done stops it. unpacked are the texts to compress, taken from the
	// state as records are applied; guarded by unpackedMu, not mu, so
	// that the packer never waits for a decision holding mu.
	toPack     chan struct{}
	packMu     sync.Mutex
	unpackedMu sync.Mutex
	unpacked   []*sharedText
	done       chan struct{}
	closeOnce  sync.Once

	// queue holds registrations waiting to be decided (pipeline.go);
	// committing is set while a committer goroutine runs, and wake pokes
	// it. unwritten counts the registrations queued or decided and not
	// yet handed to the log.
	queueMu    sync.Mutex
	queue      []*pendingRegistration
	committing bool
	wake       chan struct{}
	unwritten  atomic.Int64
	// writersWaiting counts the other writes waiting for the write lock:
	// the pipeline lets it go for them.
	writersWaiting atomic.Int32
	// stale is set when the state may miss records: after this node became
	// primary, or after a write whose outcome is unknown (a timeout). The
	// next write first syncs with the log.
	stale atomic.Bool
	// term is closed when this node stops being the primary (Depose):
	// writes waiting for the write lock then answer 50004 at once.
	termMu sync.Mutex
	term   chan struct{}
	// aliased turns on the alias lookup of every subject in a request
	// (Alias) once a config has held an alias: until then it costs nothing.
	aliased atomic.Bool

	parses        *parseCache   // request parses, by exact content
	verdicts      *verdictCache // compatibility answers, by candidate and versions
	parsedSchemas *parsedCache  // the stored schemas held parsed

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
		settings.CompatibilityLevel = compat.DefaultLevel
	}
	level, err := compat.ParseLevel(string(settings.CompatibilityLevel))
	if err != nil {
		return nil, fmt.Errorf("compatibility level %q: %w", settings.CompatibilityLevel, err)
	}
	settings.CompatibilityLevel = level
	if settings.SchemaSearch == (Limits{}) {
		settings.SchemaSearch = Limits{Default: 1000, Max: 1000}
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
	if settings.MaxParsedSchemas <= 0 {
		settings.MaxParsedSchemas = DefaultMaxParsedSchemas
	}
	if settings.MaxParsedBytes <= 0 {
		settings.MaxParsedBytes = DefaultMaxParsedBytes
	}
	r := &Registry{log: log, logger: logger, settings: settings, formats: map[formats.SchemaType]formats.Format{}, st: newState(),
		toPack: make(chan struct{}, 1), done: make(chan struct{}), writeLock: make(chan struct{}, 1), term: make(chan struct{}), wake: make(chan struct{}, 1),
		parses: newParseCache(2_000), verdicts: bounded.New[verdictKey, []string](10_000),
		parsedSchemas: newParsedCache(settings.MaxParsedSchemas, settings.MaxParsedBytes)}
	for _, f := range fmts {
		r.formats[f.Type()] = f
	}
	// Texts are compressed by another goroutine while the replay goes on
	// (on a second core), and every one of them before Open returns.
	r.st.packLater = true
	go r.packLoop()
	rp := newReplayer(r)
	r.st.indexLater = true
	err = log.Open(rp.add)
	rp.finish()
	r.mu.Lock()
	r.st.buildIndex()
	r.mu.Unlock()
	if err != nil {
		r.closeOnce.Do(func() { close(r.done) })
		return nil, err
	}
	r.packPending()
	return r, nil
}

func (r *Registry) apply(rec Record) {
	r.applying(func() { r.st.apply(rec, r.logger) })
}

// applyRead applies records the replayer read.
func (r *Registry) applyRead(recs []readRecord) {
	r.applying(func() {
		for i := range recs {
			r.st.applyRead(&recs[i], r.logger)
		}
	})
}

// applying runs f, which applies records, under the lock, and hands the
// texts it held as they are to the packer.
func (r *Registry) applying(f func()) {
	r.mu.Lock()
	f()
	if r.st.aliased && !r.aliased.Load() {
		r.aliased.Store(true)
	}
	r.revision.Add(1)
	fresh := r.st.unpacked
	r.st.unpacked = nil
	r.mu.Unlock()
	pending := 0
	if len(fresh) > 0 {
		r.unpackedMu.Lock()
		r.unpacked = append(r.unpacked, fresh...)
		pending = len(r.unpacked)
		r.unpackedMu.Unlock()
	}
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

// Types lists the schema types this registry accepts.
// They come in the order Confluent lists them (formats.SchemaTypes).
func (r *Registry) Types() []formats.SchemaType {
	out := make([]formats.SchemaType, 0, len(r.formats))
	for _, t := range formats.SchemaTypes {
		if r.formats[t] != nil {
			out = append(out, t)
		}
	}
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
	s := Stats{Subjects: len(r.st.subjects), Schemas: r.st.dflt.ids.len(), Offset: r.st.offset}
	for _, sp := range r.st.spaces {
		s.Schemas += sp.ids.len()
	}
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
