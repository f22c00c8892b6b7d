package store

import (
	"fmt"
	"slices"
	"strings"

	"github.com/schemaregistry/registry/formats"
)

// Contexts (Confluent's QualifiedSubject): a subject written
// ":.name:subject" lives in the context ".name", an independent id space
// (ids restart at 1) with its own index of schemas for de-duplication; an
// unqualified subject lives in the default context ".". The subject
// ":.name:" names the context itself (its config and mode).

// defaultContext is the context of unqualified subjects.
const defaultContext = "."

// contextOf returns the context of a subject: ".name" for ":.name:subject",
// ":.name:" and ":.name" (QualifiedSubject reads a qualifier without its
// closing colon as the context alone), "." otherwise (":.:subject" is the
// default context too).
func contextOf(subject string) string {
	if len(subject) < 2 || subject[0] != ':' || subject[1] != '.' {
		return defaultContext
	}
	end := strings.IndexByte(subject[2:], ':')
	if end < 0 {
		return subject[1:]
	}
	return subject[1 : 2+end]
}

// NormalizeContext reads a context name as Confluent's normalizeContext
// does: "name", ".name" and ":.name:" are ".name"; "", "." and ":.:" the
// default context ".". A name holding a colon is refused.
func NormalizeContext(name string) (string, error) {
	inner := strings.TrimSuffix(strings.TrimPrefix(name, ":"), ":")
	if strings.Contains(inner, ":") {
		return "", fmt.Errorf("Context name '%s' cannot contain a colon", inner)
	}
	if !strings.HasPrefix(inner, ".") {
		inner = "." + inner
	}
	return inner, nil
}

// contextScope is the subject under which the config and mode of a
// subject's context are kept: "" (the global ones) for the default context,
// ":.name:" for another.
func contextScope(subject string) string {
	ctx := contextOf(subject)
	if ctx == defaultContext {
		return ""
	}
	return ":" + ctx + ":"
}

// qualify returns a referenced subject as its referrer sees it: a
// reference without a context is in its referrer's
// (QualifiedSubject.qualifySubjectWithParent).
func qualify(parent, subject string) string {
	ctx := contextOf(parent)
	if strings.HasPrefix(subject, ":.") {
		return NormalizeSubject(subject)
	}
	if ctx == defaultContext {
		return subject
	}
	return ":" + ctx + ":" + subject
}

// QualifyReference is the subject a reference of a schema of subject
// parent names: one without a context is in its referrer's.
func QualifyReference(parent, subject string) string { return qualify(parent, subject) }

// idSpace is the ids of one context.
type idSpace struct {
	ids        idIndex
	identities map[formats.Identity]*schemaEntry
	// guids names, for an identity held by several ids (an import), the
	// entry its GUID resolves to when that is not the one identities
	// names (see guid).
	guids map[formats.Identity]*schemaEntry
	maxID int
	// sharedIdentities is set once two ids hold the same schema (an
	// import): identities then no longer names every entry of an identity.
	sharedIdentities bool
}

func newIDSpace() *idSpace {
	return &idSpace{identities: map[formats.Identity]*schemaEntry{}, guids: map[formats.Identity]*schemaEntry{}}
}

// guid returns the entry a GUID resolves to: the id last bound to its
// schema, as Confluent's guid index does.
func (sp *idSpace) guid(id formats.Identity) *schemaEntry {
	if e := sp.guids[id]; e != nil {
		return e
	}
	return sp.identities[id]
}

// setGUID makes a GUID resolve to e.
func (sp *idSpace) setGUID(id formats.Identity, e *schemaEntry) {
	if sp.identities[id] == e {
		delete(sp.guids, id)
	} else {
		sp.guids[id] = e
	}
}

// idIndex maps the ids of a space to their entries: a slice for the dense
// ids a registry allocates, a map for far ones an import may bring.
type idIndex struct {
	dense []*schemaEntry
	far   map[int]*schemaEntry
	n     int
}

// An id is in far or in dense, never in both: the dense slice may grow
// over an id kept in far, which stays there.
func (x *idIndex) get(id int) *schemaEntry {
	if id >= 0 && id < len(x.dense) && x.dense[id] != nil {
		return x.dense[id]
	}
	return x.far[id] // a nil map when no id was ever far
}

func (x *idIndex) put(id int, e *schemaEntry) {
	if x.get(id) == nil {
		x.n++
	}
	switch _, far := x.far[id]; {
	case far:
		x.far[id] = e
	case id >= 0 && id < len(x.dense):
		x.dense[id] = e
	case id >= 0 && id < 2*len(x.dense)+1024:
		x.dense = append(x.dense, make([]*schemaEntry, id+1-len(x.dense))...)
		x.dense[id] = e
	default:
		if x.far == nil {
			x.far = map[int]*schemaEntry{}
		}
		x.far[id] = e
	}
}

func (x *idIndex) remove(id int) {
	if x.get(id) == nil {
		return
	}
	x.n--
	if _, far := x.far[id]; far {
		delete(x.far, id)
	} else {
		x.dense[id] = nil
	}
}

// len counts the ids.
func (x *idIndex) len() int { return x.n }

// each calls f on every entry.
func (x *idIndex) each(f func(*schemaEntry)) {
	for _, e := range x.dense {
		if e != nil {
			f(e)
		}
	}
	for _, e := range x.far {
		f(e)
	}
}

// spaceOf returns the id space of a subject's context, nil when the
// context holds no schema yet.
func (st *state) spaceOf(subject string) *idSpace {
	return st.space(contextOf(subject))
}

// space returns the id space of a context by name (".name"; "" or "."
// for the default one), nil when it holds no schema.
func (st *state) space(context string) *idSpace {
	if context == "" || context == defaultContext {
		return st.dflt
	}
	return st.spaces[context]
}

