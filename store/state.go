package store

import (
	"encoding/json"
	"log/slog"
	"sort"
	"sync/atomic"

	"github.com/schemaregistry/registry/formats"
)

// schemaEntry is one distinct schema, bound to one id. It is shared by every
// subject-version that holds that schema, so a schema registered under many
// subjects is held once. Its text is kept compressed (text.go): read it with
// schema().
type schemaEntry struct {
	id         int
	schemaType formats.SchemaType
	text       *sharedText // see schema(); shared by the entries of one text
	extra      *entryExtra // nil for most: no references, metadata or rules
	identity   formats.Identity
	// textSum is the start of the MD5 digest of the text alone (of the
	// identity when the schema has no references, metadata or rule set):
	// the versions of a subject are compared with a text by it first.
	textSum uint64
	usages  []*version
	parsed  atomic.Pointer[parsedSchema] // parsed on demand, while the parsed cache keeps it (parsed.go)
}

// entryExtra is what few schemas have.
type entryExtra struct {
	refs     []formats.Reference
	metadata *formats.Metadata
	ruleSet  *formats.RuleSet
}

func newEntryExtra(refs []formats.Reference, md *formats.Metadata, rs *formats.RuleSet) *entryExtra {
	if len(refs) == 0 && md == nil && rs == nil {
		return nil
	}
	return &entryExtra{refs, md, rs}
}

func (e *schemaEntry) refs() []formats.Reference {
	if e.extra == nil {
		return nil
	}
	return e.extra.refs
}

func (e *schemaEntry) metadata() *formats.Metadata {
	if e.extra == nil {
		return nil
	}
	return e.extra.metadata
}

func (e *schemaEntry) ruleSet() *formats.RuleSet {
	if e.extra == nil {
		return nil
	}
	return e.extra.ruleSet
}

// subject is a subject holding the entry, "" when none does any more: all
// its usages are in one context, which its references are resolved in.
func (e *schemaEntry) subject() string {
	if len(e.usages) == 0 {
		return ""
	}
	return e.usages[0].subject
}

// version is one subject-version.
type version struct {
	subject string
	version int
	deleted bool
	ts      int64
	entry   *schemaEntry
}

// value is the SCHEMA record value of the version.
func (v *version) value() schemaValue {
	e := v.entry
	return schemaValue{Subject: v.subject, Version: v.version, ID: e.id, SchemaType: e.schemaType,
		References: e.refs(), Metadata: e.metadata(), RuleSet: e.ruleSet(), Schema: e.schema(), Deleted: v.deleted}
}

type subjectState struct {
	name     string
	versions []*version // ascending version numbers, soft-deleted included
	deleted  int        // how many of versions are soft-deleted
	// withMetadata is set once a version with metadata was added (and
	// stays set): until then a registration without metadata needs no
	// search ignoring confluent:version (registeredIgnoringVersion).
	withMetadata bool
}

func (s *subjectState) find(v int) *version {
	i := sort.Search(len(s.versions), func(i int) bool { return s.versions[i].version >= v })
	if i < len(s.versions) && s.versions[i].version == v {
		return s.versions[i]
	}
	return nil
}

// latest returns the highest version seen.
func (s *subjectState) latest(deleted Deleted) *version {
	for i := len(s.versions) - 1; i >= 0; i-- {
		if deleted.visible(s.versions[i]) {
			return s.versions[i]
		}
	}
	return nil
}

func (s *subjectState) live() []*version {
	var out []*version
	for _, v := range s.versions {
		if !v.deleted {
			out = append(out, v)
		}
	}
	return out
}

type svKey struct {
	subject string
	version int
}

// state is the in-memory registry: a function of the records applied so far.
// Only apply changes it.
type state struct {
	dflt     *idSpace            // the default context's ids
	spaces   map[string]*idSpace // the other contexts' (contexts.go)
	named    []string            // their names, sorted
	subjects map[string]*subjectState
	index    *subjectIndex // the subjects in name order (index.go)
	// indexLater leaves index alone while a replay applies records, for
	// buildIndex to make it once.
	indexLater bool
	referrers  map[svKey]map[*version]bool // referenced subject-version -> referring versions
	configs    map[string]Config           // "" = global
	modes      map[string]Mode             // "" = global
	contexts   map[string]bool
	assocs     assocState // associations.go
	aliased    bool       // some subject config has had an alias
	offset     int64      // of the last record applied
	// refGen moves whenever a reference may resolve to another schema: a
	// subject-version removed, or one added that a schema refers to (by
	// number, or as the latest of its subject). The parses of entries
	// with references made before are stale (parsed.go).
	refGen  uint64
	scratch []byte // the schema text of the record being applied
	// packLater keeps the texts of new entries as they are, listed in
	// unpacked for the registry to take after each record and compress on
	// another goroutine (text.go), off the replay and the write path.
	packLater bool
	unpacked  []*sharedText
	recent    recentTexts // text.go
}

