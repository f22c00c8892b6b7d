package store

import (
	"regexp"
	"slices"
	"strings"

	"github.com/schemaregistry/registry/formats"
)

// Confluent's registration rules (KafkaSchemaRegistry.register), as a
// decision: a function of a view and the registration.

// registration is a registration as its decision takes it.
type registration struct {
	subject string
	c       *candidate
	force   bool // skip the compatibility checks (?force=true)
}

// registerAnswer is what a registration answers: the version that already
// held the schema (nothing written), or the version written.
type registerAnswer struct {
	existing *SchemaVersion
	version  int
}

// decideRegister decides a registration, in Confluent's order:
//  0. the metadata and rule set are merged with the config's and the
//     previous version's (contract);
//  1. a live version of the subject already holding the schema (with the id
//     and version asked for, if any) is the answer, in any mode;
//  2. the mode must allow the write (checkMode);
//  3. the references must still be live;
//  4. unless importing or forced, the schema must be compatible with the
//     versions the subject's level names (40901);
//  5. the version is the next one, or in import mode the one asked for,
//     which must not hold another schema;
//  6. the id is the one asked for (import: not bound to another schema),
//     or the id of the same schema elsewhere, or the next one;
//  7. the first schema of a context other than the default one comes
//     with a CONTEXT record; older soft-deleted versions of the subject
//     bound to the same id are tombstoned, unless something refers to them;
//     then the SCHEMA record.
func (w *view) decideRegister(g registration) ([]Record, registerAnswer, error) {
	st, subject := w.st, g.subject
	if err := st.refsNotStrong(subject, g.c); err != nil {
		return nil, registerAnswer{}, err
	}
	c := w.contract(subject, g.c) // the data contract it stores
	v := st.registered(subject, c)
	if v == nil {
		v = st.registeredIgnoringVersion(subject, c)
	}
	if v != nil {
		out := v.export()
		return nil, registerAnswer{existing: &out}, nil
	}
	kind := writeRegister
	if c.req.ID > 0 {
		kind = writeImport
	}
	if err := st.checkMode(subject, kind); err != nil {
		return nil, registerAnswer{}, err
	}
	importing := st.mode(subject).importing()
	if err := st.refsLive(subject, c); err != nil {
		return nil, registerAnswer{}, err
	}
	s := st.subjects[subject]
	if !importing && !g.force && s != nil && st.checksCompatibility(w.settings, subject) {
		if q, ok := st.compatQuestion(w.settings, subject, c, s.live()); ok {
			if msgs := w.check(q); len(msgs) > 0 {
				return nil, registerAnswer{}, errorf(CodeIncompatibleSchema, "Schema being registered is incompatible with an earlier schema for subject \"%s\", details: [%s]", subject, strings.Join(msgs, ", "))
			}
		}
	}
	ver, err := s.versionFor(subject, c, importing)
	if err != nil {
		return nil, registerAnswer{}, err
	}
	id, err := w.idFor(subject, c)
	if err != nil {
		return nil, registerAnswer{}, err
	}
	var recs []Record
	ctx := contextOf(subject)
	firstOfContext := ctx != defaultContext && !st.contexts[ctx] && !w.taken.contexts[ctx]
	if firstOfContext {
		recs = append(recs, contextRecord(ctx)) // the first schema of a context
	}
	recs = append(recs, st.sameIDTombstones(subject, id, ver)...)
	rec := schemaRecord(schemaValue{Subject: subject, Version: ver, ID: id, SchemaType: c.schema.Type(), References: c.refs,
		Metadata: c.req.Metadata, RuleSet: c.req.RuleSet, Schema: c.schema.Canonical()})
	if len(rec.Key)+len(rec.Value) > w.settings.MaxRecordBytes {
		return nil, registerAnswer{}, errorf(CodeSchemaTooLarge, "Register operation failed because schema is too large")
	}
	if firstOfContext {
		w.taken.contexts[ctx] = true
	}
	w.taken.note(ctx, id, c.typed(), st.maxID(subject))
	return append(recs, rec), registerAnswer{version: ver}, nil
}

// refsLive checks that the versions a new schema refers to are still live:
// one may have been deleted since the request was parsed.
func (st *state) refsLive(subject string, c *candidate) error {
	for _, ref := range c.refs {
		if _, err := st.version(qualify(subject, ref.Subject), ref.Version, LiveOnly); err != nil {
			return invalidSchema(c.schema.Type(), formats.Invalid("No schema reference found for subject \"%s\" and version %d", ref.Subject, ref.Version))
		}
	}
	return nil
}