// spaceFor is spaceOf, creating the space of a new context.
func (st *state) spaceFor(subject string) *idSpace {
	if s := st.spaceOf(subject); s != nil {
		return s
	}
	s := newIDSpace()
	ctx := contextOf(subject)
	st.spaces[ctx] = s
	i, _ := slices.BinarySearch(st.named, ctx)
	st.named = slices.Insert(st.named, i, ctx)
	return s
}

// plainSubject is a subject without its context qualifier.
func plainSubject(subject string) string {
	if len(subject) < 2 || subject[0] != ':' || subject[1] != '.' {
		return subject
	}
	end := strings.IndexByte(subject[2:], ':')
	if end < 0 {
		return ""
	}
	return subject[3+end:]
}

// NormalizeSubject writes a subject as Confluent stores it
// (QualifiedSubject.normalize): the default context's qualifier dropped
// (":.:s" is "s") and a context's closing colon added (":.name" is
// ":.name:", the context itself).
func NormalizeSubject(subject string) string {
	if len(subject) < 2 || subject[0] != ':' || subject[1] != '.' {
		return subject
	}
	ctx := contextOf(subject)
	if ctx == defaultContext {
		return plainSubject(subject)
	}
	return ":" + ctx + ":" + plainSubject(subject)
}

// subjectFilter is a subjectPrefix as Confluent reads it: ":*:p" matches
// the subjects starting with p in every context, ":.name:p" those of the
// context .name, and an unqualified p (or ":.:p") those of the default
// context.
type subjectFilter struct {
	anyContext bool
	context    string
	plain      string
}

func parseSubjectFilter(prefix string) subjectFilter {
	if rest, ok := strings.CutPrefix(prefix, ":*:"); ok {
		return subjectFilter{anyContext: true, plain: rest}
	}
	return subjectFilter{context: contextOf(prefix), plain: plainSubject(prefix)}
}

// contextFilter matches the subjects a context-level subject stands for:
// "" every subject, ":.name:" those of .name (":.:" the default context's).
func contextFilter(subject string) subjectFilter {
	if subject == "" {
		return subjectFilter{anyContext: true}
	}
	return subjectFilter{context: contextOf(subject)}
}

func (f subjectFilter) match(subject string) bool {
	if !f.anyContext && contextOf(subject) != f.context {
		return false
	}
	return strings.HasPrefix(plainSubject(subject), f.plain)
}

// namedContexts lists the contexts other than the default one that hold
// schemas, sorted (kept as spaces are made).
func (st *state) namedContexts() []string {
	return st.named
}

// byID resolves an id with a subject hint as Confluent's
// getSchemaKeyUsingContexts does, and names the subject whose version to
// report ("" for any):
//   - no hint: the default context;
//   - a context (":.name:"): that context;
//   - a qualified subject: only when that subject holds the id;
//   - an unqualified subject: that subject in the default context, then in
//     each other context, else the default context.
func (st *state) byID(id int, hint string) (*schemaEntry, string) {
	in := func(subject string) *schemaEntry {
		if sp := st.spaceOf(subject); sp != nil {
			return sp.ids.get(id)
		}
		return nil
	}
	holds := func(e *schemaEntry, subject string) bool {
		for _, u := range e.usages {
			if u.subject == subject {
				return true
			}
		}
		return false
	}
	plain := plainSubject(hint)
	if plain == "" {
		return in(hint), ""
	}
	if e := in(hint); e != nil && holds(e, hint) {
		return e, hint
	}
	if contextOf(hint) != defaultContext {
		return nil, ""
	}
	for _, q := range st.otherContexts(plain) {
		if e := in(q); e != nil && holds(e, q) {
			return e, q
		}
	}
	return st.dflt.ids.get(id), ""
}

// otherContexts returns an unqualified subject as each named context would
// hold it, for the reads that fall back across contexts; nothing for a
// qualified subject or a context.
func (st *state) otherContexts(subject string) []string {
	if subject == "" || strings.HasPrefix(subject, ":") || len(st.spaces) == 0 {
		return nil
	}
	var out []string
	for _, ctx := range st.namedContexts() {
		out = append(out, ":"+ctx+":"+subject)
	}
	return out
}

// Aliased reports whether any subject config has held an alias (or an
// aliasForDeks).
func (r *Registry) Aliased() bool { return r.aliased.Load() }

// Alias returns the subject a subject's own config names as its alias
// (config "alias", Confluent's AliasFilter): the requests naming the
// subject serve the alias instead. An unqualified alias is in the
// subject's context. For the DEK registry's paths (deks), the config's
// aliasForDeks comes first.
func (r *Registry) Alias(subject string, deks bool) (string, bool) {
	if !r.aliased.Load() {
		return "", false
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	c, ok := r.st.configs[subject]
	if !ok {
		return "", false
	}
	alias := c.Alias
	if deks && c.AliasForDeks != nil && *c.AliasForDeks != "" {
		alias = c.AliasForDeks
	}
	if alias == nil || *alias == "" {
		return "", false
	}
	return qualify(subject, *alias), true
}

// contextEntry is an entry of a context.
type contextEntry struct {
	ctx   string
	entry *schemaEntry
}

// idsOfGUID lists the entries of a GUID, the default context's first.
func (st *state) idsOfGUID(guid string) []contextEntry {
	id, ok := formats.ParseGUID(guid)
	if !ok {
		return nil
	}
	var out []contextEntry
	if e := st.dflt.guid(id); e != nil {
		out = append(out, contextEntry{defaultContext, e})
	}
	for _, ctx := range st.namedContexts() {
		if e := st.spaces[ctx].guid(id); e != nil {
			out = append(out, contextEntry{ctx, e})
		}
	}
	return out
}
