package api

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/schemaregistry/registry/console"
	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/avro"
	"github.com/schemaregistry/registry/formats/jsonschema"
	"github.com/schemaregistry/registry/formats/protobuf"
	"github.com/schemaregistry/registry/store"
)

// newConsoleServer is a registry of the three types with the console at
// path ("" off) and auth (nil: none).
func newConsoleServer(t testing.TB, path string, auth *Auth) *server {
	t.Helper()
	log := store.NewMemoryLog()
	reg, err := store.Open(log, []formats.Format{avro.Format{}, jsonschema.Format{}, protobuf.Format{}},
		store.Settings{ModeMutability: true, ValidateNewSchemas: true}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	tt, _ := t.(*testing.T)
	return &server{t: tt, log: log, reg: reg, h: New(Options{Registry: reg, Version: "test", GroupID: "schema-registry",
		ClusterID: "embedded", ConsolePath: path, Auth: auth, Logger: slog.New(slog.DiscardHandler)})}
}

func (s *server) mustRegister(subject, body string) {
	s.t.Helper()
	if code, b, _ := s.do("POST", "/subjects/"+subject+"/versions", body); code != 200 {
		s.t.Fatalf("register %s: %d %s", subject, code, b)
	}
}

func decodeAs[T any](t *testing.T, body string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return v
}

func TestConsolePageAndAssets(t *testing.T) {
	s := newConsoleServer(t, "/ui", nil)
	for _, path := range []string{"/ui", "/ui/"} {
		code, body, h := s.do("GET", path, "")
		if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
			t.Fatalf("GET %s: %d %s", path, code, h.Get("Content-Type"))
		}
		if !strings.Contains(body, `data-base="/ui"`) || !strings.Contains(body, `src="/ui/assets/app.js"`) || strings.Contains(body, "{{BASE}}") {
			t.Errorf("GET %s: the page does not name its base:\n%s", path, body)
		}
	}
	code, body, h := s.do("GET", "/ui/assets/app.js", "")
	if code != 200 || !strings.Contains(h.Get("Content-Type"), "javascript") || !strings.Contains(body, "import") {
		t.Errorf("app.js: %d %s", code, h.Get("Content-Type"))
	}
	if code, _, _ := s.do("GET", "/ui/assets/app.js", "", "If-None-Match", h.Get("ETag")); code != http.StatusNotModified {
		t.Errorf("app.js with its ETag: %d, want 304", code)
	}
	for _, path := range []string{"/ui/assets/nope.js", "/ui/assets/index.html", "/ui/assets/../console.go", "/ui/other"} {
		code, body, _ := s.do("GET", path, "")
		checkEnvelopeBody(t, code, body, http.StatusNotFound, path)
	}
	if code, body, _ := s.do("POST", "/ui", ""); code != http.StatusMethodNotAllowed || !strings.Contains(body, `"error_code":405`) {
		t.Errorf("POST /ui: %d %s", code, body)
	}
}

func checkEnvelopeBody(t *testing.T, code int, body string, want int, what string) {
	t.Helper()
	var e errorBody
	if code != want || json.Unmarshal([]byte(body), &e) != nil || e.ErrorCode == 0 || e.Message == "" {
		t.Errorf("%s: %d %s, want %d in an error envelope", what, code, body, want)
	}
}

// TestConsolePathAndSwitch: the console follows ui.path, and is gone
// (404, the REST API untouched) when turned off.
func TestConsolePathAndSwitch(t *testing.T) {
	custom := newConsoleServer(t, "/tools/registry-ui", nil)
	if code, body, _ := custom.do("GET", "/tools/registry-ui/", ""); code != 200 || !strings.Contains(body, `href="/tools/registry-ui/assets/style.css"`) {
		t.Errorf("custom path: %d", code)
	}
	if code, _, _ := custom.do("GET", "/tools/registry-ui/api/whoami", ""); code != 200 {
		t.Errorf("custom path whoami: %d", code)
	}
	if code, body, _ := custom.do("GET", "/ui/", ""); code != 404 {
		t.Errorf("/ui with another path: %d %s", code, body)
	}
	off := newConsoleServer(t, "", nil)
	for _, path := range []string{"/ui", "/ui/assets/app.js", "/ui/api/whoami", "/ui/api/subjects"} {
		code, body, _ := off.do("GET", path, "")
		checkEnvelopeBody(t, code, body, http.StatusNotFound, "off: "+path)
	}
	if code, _, _ := off.do("GET", "/subjects", ""); code != 200 {
		t.Errorf("REST with the console off: %d", code)
	}
}

