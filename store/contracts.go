package store

import (
	"reflect"
	"slices"
	"strconv"
	"unsafe"

	"github.com/schemaregistry/registry/formats"
)

// Data contracts: a registration's metadata and rule set are merged with
// the subject's config as Confluent's maybeSetMetadataRuleSet does.

// confluentVersion is the metadata property holding the version number.
const confluentVersion = "confluent:version"

// contract returns the candidate with the metadata and rule set a
// registration stores (not in IMPORT mode, which stores what it is given):
// the config's defaults, then the request's, or the previous live
// version's when the request has none, then the config's overrides; the
// metadata gets confluent:version when the request names a version or the
// merge carries one. The identity follows.
func (w *view) contract(subject string, c *candidate) *candidate {
	st := w.st
	if st.mode(subject).importing() {
		return c
	}
	var prev *version
	next := 1
	if s := st.subjects[subject]; s != nil {
		prev = s.latest(LiveOnly)
		if len(s.versions) > 0 {
			next = s.versions[len(s.versions)-1].version + 1
		}
	}
	md, rs := mergeContract(st.effectiveConfig(subject, w.settings), c.req.Metadata, c.req.RuleSet, prev)
	if c.req.Version != 0 || md != nil && md.Properties[confluentVersion] != "" {
		md = withConfluentVersion(md, next)
	}
	return c.withContract(md, rs)
}

// lookupContract is the candidate a lookup tries when the schema as sent
// is not found: merged with the config and the latest version, without
// confluent:version (lookUpSchemaUnderSubject).
func (st *state) lookupContract(s *Settings, subject string, c *candidate) *candidate {
	sub := st.subjects[subject]
	if sub == nil || sub.latest(LiveOnly) == nil {
		return nil
	}
	md, rs := mergeContract(st.effectiveConfig(subject, s), c.req.Metadata, c.req.RuleSet, sub.latest(LiveOnly))
	out := c.withContract(md, rs)
	if out == c {
		return nil
	}
	return out
}

func mergeContract(cfg Config, md *formats.Metadata, rs *formats.RuleSet, prev *version) (*formats.Metadata, *formats.RuleSet) {
	if md == nil && prev != nil {
		md = prev.entry.metadata()
	}
	if rs == nil && prev != nil {
		rs = prev.entry.ruleSet()
	}
	return mergeMetadata(mergeMetadata(cfg.DefaultMetadata, md), cfg.OverrideMetadata),
		mergeRuleSets(mergeRuleSets(cfg.DefaultRuleSet, rs), cfg.OverrideRuleSet)
}

// withContract is the candidate with that metadata and rule set, itself
// when they are the ones it has.
func (c *candidate) withContract(md *formats.Metadata, rs *formats.RuleSet) *candidate {
	if reflect.DeepEqual(md, c.req.Metadata) && reflect.DeepEqual(rs, c.req.RuleSet) {
		return c
	}
	out := *c
	out.req.Metadata, out.req.RuleSet = md, rs
	out.identity = formats.IdentityOf(c.schema.Canonical(), c.refs, md, rs)
	return &out
}

// mergeMetadata is Metadata.mergeMetadata: the newer's tags and properties
// over the older's, the sensitive names of both.
func mergeMetadata(older, newer *formats.Metadata) *formats.Metadata {
	switch {
	case older == nil:
		return newer
	case newer == nil:
		return older
	}
	out := &formats.Metadata{Tags: mergeMaps(older.Tags, newer.Tags), Properties: mergeMaps(older.Properties, newer.Properties)}
	switch {
	case len(older.Sensitive) == 0:
		out.Sensitive = newer.Sensitive
	case len(newer.Sensitive) == 0:
		out.Sensitive = older.Sensitive
	default:
		set := slices.Concat(older.Sensitive, newer.Sensitive)
		slices.Sort(set)
		out.Sensitive = slices.Compact(set)
	}
	return out
}

func mergeMaps[V any](older, newer map[string]V) map[string]V {
	switch {
	case len(older) == 0:
		return newer
	case len(newer) == 0:
		return older
	}
	out := make(map[string]V, len(older)+len(newer))
	for k, v := range older {
		out[k] = v
	}
	for k, v := range newer {
		out[k] = v
	}
	return out
}

// mergeRuleSets is RuleSet.mergeRuleSets: per list, the older's rules not
// named by the newer's, then the newer's.
func mergeRuleSets(older, newer *formats.RuleSet) *formats.RuleSet {
	switch {
	case older == nil:
		return newer
	case newer == nil:
		return older
	}
	out := *newer
	out.MigrationRules = mergeRules(older.MigrationRules, newer.MigrationRules)
	out.DomainRules = mergeRules(older.DomainRules, newer.DomainRules)
	out.EncodingRules = mergeRules(older.EncodingRules, newer.EncodingRules)
	if out.EnableAt == "" {
		out.EnableAt = older.EnableAt
	}
	return &out
}

