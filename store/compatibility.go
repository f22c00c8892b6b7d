package store

import (
	"errors"
	"fmt"

	"github.com/schemaregistry/registry/compat"
	"github.com/schemaregistry/registry/formats"
)

// compatQuestion is a compatibility check to run: a candidate against
// earlier versions of a subject (live, ascending) under the subject's level
// and options.
type compatQuestion struct {
	level        compat.Level
	opts         compat.Options
	candidate    formats.Schema
	candidateKey [16]byte // names the candidate's content (parseCacheKey)
	previous     []*version
}

// checker answers a compatibility question with the problems found, none
// when compatible. It is a pure function of the question (the registry's
// remembers its answers).
type checker func(q compatQuestion) []string

// compatQuestion returns the check a candidate needs against versions under
// the subject's config; false when there is none (level NONE, or no
// versions).
func (st *state) compatQuestion(s *Settings, subject string, c *candidate, versions []*version) (compatQuestion, bool) {
	md := c.req.Metadata
	cfg := st.effectiveConfig(subject, s)
	if cfg.CompatibilityGroup != nil && *cfg.CompatibilityGroup != "" {
		// Only the versions of the candidate's group: the same value of the
		// metadata property the config names (none included).
		group := *cfg.CompatibilityGroup
		want := groupValue(md, group)
		var same []*version
		for _, v := range versions {
			if groupValue(v.entry.metadata(), group) == want {
				same = append(same, v)
			}
		}
		versions = same
	}
	q := compatQuestion{level: *cfg.CompatibilityLevel, candidate: c.schema, candidateKey: c.key, previous: versions}
	q.opts.ValidateFields = s.ValidateFields
	if cfg.ValidateFields != nil {
		q.opts.ValidateFields = *cfg.ValidateFields
	}
	if cfg.CompatibilityPolicy != nil {
		q.opts.Policy = *cfg.CompatibilityPolicy
	}
	return q, q.level != compat.None && len(versions) > 0
}

// checksCompatibility reports whether the subject's level is not NONE: a
// registration then lists the versions it is checked against.
func (st *state) checksCompatibility(s *Settings, subject string) bool {
	return *st.effectiveConfig(subject, s).CompatibilityLevel != compat.None
}

// compatibility gathers, under the read lock, the parsed schemas a question
// needs, and returns the check itself, to run with or without the lock.
// Answers are remembered by candidate, options and the ids and versions
// checked against (an id is never bound to another schema).
func (r *Registry) compatibility(st *state, q compatQuestion) func() []string {
	prev := make([]compat.Previous, 0, len(q.previous))
	ids := make([]byte, 0, 16*len(q.previous))
	for _, v := range q.previous {
		p, err := r.parsed(st, v.entry)
		if err != nil {
			msg := fmt.Sprintf("Unexpected exception during compatibility check: %v", err)
			return func() []string { return r.counted([]string{msg}) }
		}
		prev = append(prev, compat.Previous{Version: v.version, Schema: p})
		ids = fmt.Appendf(ids, "%d:%d,", v.entry.id, v.version)
	}
	key := verdictKey{candidate: q.candidateKey, level: q.level, policy: q.opts.Policy, fields: q.opts.ValidateFields, refGen: st.refGen, previous: string(ids)}
	return func() []string {
		msgs, ok := r.verdicts.Get(key)
		if !ok {
			msgs = compat.Check(q.level, q.opts, q.candidate, prev)
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
	return r.checkCompatibility(subject, v, "", req, normalize, verbose)
}

// CheckCompatibilityAt is CheckCompatibility against every live version
// under level instead of the subject's own: the console's "what if" check.
func (r *Registry) CheckCompatibilityAt(subject string, level compat.Level, req SchemaRequest, normalize, verbose bool) (CompatibilityResult, error) {
	return r.checkCompatibility(subject, 0, level, req, normalize, verbose)
}

// checkCompatibility is CheckCompatibility with the level overridden
// unless it is "".
func (r *Registry) checkCompatibility(subject string, v int, level compat.Level, req SchemaRequest, normalize, verbose bool) (CompatibilityResult, error) {
	if err := r.checkLimits(req); err != nil {
		return CompatibilityResult{}, err
	}
	r.mu.RLock()
	versions, err := r.st.checkedAgainst(subject, v)
	r.mu.RUnlock()
	if err != nil {
		return CompatibilityResult{}, err
	}
	c, err := r.candidate(subject, req, normalize, forCheck)
	if err != nil {
		var e *Error
		if verbose && errors.As(err, &e) && e.Code == CodeInvalidSchema {
			return CompatibilityResult{Messages: []string{e.Message}}, nil
		}
		return CompatibilityResult{}, err
	}
	r.mu.RLock()
	q, ok := r.st.compatQuestion(&r.settings, subject, c, versions)
	if level != "" {
		q.level = level
		ok = level != compat.None && len(q.previous) > 0
	}
	var check func() []string
	if ok {
		check = r.compatibility(r.st, q)
	}
	r.mu.RUnlock()
	if !ok {
		return CompatibilityResult{Compatible: true}, nil
	}
	msgs := check() // without the lock
	return CompatibilityResult{Compatible: len(msgs) == 0, Messages: msgs, Checked: true}, nil
}

// groupValue is a schema's value of a compatibilityGroup property.
func groupValue(md *formats.Metadata, group string) string {
	if md == nil {
		return ""
	}
	return md.Properties[group]
}

// checkedAgainst returns the versions a compatibility request checks
// against: one version (v > 0 or latest), or every live one (v 0). A subject
// with no live version has none to check, unless a number is named (40401).
func (st *state) checkedAgainst(subject string, v int) ([]*version, error) {
	s := st.subjects[subject]
	switch {
	case s == nil || s.latest(LiveOnly) == nil:
		if v > 0 {
			return nil, errSubjectNotFound(subject)
		}
		return nil, nil
	case v == 0:
		return s.live(), nil
	}
	ver, err := st.version(subject, v, LiveOnly)
	if err != nil {
		return nil, err
	}
	return []*version{ver}, nil
}