func TestConsoleWhoami(t *testing.T) {
	anon := newConsoleServer(t, "/ui", nil)
	_, body, _ := anon.do("GET", "/ui/api/whoami", "")
	if w := decodeAs[whoamiJSON](t, body); w.Level != "admin" || w.Authentication {
		t.Errorf("without authentication: %s", body)
	}
	s := newConsoleServer(t, "/ui", testAuth())
	for _, c := range []struct {
		user, level, writes string
	}{{"alice", "read", ""}, {"bob", "write", "orders-*,*-audit"}, {"carol", "admin", ""}} {
		w := call(s.h, "GET", "/ui/api/whoami", "", c.user, testUsers[c.user].password)
		got := decodeAs[whoamiJSON](t, w.Body.String())
		if w.Code != 200 || got.Principal != c.user || got.Level != c.level || got.Via != "basic" || !got.Authentication ||
			strings.Join(got.WriteSubjects, ",") != c.writes {
			t.Errorf("%s: %d %s", c.user, w.Code, w.Body.String())
		}
	}
	// Guarded like a read: no credentials 401, no level 403, both enveloped.
	w := call(s.h, "GET", "/ui/api/whoami", "", "", "")
	checkEnvelope(t, w, http.StatusUnauthorized, "whoami without credentials")
	if w.Header().Get("WWW-Authenticate") == "" {
		t.Error("whoami 401 without a challenge")
	}
	checkEnvelope(t, call(s.h, "GET", "/ui/api/whoami", "", "dave", "dave-pw"), http.StatusForbidden, "whoami of a user without a level")
	// The page itself is public: it holds no data, and signs the user in.
	if w := call(s.h, "GET", "/ui/", "", "", ""); w.Code != 200 {
		t.Errorf("the page without credentials: %d", w.Code)
	}
}

// TestConsoleRoutesGuarded: every console JSON route refuses a caller
// without credentials, and a reader's subject limits apply to them.
func TestConsoleRoutesGuarded(t *testing.T) {
	auth := testAuth()
	auth.ReadSubjects = map[string][]string{"reader": {"orders-*"}}
	s := newConsoleServer(t, "/ui", auth)
	for _, subject := range []string{"orders-value", "secret-value"} {
		for v := 1; v <= 2; v++ {
			w := call(s.h, "POST", "/subjects/"+subject+"/versions", body(fmt.Sprintf(`{"type":"record","name":"R","fields":[{"name":"a","type":"int"}%s]}`,
				strings.Repeat(`,{"name":"b","type":"int","default":0}`, v-1))), "carol", "carol-pw")
			if w.Code != 200 {
				t.Fatalf("register: %d %s", w.Code, w.Body.String())
			}
		}
	}
	a := newAPI(Options{Registry: s.reg, ConsolePath: "/ui", Auth: auth})
	for _, rt := range a.consoleRoutes() {
		if rt.access == public {
			continue
		}
		path := strings.NewReplacer("{subject}", "orders-value", "{version}", "1", "*", "").Replace(rt.pattern)
		checkEnvelope(t, call(s.h, rt.method, path, "", "", ""), http.StatusUnauthorized, rt.method+" "+rt.pattern)
	}
	w := call(s.h, "GET", "/ui/api/subjects", "", "alice", "alice-pw")
	if got := decodeAs[summariesJSON](t, w.Body.String()); got.Total != 1 || got.Subjects[0].Subject != "orders-value" {
		t.Errorf("a reader limited to orders-*: %s", w.Body.String())
	}
	for _, path := range []string{"/ui/api/subjects/secret-value/diff?from=1&to=2", "/ui/api/subjects/secret-value/versions/1/forms"} {
		checkEnvelope(t, call(s.h, "GET", path, "", "alice", "alice-pw"), http.StatusForbidden, path)
	}
	if w := call(s.h, "GET", "/ui/api/subjects/orders-value/diff?from=1&to=2", "", "alice", "alice-pw"); w.Code != 200 {
		t.Errorf("a readable diff: %d %s", w.Code, w.Body.String())
	}
	if w := call(s.h, "GET", "/ui/api/subjects", "", "carol", "carol-pw"); decodeAs[summariesJSON](t, w.Body.String()).Total != 2 {
		t.Errorf("the admin reads every subject: %s", w.Body.String())
	}
}

