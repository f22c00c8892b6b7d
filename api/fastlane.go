package api

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/schemaregistry/registry/store"
)

// fastLane answers the hottest requests before routing and the middleware
// chain, when their answer is known without computing anything: what
// serializers and deserializers send all day.
//
//	GET  /schemas/ids/{id}                       from the answer cache
//	GET  /schemas/ids/{id}/schema                the schema text
//	GET  /subjects/{subject}/versions/{version}  from the answer cache
//	POST /subjects/{subject}                     a lookup, from the answer cache
//	POST /subjects/{subject}/versions            a re-registration, from the answer cache
//
// Each answer is exactly the routed one: the same status, headers and body,
// the same request metrics, audit record, request id, authentication and
// authorization. Whatever the lane cannot answer that way goes to the
// router untouched (a POST body it read is given back): a path the router
// would rewrite or read otherwise (percent-escapes that change it, a
// trailing slash, /contexts/, subject aliases), a query asking for
// computation (fetchMaxId), an unacceptable Accept or Content-Type, read
// limits (authorization.read.subjects), a registration with authentication
// on (rate limits, IMPORT checks) or on a node that is not the primary, and
// every cache miss. A cached answer is served only at the registry revision
// it was computed at (API.hit), as the routes serve it: a write of any kind
// makes it stale at once.
type fastLane struct {
	a      *API
	next   http.Handler
	routes chi.Routes // next's, for what walks the routes (openapi's test)
	// The routes the lane answers, with their metrics bound once.
	byID, rawByID, version, lookup, register fastRoute
}

// fastRoute is one route of the lane: its pattern and method as the
// router's metrics name them, and its series of 200 answers and of
// durations, bound at the first answer that counts in them (as the
// router's middleware creates them).
type fastRoute struct {
	pattern, method string
	ok              atomic.Pointer[counter]
	duration        atomic.Pointer[observer]
}

type (
	counter  struct{ prometheus.Counter }
	observer struct{ prometheus.Observer }
)

// withFastLane puts the fast lane in front of the router, unless the
// console's path shadows the API's routes (ui.path refuses those).
func (a *API) withFastLane(router http.Handler) http.Handler {
	if _, ok := APIRoot(a.opts.ConsolePath); ok {
		return router
	}
	f := &fastLane{a: a, next: router}
	f.routes, _ = router.(chi.Routes)
	for _, rt := range []struct {
		route           *fastRoute
		method, pattern string
	}{
		{&f.byID, http.MethodGet, "/schemas/ids/{id}"},
		{&f.rawByID, http.MethodGet, "/schemas/ids/{id}/schema"},
		{&f.version, http.MethodGet, "/subjects/{subject}/versions/{version}"},
		{&f.lookup, http.MethodPost, "/subjects/{subject}"},
		{&f.register, http.MethodPost, "/subjects/{subject}/versions"},
	} {
		rt.route.method, rt.route.pattern = rt.method, rt.pattern
	}
	return f
}

// The router's routes (chi.Routes), for what walks them.
func (f *fastLane) Routes() []chi.Route          { return f.routes.Routes() }
func (f *fastLane) Middlewares() chi.Middlewares { return f.routes.Middlewares() }
func (f *fastLane) Match(rctx *chi.Context, method, path string) bool {
	return f.routes.Match(rctx, method, path)
}
func (f *fastLane) Find(rctx *chi.Context, method, path string) string {
	return f.routes.Find(rctx, method, path)
}

func (f *fastLane) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var buf *bytes.Buffer // a POST body read, given back after the answer
	if !f.serve(w, r, &buf) {
		f.next.ServeHTTP(w, r)
	}
	if buf != nil {
		putBodyBuffer(buf)
	}
}

// fastAnswer is an answer of the lane: the route, what the caller gets,
// and for a registration what its audit record needs.
type fastAnswer struct {
	route    *fastRoute
	start    time.Duration // monoNow when the lane took the request
	ct       string        // response media type
	subject  string        // the route's {subject}, normalized; "" for none
	body     []byte        // the answer: JSON,
	text     string        // or the schema text of /schema
	audit    bool          // a write route: audited
	revision int64         // the registry's revision when the call began
}

