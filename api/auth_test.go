package api

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/avro"
	"github.com/schemaregistry/registry/store"
)

// testUsers are three users of three levels, and one of no level.
var testUsers = map[string]struct {
	password string
	roles    []string
}{
	"alice": {"alice-pw", []string{"reader"}},
	"bob":   {"bob-pw", []string{"writer"}}, // orders-* only
	"carol": {"carol-pw", []string{"admin"}},
	"dave":  {"dave-pw", []string{"guest"}}, // admitted, no level
	"eve":   {"eve-pw", []string{"intern"}}, // not admitted
}

func testBasic(user, password string) ([]string, bool) {
	u, ok := testUsers[user]
	if !ok || u.password != password {
		return nil, false
	}
	return u.roles, true
}

func testAuth() *Auth {
	return &Auth{
		Realm:         "SchemaRegistry",
		Basic:         testBasic,
		AdmittedRoles: []string{"reader", "writer", "admin", "guest"},
		ReadRoles:     []string{"reader"},
		WriteRoles:    []string{"writer"},
		AdminRoles:    []string{"admin"},
		WriteSubjects: map[string][]string{"writer": {"orders-*", "*-audit"}},
	}
}

func newAuthServer(t *testing.T, auth *Auth, logger *slog.Logger) (*API, http.Handler) {
	t.Helper()
	reg, err := store.Open(store.NewMemoryLog(), []formats.Format{avro.Format{}},
		store.Settings{ModeMutability: true}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	a := newAPI(Options{Registry: reg, Auth: auth, Logger: logger})
	return a, a.withFastLane(a.router()) // as New serves it
}

func call(h http.Handler, method, path, body, user, password string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if user != "" {
		req.SetBasicAuth(user, password)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// concrete turns a route pattern into a path and a body to send.
func concrete(rt route) (path, body string) {
	path = strings.NewReplacer("{subject}", "orders-value", "{version}", "1", "{id}", "1", "{guid}", "g",
		"{context}", ".ctx", "{resourceId}", "r", "{namespace}", "n", "{name}", "x").Replace(rt.pattern)
	switch {
	case strings.HasPrefix(rt.pattern, "/config"):
		body = `{"compatibility":"NONE"}`
	case strings.HasPrefix(rt.pattern, "/mode"):
		body = `{"mode":"READWRITE"}`
	case rt.method == "POST":
		body = `{"schema":"\"string\""}`
	}
	return path, body
}

func levelOf(user string) access {
	switch user {
	case "alice":
		return read
	case "bob":
		return register
	case "carol":
		return admin
	}
	return public
}

func checkEnvelope(t *testing.T, w *httptest.ResponseRecorder, code int, what string) {
	t.Helper()
	var e errorBody
	if w.Code != code || json.Unmarshal(w.Body.Bytes(), &e) != nil || e.ErrorCode != code || e.Message == "" {
		t.Errorf("%s: %d %s, want %d with {\"error_code\":%d,...}", what, w.Code, w.Body.String(), code, code)
	}
}

// TestAuthEveryRoute sends every route of the table without credentials,
// with wrong ones and as each user, and checks 401, 403 or an answer by
// the route's access level.
func TestAuthEveryRoute(t *testing.T) {
	a, h := newAuthServer(t, testAuth(), slog.New(slog.DiscardHandler))
	for _, rt := range a.routes() {
		path, body := concrete(rt)
		what := rt.method + " " + rt.pattern
		if rt.access == public {
			if w := call(h, rt.method, path, body, "", ""); w.Code != http.StatusOK {
				t.Errorf("%s without credentials: %d, want 200 (public)", what, w.Code)
			}
			continue
		}
		for _, cred := range [][2]string{{"", ""}, {"alice", "wrong"}, {"mallory", "alice-pw"}} {
			w := call(h, rt.method, path, body, cred[0], cred[1])
			checkEnvelope(t, w, http.StatusUnauthorized, what+" as "+cred[0])
			if got := w.Header().Get("WWW-Authenticate"); got != `Basic realm="SchemaRegistry"` {
				t.Errorf("%s: WWW-Authenticate %q", what, got)
			}
		}
		for _, user := range []string{"alice", "bob", "carol", "dave", "eve"} {
			w := call(h, rt.method, path, body, user, testUsers[user].password)
			allowed := levelOf(user) >= rt.access
			if allowed && (w.Code == http.StatusUnauthorized || w.Code == http.StatusForbidden) {
				t.Errorf("%s as %s: %d %s, want it allowed", what, user, w.Code, w.Body.String())
			}
			if !allowed {
				checkEnvelope(t, w, http.StatusForbidden, what+" as "+user)
			}
		}
	}
}

func TestAuthUnknownUserLooksLikeWrongPassword(t *testing.T) {
	_, h := newAuthServer(t, testAuth(), slog.New(slog.DiscardHandler))
	unknown := call(h, "GET", "/subjects", "", "mallory", "x")
	wrong := call(h, "GET", "/subjects", "", "alice", "x")
	if unknown.Code != wrong.Code || unknown.Body.String() != wrong.Body.String() ||
		unknown.Header().Get("WWW-Authenticate") != wrong.Header().Get("WWW-Authenticate") {
		t.Errorf("unknown user %d %s; wrong password %d %s", unknown.Code, unknown.Body, wrong.Code, wrong.Body)
	}
}

func TestAuthSubjectPatternsAndImport(t *testing.T) {
	_, h := newAuthServer(t, testAuth(), slog.New(slog.DiscardHandler))
	schema := `{"schema":"\"string\""}`
	for _, tt := range []struct {
		user, subject, body string
		status              int
	}{
		{"bob", "orders-value", schema, 200},
		{"bob", "orders-", schema, 200},
		{"bob", "payments-audit", schema, 200},
		{"bob", "payments-value", schema, 403},
		{"bob", "xorders-value", schema, 403},
		{"carol", "payments-value", schema, 200},
		{"bob", "orders-import", `{"schema":"\"int\"","id":7}`, 403}, // IMPORT is admin
		{"bob", "orders-import", `{"schema":"\"int\"","id":0}`, 200},
		{"carol", "orders-import", `{"schema":"\"long\"","id":7}`, 422}, // allowed; not in IMPORT mode (42205)
		{"bob", "orders-x", `not json`, 400},                            // the handler answers
		{"bob", "orders-x", ``, 422},
	} {
		w := call(h, "POST", "/subjects/"+tt.subject+"/versions", tt.body, tt.user, testUsers[tt.user].password)
		if w.Code != tt.status {
			t.Errorf("%s registers under %s %s: %d %s, want %d", tt.user, tt.subject, tt.body, w.Code, w.Body.String(), tt.status)
		}
	}
}

func TestAuthWithoutAuthorizationRoles(t *testing.T) {
	// Authentication only, as Confluent without its authorization plugin:
	// every admitted user may do everything.
	auth := &Auth{Realm: "r", Basic: testBasic, AdmittedRoles: []string{"*"}}
	_, h := newAuthServer(t, auth, slog.New(slog.DiscardHandler))
	if w := call(h, "PUT", "/config", `{"compatibility":"NONE"}`, "alice", "alice-pw"); w.Code != 200 {
		t.Errorf("PUT /config as a reader without authorization roles: %d %s", w.Code, w.Body)
	}
	if w := call(h, "GET", "/subjects", "", "", ""); w.Code != 401 {
		t.Errorf("without credentials: %d", w.Code)
	}
}

func TestAuthCertificatePrincipal(t *testing.T) {
	auth := &Auth{Realm: "r", Basic: testBasic,
		CertificateRoles: map[string][]string{"orders-service": {"writer"}, "*": {"reader"}},
		ReadRoles:        []string{"reader"}, WriteRoles: []string{"writer"}, AdminRoles: []string{"admin"}}
	_, h := newAuthServer(t, auth, slog.New(slog.DiscardHandler))
	withCert := func(method, path, body, cn string, verified bool) int {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		cert := &x509.Certificate{Subject: pkix.Name{CommonName: cn}}
		req.TLS = &tls.ConnectionState{PeerCertificates: []*x509.Certificate{cert}}
		if verified {
			req.TLS.VerifiedChains = [][]*x509.Certificate{{cert}}
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Code
	}
	schema := `{"schema":"\"string\""}`
	if c := withCert("POST", "/subjects/s/versions", schema, "orders-service", true); c != 200 {
		t.Errorf("mapped certificate registers: %d", c)
	}
	if c := withCert("GET", "/subjects", "", "someone", true); c != 200 {
		t.Errorf("any verified certificate reads (\"*\"): %d", c)
	}
	if c := withCert("POST", "/subjects/s/versions", schema, "someone", true); c != 403 {
		t.Errorf("unmapped certificate registers: %d, want 403", c)
	}
	if c := withCert("GET", "/subjects", "", "orders-service", false); c != 401 {
		t.Errorf("unverified certificate: %d, want 401", c)
	}
}

func TestMatchSubject(t *testing.T) {
	for _, tt := range []struct {
		pattern, subject string
		want             bool
	}{
		{"orders-value", "orders-value", true},
		{"orders-value", "orders-values", false},
		{"*", "", true},
		{"*", "anything", true},
		{"orders-*", "orders-", true},
		{"orders-*", "order-x", false},
		{"*-value", "orders-value", true},
		{"*-value", "-value", true},
		{"*-value", "orders-key", false},
		{"a*b*c", "abc", true},
		{"a*b*c", "aXbYc", true},
		{"a*b*c", "aXcYb", false},
		{"a*a", "a", false},
		{":.ctx:*", ":.ctx:orders", true},
	} {
		if got := matchSubject(tt.pattern, tt.subject); got != tt.want {
			t.Errorf("matchSubject(%q, %q) = %v, want %v", tt.pattern, tt.subject, got, tt.want)
		}
	}
}

// TestAuditLog checks one structured line per write, refused ones included,
// and none for reads or for a registration that finds the schema already
// registered.
func TestAuditLog(t *testing.T) {
	var buf bytes.Buffer
	_, h := newAuthServer(t, testAuth(), slog.New(slog.NewJSONHandler(&buf, nil)))
	call(h, "POST", "/subjects/orders-value/versions", `{"schema":"\"string\""}`, "bob", "bob-pw")
	// The same registration again changes nothing: logged at DEBUG only.
	call(h, "POST", "/subjects/orders-value/versions", `{"schema":"\"string\""}`, "bob", "bob-pw")
	call(h, "POST", "/subjects/payments-value/versions", `{"schema":"\"string\""}`, "bob", "bob-pw")
	call(h, "DELETE", "/subjects/orders-value/versions/1", "", "carol", "carol-pw")
	call(h, "PUT", "/config/orders-value", `{"compatibility":"NONE"}`, "", "")
	call(h, "GET", "/subjects", "", "alice", "alice-pw")
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not a JSON line: %q", l)
		}
		if m["msg"] == "audit" {
			lines = append(lines, m)
		}
	}
	want := []map[string]any{
		{"user": "bob", "method": "POST", "subject": "orders-value", "id": 1.0, "version": 1.0, "status": 200.0, "access": "write"},
		{"user": "bob", "method": "POST", "subject": "payments-value", "status": 403.0, "error_code": 403.0},
		{"user": "carol", "method": "DELETE", "subject": "orders-value", "version": 1.0, "status": 200.0, "access": "admin"},
		{"user": "", "method": "PUT", "subject": "orders-value", "status": 401.0, "error_code": 401.0},
	}
	if len(lines) != len(want) {
		t.Fatalf("%d audit lines, want %d:\n%s", len(lines), len(want), buf.String())
	}
	for i, w := range want {
		for k, v := range w {
			if lines[i][k] != v {
				t.Errorf("audit line %d: %s = %v, want %v\n%v", i, k, lines[i][k], v, lines[i])
			}
		}
	}
}

// TestFollowerForwardsCredentials checks that a follower forwards the
// caller's Authorization header and that the primary decides: a user the
// follower still admits but the primary's users file no longer knows is
// refused with the primary's 401.
func TestFollowerForwardsCredentials(t *testing.T) {
	var primaryLog bytes.Buffer
	_, primaryH := newAuthServer(t, &Auth{Realm: "SchemaRegistry", Basic: func(user, password string) ([]string, bool) {
		if user == "bob" { // bob was revoked on the primary
			return nil, false
		}
		return testBasic(user, password)
	}, ReadRoles: []string{"reader"}, WriteRoles: []string{"writer"}, AdminRoles: []string{"admin"}},
		slog.New(slog.NewTextHandler(&primaryLog, nil)))
	ts := httptest.NewServer(primaryH)
	defer ts.Close()

	reg, err := store.Open(store.NewMemoryLog(), []formats.Format{avro.Format{}}, store.Settings{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	follower := New(Options{Registry: reg, Auth: testAuth(), Logger: slog.New(slog.DiscardHandler),
		Leadership: fixedLeader{url: ts.URL, known: true}})
	if w := call(follower, "POST", "/subjects/orders-value/versions", `{"schema":"\"string\""}`, "carol", "carol-pw"); w.Code != 200 {
		t.Errorf("admin through the follower: %d %s", w.Code, w.Body)
	}
	if !strings.Contains(primaryLog.String(), "user=carol auth=basic") || !strings.Contains(primaryLog.String(), "forwarded_by_follower=true") {
		t.Errorf("the primary's audit log does not show carol's forwarded write:\n%s", primaryLog.String())
	}
	w := call(follower, "PUT", "/config", `{"compatibility":"NONE"}`, "bob", "bob-pw")
	if w.Code != 403 {
		t.Errorf("the follower refuses what bob may not do: %d %s", w.Code, w.Body)
	}
	w = call(follower, "POST", "/subjects/orders-value/versions", `{"schema":"\"int\""}`, "bob", "bob-pw")
	if w.Code != 401 || !strings.Contains(w.Body.String(), `"error_code":401`) || w.Header().Get("WWW-Authenticate") == "" {
		t.Errorf("bob, revoked on the primary: %d %s %v, want the primary's 401", w.Code, w.Body, w.Header())
	}
}