func TestConsoleSubjectSummaries(t *testing.T) {
	s := newConsoleServer(t, "/ui", nil)
	for i := range 7 {
		s.mustRegister(fmt.Sprintf("Orders-%d-value", i), body(fmt.Sprintf(`{"type":"fixed","name":"F%d","size":4}`, i)))
	}
	s.mustRegister("customers-value", `{"schemaType":"JSON","schema":"{\"type\":\"object\"}"}`)
	s.mustRegister("payments-value", `{"schemaType":"PROTOBUF","schema":"syntax = \"proto3\"; message P { string id = 1; }"}`)
	s.mustRegister(":.staging:orders-x-value", body(`"string"`))
	s.mustRegister("gone-value", body(`"int"`))
	if code, b, _ := s.do("DELETE", "/subjects/gone-value", ""); code != 200 {
		t.Fatal(code, b)
	}
	page := func(query string) summariesJSON {
		t.Helper()
		code, b, _ := s.do("GET", "/ui/api/subjects?"+query, "")
		if code != 200 {
			t.Fatalf("%s: %d %s", query, code, b)
		}
		return decodeAs[summariesJSON](t, b)
	}
	names := func(p summariesJSON) string {
		var out []string
		for _, s := range p.Subjects {
			out = append(out, s.Subject)
		}
		return strings.Join(out, " ")
	}
	for _, c := range []struct {
		query string
		total int
		names string
	}{
		{"", 10, ":.staging:orders-x-value Orders-0-value Orders-1-value Orders-2-value Orders-3-value Orders-4-value Orders-5-value Orders-6-value customers-value payments-value"},
		{"limit=3", 10, ":.staging:orders-x-value Orders-0-value Orders-1-value"},
		{"limit=3&offset=8", 10, "customers-value payments-value"},
		{"offset=50", 10, ""},
		{"q=ORDERS-5", 1, "Orders-5-value"},
		{"type=json", 1, "customers-value"},
		{"type=PROTOBUF&q=pay", 1, "payments-value"},
		{"context=.staging", 1, ":.staging:orders-x-value"},
		{"context=.&q=orders&limit=2", 7, "Orders-0-value Orders-1-value"},
		{"deleted=true&q=gone", 1, "gone-value"},
		{"q=gone", 0, ""},
	} {
		p := page(c.query)
		if p.Total != c.total || names(p) != c.names {
			t.Errorf("%q: total %d, %q; want %d, %q", c.query, p.Total, names(p), c.total, c.names)
		}
	}
	p := page("q=payments")
	if got := p.Subjects[0]; got.SchemaType != formats.Protobuf || got.Version != 1 || got.Versions != 1 || got.ID == 0 || got.Deleted {
		t.Errorf("summary: %+v", got)
	}
	if got := page("deleted=true&q=gone").Subjects[0]; !got.Deleted {
		t.Errorf("a soft-deleted subject: %+v", got)
	}
	// A change shows in the next list (the sorted list is of a revision).
	s.mustRegister("aaa-value", body(`"long"`))
	if p := page("q=aaa"); p.Total != 1 || page("").Total != 11 {
		t.Errorf("after a registration: %+v", p)
	}
	if code, b, _ := s.do("DELETE", "/subjects/aaa-value", ""); code != 200 {
		t.Fatal(code, b)
	}
	if p := page(""); p.Total != 10 {
		t.Errorf("after a delete: %d subjects", p.Total)
	}
	for _, query := range []string{"type=XML", "offset=-1", "limit=x", "context=staging", "context=.a:b"} {
		code, b, _ := s.do("GET", "/ui/api/subjects?"+query, "")
		checkEnvelopeBody(t, code, b, http.StatusBadRequest, query)
	}
}

