package store

import (
	"cmp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/schemaregistry/registry/formats"
)

// The reads: every one from memory, under the read lock (the listings
// hold it only to find their page in the subject index, index.go).

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

// SchemaVersion is one subject-version with its schema, as the API returns it.
type SchemaVersion struct {
	Subject    string
	Version    int
	ID         int
	GUID       string
	SchemaType formats.SchemaType
	Schema     string
	References []formats.Reference
	Metadata   *formats.Metadata
	RuleSet    *formats.RuleSet
	Timestamp  int64
	Deleted    bool
	// Associations are its subject's, in the answers of GET /schemas with
	// association filters.
	Associations []Association
}

func (v *version) export() SchemaVersion { return v.ref().export() }

// versionRef is a subject-version as read under the read lock: what an
// export reads of it afterwards, without the lock, is immutable (the
// entry's text is swapped atomically).
type versionRef struct {
	v       *version
	deleted bool
	ts      int64
	// assocs are its subject's associations, for GET /schemas.
	assocs []Association
}

func (v *version) ref() versionRef { return versionRef{v: v, deleted: v.deleted, ts: v.ts} }

func (r versionRef) export() SchemaVersion { return r.exportWithText(r.v.entry.schema()) }

// exportWithText is export with the entry's text given.
func (r versionRef) exportWithText(text string) SchemaVersion {
	v, e := r.v, r.v.entry
	return SchemaVersion{Subject: v.subject, Version: v.version, ID: e.id, GUID: e.identity.GUID(),
		SchemaType: e.schemaType, Schema: text, References: e.refs(), Metadata: e.metadata(),
		RuleSet: e.ruleSet(), Timestamp: r.ts, Deleted: r.deleted, Associations: r.assocs}
}

// subject returns a subject that has a visible version, or 40401.
func (st *state) subject(name string, deleted Deleted) (*subjectState, error) {
	s := st.subjects[name]
	if s == nil || s.latest(deleted) == nil {
		return nil, errSubjectNotFound(name)
	}
	return s, nil
}

// Version returns a subject-version; v may be LatestVersion. An
// unqualified subject the default context lacks is looked for in each
// other context, as Confluent's getUsingContexts does.
func (r *Registry) Version(subject string, v int, deleted Deleted) (SchemaVersion, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	ver, err := r.st.version(subject, v, deleted)
	for _, q := range r.st.otherContexts(subject) {
		if err == nil {
			break
		}
		if other, e := r.st.version(q, v, deleted); e == nil {
			ver, err = other, nil
		}
	}
	if err != nil {
		return SchemaVersion{}, err
	}
	return ver.export(), nil
}

func (st *state) version(subject string, v int, deleted Deleted) (*version, error) {
	s, err := st.subject(subject, deleted)
	if err != nil {
		return nil, err
	}
	if v == LatestVersion {
		return s.latest(deleted), nil
	}
	ver := s.find(v)
	if ver == nil || !deleted.visible(ver) {
		return nil, errVersionNotFound(v)
	}
	return ver, nil
}

// VersionsOptions filter a subject's version list.
type VersionsOptions struct {
	Deleted, DeletedOnly, DeletedAsNegative bool
	Paging
}

// Versions lists a subject's version numbers.
func (r *Registry) Versions(subject string, o VersionsOptions) ([]int, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	s, err := r.st.subject(subject, Deleted(o.Deleted || o.DeletedOnly || o.DeletedAsNegative))
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
	return page(out, o.Paging, r.settings.VersionSearch), nil
}

// Paging is the offset and limit query parameters of a list.
type Paging struct {
	Offset, Limit int
}

// Limits are the default and the largest page size of a list; 0 is no
// limit.
type Limits struct {
	Default, Max int
}

// page applies offset and limit to a list. A limit that is not positive or
// above the largest is the default (Confluent's normalizeLimit).
func page[T any](list []T, p Paging, l Limits) []T {
	if p.Offset > 0 {
		if p.Offset >= len(list) {
			return list[:0]
		}
		list = list[p.Offset:]
	}
	if limit := pageLimit(p, l); limit > 0 && limit < len(list) {
		list = list[:limit]
	}
	return list
}

// pageLimit is the page size page applies; 0 is none.
func pageLimit(p Paging, l Limits) int {
	if p.Limit > 0 && (l.Max <= 0 || p.Limit <= l.Max) {
		return p.Limit
	}
	return max(l.Default, 0)
}

// SubjectsOptions filter the subject list.
type SubjectsOptions struct {
	// Prefix is a subjectPrefix as Confluent reads it (subjectFilter):
	// ":*:" for every context; "", the zero value, is the default context
	// alone.
	Prefix               string
	Deleted, DeletedOnly bool
	// Readable, when set, leaves out the subjects it refuses (read
	// authorization), before paging.
	Readable func(subject string) bool
	Paging
}