// refsNotStrong refuses a reference to a subject that a STRONG association
// holds: a topic's own subject is not shared (in every mode, before the
// registered schema is looked for).
func (st *state) refsNotStrong(subject string, c *candidate) error {
	for _, ref := range c.refs {
		if st.assocs.strong(qualify(subject, ref.Subject)) {
			return errorf(CodeOperationNotPermitted, "Subject '%s' has a strong association and cannot be referenced", ref.Subject)
		}
	}
	return nil
}

// versionFor returns the version a registration writes: the one after the
// subject's highest, soft-deleted ones included; a requested version must
// be that one (42201), except in import mode, where it is taken as given but
// may not hold another schema (42205). s may be nil (a new subject).
func (s *subjectState) versionFor(subject string, c *candidate, importing bool) (int, error) {
	next := 1
	if s != nil && len(s.versions) > 0 {
		next = s.versions[len(s.versions)-1].version + 1
	}
	switch {
	case c.req.Version <= 0:
		return next, nil
	case importing:
		if s != nil {
			if old := s.find(c.req.Version); old != nil && !old.entry.holds(c.typed()) {
				return 0, errorf(CodeOperationNotPermitted, "Overwrite new schema with version %d in subject %s is not permitted.", c.req.Version, subject)
			}
		}
		return c.req.Version, nil
	case c.req.Version != next:
		return 0, errorf(CodeInvalidSchema, "Version is not one more than previous version")
	}
	return next, nil
}

// idFor returns the id a registration binds in its subject's context: the
// one asked for, which must not be bound to another schema (42205); else
// the id of the same schema (same identity and type) in the state or taken
// earlier in the commit; else the next one.
func (w *view) idFor(subject string, c *candidate) (int, error) {
	t, ctx := c.typed(), contextOf(subject)
	sp := w.st.spaceOf(subject)
	if c.req.ID > 0 {
		if sp != nil {
			if e := sp.ids.get(c.req.ID); e != nil && !e.holds(t) {
				return 0, errorf(CodeOperationNotPermitted, "Overwrite new schema with id %d in context %s is not permitted.", c.req.ID, ctx)
			}
		}
		return c.req.ID, nil
	}
	if sp != nil {
		if e := sp.identities[c.identity]; e != nil && e.holds(t) {
			return e.id, nil
		}
	}
	if id := w.taken.byIdentity[contextIdentity{ctx, t}]; id > 0 {
		return id, nil
	}
	return max(w.st.maxID(subject), w.taken.last[ctx]) + 1, nil
}

// note records an id a decision bound in a context, when it is new: the
// next decisions of the commit reuse it for the same schema and allocate
// after it.
func (t *takenIDs) note(ctx string, id int, ti typedIdentity, maxID int) {
	if id > max(maxID, t.last[ctx]) {
		t.last[ctx] = id
		key := contextIdentity{ctx, ti}
		t.byIdentity[key] = id
		t.noted = append(t.noted, key)
	}
}

// maxID is the highest id ever bound in a subject's context.
func (st *state) maxID(subject string) int {
	if sp := st.spaceOf(subject); sp != nil {
		return sp.maxID
	}
	return 0
}

// sameIDTombstones returns tombstones for the soft-deleted versions of
// subject older than ver bound to id, which a registration of that id
// replaces; a version something still refers to, even a soft-deleted
// referrer, is kept (Confluent's issue #4277).
func (st *state) sameIDTombstones(subject string, id, ver int) []Record {
	sp := st.spaceOf(subject)
	if sp == nil {
		return nil
	}
	e := sp.ids.get(id)
	if e == nil {
		return nil // a new id: no version holds it
	}
	var versions []int
	for _, v := range e.usages { // the versions holding the id, not every version of the subject
		if v.subject == subject && v.deleted && v.version < ver && !st.referenced(subject, v.version, referrerScope{deleted: true}) {
			versions = append(versions, v.version)
		}
	}
	slices.Sort(versions) // in the order of the subject's versions
	recs := make([]Record, 0, len(versions))
	for _, v := range versions {
		recs = append(recs, schemaTombstone(subject, v))
	}
	return recs
}

var ruleName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_\-]*$`)

// validateRuleSet applies Confluent's rule set checks (RuleSet.validate,
// Rule.validate; 42210).
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