// TestConsoleDiff: the engine's changes and the verdict at each level,
// as srctl diff shows them.
func TestConsoleDiff(t *testing.T) {
	s := newConsoleServer(t, "/ui", nil)
	s.do("PUT", "/config", `{"compatibility":"NONE"}`)
	s.mustRegister("p", `{"schemaType":"PROTOBUF","schema":"syntax = \"proto3\"; message P { string id = 1; int32 n = 2; }"}`)
	s.mustRegister("p", `{"schemaType":"PROTOBUF","schema":"syntax = \"proto3\"; message P { string id = 1; string n = 2; int64 extra = 3; }"}`)
	s.mustRegister("a", body(`{"type":"record","name":"R","fields":[{"name":"x","type":"int"}]}`))
	s.mustRegister("a", body(`{"type":"record","name":"R","fields":[{"name":"x","type":"int"},{"name":"y","type":"int","default":0}]}`))

	code, b, _ := s.do("GET", "/ui/api/subjects/p/diff?from=1&to=latest", "")
	if code != 200 {
		t.Fatalf("%d %s", code, b)
	}
	d := decodeAs[versionDiffJSON](t, b)
	if d.Subject != "p" || d.From != 1 || d.To != 2 || !d.ChangesListed {
		t.Errorf("diff: %s", b)
	}
	changes := map[string]bool{}
	for _, c := range d.Changes {
		changes[c.Type+" "+c.Path] = c.Compatible
	}
	if compatible, ok := changes["FIELD_SCALAR_KIND_CHANGED #/P/2"]; !ok || compatible {
		t.Errorf("changes: %+v", d.Changes)
	}
	if compatible, ok := changes["FIELD_ADDED #/P/3"]; !ok || !compatible {
		t.Errorf("changes: %+v", d.Changes)
	}
	if len(d.Verdicts) != 3 {
		t.Fatalf("verdicts: %+v", d.Verdicts)
	}
	for _, v := range d.Verdicts {
		last := v.Messages[len(v.Messages)-1]
		if v.Compatible || !strings.Contains(last, "compatibility: '"+string(v.Level)+"'") {
			t.Errorf("%s: %+v", v.Level, v)
		}
	}

	_, b, _ = s.do("GET", "/ui/api/subjects/a/diff?from=1&to=2", "")
	d = decodeAs[versionDiffJSON](t, b)
	if d.ChangesListed || len(d.Changes) != 0 {
		t.Errorf("Avro lists no changes: %s", b)
	}
	want := map[string]bool{"BACKWARD": true, "FORWARD": true, "FULL": true}
	for _, v := range d.Verdicts {
		if v.Compatible != want[string(v.Level)] || len(v.Messages) != 0 {
			t.Errorf("Avro %s: %+v", v.Level, v)
		}
	}
	s.mustRegister("a", body(`{"type":"record","name":"R","fields":[{"name":"x","type":"long"}]}`))
	_, b, _ = s.do("GET", "/ui/api/subjects/a/diff?from=1&to=3", "")
	for _, v := range decodeAs[versionDiffJSON](t, b).Verdicts {
		// int to long: a long reader reads ints, not the other way round.
		if v.Compatible != (v.Level == "BACKWARD") {
			t.Errorf("Avro int to long %s: %+v", v.Level, v)
		}
	}

	for _, c := range []struct {
		path string
		code int
	}{
		{"/ui/api/subjects/p/diff?from=1", 400},
		{"/ui/api/subjects/p/diff?from=x&to=1", 422},
		{"/ui/api/subjects/p/diff?from=1&to=9", 404},
		{"/ui/api/subjects/none/diff?from=1&to=2", 404},
	} {
		code, b, _ := s.do("GET", c.path, "")
		checkEnvelopeBody(t, code, b, c.code, c.path)
	}
}

