package store

import (
	"context"
)

// RegisterOptions are the query options of a registration.
type RegisterOptions struct {
	Normalize bool
	Force     bool // skip compatibility checks
}

// Register registers the schema of req under subject and returns the
// subject-version holding it: the existing one when the subject already holds
// that schema (even in READONLY mode), else a new version decided by
// decideRegister and committed with the registrations queued beside it.
// What the request alone breaks (its size, subject name, rule set, schema)
// is refused before the write lock.
func (r *Registry) Register(ctx context.Context, subject string, req SchemaRequest, o RegisterOptions) (SchemaVersion, error) {
	if err := r.checkLimits(req); err != nil {
		return SchemaVersion{}, err
	}
	if err := r.settings.validNewSubject(subject); err != nil {
		return SchemaVersion{}, err
	}
	if err := validateRuleSet(req.RuleSet); err != nil {
		return SchemaVersion{}, err
	}
	req, err := r.withTags(subject, req, o.Normalize)
	if err != nil {
		return SchemaVersion{}, err
	}
	// Fast path: the subject already holds it. No mode check, no write lock.
	// The parse is the strict one a new schema gets, so that a new schema is
	// parsed once; a stored schema that today's rules refuse is found by the
	// lenient parse.
	c, err := r.candidate(subject, req, o.Normalize, forRegistration)
	if err != nil {
		if old, oldErr := r.candidate(subject, req, o.Normalize, forLookup); oldErr == nil {
			if v, ok := r.existing(subject, old); ok {
				return v, nil
			}
		}
		return SchemaVersion{}, err
	}
	if v, ok := r.existing(subject, c); ok {
		return v, nil
	}
	return r.commitRegistration(ctx, registration{subject: subject, c: c, force: o.Force})
}

// existing returns the live version of subject that answers a registration
// of the candidate, if any.
func (r *Registry) existing(subject string, c *candidate) (SchemaVersion, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.st.effectiveConfig(subject, &r.settings).hasDefaultsOrOverrides() {
		return SchemaVersion{}, false // the merge decides (Confluent skips its fast lookup too)
	}
	if r.st.refsNotStrong(subject, c) != nil {
		return SchemaVersion{}, false // the decision refuses it
	}
	if v := r.st.registered(subject, c); v != nil {
		return v.export(), true
	}
	return SchemaVersion{}, false
}

// Existing returns the live version of subject holding the schema of req, if
// any: what a follower answers itself before forwarding a registration.
func (r *Registry) Existing(subject string, req SchemaRequest, normalize bool) (SchemaVersion, bool, error) {
	if err := r.checkLimits(req); err != nil {
		return SchemaVersion{}, false, err
	}
	if req.hasTagEdits() {
		return SchemaVersion{}, false, nil // the primary edits the text
	}
	c, err := r.candidate(subject, req, normalize, forLookup)
	if err != nil {
		return SchemaVersion{}, false, err
	}
	v, ok := r.existing(subject, c)
	return v, ok, nil
}

// Lookup finds the version of subject holding the schema of req. An
// unqualified subject is then looked for in each other context, as
// Confluent's lookUpSchemaUnderSubjectUsingContexts does.
func (r *Registry) Lookup(subject string, req SchemaRequest, normalize bool, deleted Deleted) (SchemaVersion, error) {
	if err := r.checkLimits(req); err != nil {
		return SchemaVersion{}, err
	}
	v, err := r.lookup(subject, req, normalize, deleted)
	if err == nil {
		return v, nil
	}
	r.mu.RLock()
	others := r.st.otherContexts(subject)
	r.mu.RUnlock()
	for _, q := range others {
		if v, e := r.lookup(q, req, normalize, deleted); e == nil {
			return v, nil
		}
	}
	return SchemaVersion{}, err
}

func (r *Registry) lookup(subject string, req SchemaRequest, normalize bool, deleted Deleted) (SchemaVersion, error) {
	r.mu.RLock()
	_, err := r.st.subject(subject, deleted)
	r.mu.RUnlock()
	if err != nil {
		return SchemaVersion{}, err
	}
	c, err := r.candidate(subject, req, normalize, forLookup)
	if err != nil {
		return SchemaVersion{}, err
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if v := r.st.findInSubject(subject, c, deleted); v != nil {
		return v.export(), nil
	}
	// As registered: merged with the config and the latest version.
	if merged := r.st.lookupContract(&r.settings, subject, c); merged != nil {
		if v := r.st.findInSubject(subject, merged, deleted); v != nil {
			return v.export(), nil
		}
	}
	return SchemaVersion{}, errSchemaNotFound()
}
