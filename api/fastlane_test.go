package api

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/avro"
	"github.com/schemaregistry/registry/store"
)

// laneCheck is one API served two ways: through the fast lane, and by the
// router alone (the normal path), with what each answer leaves behind.
type laneCheck struct {
	t       *testing.T
	a       *API
	reg     *store.Registry
	fast    http.Handler
	routed  http.Handler
	routedN int // calls that reached the router from the fast handler
	logs    bytes.Buffer
	metrics *prometheus.Registry // the request metrics alone
}

func newLaneCheck(t *testing.T, o Options) *laneCheck {
	t.Helper()
	c := &laneCheck{t: t}
	reg, err := store.Open(store.NewMemoryLog(), []formats.Format{avro.Format{}},
		store.Settings{ModeMutability: true, ValidateNewSchemas: true}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	o.Registry = reg
	o.Logger = slog.New(slog.NewTextHandler(&c.logs, &slog.HandlerOptions{Level: slog.LevelDebug,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			switch a.Key {
			case "time", "elapsed":
				return slog.Attr{}
			case "request_id": // generated ones differ; the response's is compared
				a.Value = slog.StringValue("-")
			}
			return a
		}}))
	c.reg, c.a = reg, newAPI(o)
	router := c.a.router()
	c.routed = router
	c.fast = c.a.withFastLane(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.routedN++
		router.ServeHTTP(w, r)
	}))
	if _, ok := c.fast.(*fastLane); !ok {
		t.Fatal("no fast lane")
	}
	c.metrics = prometheus.NewRegistry()
	c.metrics.MustRegister(c.a.metrics.requests, c.a.metrics.duration)
	return c
}

// laneRequest is a request of the comparison.
type laneRequest struct {
	method, path, body string
	header             []string // name, value, ...
	chunked            bool     // no Content-Length
}

func (q laneRequest) String() string {
	return fmt.Sprintf("%s %s %q %q", q.method, q.path, q.header, q.body)
}

func (q laneRequest) build() *http.Request {
	var rd io.Reader
	if q.body != "" {
		rd = strings.NewReader(q.body)
	}
	req := httptest.NewRequest(q.method, q.path, rd)
	if q.body != "" {
		req.Header.Set("Content-Type", "application/vnd.schemaregistry.v1+json")
	}
	for i := 0; i+1 < len(q.header); i += 2 {
		if q.header[i] == ":tls-cn" || q.header[i] == ":tls-unverified" {
			// A client certificate with this common name, verified or not.
			cert := &x509.Certificate{Subject: pkix.Name{CommonName: q.header[i+1]}}
			req.TLS = &tls.ConnectionState{PeerCertificates: []*x509.Certificate{cert}}
			if q.header[i] == ":tls-cn" {
				req.TLS.VerifiedChains = [][]*x509.Certificate{{cert}}
			}
			continue
		}
		if q.header[i+1] == "" {
			req.Header.Del(q.header[i])
		} else {
			req.Header.Set(q.header[i], q.header[i+1])
		}
	}
	if q.chunked {
		req.ContentLength = -1
		req.Body = io.NopCloser(strings.NewReader(q.body)) // not a strings.Reader: no length known
	}
	return req
}

// laneAnswer is everything an answer shows or leaves behind.
type laneAnswer struct {
	status    int
	header    http.Header // without X-Request-Id
	requestID string
	body      string
	metrics   map[string]float64 // request series changed, by how much
	logs      string
	checks    [2]int64 // compatibility checks and failures counted
	revision  int64    // the registry's after the call
}

func (c *laneCheck) snapshot() map[string]float64 {
	mfs, err := c.metrics.Gather()
	if err != nil {
		c.t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			key := mf.GetName() + "{" + strings.Join(labels, ",") + "}"
			if h := m.GetHistogram(); h != nil {
				out[key] = float64(h.GetSampleCount())
			} else {
				out[key] = m.GetCounter().GetValue()
			}
		}
	}
	return out
}