// serve answers r and reports true, or reports false having written
// nothing and left r as it came (its body given back).
func (f *fastLane) serve(w http.ResponseWriter, r *http.Request, buf **bytes.Buffer) bool {
	a := f.a
	path := r.URL.Path
	if r.URL.RawPath != "" || len(path) < 11 || path[len(path)-1] == '/' || a.reg.Aliased() {
		return false
	}
	start := monoNow()
	switch r.Method {
	case http.MethodGet:
		if rest, ok := strings.CutPrefix(path, "/schemas/ids/"); ok {
			if raw, ok := strings.CutSuffix(rest, "/schema"); ok {
				return f.schemaText(w, r, raw, start)
			}
			return f.schemaByID(w, r, rest, start)
		}
		if rest, ok := strings.CutPrefix(path, "/subjects/"); ok {
			subject, version, ok := strings.Cut(rest, "/versions/")
			if !ok || !segment(subject) || !segment(version) {
				return false
			}
			return f.getVersion(w, r, subject, version, start)
		}
	case http.MethodPost:
		if rest, ok := strings.CutPrefix(path, "/subjects/"); ok {
			if segment(rest) {
				return f.lookupSchema(w, r, rest, buf, start)
			}
			if subject, ok := strings.CutSuffix(rest, "/versions"); ok && segment(subject) {
				return f.reregister(w, r, subject, buf, start)
			}
		}
	}
	return false
}

// segment reports whether s is one path segment, as the router's {param}
// takes it.
func segment(s string) bool {
	return s != "" && strings.IndexByte(s, '/') < 0
}

// accepts returns the response media type of r, and whether the lane may
// answer it: a POST's body must be of a type the API reads (else 415), and
// the Accept header must allow a type (else 406), both answered by the
// routes.
func accepts(r *http.Request) (string, bool) {
	ct := negotiate(header(r, "Accept"))
	if ct == "" {
		return "", false
	}
	if r.Method == http.MethodPost && !requestTypeOK(header(r, "Content-Type")) {
		return "", false
	}
	return ct, true
}

// laneType returns the response media type of r and whether the lane may
// answer it: every reader reads every subject (unlimitedReads), and the
// media types are ones the routes accept (accepts).
func (a *API) laneType(r *http.Request) (string, bool) {
	if !a.unlimitedReads() {
		return "", false
	}
	return accepts(r)
}

// unlimitedReads reports whether every caller allowed to read reads every
// subject: no authentication, or no read limits. The lane's reads need
// then only the caller's roles, not the answer.
func (a *API) unlimitedReads() bool {
	return a.auth == nil || len(a.auth.ReadSubjects) == 0
}

func (f *fastLane) schemaByID(w http.ResponseWriter, r *http.Request, raw string, start time.Duration) bool {
	a := f.a
	ct, ok := a.laneType(r)
	if !ok {
		return false
	}
	id, err := parseID(unescapeParam(raw))
	if err != nil || boolQuery(r, "fetchMaxId") {
		return false
	}
	var body []byte
	if r.URL.RawQuery == "" {
		body, ok = a.hotHit(&a.hotIDs, "", id, func() string { return idKey(r, id) })
	} else {
		body, ok = a.hit(idKey(r, id))
	}
	if !ok {
		return false
	}
	f.answer(w, r, &fastAnswer{route: &f.byID, start: start, ct: ct, body: body})
	return true
}

func (f *fastLane) schemaText(w http.ResponseWriter, r *http.Request, raw string, start time.Duration) bool {
	a := f.a
	ct, ok := a.laneType(r)
	if !ok || !segment(raw) {
		return false
	}
	id, err := parseID(unescapeParam(raw))
	if err != nil {
		return false
	}
	v, err := a.reg.SchemaByID(id, queryParam(r, "subject"))
	if err != nil {
		return false // the route answers the error
	}
	f.answer(w, r, &fastAnswer{route: &f.rawByID, start: start, ct: ct, text: v.Schema})
	return true
}

func (f *fastLane) getVersion(w http.ResponseWriter, r *http.Request, rawSubject, rawVersion string, start time.Duration) bool {
	a := f.a
	ct, ok := a.laneType(r)
	if !ok {
		return false
	}
	v, err := store.ParseVersion(unescapeParam(rawVersion))
	if err != nil {
		return false
	}
	subject := store.NormalizeSubject(unescapeParam(rawSubject))
	var body []byte
	if r.URL.RawQuery == "" {
		body, ok = a.hotHit(&a.hotVersions, subject, v, func() string { return versionKey(r, subject, v) })
	} else {
		body, ok = a.hit(versionKey(r, subject, v))
	}
	if !ok {
		return false
	}
	f.answer(w, r, &fastAnswer{route: &f.version, start: start, ct: ct, subject: subject, body: body})
	return true
}

func (f *fastLane) lookupSchema(w http.ResponseWriter, r *http.Request, rawSubject string, buf **bytes.Buffer, start time.Duration) bool {
	a := f.a
	ct, ok := a.laneType(r)
	if !ok {
		return false
	}
	if a.auth != nil && len(r.Header["Expect"]) > 0 {
		// The route refuses a caller before it reads the body, so without
		// a 100 Continue.
		return false
	}
	answer, ok := f.cachedPost(r, "lookup", buf)
	if !ok {
		return false
	}
	f.answer(w, r, &fastAnswer{route: &f.lookup, start: start, ct: ct, subject: store.NormalizeSubject(unescapeParam(rawSubject)), body: answer})
	return true
}