func TestConsoleForms(t *testing.T) {
	s := newConsoleServer(t, "/ui", nil)
	s.mustRegister("a", body(`{"type":"record","name":"R","namespace":"n","fields":[{"name":"x","type":"int","doc":"d"}]}`))
	code, b, _ := s.do("GET", "/ui/api/subjects/a/versions/1/forms", "")
	f := decodeAs[store.SchemaForms](t, b)
	if code != 200 || f.Raw == "" || f.Canonical == "" || f.Normalized == "" || !strings.Contains(f.Normalized, `"name":"n.R"`) {
		t.Errorf("forms: %d %s", code, b)
	}
	code, b, _ = s.do("GET", "/ui/api/subjects/a/versions/7/forms", "")
	checkEnvelopeBody(t, code, b, 404, "a missing version")
}

// TestConsoleCheckAtLevel: a check at a level the caller picks, with
// Confluent's verbose messages; the subject's config is left alone.
func TestConsoleCheckAtLevel(t *testing.T) {
	s := newConsoleServer(t, "/ui", nil)
	s.mustRegister("a", body(`{"type":"record","name":"R","fields":[{"name":"x","type":"int"}]}`))
	s.mustRegister("a", body(`{"type":"record","name":"R","fields":[{"name":"x","type":"int"},{"name":"y","type":"int","default":0}]}`))
	candidate := body(`{"type":"record","name":"R","fields":[{"name":"x","type":"long"}]}`)
	code, b, _ := s.do("POST", "/ui/api/subjects/a/check?level=forward_transitive", candidate)
	c := decodeAs[compatibilityJSON](t, b)
	if code != 200 || c.IsCompatible || c.Messages == nil || !strings.Contains(strings.Join(*c.Messages, "\n"), "compatibility: 'FORWARD_TRANSITIVE'") {
		t.Errorf("forward_transitive: %d %s", code, b)
	}
	_, b, _ = s.do("POST", "/ui/api/subjects/a/check?level=NONE", candidate)
	if c := decodeAs[compatibilityJSON](t, b); !c.IsCompatible || c.Messages == nil || len(*c.Messages) != 0 {
		t.Errorf("NONE: %s", b)
	}
	_, b, _ = s.do("POST", "/ui/api/subjects/new-subject/check?level=FULL", candidate)
	if c := decodeAs[compatibilityJSON](t, b); !c.IsCompatible {
		t.Errorf("a new subject: %s", b)
	}
	// A schema that does not parse is a verdict with its reason, as
	// Confluent's verbose check answers it.
	_, b, _ = s.do("POST", "/ui/api/subjects/a/check?level=FULL", body(`{"type":"nope"}`))
	if c := decodeAs[compatibilityJSON](t, b); c.IsCompatible || c.Messages == nil || !strings.Contains((*c.Messages)[0], "Invalid schema") {
		t.Errorf("an invalid schema: %s", b)
	}
	if _, b, _ := s.do("GET", "/config/a", ""); !strings.Contains(b, "40408") {
		t.Errorf("the check set a config: %s", b)
	}
	for _, c := range []struct {
		path, body string
		code       int
	}{
		{"/ui/api/subjects/a/check?level=SIDEWAYS", candidate, 422},
		{"/ui/api/subjects/a/check", candidate, 422},
		{"/ui/api/subjects/a/check?level=FULL", "", 422},
		{"/ui/api/subjects/a/check?level=FULL", "{", 400},
	} {
		code, b, _ := s.do("POST", c.path, c.body)
		checkEnvelopeBody(t, code, b, c.code, c.path+" "+c.body)
	}
}

func TestConsoleStatus(t *testing.T) {
	s := newConsoleServer(t, "/ui", nil)
	s.mustRegister("a", body(`"int"`))
	_, b, _ := s.do("GET", "/ui/api/status", "")
	st := decodeAs[statusJSON](t, b)
	if !st.IsPrimary || st.Subjects != 1 || st.Versions != 1 || st.Schemas != 1 || st.Offset < 0 || st.LogEnd != -1 || st.Version != "test" {
		t.Errorf("status: %s", b)
	}
}