func mergeRules(older, newer []formats.Rule) []formats.Rule {
	switch {
	case len(older) == 0:
		return newer
	case len(newer) == 0:
		return older
	}
	named := map[string]bool{}
	for _, r := range newer {
		named[r.Name] = true
	}
	var out []formats.Rule
	for _, r := range older {
		if !named[r.Name] {
			out = append(out, r)
		}
	}
	return append(out, newer...)
}

// withConfluentVersion is the metadata with confluent:version set.
func withConfluentVersion(md *formats.Metadata, version int) *formats.Metadata {
	out := &formats.Metadata{Properties: map[string]string{confluentVersion: strconv.Itoa(version)}}
	if md != nil {
		out.Tags, out.Sensitive = md.Tags, md.Sensitive
		for k, v := range md.Properties {
			if k != confluentVersion {
				out.Properties[k] = v
			}
		}
	}
	return out
}

// hasDefaultsOrOverrides reports whether a config merges anything into a
// registration (Confluent's Config.hasDefaultsOrOverrides).
func (c Config) hasDefaultsOrOverrides() bool {
	return c.DefaultMetadata != nil || c.OverrideMetadata != nil || c.DefaultRuleSet != nil || c.OverrideRuleSet != nil
}

// registeredIgnoringVersion is a live version of subject holding the
// candidate's schema, rule set and metadata, confluent:version aside
// (Confluent's canLookupIgnoringVersion): re-registering a schema whose
// merge moved confluent:version on finds the version it is. It is asked
// when registered found nothing.
func (st *state) registeredIgnoringVersion(subject string, c *candidate) *version {
	s := st.subjects[subject]
	if s == nil || c.req.Version > 0 {
		return nil
	}
	if c.req.ID <= 0 && c.req.Metadata == nil && !s.withMetadata {
		// A match would hold the candidate's identity (no metadata on
		// either side), with no id or version asked for: registered,
		// which the caller tried first, would have found it.
		return nil
	}
	want := withoutConfluentVersion(c.req.Metadata)
	canonical := c.schema.Canonical()
	sum := textSumOf(unsafe.Slice(unsafe.StringData(canonical), len(canonical)), c.identity, c.refs, c.req.Metadata, c.req.RuleSet)
	typ := c.schema.Type()
	for i := len(s.versions) - 1; i >= 0; i-- {
		v := s.versions[i]
		e := v.entry
		// The versions of another text are passed over by its digest; the
		// text itself is compared last (it is decompressed: a subject of
		// hundreds of versions took most of a registration's time).
		if v.deleted || e.textSum != sum || !c.accepts(v) || e.schemaType != typ || e.textLen() != len(canonical) ||
			!sameRefs(e.refs(), c.refs) || !sameRuleSet(e.ruleSet(), c.req.RuleSet) {
			continue
		}
		if md := e.metadata(); md == nil && want != nil || md != nil && !reflect.DeepEqual(withoutConfluentVersion(md), want) {
			continue
		}
		if sameText(e, c, canonical) {
			return v
		}
	}
	return nil
}

// sameText reports whether the entry's text is the candidate's canonical
// one, once its type, references, rule set and metadata (but for
// confluent:version) are known to match. With the same references, rule
// set and metadata on both sides the identities differ exactly when the
// texts do (the identity hashes the text first, then the rest): compared
// without decompressing the text.
func sameText(e *schemaEntry, c *candidate, canonical string) bool {
	if md := e.metadata(); md == nil && c.req.Metadata == nil || reflect.DeepEqual(md, c.req.Metadata) {
		return e.identity == c.identity
	}
	return e.schema() == canonical
}

// sameRuleSet compares rule sets (reflect.DeepEqual, without reflection for
// the common case of none).
func sameRuleSet(a, b *formats.RuleSet) bool {
	return a == nil && b == nil || reflect.DeepEqual(a, b)
}

// sameRefs compares references, none and an empty list alike (as the
// identity does).
func sameRefs(a, b []formats.Reference) bool {
	return len(a)+len(b) == 0 || reflect.DeepEqual(a, b)
}

// withoutConfluentVersion is metadata without confluent:version, nil when
// nothing else is left.
func withoutConfluentVersion(md *formats.Metadata) *formats.Metadata {
	if md == nil {
		return nil
	}
	out := &formats.Metadata{Tags: md.Tags, Sensitive: md.Sensitive}
	for k, v := range md.Properties {
		if k != confluentVersion {
			if out.Properties == nil {
				out.Properties = map[string]string{}
			}
			out.Properties[k] = v
		}
	}
	if len(out.Tags) == 0 && len(out.Properties) == 0 && len(out.Sensitive) == 0 {
		return nil
	}
	return out
}
