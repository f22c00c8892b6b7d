package api

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/schemaregistry/registry/store"
)

func (a *API) listContexts(r *http.Request) (any, error) {
	p, err := paging(r)
	if err != nil {
		return nil, err
	}
	return a.reg.Contexts(queryParam(r, "contextPrefix"), p), nil
}

func (a *API) deleteContext(r *http.Request) (any, error) {
	if err := a.reg.DeleteContext(r.Context(), pathParam(r, "context")); err != nil {
		return nil, err
	}
	return noContent{}, nil
}

// contextPaths, a middleware before routing, rewrites a path under
// /contexts/{context}/ as Confluent's ContextFilter does, so that a client
// whose registry URL ends in /contexts/.name works in that context:
//   - the segment after subjects, deks, and a leading config or mode gets
//     the context's qualifier unless it has one (":.name:subject");
//   - a bare /config or /mode becomes /config/:.name: (the context's own);
//   - /schemas/ids/... gets the context as its subject hint, and /schemas
//     and /subjects as their subjectPrefix;
//   - /contexts/{context} alone stays itself, the context qualified
//     (DELETE /contexts/.name);
//   - and, this registry's own, /validation/... gets the context as its
//     context query parameter.
//
// A context name holding a colon is refused with 400, as Confluent does.
//
// Then a subject whose own config names an alias is replaced by it, in the
// segment after subjects and deks and in the subject hint of /schemas/ids
// (Confluent's AliasFilter).
func (a *API) contextPaths(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/contexts/") {
			path, query, err := rewriteContextPath(r.Method, r.URL.EscapedPath(), r.URL.Query())
			if err == nil {
				r, err = withURL(r, path, query)
			}
			if err != nil {
				ct := negotiate(header(r, "Accept"))
				if ct == "" {
					ct = responseTypes[0].name
				}
				writeError(w, ct, httpError(http.StatusBadRequest, "%s", err.Error()))
				return
			}
		}
		if a.reg.Aliased() {
			r = a.aliases(r)
		}
		next.ServeHTTP(w, r)
	})
}

// withURL is the request with another escaped path and, unless nil,
// another query.
func withURL(r *http.Request, path string, query url.Values) (*http.Request, error) {
	u := *r.URL
	u.RawPath = path
	var err error
	if u.Path, err = url.PathUnescape(path); err != nil {
		return nil, err
	}
	if query != nil {
		u.RawQuery = query.Encode()
	}
	r2 := r.Clone(r.Context())
	r2.URL = &u
	r2.RequestURI = u.RequestURI()
	return r2, nil
}

// aliases replaces the subjects that have an alias.
func (a *API) aliases(r *http.Request) *http.Request {
	deks := strings.HasPrefix(r.URL.Path, "/dek-registry/")
	alias := func(s string) (string, bool) {
		if s == "" {
			return "", false
		}
		return a.reg.Alias(store.NormalizeSubject(s), deks)
	}
	segs := strings.Split(r.URL.EscapedPath(), "/")
	changed := false
	for i := 0; i+1 < len(segs); i++ {
		if segs[i] != "subjects" && segs[i] != "deks" {
			continue
		}
		i++
		if s, err := url.PathUnescape(segs[i]); err == nil {
			if to, ok := alias(s); ok {
				segs[i], changed = url.PathEscape(to), true
			}
		}
	}
	var query url.Values
	if strings.HasPrefix(r.URL.Path, "/schemas/ids") {
		q := r.URL.Query()
		if to, ok := alias(q.Get("subject")); ok {
			q.Set("subject", to)
			query, changed = q, true
		}
	}
	if !changed {
		return r
	}
	if r2, err := withURL(r, strings.Join(segs, "/"), query); err == nil {
		return r2
	}
	return r
}