// Subjects lists subject names in order. A subject counts as deleted when
// all its versions are soft-deleted.
func (r *Registry) Subjects(o SubjectsOptions) []string {
	out := []string{}
	r.EachSubject(o, func(name string) bool {
		out = append(out, name)
		return true
	})
	return out
}

// EachSubject calls fn with each name Subjects lists, in order, until fn
// returns false. The names are those of the revision at the call; fn runs
// without any lock held, and may be slow (a client reading the answer).
func (r *Registry) EachSubject(o SubjectsOptions, fn func(name string) bool) {
	f := parseSubjectFilter(o.Prefix)
	r.mu.RLock()
	x := r.st.index.freeze()
	spans, exact := x.spans(f, r.st.named)
	r.mu.RUnlock()
	w := liveSubjects
	switch {
	case o.DeletedOnly:
		w = deletedSubjects
	case o.Deleted:
		w = allSubjects
	}
	var keep func(*indexEntry) bool
	switch {
	case !exact:
		keep = func(e *indexEntry) bool { return f.match(e.name) && (o.Readable == nil || o.Readable(e.name)) }
	case o.Readable != nil:
		keep = func(e *indexEntry) bool { return o.Readable(e.name) }
	}
	limit, n := pageLimit(o.Paging, r.settings.SubjectSearch), 0
	x.walk(spans, w, keep, max(o.Offset, 0), func(e *indexEntry, _ int) bool {
		n++
		return fn(e.name) && (limit == 0 || n < limit)
	})
}

