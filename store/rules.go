package store

import (
	"unicode"

	"github.com/schemaregistry/registry/formats"
)

// Confluent's write rules are decisions: functions of a view of the state
// and a request that return the records to append and the answer, or an
// error. They are the rules_*.go files; commit.go runs them under the write
// lock and appends what they return. The rules shared by several decisions
// are here.

// view is what a write decision sees, and all it sees: the state as
// applied so far (read only), the ids the decisions before it in the same
// commit took, the server's settings, and the compatibility checker (a pure
// function of its question). It has no lock, cache, queue or log.
type view struct {
	st       *state
	settings *Settings
	taken    *takenIDs
	check    checker
}

// takenIDs are the ids that decisions of one commit allocated, not yet in
// the state, per context: a second registration of the same schema in the
// commit gets the same id, the next new schema the next one. The
// registrations' pipeline keeps one across the groups it has in flight.
type takenIDs struct {
	last       map[string]int
	byIdentity map[contextIdentity]int
	contexts   map[string]bool // contexts whose CONTEXT record the commit writes
	// noted lists the keys of byIdentity added since the registrations'
	// pipeline last took them (it drops them once applied).
	noted []contextIdentity
}

// contextIdentity is a typedIdentity in a context.
type contextIdentity struct {
	ctx string
	typedIdentity
}

func newTakenIDs() *takenIDs {
	return &takenIDs{last: map[string]int{}, byIdentity: map[contextIdentity]int{}, contexts: map[string]bool{}}
}

// typedIdentity is what an id is bound to: a schema identity (text,
// references, metadata, rule set) and a schema type.
type typedIdentity struct {
	identity   formats.Identity
	schemaType formats.SchemaType
}

// holds reports whether the entry is the schema of that identity and type:
// an id binds one (identity, schema type) and nothing else, ever.
func (e *schemaEntry) holds(t typedIdentity) bool {
	return e.identity == t.identity && e.schemaType == t.schemaType
}

// Deleted says whether a read sees soft-deleted versions.
type Deleted bool

// The two visibilities.
const (
	LiveOnly         Deleted = false
	IncludingDeleted Deleted = true
)

// visible reports whether a version is seen.
func (d Deleted) visible(v *version) bool { return bool(d) || !v.deleted }

// Deletion is how a version or subject is deleted.
type Deletion int

// Soft deletes keep the records and mark them deleted; permanent deletes
// tombstone versions that were soft-deleted before.
const (
	SoftDelete Deletion = iota
	PermanentDelete
)

// writeKind is what a write does, for the mode check.
type writeKind int

const (
	writeRegister writeKind = iota // a registration choosing its id
	writeImport                    // a registration with an explicit id
	writeDelete                    // a delete of versions
)

// checkMode refuses a write the subject's mode does not allow: nothing in
// READONLY, explicit ids only in IMPORT, new ids only in READWRITE
// (Confluent's checkRegisterMode; deletes check only read-only).
func (st *state) checkMode(subject string, k writeKind) error {
	m := st.mode(subject)
	switch {
	case m.readOnly():
		return errorf(CodeOperationNotPermitted, "Subject %s in context . is in read-only mode", subject)
	case k == writeImport && !m.importing():
		return errorf(CodeOperationNotPermitted, "Subject %s in context . is not in import mode", subject)
	case k == writeRegister && m != ModeReadWrite:
		return errorf(CodeOperationNotPermitted, "Subject %s in context . is not in read-write mode", subject)
	}
	return nil
}

// referrerScope says which referrers keep a subject-version from being
// deleted.
type referrerScope struct {
	// deleted counts soft-deleted referrers too (permanent deletes, and
	// the tombstones a registration writes: a soft-deleted referrer may
	// be restored and needs its reference).
	deleted bool
	// otherSubjects ignores referrers in the same subject (a subject
	// deleted whole takes its own referrers with it).
	otherSubjects bool
}

// referenced reports whether a schema in scope refers to subject-version v:
// such a version is never deleted nor tombstoned (42206).
func (st *state) referenced(subject string, v int, scope referrerScope) bool {
	for ref := range st.referrers[svKey{subject, v}] {
		if scope.otherSubjects && ref.subject == subject {
			continue
		}
		if scope.deleted || !ref.deleted {
			return true
		}
	}
	return false
}

func errReferenced(subject string, v int) *Error {
	return errorf(CodeReferenceExists, "One or more references exist to the schema {magic=1,keytype=SCHEMA,subject=%s,version=%d}.", subject, v)
}

// validSubject applies Confluent's subject rules (QualifiedSubject
// .isValidSubject): no control characters, and neither "__GLOBAL" nor
// "__EMPTY" in any context, the names Confluent gives the global config and
// mode keys of a context and the empty subject in its records.
func validSubject(subject string) error {
	plain := plainSubject(subject)
	bad := plain == "__GLOBAL" || plain == "__EMPTY"
	for _, c := range subject {
		if unicode.IsControl(c) {
			bad = true
		}
	}
	if bad {
		return errInvalidSubject(subject)
	}
	return nil
}

// validNewSubject is validSubject for a registration, which may also refuse
// the empty subject and the wildcard "*", in any context
// (schema.reject.empty.subject, as Confluent's isValidSubject with
// allowEmptyOrWildcard off), and never goes to the
// context ".__GLOBAL", which holds config and mode only.
func (s *Settings) validNewSubject(subject string) error {
	plain := plainSubject(subject)
	if s.RejectEmptySubject && (plain == "" || plain == "*") || contextScope(subject) == globalContext {
		return errInvalidSubject(subject)
	}
	return validSubject(subject)
}

func errInvalidSubject(subject string) *Error {
	return errorf(CodeInvalidSubject, "The specified subject '%s' is not a valid.", subject)
}