// TestConsoleStatusFollower: a follower names the primary, and the replay
// progress comes from the end of the schema log.
func TestConsoleStatusFollower(t *testing.T) {
	s := newConsoleServer(t, "/ui", nil)
	s.mustRegister("a", body(`"int"`))
	h := New(Options{Registry: s.reg, ConsolePath: "/ui", Leadership: fixedLeader{url: "http://primary:8081", known: true},
		LogEnd: func(context.Context) (int64, error) { return 40, nil }})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/ui/api/status", nil))
	st := decodeAs[statusJSON](t, w.Body.String())
	if st.IsPrimary || st.Primary != "http://primary:8081" || !st.PrimaryKnown || st.LogEnd != 40 || st.Lag != 40-1-st.Offset {
		t.Errorf("follower status: %s", w.Body.String())
	}
}

// TestConsoleAssetBudget: everything a page can load, the page included,
// stays far under the 200 KB a page may cost.
func TestConsoleAssetBudget(t *testing.T) {
	total := len(console.Page("/ui"))
	for _, name := range console.Assets() {
		a, _ := console.Lookup(name)
		total += len(a.Body)
	}
	if total > 200<<10 {
		t.Errorf("the console's files weigh %d bytes, over 200 KB", total)
	}
	t.Logf("the console's page and assets: %d bytes", total)
}

// BenchmarkConsoleSubjects100k is the first page of the console's subject
// list over 100,000 subjects: the server's cost per request (the issue's
// budget is 200 ms). Run: go test -run '^$' -bench ConsoleSubjects100k ./api
func BenchmarkConsoleSubjects100k(b *testing.B) {
	s := consoleServer100k(b)
	for _, c := range []struct{ name, query string }{{"first-page", ""}, {"name-filter", "q=99-"}, {"type-filter-middle-page", "type=AVRO&offset=50000"}} {
		query := c.query
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				req := httptest.NewRequest("GET", "/ui/api/subjects?"+query, nil)
				w := httptest.NewRecorder()
				s.h.ServeHTTP(w, req)
				if w.Code != 200 {
					b.Fatal(w.Code, w.Body.String())
				}
			}
		})
	}
}

// consoleServer100k replays 100,000 subjects, one small Avro version each,
// from records in Confluent's format.
func consoleServer100k(t testing.TB) *server {
	t.Helper()
	recs := make([]store.Record, 0, 100_000)
	for i := range 100_000 {
		subject := fmt.Sprintf("subject-%06d-value", i)
		schema := fmt.Sprintf(`{"type":"fixed","name":"F%d","size":%d}`, i, i%64+1)
		key := fmt.Sprintf(`{"keytype":"SCHEMA","subject":%q,"version":1,"magic":1}`, subject)
		value := fmt.Sprintf(`{"subject":%q,"version":1,"id":%d,"schemaType":"AVRO","schema":%q,"deleted":false}`, subject, i+1, schema)
		recs = append(recs, store.Record{Key: []byte(key), Value: []byte(value), Timestamp: 1})
	}
	reg, err := store.Open(store.NewMemoryLog(recs...), []formats.Format{avro.Format{}}, store.Settings{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if reg.Stats().Subjects != 100_000 {
		t.Fatalf("%d subjects replayed", reg.Stats().Subjects)
	}
	tt, _ := t.(*testing.T)
	return &server{t: tt, reg: reg, h: New(Options{Registry: reg, ConsolePath: "/ui", Logger: slog.New(slog.DiscardHandler)})}
}

// TestConsoleSubjects100k logs what the first page of the subject list
// costs over 100,000 subjects (not asserted: timings depend on the
// machine); the benchmark measures it better.
func TestConsoleSubjects100k(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	s := consoleServer100k(t)
	// Each list reads the subject index: the first page costs its size; a
	// name or type filter tests every subject.
	for _, query := range []string{"", "", "q=99-", "type=AVRO&offset=50000"} {
		start := time.Now()
		code, b, _ := s.do("GET", "/ui/api/subjects?"+query, "")
		elapsed := time.Since(start)
		p := decodeAs[summariesJSON](t, b)
		if code != 200 || len(p.Subjects) != 50 {
			t.Fatalf("%q: %d, %d subjects", query, code, len(p.Subjects))
		}
		t.Logf("subject list over 100,000 subjects, query %q: total %d, first row %s, served in %v", query, p.Total, p.Subjects[0].Subject, elapsed)
	}
}