// reregister answers the registration of a schema the subject holds
// already, on a single node or the primary, without authentication (whose
// write rate limits and IMPORT checks read the body on their own).
func (f *fastLane) reregister(w http.ResponseWriter, r *http.Request, rawSubject string, buf **bytes.Buffer, start time.Duration) bool {
	a := f.a
	if a.auth != nil {
		return false
	}
	if _, here := a.writeTarget(); !here {
		return false // a follower answers from the registry, or forwards
	}
	ct, ok := accepts(r)
	if !ok {
		return false
	}
	revision := a.reg.Revision() // the audit record's, taken before the answer's
	answer, ok := f.cachedPost(r, "register", buf)
	if !ok {
		return false
	}
	f.answer(w, r, &fastAnswer{route: &f.register, start: start, ct: ct, subject: store.NormalizeSubject(unescapeParam(rawSubject)),
		body: answer, audit: true, revision: revision})
	return true
}

// cachedPost reads the body of a POST and returns the answer cached for it
// by the route (kind: bodyKey's); on a miss the body is given back to the
// request for the router.
func (f *fastLane) cachedPost(r *http.Request, kind string, buf **bytes.Buffer) ([]byte, bool) {
	body, ok := f.readBody(r, buf)
	if !ok {
		return nil, false
	}
	answer, ok := f.a.hit(bodyKey(kind, r, body))
	if !ok {
		r.Body = io.NopCloser(bytes.NewReader(body))
		return nil, false
	}
	return answer, true
}

// readBody reads the body of a POST whose length is announced and within
// the limit (the routes read the others) into a pooled buffer. When it
// cannot be read, or is blank, the route is given what was read and the
// error, and answers them.
func (f *fastLane) readBody(r *http.Request, buf **bytes.Buffer) ([]byte, bool) {
	if r.ContentLength <= 0 || r.ContentLength > f.a.maxBody {
		return nil, false
	}
	b := bodyBuffers.Get().(*bytes.Buffer)
	*buf = b
	b.Grow(int(r.ContentLength) + bytes.MinRead)
	_, err := b.ReadFrom(r.Body)
	body := b.Bytes()
	if err != nil {
		r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), errReader{err}))
		return nil, false
	}
	if len(bytes.TrimSpace(body)) == 0 {
		r.Body = io.NopCloser(bytes.NewReader(body))
		return nil, false
	}
	return body, true
}

// errReader fails with err.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// answer writes an answer as the route does: request id, authorization
// (read access; the lane answers no write with authentication on), the
// answer, the request metrics, and the audit record of a write route.
func (f *fastLane) answer(w http.ResponseWriter, r *http.Request, fa *fastAnswer) {
	a := f.a
	status := 0
	defer func() {
		if p := recover(); p != nil {
			a.panicked(w, r, p) // as the router's recoverer and metrics do
			if status == 0 {
				status = http.StatusInternalServerError
			}
			f.count(fa, status)
		}
	}()
	ids, generated := echoRequestID(w, r) // the request keeps it only for the audit record, below
	if a.auth != nil {
		if _, err := a.authorize(r, read, fa.subject); err != nil {
			status = err.Status()
			a.refuse(w, r, err)
			f.count(fa, status)
			return
		}
	}
	status = http.StatusOK
	if fa.body != nil {
		writeBody(w, fa.ct, fa.body)
	} else {
		setContentType(w, fa.ct)
		io.WriteString(w, fa.text)
	}
	if fa.audit {
		// At DEBUG, as nothing changed, unless a write landed meanwhile.
		if level := auditLevel(status, false, fa.revision, a.reg.Revision()); a.logger.Enabled(r.Context(), level) {
			if generated {
				r.Header["X-Request-Id"] = ids
			}
			rec := &auditRecord{logger: a.logger, start: monoEpoch.Add(fa.start), r: r, w: &statusWriter{code: status}, acc: register,
				reg: a.reg, revision: fa.revision, subject: fa.subject}
			rec.note(rawJSON(fa.body), nil)
			rec.log()
		}
	}
	f.count(fa, status)
}

// count counts an answer in the request metrics, as the router's
// middleware does.
func (f *fastLane) count(fa *fastAnswer, status int) {
	rt, m := fa.route, f.a.metrics
	if status == http.StatusOK {
		ok := rt.ok.Load()
		if ok == nil {
			ok = &counter{m.requests.WithLabelValues(rt.pattern, rt.method, "200")}
			rt.ok.Store(ok)
		}
		ok.Inc()
	} else {
		m.requests.WithLabelValues(rt.pattern, rt.method, strconv.Itoa(status)).Inc()
	}
	d := rt.duration.Load()
	if d == nil {
		d = &observer{m.duration.WithLabelValues(rt.pattern, rt.method)}
		rt.duration.Store(d)
	}
	d.Observe((monoNow() - fa.start).Seconds())
}