// serve sends q to h and returns what it showed and left.
func (c *laneCheck) serve(h http.Handler, q laneRequest) laneAnswer {
	c.t.Helper()
	before := c.snapshot()
	checks, failures := c.reg.CompatibilityStats()
	logStart := c.logs.Len()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, q.build())
	res := w.Result()
	ans := laneAnswer{status: res.StatusCode, header: res.Header.Clone(), body: w.Body.String(), metrics: map[string]float64{},
		logs: c.logs.String()[logStart:], revision: c.reg.Revision()}
	ans.requestID = ans.header.Get("X-Request-Id")
	ans.header.Del("X-Request-Id")
	ans.header.Del("Date")
	for k, v := range c.snapshot() {
		if d := v - before[k]; d != 0 {
			ans.metrics[k] = d
		}
	}
	now, nowFailures := c.reg.CompatibilityStats()
	ans.checks = [2]int64{now - checks, nowFailures - failures}
	return ans
}

var uuidShape = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// compare sends q through the router and through the fast lane, once the
// state is what it will be (warm, by the caller warm, as the lane needs
// the router to have answered first), and fails on any difference. It
// reports whether the lane answered.
func (c *laneCheck) compare(q laneRequest, warm []string) bool {
	c.t.Helper()
	wq := q
	wq.header = append(slices.Clone(q.header), warm...)
	c.serve(c.routed, wq) // fills the cache, or makes the write
	routed := c.serve(c.routed, q)
	n := c.routedN
	fast := c.serve(c.fast, q)
	laned := c.routedN == n
	where := "routed"
	if laned {
		where = "fast lane"
	}
	if routed.status != fast.status || routed.body != fast.body {
		c.t.Errorf("%v: router %d %s\n%s: %d %s", q, routed.status, routed.body, where, fast.status, fast.body)
	}
	if !maps.EqualFunc(routed.header, fast.header, slices.Equal) {
		c.t.Errorf("%v: router headers %v\n%s: %v", q, routed.header, where, fast.header)
	}
	if !maps.Equal(routed.metrics, fast.metrics) {
		c.t.Errorf("%v: router metrics %v\n%s: %v", q, routed.metrics, where, fast.metrics)
	}
	if routed.logs != fast.logs {
		c.t.Errorf("%v: router logs\n%s%s:\n%s", q, routed.logs, where, fast.logs)
	}
	if routed.checks != fast.checks || routed.revision != fast.revision {
		c.t.Errorf("%v: router checks %v revision %d, %s: %v %d", q, routed.checks, routed.revision, where, fast.checks, fast.revision)
	}
	sent := ""
	for i := 0; i+1 < len(q.header); i += 2 {
		if http.CanonicalHeaderKey(q.header[i]) == "X-Request-Id" {
			sent = q.header[i+1]
		}
	}
	for _, a := range []laneAnswer{routed, fast} {
		if sent != "" && a.requestID != sent || sent == "" && !uuidShape.MatchString(a.requestID) {
			c.t.Errorf("%v: request id %q (sent %q)", q, a.requestID, sent)
		}
	}
	if sent == "" && routed.requestID == fast.requestID {
		c.t.Errorf("%v: the same request id twice: %s", q, routed.requestID)
	}
	return laned
}

// registration reports whether q registers.
func registration(q laneRequest, _ string) bool {
	path, _, _ := strings.Cut(q.path, "?")
	return q.method == "POST" && strings.HasSuffix(path, "/versions")
}

func expectsContinue(q laneRequest) bool {
	return slices.Contains(q.header, "Expect")
}

func get(path string, header ...string) laneRequest {
	return laneRequest{method: "GET", path: path, header: header}
}

func post(path, body string, header ...string) laneRequest {
	return laneRequest{method: "POST", path: path, body: body, header: header}
}

// laneCase is a request and whether the fast lane answers it in an open
// registry (no authentication, a single node) once the router did.
type laneCase struct {
	q    laneRequest
	lane bool
}