func newState() *state {
	return &state{
		dflt:      newIDSpace(),
		spaces:    map[string]*idSpace{},
		subjects:  map[string]*subjectState{},
		index:     &subjectIndex{},
		referrers: map[svKey]map[*version]bool{},
		configs:   map[string]Config{},
		modes:     map[string]Mode{},
		contexts:  map[string]bool{},
		assocs:    newAssocState(),
		offset:    -1,
	}
}

// apply applies one log record. A record it cannot read is logged and
// skipped; a record binding an existing id to a different schema is refused.
func (st *state) apply(rec Record, log *slog.Logger) {
	x := readRecord{text: st.scratch}
	x.read(rec)
	if cap(x.text) <= 1<<20 { // do not pin a huge buffer
		st.scratch = x.text[:0]
	}
	st.applyRead(&x, log)
}

// applyRead applies a record read by readRecord.read.
func (st *state) applyRead(x *readRecord, log *slog.Logger) {
	rec, k := x.rec, x.key
	st.offset = rec.Offset
	if err := x.keyErr; err != nil {
		log.Warn("skipping unreadable record", "offset", rec.Offset, "err", err)
		return
	}
	switch k.Type {
	case keySchema:
		if rec.Value == nil {
			st.removeVersion(k.Subject, k.Version)
			return
		}
		v, text, err := x.v, x.text, x.valErr
		if err != nil {
			log.Warn("skipping unreadable schema record", "offset", rec.Offset, "err", err)
			return
		}
		if v.Subject == "" {
			v.Subject = k.Subject
		}
		if v.Version == 0 {
			v.Version = k.Version
		}
		if v.SchemaType == "" {
			v.SchemaType = formats.Avro
		}
		st.putVersion(v, text, x.identity, rec.Timestamp, log, rec.Offset)
	case keyConfig:
		if rec.Value == nil {
			delete(st.configs, k.Subject)
			return
		}
		v, unknownLevel, err := decodeConfigValue(rec.Value)
		if err != nil {
			log.Warn("skipping unreadable config record", "offset", rec.Offset, "err", err)
			return
		}
		if unknownLevel {
			log.Warn("config record with an unknown compatibility level: the default applies", "offset", rec.Offset, "subject", k.Subject)
		}
		st.configs[k.Subject] = v.Config
		if v.Config.Alias != nil && *v.Config.Alias != "" || v.Config.AliasForDeks != nil && *v.Config.AliasForDeks != "" {
			st.aliased = true
		}
	case keyMode:
		if rec.Value == nil {
			delete(st.modes, k.Subject)
			return
		}
		var v modeValue
		if err := json.Unmarshal(rec.Value, &v); err != nil || v.Mode == "" {
			log.Warn("skipping unreadable mode record", "offset", rec.Offset, "err", err)
			return
		}
		st.modes[k.Subject] = v.Mode
	case keyDeleteSubject:
		if rec.Value == nil {
			return
		}
		var v deleteSubjectValue
		if err := json.Unmarshal(rec.Value, &v); err != nil {
			log.Warn("skipping unreadable delete-subject record", "offset", rec.Offset, "err", err)
			return
		}
		if s := st.subjects[k.Subject]; s != nil {
			for _, ver := range s.versions {
				if ver.version <= v.Version && !ver.deleted {
					ver.deleted = true
					s.deleted++
				}
			}
			st.reindex(k.Subject)
		}
	case keyClearSubject:
		// Drop the soft-deleted versions of one subject, of a context's
		// (":.name:"), or of every subject ("").
		one := plainSubject(k.Subject) != ""
		f := contextFilter(k.Subject)
		for name, s := range st.subjects {
			if one && name != k.Subject || !one && !f.match(name) {
				continue
			}
			for _, ver := range append([]*version(nil), s.versions...) {
				if ver.deleted {
					st.removeVersion(name, ver.version)
				}
			}
		}
	case keyContext:
		if rec.Value == nil {
			delete(st.contexts, k.Subject)
		} else {
			st.contexts[k.Subject] = true
		}
	case keyAssoc:
		st.applyAssoc(rec, log)
	case keyNoop:
	}
}

