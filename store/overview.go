package store

import (
	"strings"

	"github.com/schemaregistry/registry/compat"
	"github.com/schemaregistry/registry/formats"
)

// Reads for the console: lists and comparisons the REST API has no single
// route for. They change nothing and hold the read lock only to gather.

// SubjectSummary is a subject's latest version without its text, a row of
// the console's subject list.
type SubjectSummary struct {
	Subject    string             `json:"subject"`
	Version    int                `json:"version"`
	Versions   int                `json:"versions"`
	ID         int                `json:"id"`
	SchemaType formats.SchemaType `json:"schemaType"`
	// Deleted is true when every version is soft-deleted.
	Deleted bool `json:"deleted"`
}

// SummaryOptions filter the subject summaries.
type SummaryOptions struct {
	// Prefix is a subjectPrefix as Subjects reads it (":*:" every context).
	Prefix string
	// Contains keeps the subjects whose name holds it, in any case.
	Contains string
	// Type keeps one schema type (of the latest version); "" every one.
	Type formats.SchemaType
	// Deleted includes subjects whose versions are all soft-deleted.
	Deleted bool
	// Readable, when set, leaves out the subjects it refuses.
	Readable func(subject string) bool
	Paging
}

// SubjectSummaries returns one page of the subjects matching o, in name
// order, and how many match in all.
func (r *Registry) SubjectSummaries(o SummaryOptions) (list []SubjectSummary, total int) {
	f := parseSubjectFilter(o.Prefix)
	contains := strings.ToLower(o.Contains)
	deleted := Deleted(o.Deleted)
	w := liveSubjects
	if o.Deleted {
		w = allSubjects
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	x := r.st.index.freeze()
	spans, exact := x.spans(f, r.st.named)
	limit := pageLimit(o.Paging, Limits{Default: 50, Max: 1000})
	offset := max(o.Offset, 0)
	list = make([]SubjectSummary, 0, min(limit, 64))
	add := func(e *indexEntry) bool {
		s := e.subject
		v := s.latest(deleted)
		list = append(list, SubjectSummary{Subject: s.name, Version: v.version, Versions: len(s.versions),
			ID: v.entry.id, SchemaType: v.entry.schemaType, Deleted: s.latest(LiveOnly) == nil})
		return len(list) < limit
	}
	if exact && contains == "" && o.Type == "" && o.Readable == nil {
		// Counted by the chunk sums; the page read alone.
		x.walk(spans, w, nil, offset, func(e *indexEntry, _ int) bool { return add(e) })
		return list, x.count(spans, w, nil)
	}
	// Every selected subject is tested: one pass counts them and keeps
	// the page.
	x.walk(spans, w, func(e *indexEntry) bool {
		if !exact && !f.match(e.name) || contains != "" && !strings.Contains(strings.ToLower(e.name), contains) {
			return false
		}
		if o.Type != "" && e.subject.latest(deleted).entry.schemaType != o.Type {
			return false
		}
		return o.Readable == nil || o.Readable(e.name)
	}, 0, func(e *indexEntry, _ int) bool {
		if total >= offset && len(list) < limit {
			add(e)
		}
		total++
		return true
	})
	return list, total
}

// SchemaForms are the texts of one subject-version: as stored and served,
// canonical (as parsed), and normalized (normalize=true).
type SchemaForms struct {
	Raw        string `json:"raw"`
	Canonical  string `json:"canonical"`
	Normalized string `json:"normalized"`
}

// Forms returns the forms of a subject-version's schema.
func (r *Registry) Forms(subject string, v int, deleted Deleted) (SchemaForms, error) {
	r.mu.RLock()
	ver, err := r.st.version(subject, v, deleted)
	if err != nil {
		r.mu.RUnlock()
		return SchemaForms{}, err
	}
	e := ver.entry
	parsed, err := r.parsed(r.st, e)
	var deps []formats.Dependency
	if err == nil {
		_, err = r.st.resolve(e.subject(), e.refs(), IncludingDeleted, 0, map[string]bool{}, &deps)
	}
	f := r.formats[e.schemaType]
	r.mu.RUnlock()
	if err != nil {
		return SchemaForms{}, invalidSchema(e.schemaType, err)
	}
	out := SchemaForms{Raw: e.schema(), Canonical: parsed.Canonical()}
	n, err := f.Parse(out.Raw, deps, formats.Options{Normalize: true})
	if err != nil {
		return SchemaForms{}, invalidSchema(e.schemaType, err)
	}
	out.Normalized = n.Canonical()
	return out, nil
}

// VersionDiff compares two versions of a subject as the compatibility
// engine sees them: the changes from one to the other (Protobuf and JSON
// Schema only: Avro's checker has no change list) and the verdict of the
// later read after the earlier at each level, with Confluent's messages.
type VersionDiff struct {
	// ChangesListed is false for Avro, which lists no changes.
	ChangesListed bool            `json:"changesListed"`
	Changes       []compat.Change `json:"changes"`
	Verdicts      []LevelVerdict  `json:"verdicts"`
}

// LevelVerdict is the compatibility of a change at one level.
type LevelVerdict struct {
	Level      compat.Level `json:"level"`
	Compatible bool         `json:"compatible"`
	Messages   []string     `json:"messages"`
}

// CompareVersions compares version from to version to of subject (deleted
// versions readable when deleted says so), under the subject's options
// (validateFields, compatibilityPolicy).
func (r *Registry) CompareVersions(subject string, from, to int, deleted Deleted) (VersionDiff, error) {
	r.mu.RLock()
	a, err := r.st.version(subject, from, deleted)
	var b *version
	if err == nil {
		b, err = r.st.version(subject, to, deleted)
	}
	if err != nil {
		r.mu.RUnlock()
		return VersionDiff{}, err
	}
	old, errOld := r.parsed(r.st, a.entry)
	next, errNew := r.parsed(r.st, b.entry)
	cfg := r.st.effectiveConfig(subject, &r.settings)
	r.mu.RUnlock()
	for _, e := range []struct {
		err error
		v   *version
	}{{errOld, a}, {errNew, b}} {
		if e.err != nil {
			return VersionDiff{}, invalidSchema(e.v.entry.schemaType, e.err)
		}
	}
	opts := compat.Options{ValidateFields: r.settings.ValidateFields}
	if cfg.ValidateFields != nil {
		opts.ValidateFields = *cfg.ValidateFields
	}
	if cfg.CompatibilityPolicy != nil {
		opts.Policy = *cfg.CompatibilityPolicy
	}
	out := VersionDiff{Changes: []compat.Change{}}
	changes, ok, err := compat.Changes(old, next)
	if ok && err == nil {
		out.ChangesListed = true
		if changes != nil {
			out.Changes = changes
		}
	}
	previous := []compat.Previous{{Version: a.version, Schema: old}}
	for _, level := range []compat.Level{compat.Backward, compat.Forward, compat.Full} {
		msgs := compat.Check(level, opts, next, previous)
		if msgs == nil {
			msgs = []string{}
		}
		out.Verdicts = append(out.Verdicts, LevelVerdict{Level: level, Compatible: len(msgs) == 0, Messages: msgs})
	}
	return out, nil
}