// laneCases are the requests of the comparison, after laneSetup.
func laneCases() []laneCase {
	v1, v2, v3 := body(recordV1), body(recordV2), body(recordV3)
	return []laneCase{
		{get("/schemas/ids/1"), true},
		{get("/schemas/ids/2"), true},
		{get("/schemas/ids/01"), true},
		{get("/schemas/ids/+1"), true},
		{get("/schemas/ids/-1"), false},
		{get("/schemas/ids/abc"), false},
		{get("/schemas/ids/99"), false},
		{get("/schemas/ids/99999999999"), false},
		{get("/schemas/ids/1?subject=s"), true},
		{get("/schemas/ids/1?subject=:.ctx:"), true},
		{get("/schemas/ids/1?format=resolved"), true},
		{get("/schemas/ids/1?referenceFormat=qualified&subject=:.ctx:c"), true},
		{get("/schemas/ids/1?findTags=PII&findTags=*"), true},
		{get("/schemas/ids/1?fetchMaxId=true"), false},
		{get("/schemas/ids/1?fetchMaxId=false"), true},
		{get("/schemas/ids/1/"), false},
		{get("/schemas/ids/%31"), false},
		{get("/schemas/ids/1", "Accept", "application/json"), true},
		{get("/schemas/ids/1", "Accept", "application/vnd.schemaregistry+json"), true},
		{get("/schemas/ids/1", "Accept", "*/*"), true},
		{get("/schemas/ids/1", "Accept", "application/json; q=0.1, application/vnd.schemaregistry.v1+json"), true},
		{get("/schemas/ids/1", "Accept", "text/html"), false},
		{get("/schemas/ids/1", "X-Request-ID", "caller-chosen-id"), true},
		{get("/schemas/ids/1", "X-Forward", "true"), true},
		{get("/schemas/ids/1/schema"), true},
		{get("/schemas/ids/2/schema", "Accept", "application/json"), true},
		{get("/schemas/ids/1/schema?subject=:.ctx:"), true},
		{get("/schemas/ids/99/schema"), false},
		{get("/schemas/ids/x/schema"), false},
		{get("/schemas/ids/1/schema/"), false},
		{get("/schemas/ids/1/subjects"), false},
		{get("/schemas/ids/1/versions"), false},

		{get("/subjects/s/versions/latest"), true},
		{get("/subjects/s/versions/1"), true},
		{get("/subjects/s/versions/LATEST"), true},
		{get("/subjects/s/versions/-1"), true},
		{get("/subjects/s/versions/0"), false},
		{get("/subjects/s/versions/x"), false},
		{get("/subjects/s/versions/9"), false},
		{get("/subjects/nope/versions/latest"), false},
		{get("/subjects/s/versions/latest/"), false},
		{get("/subjects/s/versions/latest/schema"), false},
		{get("/subjects/s/versions"), false},
		{get("/subjects/soft/versions/1"), false},
		{get("/subjects/soft/versions/1?deleted=true"), true},
		{get("/subjects/s/versions/1?format=resolved&referenceFormat=qualified"), true},
		{get("/subjects/:.ctx:c/versions/latest"), true},
		{get("/subjects/:.:s/versions/latest"), true},
		{get("/subjects/:.ctx:c/versions/latest?referenceFormat=qualified"), true},
		{get("/contexts/.ctx/subjects/c/versions/latest"), false},
		{get("/subjects/p%2541/versions/latest"), true}, // the router decodes {subject} again: pA
		{get("/subjects/pA/versions/latest"), true},
		{get("/subjects/a%2Fb/versions/latest"), false},
		{get("/subjects//versions/latest"), false},
		{get("/subjects/s/versions/latest", "Accept", "application/json"), true},
		{get("/subjects/s/versions/latest", "Accept", "application/xml"), false},

		{post("/subjects/s", v1), true},
		{post("/subjects/s", v2), true},
		{post("/subjects/s?deleted=true", v1), true},
		{post("/subjects/s?normalize=true", v1), false}, // 40403: registered unnormalized
		{post("/subjects/s", v3), false},
		{post("/subjects/nope", v1), false},
		{post("/subjects/soft?deleted=true", v2), true},
		{post("/subjects/soft", v2), false},
		{post("/subjects/:.ctx:c", v1), true},
		{post("/subjects/s", v1, "Accept", "application/json"), true},
		{post("/subjects/s", v1, "Content-Type", "application/json"), true},
		{post("/subjects/s", v1, "Content-Type", "application/octet-stream"), true},
		{post("/subjects/s", v1, "Content-Type", "application/vnd.schemaregistry.v1+json; charset=utf-8"), true},
		{post("/subjects/s", v1, "Content-Type", ""), true},
		{post("/subjects/s", v1, "Content-Type", "text/plain"), false},
		{post("/subjects/s", v1, "Accept", "text/plain"), false},
		{post("/subjects/s", v1, "Expect", "100-continue"), true},
		{post("/subjects/s", v1, "X-Request-ID", "lookup-1"), true},
		{post("/subjects/s", ""), false},
		{post("/subjects/s", "   "), false},
		{post("/subjects/s", "{"), false},
		{post("/subjects/s", `{"schema":"nope"}`), false},
		{post("/subjects/s/", v1), false},
		{laneRequest{method: "POST", path: "/subjects/s", body: v1, chunked: true}, false},

		{post("/subjects/s/versions", v1), true},
		{post("/subjects/s/versions", v2), true},
		{post("/subjects/s/versions?normalize=true", v1), true},
		{post("/subjects/:.ctx:c/versions", v1), true},
		{post("/subjects/s/versions", body(recordV1, `"schemaType":"AVRO"`)), true},
		{post("/subjects/s/versions", v1, "Accept", "application/vnd.schemaregistry+json"), true},
		{post("/subjects/s/versions", v1, "Content-Type", "application/json"), true},
		{post("/subjects/s/versions", v1, "Content-Type", "text/plain"), false},
		{post("/subjects/s/versions", v1, "Accept", "image/png"), false},
		{post("/subjects/s/versions", v1, "X-Request-ID", "reg-1"), true},
		{post("/subjects/s/versions", v1, "X-Forward", "true"), true},
		{post("/subjects/s/versions", v1, "Expect", "100-continue"), true},
		{post("/subjects/s/versions", ""), false},
		{post("/subjects/s/versions", "not json"), false},
		{post("/subjects/s/versions", `{"schema":"{\"type\":\"nope\"}"}`), false},
		{post("/subjects/s/versions/", v1), false},
		{post("/subjects/soft/versions", v2), true}, // registered again (by the first call) after the setup's delete
		{laneRequest{method: "POST", path: "/subjects/s/versions", body: v1, chunked: true}, false},
		{post("/contexts/.ctx/subjects/c/versions", v1), false},
		{post("/compatibility/subjects/s/versions/latest", v2), false},
		{get("/subjects"), false},
		{get("/schemas/types"), false},
	}
}