// putVersion applies a SCHEMA record; text is its schema text (v.Schema is
// not used), which the entry copies, and identity its identity.
func (st *state) putVersion(v schemaValue, text []byte, identity formats.Identity, ts int64, log *slog.Logger, offset int64) {
	sp := st.spaceFor(v.Subject)
	s := st.subjects[v.Subject]
	entry := sp.ids.get(v.ID)
	if entry != nil && !entry.holds(typedIdentity{identity, v.SchemaType}) {
		log.Error("refusing a record that binds an existing id to a different schema; keeping the first",
			"offset", offset, "id", v.ID, "subject", v.Subject, "version", v.Version)
		return
	}
	if entry == nil {
		entry = &schemaEntry{id: v.ID, schemaType: v.SchemaType, extra: newEntryExtra(v.References, v.Metadata, v.RuleSet),
			identity: identity, textSum: textSumOf(text, identity, v.References, v.Metadata, v.RuleSet)}
		same, shared := sp.identities[identity]
		if shared && same.schema() == string(text) { // the same text under another id: held once
			entry.text = same.text
		} else {
			var base *sharedText // the text of the subject's last version
			if s != nil && len(s.versions) > 0 {
				base = s.versions[len(s.versions)-1].entry.text
			}
			entry.text = st.newText(text, base)
		}
		sp.ids.put(v.ID, entry)
		if shared {
			sp.sharedIdentities = true
		} else {
			sp.identities[identity] = entry
		}
		// A GUID names the id last bound to its schema, as Confluent's
		// guid index does (an import of a known text moves it).
		sp.setGUID(identity, entry)
	}
	if v.ID > sp.maxID {
		sp.maxID = v.ID
	}
	if s == nil {
		s = &subjectState{name: v.Subject}
		st.subjects[v.Subject] = s
	}
	if old := s.find(v.Version); old != nil {
		if old.entry == entry {
			switch {
			case v.Deleted && !old.deleted:
				s.deleted++
			case !v.Deleted && old.deleted:
				s.deleted--
			}
			old.deleted, old.ts = v.Deleted, ts
			st.reindex(v.Subject)
			return
		}
		// Last writer wins for the key: the subject-version now holds
		// another schema (an import overwriting it).
		st.removeVersion(v.Subject, v.Version)
		st.subjects[v.Subject] = s // removeVersion drops a subject left empty
	}
	ver := &version{subject: s.name, version: v.Version, deleted: v.Deleted, ts: ts, entry: entry}
	if entry.extra != nil && entry.extra.metadata != nil {
		s.withMetadata = true
	}
	if len(st.referrers) > 0 && (len(st.referrers[svKey{v.Subject, v.Version}]) > 0 || len(st.referrers[svKey{v.Subject, LatestVersion}]) > 0) {
		st.refGen++
	}
	i := sort.Search(len(s.versions), func(i int) bool { return s.versions[i].version > v.Version })
	s.versions = append(s.versions, nil)
	copy(s.versions[i+1:], s.versions[i:])
	s.versions[i] = ver
	if ver.deleted {
		s.deleted++
	}
	st.reindex(v.Subject)
	entry.usages = append(entry.usages, ver)
	for _, r := range entry.refs() {
		key := svKey{qualify(v.Subject, r.Subject), r.Version}
		if st.referrers[key] == nil {
			st.referrers[key] = map[*version]bool{}
		}
		st.referrers[key][ver] = true
	}
}

// removeVersion hard-deletes a subject-version; an id no version uses any
// more is forgotten (but never reused: maxID stays).
func (st *state) removeVersion(subject string, v int) {
	s := st.subjects[subject]
	if s == nil {
		return
	}
	ver := s.find(v)
	if ver == nil {
		return
	}
	st.refGen++
	for i, x := range s.versions {
		if x == ver {
			if ver.deleted {
				s.deleted--
			}
			s.versions = append(s.versions[:i:i], s.versions[i+1:]...)
			break
		}
	}
	if len(s.versions) == 0 {
		delete(st.subjects, subject)
	}
	st.reindex(subject)
	e := ver.entry
	for i, u := range e.usages {
		if u == ver {
			e.usages = append(e.usages[:i:i], e.usages[i+1:]...)
			break
		}
	}
	for _, r := range e.refs() {
		key := svKey{qualify(subject, r.Subject), r.Version}
		delete(st.referrers[key], ver)
		if len(st.referrers[key]) == 0 {
			delete(st.referrers, key)
		}
	}
	if sp := st.spaceOf(subject); len(e.usages) == 0 && sp != nil {
		sp.ids.remove(e.id)
		byIdentity, byGUID := sp.identities[e.identity] == e, sp.guid(e.identity) == e
		if !byIdentity && !byGUID {
			return
		}
		// Another id holding the same schema (an import) takes its place.
		var other *schemaEntry
		if sp.sharedIdentities {
			sp.ids.each(func(o *schemaEntry) {
				if o.identity == e.identity && (other == nil || o.id > other.id) {
					other = o
				}
			})
		}
		if other == nil {
			delete(sp.identities, e.identity)
			delete(sp.guids, e.identity)
			return
		}
		guidTo := sp.guid(e.identity)
		if byGUID {
			guidTo = other
		}
		if byIdentity {
			sp.identities[e.identity] = other
		}
		sp.setGUID(e.identity, guidTo)
	}
}
