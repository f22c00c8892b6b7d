package jsonschema

import (
	"net/url"
	"strconv"
	"strings"
)

// baseURL is the synthetic location of the schema being parsed. Reference
// names resolve against it (or against the schema's own $id), so
// "address.json" names mem://schemas/address.json. Nothing is ever loaded
// from a URL: only the schema and its resolved references are known.
const baseURL = "mem://schemas/"

// resolver resolves the "$ref"s of a schema and its references to the JSON
// values they point to, the way the drafts define it: against the base URI
// that "$id" (draft 4: "id") sets, with JSON pointer or anchor fragments.
type resolver struct {
	draft     Draft
	resources map[string]*Value // absolute URL without fragment -> resource root
	anchors   map[string]*Value // URL#name -> schema
	pending   []pendingRef
}

type pendingRef struct {
	obj  *Value
	base *url.URL
	ref  string
}

func newResolver(d Draft) *resolver {
	return &resolver{draft: d, resources: map[string]*Value{}, anchors: map[string]*Value{}}
}

func keyOf(u *url.URL) string {
	c := *u
	c.Fragment, c.RawFragment = "", ""
	return c.String()
}

// addDocument registers a document at its location and indexes its
// embedded resources, anchors and references.
func (r *resolver) addDocument(loc *url.URL, doc *Value) {
	if _, ok := r.resources[keyOf(loc)]; !ok {
		r.resources[keyOf(loc)] = doc
	}
	r.walk(doc, loc, 0)
}

// dataKeywords hold instance data, never schemas: their contents are not
// searched for "$id" or "$ref".
var dataKeywords = map[string]bool{"enum": true, "const": true, "default": true, "examples": true}

func (r *resolver) idKeyword() string {
	if r.draft == Draft4 {
		return "id"
	}
	return "$id"
}

func (r *resolver) walk(v *Value, base *url.URL, depth int) {
	if depth > maxDepth {
		return
	}
	switch v.Kind {
	case Array:
		for _, m := range v.Items {
			r.walk(m, base, depth+1)
		}
		return
	case Object:
	default:
		return
	}
	ref, hasRef := v.Get("$ref").Text()
	// Before 2019-09 the other members of a "$ref" object are ignored,
	// "$id" included.
	if id, ok := v.Get(r.idKeyword()).Text(); ok && (!hasRef || r.draft >= Draft2019) {
		if u, err := base.Parse(id); err == nil {
			if u.Fragment != "" && keyOf(u) == keyOf(base) && !strings.HasPrefix(u.Fragment, "/") {
				// "#name": a location-independent identifier (draft 4-7).
				r.anchor(base, u.Fragment, v)
			} else {
				nb := *u
				nb.Fragment, nb.RawFragment = "", ""
				if _, ok := r.resources[keyOf(&nb)]; !ok {
					r.resources[keyOf(&nb)] = v
				}
				if u.Fragment != "" && !strings.HasPrefix(u.Fragment, "/") {
					r.anchor(&nb, u.Fragment, v)
				}
				base = &nb
			}
		}
	}
	if r.draft >= Draft2019 {
		for _, k := range []string{"$anchor", "$dynamicAnchor"} {
			if name, ok := v.Get(k).Text(); ok {
				r.anchor(base, name, v)
			}
		}
	}
	if hasRef {
		r.pending = append(r.pending, pendingRef{obj: v, base: base, ref: ref})
	}
	for i, k := range v.Keys {
		if dataKeywords[k] {
			continue
		}
		r.walk(v.Vals[i], base, depth+1)
	}
}

func (r *resolver) anchor(base *url.URL, name string, v *Value) {
	k := keyOf(base) + "#" + name
	if _, ok := r.anchors[k]; !ok {
		r.anchors[k] = v
	}
}

// resolveAll sets Ref on every object with a "$ref" that resolves.
func (r *resolver) resolveAll() {
	for _, p := range r.pending {
		p.obj.Ref = r.lookup(p.base, p.ref)
	}
}

func (r *resolver) lookup(base *url.URL, ref string) *Value {
	u, err := base.Parse(ref)
	if err != nil {
		return nil
	}
	doc := r.resources[keyOf(u)]
	if doc == nil {
		return nil
	}
	frag := u.Fragment
	if frag == "" {
		return doc
	}
	if strings.HasPrefix(frag, "/") {
		return pointer(doc, frag)
	}
	return r.anchors[keyOf(u)+"#"+frag]
}

// pointer evaluates a JSON pointer (already percent-decoded) in doc.
func pointer(doc *Value, ptr string) *Value {
	cur := doc
	for _, tok := range strings.Split(ptr[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch cur.Kind {
		case Object:
			cur = cur.Get(tok)
		case Array:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(cur.Items) || (len(tok) > 1 && tok[0] == '0') {
				return nil
			}
			cur = cur.Items[i]
		default:
			return nil
		}
		if cur == nil {
			return nil
		}
	}
	return cur
}