// laneSetup registers what laneCases read, through the router, as
// carol (the admin) when there is authentication.
func laneSetup(t *testing.T, c *laneCheck, writes ...laneRequest) {
	t.Helper()
	admin := []string{"Authorization", basicHeader("carol", "carol-pw")}
	for _, q := range append([]laneRequest{
		post("/subjects/s/versions", body(recordV1)),
		post("/subjects/s/versions", body(recordV2)),
		post("/subjects/:.ctx:c/versions", body(recordV1)),
		post("/subjects/orders-value/versions", body(recordV1)),
		post("/subjects/pA/versions", body(recordV2)),
		post("/subjects/solo/versions", body(recordV3)),
		post("/subjects/soft/versions", body(recordV2)),
		post("/subjects/soft/versions", body(recordV1)),
		{method: "DELETE", path: "/subjects/soft/versions/1"},
	}, writes...) {
		q.header = append(q.header, admin...)
		if w := c.serve(c.routed, q); w.status >= 300 {
			t.Fatalf("setup %v: %d %s", q, w.status, w.body)
		}
	}
}

func basicHeader(user, password string) string {
	r := httptest.NewRequest("GET", "/", nil)
	r.SetBasicAuth(user, password)
	return r.Header.Get("Authorization")
}

// testBearer takes "tok-<user>" for the users of testUsers, and refuses
// any other token.
func testBearer(_ context.Context, token string) (string, []string, error) {
	user, ok := strings.CutPrefix(token, "tok-")
	if u, known := testUsers[user]; ok && known {
		return user, u.roles, nil
	}
	return "", nil, errors.New("token expired")
}