// SchemaByID returns the schema bound to an id in the context the subject
// hint names (byID), with a subject-version that holds it: the hint's when
// it does, else the first one.
func (r *Registry) SchemaByID(id int, subject string) (SchemaVersion, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	e, prefer := r.st.byID(id, subject)
	if e == nil {
		return SchemaVersion{}, errSchemaIDNotFound(id)
	}
	return e.pick(prefer).export(), nil
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

// SchemaByGUID returns the schema with that GUID: in the default context,
// else in the first other context holding it.
func (r *Registry) SchemaByGUID(guid string) (SchemaVersion, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	ids := r.st.idsOfGUID(strings.ToLower(guid))
	if len(ids) == 0 {
		return SchemaVersion{}, errSchemaIDNotFound(guid)
	}
	return ids[0].entry.pick("").export(), nil
}

// ContextID is an id in a context (Confluent's ContextId).
type ContextID struct {
	Context string `json:"context"`
	ID      int    `json:"id"`
}

// IDsOfGUID lists the ids of a GUID, one per context holding it.
func (r *Registry) IDsOfGUID(guid string) ([]ContextID, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	ids := r.st.idsOfGUID(strings.ToLower(guid))
	if len(ids) == 0 {
		return nil, errSchemaIDNotFound(guid)
	}
	out := make([]ContextID, len(ids))
	for i, c := range ids {
		out[i] = ContextID{c.ctx, c.entry.id}
	}
	return out, nil
}

// SubjectVersion names a subject-version.
type SubjectVersion struct {
	Subject string `json:"subject"`
	Version int    `json:"version"`
}

// VersionsOfID lists the subject-versions holding an id, the id resolved
// in the context the subject hint names (byID), by subject then version.
func (r *Registry) VersionsOfID(id int, subject string, deleted Deleted, p Paging) ([]SubjectVersion, error) {
	out, err := r.usagesOfID(id, subject, deleted)
	return page(out, p, r.settings.VersionSearch), err
}

// SubjectsOfID lists the subjects holding an id, sorted.
func (r *Registry) SubjectsOfID(id int, subject string, deleted Deleted, p Paging) ([]string, error) {
	usages, err := r.usagesOfID(id, subject, deleted)
	out := []string{}
	for _, u := range usages {
		if len(out) == 0 || out[len(out)-1] != u.Subject {
			out = append(out, u.Subject)
		}
	}
	return page(out, p, r.settings.SubjectSearch), err
}

func (r *Registry) usagesOfID(id int, subject string, deleted Deleted) ([]SubjectVersion, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	e, _ := r.st.byID(id, subject)
	if e == nil {
		return nil, errSchemaIDNotFound(id)
	}
	out := []SubjectVersion{}
	for _, u := range e.usages {
		if deleted.visible(u) {
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
	Readable            func(subject string) bool // as in SubjectsOptions
	// Associations, when set, keeps the subject-versions whose subject has
	// associations it matches, listed on each (Confluent's resourceType,
	// associationType and lifecycle filters of GET /schemas).
	Associations *SchemaAssociationFilter
	Paging
}

// SchemaAssociationFilter selects subject-versions by their subject's
// associations. Lifecycles may hold "NONE": subjects without any.
type SchemaAssociationFilter struct {
	ResourceType *string // nil is any
	Types        []string
	Lifecycles   []string
}

// pick returns the associations of subject the filter shows and whether
// its versions are kept.
func (f *SchemaAssociationFilter) pick(st *state, subject string) ([]Association, bool) {
	var all []*Association
	for _, a := range st.assocs.bySubject[subject] {
		if (f.ResourceType == nil || *f.ResourceType == a.ResourceType) && (len(f.Types) == 0 || slices.Contains(f.Types, a.AssociationType)) {
			all = append(all, a)
		}
	}
	if len(all) == 0 {
		return nil, slices.Contains(f.Lifecycles, "NONE")
	}
	strongOrWeak := slices.Contains(f.Lifecycles, Strong) || slices.Contains(f.Lifecycles, Weak)
	var out []Association
	for _, a := range all {
		if !strongOrWeak || slices.Contains(f.Lifecycles, a.Lifecycle) {
			out = append(out, *a)
		}
	}
	if !strongOrWeak && len(f.Lifecycles) > 0 { // NONE alone
		return nil, false
	}
	slices.SortFunc(out, func(a, b Association) int { return compareAssociations(&a, &b) })
	return out, len(out) > 0
}

// VersionRef is a subject-version's id and deleted flag, without its
// schema: what a copy compares before reading the schemas it lacks.
type VersionRef struct {
	Subject string
	Version int
	ID      int
	Deleted bool
}

// VersionRefs lists every subject-version of the subjects a prefix
// selects (as SubjectsOptions.Prefix reads it), soft-deleted ones
// included, by subject then version; no schema text is decompressed.
func (r *Registry) VersionRefs(prefix string) []VersionRef {
	f := parseSubjectFilter(prefix)
	r.mu.RLock()
	var out []VersionRef
	for name, s := range r.st.subjects {
		if !f.match(name) {
			continue
		}
		for _, v := range s.versions {
			out = append(out, VersionRef{Subject: name, Version: v.version, ID: v.entry.id, Deleted: v.deleted})
		}
	}
	r.mu.RUnlock()
	slices.SortFunc(out, func(a, b VersionRef) int {
		if c := strings.Compare(a.Subject, b.Subject); c != 0 {
			return c
		}
		return a.Version - b.Version
	})
	return out
}

// Schemas lists subject-versions with their schemas, by subject then version.
func (r *Registry) Schemas(o SchemasOptions) []SchemaVersion {
	out := []SchemaVersion{}
	r.EachSchema(o, func(v SchemaVersion) bool {
		out = append(out, v)
		return true
	})
	return out
}

// schemaBatch is how many subject-versions a listing reads under one hold
// of the read lock. A page of up to schemaBatch (the default largest page
// is 1000) is read at one revision; a longer listing (a larger page size
// configured) reads each batch at the revision of its time, resuming after
// the last subject-version read.
var schemaBatch = 1024 // a variable for the tests

// EachSchema calls fn with each subject-version Schemas lists, in order,
// until fn returns false. fn runs without any lock held; the schema texts
// are decompressed there too.
func (r *Registry) EachSchema(o SchemasOptions, fn func(SchemaVersion) bool) {
	f := parseSubjectFilter(o.Prefix)
	deleted := Deleted(o.Deleted)
	w := liveVersions
	switch {
	case o.LatestOnly && o.Deleted:
		w = allSubjects
	case o.LatestOnly:
		w = liveSubjects
	case o.Deleted:
		w = allVersions
	}
	limit := pageLimit(o.Paging, r.settings.SchemaSearch)
	skip := max(o.Offset, 0)
	var (
		x     *subjectIndex
		spans []span
		keep  func(*indexEntry) bool
		// picked is the subject whose associations are assocs: keep picks
		// them for each entry before walk hands it on.
		picked  string
		assocs  []Association
		refs    []versionRef
		emitted int
		// resumed and after: the subject the batch resumes in, and the
		// version it stopped after.
		resumed string
		after   int
	)
	for {
		r.mu.RLock()
		if x == nil {
			x = r.st.index.freeze()
			var exact bool
			spans, exact = x.spans(f, r.st.named)
			if !exact || o.Readable != nil || o.Associations != nil {
				keep = func(e *indexEntry) bool {
					if !exact && !f.match(e.name) || o.Readable != nil && !o.Readable(e.name) {
						return false
					}
					if o.Associations == nil {
						return true
					}
					list, ok := o.Associations.pick(r.st, e.name)
					picked, assocs = e.name, list
					return ok
				}
			}
		}
		if refs == nil {
			refs = make([]versionRef, 0, min(cmp.Or(limit, schemaBatch), schemaBatch))
		}
		refs = refs[:0]
		// add adds a version to the batch, false when the page or the
		// batch is full.
		add := func(v *version) bool {
			ref := v.ref()
			if o.Associations != nil && picked == v.subject {
				ref.assocs = assocs
			}
			refs = append(refs, ref)
			return !(limit > 0 && emitted+len(refs) == limit || len(refs) == schemaBatch)
		}
		stop, stopped := x.walk(spans, w, keep, skip, func(e *indexEntry, within int) bool {
			resuming := e.name == resumed
			if o.LatestOnly {
				v := e.subject.latest(deleted)
				if v == nil || resuming && v.version <= after {
					return true
				}
				return add(v)
			}
			for _, v := range e.subject.versions {
				if !deleted.visible(v) || resuming && v.version <= after {
					continue
				}
				if within > 0 {
					within--
					continue
				}
				if !add(v) {
					return false
				}
			}
			return true
		})
		r.mu.RUnlock()
		for _, ref := range refs {
			if !fn(ref.export()) {
				return
			}
		}
		emitted += len(refs)
		if !stopped || limit > 0 && emitted >= limit {
			return
		}
		last := refs[len(refs)-1].v
		resumed, after = last.subject, last.version
		spans, skip = from(spans, stop), 0
	}
}

// ReferencedBy lists the ids of schemas referring to a subject-version.
func (r *Registry) ReferencedBy(subject string, v int, deleted Deleted, p Paging) ([]int, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	ver, err := r.st.version(subject, v, deleted)
	if err != nil {
		return nil, err
	}
	seen := map[int]bool{}
	out := []int{}
	for ref := range r.st.referrers[svKey{subject, ver.version}] {
		if deleted.visible(ref) && !seen[ref.entry.id] {
			seen[ref.entry.id] = true
			out = append(out, ref.entry.id)
		}
	}
	sort.Ints(out)
	return page(out, p, r.settings.SchemaSearch), nil
}

// MetadataVersion returns the latest version whose metadata properties hold
// every given pair.
func (r *Registry) MetadataVersion(subject string, pairs map[string]string, deleted Deleted) (SchemaVersion, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	s, err := r.st.subject(subject, deleted)
	if err != nil {
		return SchemaVersion{}, err
	}
	for i := len(s.versions) - 1; i >= 0; i-- {
		v := s.versions[i]
		if !deleted.visible(v) {
			continue
		}
		ok := true
		for k, val := range pairs {
			if v.entry.metadata() == nil || v.entry.metadata().Properties[k] != val {
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

// Contexts lists the contexts starting with prefix: the default one, then
// stored ones in order.
func (r *Registry) Contexts(prefix string, p Paging) []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := []string{}
	if strings.HasPrefix(defaultContext, prefix) {
		out = append(out, defaultContext)
	}
	var named []string
	for c := range r.st.contexts {
		if strings.HasPrefix(c, prefix) {
			named = append(named, c)
		}
	}
	sort.Strings(named)
	return page(append(out, named...), p, r.settings.ContextSearch)
}

// MaxID is the highest id ever bound in a subject's context.
func (r *Registry) MaxID(subject string) int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.st.maxID(subject)
}

// Parsed returns the schema bound to an id of a context (".name", "." or
// "" for the default one), parsed (and cached), with every subject-version
// holding it, soft-deleted ones included: what the validation hook checks
// records against.
func (r *Registry) Parsed(context string, id int) (formats.Schema, []SubjectVersion, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var e *schemaEntry
	if sp := r.st.space(context); sp != nil {
		e = sp.ids.get(id)
	}
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

// IDOfGUID returns the id bound to a schema GUID in a context.
func (r *Registry) IDOfGUID(context string, guid formats.Identity) (int, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	sp := r.st.space(context)
	if sp == nil || sp.guid(guid) == nil {
		return 0, false
	}
	return sp.guid(guid).id, true // as /schemas/guids/{guid}/ids answers
}

// Formatted returns the text of the schema bound to id in another format
// (format=serialized for Protobuf); ok is false when the type has no such
// format, and the stored text applies.
func (r *Registry) Formatted(id int, subject, format string) (string, bool, error) {
	r.mu.RLock()
	e, _ := r.st.byID(id, subject)
	var s formats.Schema
	var err error = errSchemaIDNotFound(id)
	if e != nil {
		s, err = r.parsed(r.st, e)
	}
	r.mu.RUnlock()
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