// contextQualifier is a context name as a subject qualifier
// (QualifiedSubject.normalizeContext): "" for the default context,
// ":.name:" for another; "name", ".name" and ":.name:" all name ".name".
func contextQualifier(name string) (string, error) {
	if dec, err := url.PathUnescape(name); err == nil {
		name = dec
	}
	ctx, err := store.NormalizeContext(name)
	if err != nil || ctx == "." {
		return "", err
	}
	return ":" + ctx + ":", nil
}

// qualified reports whether a subject or prefix names its context already
// (":.name:" or the wildcard ":*:"), percent-encoded or not.
func qualified(s string) bool {
	if dec, err := url.PathUnescape(s); err == nil {
		s = dec
	}
	return strings.HasPrefix(s, ":.") || strings.HasPrefix(s, ":*:")
}

// rewriteContextPath is ContextFilter.modifyUri on an escaped path and its
// query: the new escaped path, and the new query (nil when unchanged).
func rewriteContextPath(method, path string, query url.Values) (string, url.Values, error) {
	var (
		q, qErr                  = "", error(nil) // the context's qualifier, or why it has none
		contextNext, subjectNext bool
		configOrMode, first      = false, true
		out                      []string
	)
	// The context name is only checked where it is used, as Confluent's
	// filter normalizes it only there.
	qualifier := func() (string, error) { return q, qErr }
	for _, seg := range strings.Split(strings.Trim(path, "/"), "/") {
		switch {
		case contextNext:
			q, qErr = contextQualifier(seg)
			contextNext = false
			continue
		case first && seg == "contexts":
			contextNext = true
			continue
		}
		if subjectNext {
			if !qualified(seg) {
				q, err := qualifier()
				if err != nil {
					return "", nil, err
				}
				seg = escapeQualifier(q) + seg
			}
			subjectNext = false
		} else {
			root := first && (seg == "config" || seg == "mode")
			if seg == "subjects" || seg == "deks" || root {
				subjectNext, configOrMode = true, configOrMode || root
			}
		}
		out = append(out, seg)
		if seg != "" {
			first = false
		}
	}
	switch {
	case configOrMode && subjectNext: // /config or /mode of the context itself
		if qErr != nil {
			return "", nil, qErr
		}
		if q != "" {
			out = append(out, escapeQualifier(q))
		}
	case contextNext: // /contexts/
		out = append(out, "contexts")
	case len(out) == 0: // /contexts/{context}: the default one stays itself, unlike Confluent's
		if qErr != nil {
			return "", nil, qErr
		}
		named := q
		if named == "" {
			named = "."
		}
		out = append(out, "contexts", escapeQualifier(named))
	}
	rewritten := strings.Join(out, "/")
	query, usesContext := rewriteContextQuery(method, rewritten, q, query)
	if usesContext && qErr != nil {
		return "", nil, qErr
	}
	return "/" + rewritten, query, nil
}

// rewriteContextQuery is ContextFilter.replaceQueryParams: the new query
// (nil when unchanged), and whether it holds the context's qualifier q.
func rewriteContextQuery(method, path, q string, query url.Values) (url.Values, bool) {
	if query == nil {
		query = url.Values{}
	}
	switch {
	case strings.HasPrefix(path, "schemas/ids"):
		if s := query.Get("subject"); !qualified(s) {
			query.Set("subject", q+s)
			return query, true
		}
	case path == "schemas" || path == "subjects" || strings.HasPrefix(path, "keks"):
		prefixes := query["subjectPrefix"]
		if len(prefixes) == 0 {
			prefixes = []string{""}
		}
		used := false
		for i, p := range prefixes {
			if !qualified(p) {
				prefixes[i], used = q+p, true
			}
		}
		query["subjectPrefix"] = prefixes
		return query, used
	case strings.HasPrefix(path, "validation/") && q != "":
		// This registry's: the validation hook checks the topic in the
		// context.
		query.Set("context", q)
		return query, true
	case strings.HasPrefix(path, "associations") && (method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch):
		query.Set("context", q)
		return query, true
	}
	return nil, false
}

// escapeQualifier writes a qualifier as a path segment.
func escapeQualifier(q string) string {
	return url.PathEscape(q)
}