// TestFastLaneEqualsRouter sends every request of laneCases, as every
// kind of caller, to registries configured every way that matters to the
// fast lane, through the router and through the lane, and compares the
// answers byte for byte: status, headers (but Date and a generated request
// id), body, the request metrics, the audit and warning logs, the
// compatibility checks counted. It also checks that the lane answers what
// it should, and leaves the rest to the router.
func TestFastLaneEqualsRouter(t *testing.T) {
	withReadLimits := testAuth()
	withReadLimits.ReadSubjects = map[string][]string{"reader": {"s", "orders-*"}}
	withRate := testAuth()
	withRate.WriteRate, withRate.WriteBurst = 1000, 1000
	bearer := testAuth()
	bearer.Bearer = testBearer
	anyone := &Auth{Realm: "SchemaRegistry", Basic: testBasic}
	certificates := testAuth()
	certificates.CertificateRoles = map[string][]string{"svc-reader": {"reader"}, "svc-admin": {"admin"}, "svc-guest": {"guest"}}

	primary := httptest.NewServer(New(Options{Registry: func() *store.Registry {
		s := newServer(t)
		return s.reg
	}()}))
	defer primary.Close()

	basicUsers := []string{"", "alice", "bob", "carol", "dave", "eve", "alice:wrong", "mallory"}
	for _, cfg := range []struct {
		name   string
		opts   Options
		users  []string // Basic users (user or user:password), "" none
		tokens []string // bearer tokens, besides users
		certs  []string // client certificates' common names, "!cn" unverified
		writes []laneRequest
		// lane says whether the lane answers a case it answers in the open
		// registry.
		lane func(q laneRequest, user string) bool
	}{
		{name: "open"},
		{name: "basic roles", opts: Options{Auth: testAuth()}, users: basicUsers,
			lane: func(q laneRequest, u string) bool { return !registration(q, u) && !expectsContinue(q) }},
		{name: "basic anyone", opts: Options{Auth: anyone}, users: basicUsers,
			lane: func(q laneRequest, u string) bool { return !registration(q, u) && !expectsContinue(q) }},
		{name: "bearer and basic", opts: Options{Auth: bearer}, users: basicUsers, tokens: []string{"tok-alice", "tok-carol", "tok-eve", "tok-nobody"},
			lane: func(q laneRequest, u string) bool { return !registration(q, u) && !expectsContinue(q) }},
		{name: "client certificates", opts: Options{Auth: certificates}, users: []string{"", "alice"},
			certs: []string{"svc-reader", "svc-admin", "svc-guest", "svc-unknown", "!svc-admin"},
			lane:  func(q laneRequest, u string) bool { return !registration(q, u) && !expectsContinue(q) }},
		{name: "read limits", opts: Options{Auth: withReadLimits}, users: basicUsers,
			lane: func(laneRequest, string) bool { return false }},
		{name: "write rate", opts: Options{Auth: withRate}, users: []string{"bob", "carol"},
			lane: func(q laneRequest, u string) bool { return !registration(q, u) && !expectsContinue(q) }},
		{name: "follower", opts: Options{Leadership: fixedLeader{url: primary.URL, known: true}},
			lane: func(q laneRequest, u string) bool { return !registration(q, u) }},
		{name: "no primary known", opts: Options{Leadership: fixedLeader{}},
			lane: func(q laneRequest, u string) bool { return !registration(q, u) }},
		{name: "primary", opts: Options{Leadership: fixedLeader{url: "http://self", self: true, known: true}}},
		{name: "readonly", writes: []laneRequest{{method: "PUT", path: "/mode", body: `{"mode":"READONLY"}`}},
			lane: func(q laneRequest, _ string) bool {
				return q.path != "/subjects/soft/versions" && q.path != "/subjects/s/versions?normalize=true" // new versions
			}},
		{name: "import", writes: []laneRequest{{method: "PUT", path: "/mode?force=true", body: `{"mode":"IMPORT"}`}},
			lane: func(q laneRequest, _ string) bool {
				return q.path != "/subjects/soft/versions" && q.path != "/subjects/s/versions?normalize=true" // new versions
			}},
		{name: "aliases", writes: []laneRequest{{method: "PUT", path: "/config/al", body: `{"alias":"s"}`}},
			lane: func(laneRequest, string) bool { return false }},
		{name: "write timeout", opts: Options{WriteTimeout: 5e9}},
	} {
		t.Run(cfg.name, func(t *testing.T) {
			// A follower holds what the primary wrote: set up as the primary.
			opts, lead := cfg.opts, cfg.opts.Leadership
			opts.Leadership = nil
			c := newLaneCheck(t, opts)
			laneSetup(t, c, cfg.writes...)
			c.a.lead, c.a.opts.Leadership = lead, lead
			callers := [][]string{nil}
			if cfg.users != nil {
				callers = nil
				for _, u := range cfg.users {
					if u == "" {
						callers = append(callers, nil)
						continue
					}
					user, password, ok := strings.Cut(u, ":")
					if !ok {
						password = user + "-pw"
					}
					callers = append(callers, []string{"Authorization", basicHeader(user, password)})
				}
			}
			for _, cn := range cfg.certs {
				if unverified, ok := strings.CutPrefix(cn, "!"); ok {
					callers = append(callers, []string{":tls-unverified", unverified})
				} else {
					callers = append(callers, []string{":tls-cn", cn})
				}
			}
			for _, tok := range cfg.tokens {
				callers = append(callers, []string{"Authorization", "Bearer " + tok})
			}
			if cfg.opts.Auth != nil && cfg.opts.Auth.Bearer != nil {
				callers = append(callers, nil) // with the token in the query below
			}
			warm := []string{"Authorization", basicHeader("carol", "carol-pw")}
			answered := 0
			for _, lc := range laneCases() {
				for i, caller := range callers {
					q := lc.q
					q.header = append(slices.Clone(q.header), caller...)
					if i == len(callers)-1 && cfg.opts.Auth != nil && cfg.opts.Auth.Bearer != nil {
						if strings.Contains(q.path, "?") {
							q.path += "&access_token=tok-carol"
						} else {
							q.path += "?access_token=tok-carol"
						}
					}
					user := ""
					if len(caller) > 0 {
						user = caller[1]
					}
					want := lc.lane && (cfg.lane == nil || cfg.lane(lc.q, user))
					got := c.compare(q, warm)
					if strings.Contains(q.path, "access_token") {
						continue // refused, by the lane when the cache holds the answer
					}
					if got != want {
						t.Errorf("%v: answered by the fast lane %v, want %v", q, got, want)
					} else if got {
						answered++
					}
				}
			}
			t.Logf("%d requests answered by the fast lane, as by the router", answered)
		})
	}
}

