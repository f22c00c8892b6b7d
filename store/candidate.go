package store

import (
	"sort"
	"strings"

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
	// Tag edits of a registration (tags.go).
	SchemaTagsToAdd     []formats.SchemaTags `json:"schemaTagsToAdd,omitempty"`
	SchemaTagsToRemove  []formats.SchemaTags `json:"schemaTagsToRemove,omitempty"`
	PropagateSchemaTags bool                 `json:"propagateSchemaTags,omitempty"`
}

// candidate is a request's schema parsed and identified: what the rules
// compare with what the registry holds.
type candidate struct {
	schema   formats.Schema
	key      [16]byte // the parse's (parseCacheKey): names its content
	refs     []formats.Reference
	identity formats.Identity
	req      SchemaRequest
}

// typed is what the candidate's id is bound to.
func (c *candidate) typed() typedIdentity { return typedIdentity{c.identity, c.schema.Type()} }

// accepts reports whether a version holding the candidate's schema answers
// the request: the request asks for no id or version (absent, 0 or -1, as
// Confluent's clients send it), or for that version's.
func (c *candidate) accepts(v *version) bool {
	return (c.req.ID <= 0 || c.req.ID == v.entry.id) && (c.req.Version <= 0 || c.req.Version == v.version)
}

// purpose is what a request's schema is parsed for: it decides which
// references it may use and how strictly it is validated.
type purpose int

const (
	forLookup       purpose = iota // finding a registered schema: lenient, deleted references allowed
	forRegistration                // a new version: live references, strict when validateNewSchemas
	forCheck                       // a compatibility check: as a registration
)

// prepared is a request with its references resolved against the state:
// what parsing needs, so that parsing runs without holding the state lock.
type prepared struct {
	req    SchemaRequest
	format formats.Format
	refs   []formats.Reference
	deps   []formats.Dependency
	opts   formats.Options
}

// prepare checks a request's type and text and resolves its references.
// The subject's config adds normalize and says whether new schemas are
// validated strictly (Confluent's validateNewSchemas: not for an import
// with an explicit id, nor for a lookup).
func (st *state) prepare(fmts map[formats.SchemaType]formats.Format, s *Settings, subject string, req SchemaRequest, normalize bool, p purpose) (*prepared, error) {
	typ, err := formats.ParseSchemaType(req.SchemaType)
	f := fmts[typ]
	if err != nil || f == nil {
		return nil, errorf(CodeInvalidSchema, "Invalid schema type %s", req.SchemaType)
	}
	if strings.TrimSpace(req.Schema) == "" {
		return nil, errorf(CodeInvalidSchema, "Empty schema")
	}
	cfg := st.effectiveConfig(subject, s)
	out := &prepared{req: req, format: f}
	out.opts.Normalize = normalize || (cfg.Normalize != nil && *cfg.Normalize)
	out.opts.New = (p == forCheck || (p == forRegistration && req.ID <= 0)) && s.validateNew(cfg)
	refs, err := st.resolve(subject, req.References, Deleted(p == forLookup), 0, map[string]bool{}, &out.deps)
	if err != nil {
		return nil, invalidSchema(typ, err)
	}
	if out.opts.Normalize {
		refs = sortReferences(refs)
	}
	out.refs = refs
	return out, nil
}