// The fast lane never serves an answer a write made stale: each request
// below is answered by the lane, then a write changes its answer, and the
// lane must answer the new one (the router's). Taking the revision out of
// the lane's cache hits (API.hit) fails each of them.
func TestFastLaneFollowsWrites(t *testing.T) {
	del := func(path string) laneRequest { return laneRequest{method: "DELETE", path: path} }
	withOwner := func(schema string) string { return body(schema, `"metadata":{"properties":{"owner":"x"}}`) }
	for _, tc := range []struct {
		name   string
		q      laneRequest
		writes []laneRequest
	}{
		{"schema by id, deleted", get("/schemas/ids/3"), []laneRequest{del("/subjects/solo/versions/1")}},
		{"schema by id, in a context", get("/schemas/ids/1?subject=:.ctx:"), []laneRequest{del("/subjects/:.ctx:c/versions/1")}},
		{"schema text, gone", get("/schemas/ids/3/schema"), []laneRequest{del("/subjects/solo/versions/1"), del("/subjects/solo/versions/1?permanent=true")}},
		{"latest version, a new one", get("/subjects/s/versions/latest"), []laneRequest{post("/subjects/s/versions", withOwner(recordV2))}},
		{"latest version, deleted", get("/subjects/s/versions/latest"), []laneRequest{del("/subjects/s/versions/latest")}},
		{"version, deleted", get("/subjects/s/versions/1"), []laneRequest{del("/subjects/s/versions/1")}},
		{"deleted version, gone", get("/subjects/soft/versions/1?deleted=true"), []laneRequest{del("/subjects/soft/versions/1?permanent=true")}},
		{"lookup, subject deleted", post("/subjects/s", body(recordV1)), []laneRequest{del("/subjects/s")}},
		{"lookup, version deleted", post("/subjects/solo", body(recordV3)), []laneRequest{del("/subjects/solo/versions/1")}},
		{"lookup of deleted versions, gone", post("/subjects/soft?deleted=true", body(recordV2)), []laneRequest{del("/subjects/soft/versions/1?permanent=true")}},
		{"re-registration, version deleted", post("/subjects/s/versions", body(recordV1)), []laneRequest{del("/subjects/s/versions/1")}},
		{"re-registration, subject deleted", post("/subjects/solo/versions", body(recordV3)), []laneRequest{del("/subjects/solo")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newLaneCheck(t, Options{})
			laneSetup(t, c)
			if !c.compare(tc.q, nil) {
				t.Fatalf("%v: not answered by the fast lane", tc.q)
			}
			before := c.serve(c.fast, tc.q)
			for _, write := range tc.writes {
				if w := c.serve(c.routed, write); w.status >= 300 {
					t.Fatalf("write %v: %d %s", write, w.status, w.body)
				}
			}
			after := c.serve(c.fast, tc.q)
			routed := c.serve(c.routed, tc.q)
			if after.status != routed.status || after.body != routed.body {
				t.Errorf("after %v, the fast lane answers %d %s\nthe router %d %s", tc.writes, after.status, after.body, routed.status, routed.body)
			}
			if after.status == before.status && after.body == before.body {
				t.Errorf("%v: the writes %v did not change the answer %d %s", tc.q, tc.writes, after.status, after.body)
			}
		})
	}
}

// FuzzFastLane sends random GETs and POSTs with random Accept and
// Content-Type headers through the router and through the fast lane of
// one registry, and fails on any difference (compare).
func FuzzFastLane(f *testing.F) {
	for _, seed := range []struct {
		post                     bool
		path, body, accept, ctyp string
	}{
		{false, "/schemas/ids/1", "", "", ""},
		{false, "/schemas/ids/0001?subject=:.ctx:&format=resolved", "", "application/json", ""},
		{false, "/schemas/ids/2/schema", "", "*/*;q=0.2", ""},
		{false, "/subjects/s/versions/latest", "", "application/vnd.schemaregistry+json", ""},
		{false, "/subjects/:.ctx:c/versions/1?deleted=true", "", "", ""},
		{false, "/subjects/p%2541/versions/LaTeSt", "", "", ""},
		{true, "/subjects/s", body(recordV1), "", "application/json"},
		{true, "/subjects/s?deleted=true", body(recordV2), "application/json; charset=utf-8", "application/octet-stream"},
		{true, "/subjects/s/versions", body(recordV1), "", ""},
		{true, "/subjects/s/versions?normalize=true", body(recordV2), "", "text/plain"},
		{true, "/subjects/new/versions", `{"schema":"\"int\""}`, "", ""},
		{true, "/subjects/s/versions", `{"schema":"\"int\"","id":7}`, "", ""},
	} {
		f.Add(seed.post, seed.path, seed.body, seed.accept, seed.ctyp)
	}
	c := newLaneCheck(&testing.T{}, Options{})
	laneSetup(&testing.T{}, c)
	f.Fuzz(func(t *testing.T, isPost bool, path, reqBody, accept, ctyp string) {
		path = "/" + strings.TrimPrefix(path, "/")
		if strings.Contains(path, "tags") || !(strings.HasPrefix(path, "/schemas/") || strings.HasPrefix(path, "/subjects/")) {
			return // other routes, or a write that is not idempotent
		}
		if _, err := http.ReadRequest(bufio.NewReader(strings.NewReader("GET " + path + " HTTP/1.0\r\n\r\n"))); err != nil {
			return // not a request a server would read
		}
		q := get(path, "Accept", accept)
		if isPost {
			q = post(path, reqBody, "Accept", accept, "Content-Type", ctyp)
		}
		for _, v := range q.header {
			if !validHeaderValue(v) {
				return
			}
		}
		c.t = t
		c.compare(q, nil)
	})
}