// resolve turns the references of a schema of subject into dependencies,
// the references' own first, de-duplicated by name. A referenced subject
// without a context is in the referrer's (qualify). Versions -1 become the
// latest version. deleted says whether soft-deleted versions may be
// referred to.
func (st *state) resolve(subject string, refs []formats.Reference, deleted Deleted, depth int, seen map[string]bool, deps *[]formats.Dependency) ([]formats.Reference, error) {
	if depth > 64 {
		return nil, formats.Invalid("references nested deeper than 64 levels (cycle?)")
	}
	out := make([]formats.Reference, 0, len(refs))
	for _, ref := range refs {
		if ref.Name == "" || ref.Subject == "" || ref.Version == 0 {
			return nil, formats.Invalid("Invalid reference %+v: name, subject and version are required", ref)
		}
		v, err := st.version(qualify(subject, ref.Subject), ref.Version, deleted)
		if err != nil {
			return nil, formats.Invalid("No schema reference found for subject \"%s\" and version %d", ref.Subject, ref.Version)
		}
		ref.Version = v.version
		out = append(out, ref)
		if seen[ref.Name] {
			continue
		}
		seen[ref.Name] = true
		if _, err := st.resolve(v.subject, v.entry.refs(), IncludingDeleted, depth+1, seen, deps); err != nil {
			return nil, err
		}
		*deps = append(*deps, formats.Dependency{Name: ref.Name, Schema: v.entry.schema()})
	}
	return out, nil
}

// candidate parses a request's schema for a subject: references resolved
// under the read lock, the parse itself (cached) without it.
func (r *Registry) candidate(subject string, req SchemaRequest, normalize bool, p purpose) (*candidate, error) {
	r.mu.RLock()
	pr, err := r.st.prepare(r.formats, &r.settings, subject, req, normalize, p)
	r.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	return r.parse(pr)
}

// parse parses a prepared request. Parses are cached (cache.go): the same
// text with the same dependencies and options is parsed once.
func (r *Registry) parse(p *prepared) (*candidate, error) {
	key := parseCacheKey(p)
	res, ok := r.parses.Get(key)
	if !ok {
		res.schema, res.err = p.format.Parse(p.req.Schema, p.deps, p.opts)
		r.parses.Put(key, res)
	}
	if res.err != nil {
		return nil, invalidSchema(p.format.Type(), res.err)
	}
	return &candidate{schema: res.schema, key: key, refs: p.refs, req: p.req,
		identity: formats.IdentityOf(res.schema.Canonical(), p.refs, p.req.Metadata, p.req.RuleSet)}, nil
}

func invalidSchema(typ formats.SchemaType, err error) *Error {
	msg := strings.TrimPrefix(err.Error(), formats.ErrInvalid.Error()+": ")
	return errorf(CodeInvalidSchema, "Invalid schema of type %s, details: %s", typ, msg)
}

// sortReferences is the order and de-duplication of references that
// normalize=true gives (Confluent sorts them by name, subject, version).
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

// findInSubject returns the newest version of subject, among those seen,
// holding the candidate's schema.
func (st *state) findInSubject(subject string, c *candidate, deleted Deleted) *version {
	s := st.subjects[subject]
	if s == nil {
		return nil
	}
	want := c.typed()
	if sp := st.spaceOf(subject); sp != nil && !sp.sharedIdentities {
		// One entry per identity: the subject's versions holding it are
		// among that entry's usages (a new schema has none).
		e := sp.identities[c.identity]
		if e == nil || !e.holds(want) {
			return nil
		}
		if len(s.versions) < len(e.usages) { // a common schema: walk the subject
			for i := len(s.versions) - 1; i >= 0; i-- {
				if v := s.versions[i]; v.entry == e && deleted.visible(v) {
					return v
				}
			}
			return nil
		}
		var found *version
		for _, v := range e.usages {
			if v.subject == subject && deleted.visible(v) && (found == nil || v.version > found.version) {
				found = v
			}
		}
		return found
	}
	for i := len(s.versions) - 1; i >= 0; i-- {
		if v := s.versions[i]; deleted.visible(v) && v.entry.holds(want) {
			return v
		}
	}
	return nil
}

// registered returns the live version of subject that already answers a
// registration of the candidate: it holds the schema, with the id and
// version the request asks for if any.
func (st *state) registered(subject string, c *candidate) *version {
	if v := st.findInSubject(subject, c, LiveOnly); v != nil && c.accepts(v) {
		return v
	}
	return nil
}