// validHeaderValue reports whether a client could send v in a header.
func validHeaderValue(v string) bool {
	for _, c := range []byte(v) {
		if c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// A node that was the primary holds re-registrations it answered in the
// cache; once another node is the primary (and nothing was written since),
// the lane leaves re-registrations to the router, which answers them as a
// follower does: from the registry, or forwarded when only the primary can
// tell (a subject whose config has default metadata to merge).
func TestFastLaneOnAFormerPrimary(t *testing.T) {
	forwarded := 0
	primary := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		forwarded++
		w.Header().Set("Content-Type", "application/vnd.schemaregistry.v1+json")
		io.WriteString(w, `{"id":1,"version":1,"schema":"from the primary"}`)
	}))
	defer primary.Close()
	c := newLaneCheck(t, Options{})
	laneSetup(t, c, laneRequest{method: "PUT", path: "/config/merged", body: `{"defaultMetadata":{"properties":{"owner":"team"}}}`},
		post("/subjects/merged/versions", body(recordV1)))
	for _, q := range []laneRequest{post("/subjects/s/versions", body(recordV1)), post("/subjects/merged/versions", body(recordV1))} {
		first := c.serve(c.routed, q) // as the primary: cached
		if !c.compare(q, nil) {
			t.Fatalf("%v: not answered by the fast lane on the primary", q)
		}
		c.a.lead = fixedLeader{url: primary.URL, known: true}
		forwarded = 0
		if c.compare(q, nil) {
			t.Errorf("%v: answered by the fast lane on a follower", q)
		}
		t.Logf("%v: %d as the primary, forwarded %d times as a follower", q, first.status, forwarded)
		c.a.lead = nil
	}
}

// The lane creates no metric series the router would not: a series
// appears with the first request counted in it.
func TestFastLaneCreatesNoSeries(t *testing.T) {
	c := newLaneCheck(t, Options{})
	if s := c.snapshot(); len(s) != 0 {
		t.Errorf("series before any request: %v", s)
	}
	laneSetup(t, c)
	c.compare(get("/schemas/ids/1"), nil)
	for k := range c.snapshot() { // the setup's and the comparison's routes
		if !strings.HasSuffix(k, `route=/schemas/ids/{id}}`) && !strings.HasSuffix(k, `route=/subjects/{subject}/versions}`) &&
			!strings.HasSuffix(k, `route=/subjects/{subject}/versions/{version}}`) {
			t.Errorf("series %s: no such request was made", k)
		}
	}
}

// The media types every client sends are matched before parsing, to the
// same answers.
func TestMediaTypeShortcuts(t *testing.T) {
	for _, accept := range []string{"", "*/*", "application/vnd.schemaregistry.v1+json", "application/vnd.schemaregistry+json", "application/json"} {
		if got, want := negotiate(accept), negotiateHeader(accept); got != want {
			t.Errorf("Accept %q: %q, parsed %q", accept, got, want)
		}
	}
	for _, ct := range requestTypeShortcuts {
		if !requestTypeParsedOK(ct) {
			t.Errorf("Content-Type %q: refused when parsed", ct)
		}
	}
}
