package api

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/schemaregistry/registry/internal/oauth"
	"github.com/schemaregistry/registry/internal/testidp"
)

// bearerAuth is authentication by tokens of idp, roles from groups.
func bearerAuth(t *testing.T, idp *testidp.IdP, jwksURL string) *Auth {
	t.Helper()
	v, err := oauth.New(context.Background(), oauth.Settings{JWKSURL: jwksURL, Issuer: idp.Issuer, Audiences: []string{idp.Audience}})
	if err != nil {
		t.Fatal(err)
	}
	return &Auth{Realm: "SchemaRegistry",
		Bearer: func(ctx context.Context, token string) (string, []string, error) {
			id, err := v.Verify(ctx, token)
			return id.Subject, id.Roles, err
		},
		ReadRoles: []string{"readers"}, WriteRoles: []string{"writers"}, AdminRoles: []string{"admins"},
		WriteSubjects: map[string][]string{"writers": {"orders-*"}}}
}

func callBearer(h http.Handler, method, path, body, token string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func TestBearerAuthentication(t *testing.T) {
	idp := testidp.New("https://idp.test", "schema-registry")
	srv := idp.Serve()
	defer srv.Close()
	var logs bytes.Buffer
	_, h := newAuthServer(t, bearerAuth(t, idp, srv.URL+"/jwks.json"), slog.New(slog.NewTextHandler(&logs, nil)))
	tok := func(groups ...string) string {
		return idp.Token("rsa", testidp.Claims{Subject: "svc-" + strings.Join(groups, "-"), Groups: groups})
	}
	reader, writer, admin := tok("readers"), tok("writers"), tok("admins")
	body := `{"schema":"\"string\""}`

	// Each level as its roles allow.
	for _, c := range []struct {
		method, path, body, token string
		status                    int
	}{
		{"POST", "/subjects/orders-value/versions", body, writer, 200},
		{"POST", "/subjects/payments-value/versions", body, writer, 403},
		{"POST", "/subjects/payments-value/versions", body, admin, 200},
		{"GET", "/subjects", "", reader, 200},
		{"GET", "/subjects", "", writer, 200},
		{"POST", "/subjects/orders-value/versions", body, reader, 403},
		{"PUT", "/config", `{"compatibility":"NONE"}`, writer, 403},
		{"PUT", "/config", `{"compatibility":"NONE"}`, admin, 200},
		{"GET", "/subjects", "", tok(), 403}, // a valid token without a role
		{"GET", "/health/ready", "", "", 200},
	} {
		if w := callBearer(h, c.method, c.path, c.body, c.token); w.Code != c.status {
			t.Errorf("%s %s: %d %s, want %d", c.method, c.path, w.Code, w.Body, c.status)
		}
	}

	// Refused tokens: 401 with the envelope and a Bearer challenge, logged
	// without the token.
	now := time.Now()
	refused := map[string]string{
		"none":                           "",
		"expired":                        idp.Token("rsa", testidp.Claims{Subject: "a", Groups: []string{"admins"}, Expires: now.Add(-time.Hour)}),
		"not yet valid":                  idp.Token("rsa", testidp.Claims{Subject: "a", Groups: []string{"admins"}, NotBefore: now.Add(time.Hour)}),
		"wrong issuer":                   idp.Token("ec", testidp.Claims{Subject: "a", Groups: []string{"admins"}, Issuer: "https://evil.test"}),
		"wrong audience":                 idp.Token("ed", testidp.Claims{Subject: "a", Groups: []string{"admins"}, Audience: "other"}),
		"unknown kid":                    testidp.New("https://idp.test", "schema-registry").Token("rsa", testidp.Claims{Subject: "a", Groups: []string{"admins"}}),
		"malformed":                      "abc.def.ghi",
		"alg none":                       noneToken(t),
		"HS256 keyed by the public JWKS": hmacToken(t, idp),
	}
	for name, token := range refused {
		logs.Reset()
		w := callBearer(h, "GET", "/subjects", "", token)
		var e struct {
			ErrorCode int `json:"error_code"`
		}
		json.Unmarshal(w.Body.Bytes(), &e)
		challenge := strings.Join(w.Result().Header.Values("WWW-Authenticate"), "; ")
		if w.Code != 401 || e.ErrorCode != 401 || !strings.HasPrefix(challenge, `Bearer realm="SchemaRegistry"`) {
			t.Errorf("%s: %d %s %q", name, w.Code, w.Body, challenge)
		}
		if token != "" && (!strings.Contains(challenge, `error="invalid_token"`) || !strings.Contains(logs.String(), "refused a bearer token") || strings.Contains(logs.String(), token)) {
			t.Errorf("%s: challenge %q, log %q", name, challenge, logs.String())
		}
	}
	// A token in the query string is refused even when valid, and never
	// logged (a write is audited).
	for _, method := range []string{"GET", "POST"} {
		logs.Reset()
		if w := callBearer(h, method, "/subjects/orders-value/versions?access_token="+admin, body, ""); w.Code != 401 || strings.Contains(logs.String(), admin) {
			t.Errorf("%s with the token in the query string: %d %s; log %q", method, w.Code, w.Body, logs.String())
		}
	}
}

// The audit line of a write names the token's subject.
func TestBearerAudit(t *testing.T) {
	idp := testidp.New("https://idp.test", "schema-registry")
	srv := idp.Serve()
	defer srv.Close()
	var logs bytes.Buffer
	_, h := newAuthServer(t, bearerAuth(t, idp, srv.URL+"/jwks.json"), slog.New(slog.NewJSONHandler(&logs, nil)))
	token := idp.Token("ps", testidp.Claims{Subject: "billing-service", Groups: []string{"writers"}})
	if w := callBearer(h, "POST", "/subjects/orders-value/versions", `{"schema":"\"int\""}`, token); w.Code != 200 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if !strings.Contains(logs.String(), `"user":"billing-service"`) || !strings.Contains(logs.String(), `"auth":"bearer"`) || strings.Contains(logs.String(), token) {
		t.Fatalf("audit: %s", logs.String())
	}
}

func TestReadSubjects(t *testing.T) {
	idp := testidp.New("https://idp.test", "schema-registry")
	srv := idp.Serve()
	defer srv.Close()
	auth := bearerAuth(t, idp, srv.URL+"/jwks.json")
	auth.ReadRoles = []string{"team-a", "team-b"}
	auth.WriteRoles = append(auth.WriteRoles, "a-writers")
	auth.WriteSubjects["a-writers"] = []string{"a-*"}
	auth.ReadSubjects = map[string][]string{"team-a": {"a-*"}, "team-b": {"b-*"}, "a-writers": {"a-*"}}
	_, h := newAuthServer(t, auth, slog.New(slog.DiscardHandler))
	admin := idp.Token("rsa", testidp.Claims{Subject: "root", Groups: []string{"admins"}})
	teamA := idp.Token("rsa", testidp.Claims{Subject: "alice", Groups: []string{"team-a"}})
	teamB := idp.Token("ec", testidp.Claims{Subject: "bob", Groups: []string{"team-b"}})
	x, y := `{"schema":"\"string\""}`, `{"schema":"\"int\""}`
	for _, reg := range [][2]string{{"a-value", x}, {"b-value", y}, {"b-shared", x}} {
		if w := callBearer(h, "POST", "/subjects/"+reg[0]+"/versions", reg[1], admin); w.Code != 200 {
			t.Fatalf("%s: %d %s", reg[0], w.Code, w.Body)
		}
	}
	guidOf := func(id string) string {
		w := callBearer(h, "GET", "/schemas/ids/"+id, "", admin)
		var s struct{ GUID string }
		json.Unmarshal(w.Body.Bytes(), &s)
		return s.GUID
	}
	gx, gy := guidOf("1"), guidOf("2")
	for _, c := range []struct {
		token, method, path, body string
		status                    int
		want                      string
	}{
		{teamA, "GET", "/subjects", "", 200, `["a-value"]`},
		{teamB, "GET", "/subjects", "", 200, `["b-shared","b-value"]`},
		{admin, "GET", "/subjects", "", 200, `["a-value","b-shared","b-value"]`},
		// A page kept for the admin is not another reader's (pages are
		// cached for callers without read limits only).
		{admin, "GET", "/subjects?limit=10", "", 200, `["a-value","b-shared","b-value"]`},
		{teamA, "GET", "/subjects?limit=10", "", 200, `["a-value"]`},
		{teamB, "GET", "/subjects?limit=10", "", 200, `["b-shared","b-value"]`},
		{admin, "GET", "/subjects?limit=10", "", 200, `["a-value","b-shared","b-value"]`},
		{teamA, "GET", "/subjects/b-value/versions", "", 403, ""},
		{teamA, "GET", "/subjects/a-value/versions", "", 200, `[1]`},
		{teamA, "POST", "/subjects/b-value", y, 403, ""},
		{teamA, "POST", "/compatibility/subjects/b-value/versions", y, 403, ""},
		{teamA, "GET", "/config/b-value?defaultToGlobal=true", "", 403, ""},
		{teamA, "GET", "/schemas/ids/1/schema", "", 200, `"string"`},
		{teamA, "GET", "/schemas/ids/2", "", 403, ""},
		{teamB, "GET", "/schemas/ids/1/schema", "", 200, `"string"`}, // through b-shared
		{teamA, "GET", "/schemas/ids/1/subjects", "", 200, `["a-value"]`},
		{teamB, "GET", "/schemas/ids/1/versions", "", 200, `[{"subject":"b-shared","version":1}]`},
		{teamA, "GET", "/schemas/guids/" + gx + "/ids", "", 200, `[{"context":".","id":1}]`},
		{teamA, "GET", "/schemas/guids/" + gy, "", 403, ""},
	} {
		w := callBearer(h, c.method, c.path, c.body, c.token)
		if w.Code != c.status || c.want != "" && strings.TrimSpace(w.Body.String()) != c.want {
			t.Errorf("%s %s: %d %s, want %d %s", c.method, c.path, w.Code, w.Body, c.status, c.want)
		}
	}
	// Associations: read through the subjects they bind; written by admins.
	for _, topic := range []string{"a", "b"} {
		body := `{"resourceName":"t-` + topic + `","resourceNamespace":"ns","resourceId":"i-` + topic + `","associations":[{"subject":"` + topic + `-value"}]}`
		if w := callBearer(h, "POST", "/associations", body, teamA); w.Code != 403 {
			t.Errorf("association written by a reader: %d %s", w.Code, w.Body)
		}
		if w := callBearer(h, "POST", "/associations", body, admin); w.Code != 200 {
			t.Fatalf("association: %d %s", w.Code, w.Body)
		}
	}
	if w := callBearer(h, "GET", "/associations/resources/ns/-", "", teamA); w.Code != 200 || strings.Count(w.Body.String(), `"subject"`) != 1 || !strings.Contains(w.Body.String(), `"a-value"`) {
		t.Errorf("associations for team-a: %d %s", w.Code, w.Body)
	}
	if w := callBearer(h, "GET", "/associations/subjects/b-value", "", teamA); w.Code != 403 {
		t.Errorf("associations of an unreadable subject: %d %s", w.Code, w.Body)
	}
	w := callBearer(h, "GET", "/schemas", "", teamA)
	if w.Code != 200 || strings.Count(w.Body.String(), `"subject"`) != 1 || !strings.Contains(w.Body.String(), `"a-value"`) {
		t.Errorf("/schemas for team-a: %d %s", w.Code, w.Body)
	}
	// An id shared with an unreadable subject names a readable one.
	if w := callBearer(h, "GET", "/schemas/ids/1", "", teamB); !strings.Contains(w.Body.String(), `"subject":"b-shared"`) {
		t.Errorf("id 1 for team-b: %s", w.Body)
	}

	// Nothing of b-* through references: not printed by format=resolved,
	// not usable in a registration, a lookup or a check.
	secret := `{"type":"record","name":"Secret","fields":[{"name":"salary","type":"long"}]}`
	for _, reg := range []struct{ subject, body string }{
		{"b-secret", `{"schema":` + strconvQuote(secret) + `}`},
		{"a-ref", `{"schema":"{\"type\":\"record\",\"name\":\"Ref\",\"fields\":[{\"name\":\"s\",\"type\":\"Secret\"}]}","references":[{"name":"Secret","subject":"b-secret","version":1}]}`},
	} {
		if w := callBearer(h, "POST", "/subjects/"+reg.subject+"/versions", reg.body, admin); w.Code != 200 {
			t.Fatalf("%s: %d %s", reg.subject, w.Code, w.Body)
		}
	}
	aWriter := idp.Token("rsa", testidp.Claims{Subject: "carol", Groups: []string{"a-writers"}})
	steal := `{"schema":"{\"type\":\"record\",\"name\":\"Steal\",\"fields\":[{\"name\":\"s\",\"type\":\"Secret\"}]}","references":[{"name":"Secret","subject":"b-secret","version":1}]}`
	for _, c := range []struct {
		token, method, path, body string
	}{
		{teamA, "GET", "/subjects/a-ref/versions/1?format=resolved", ""},
		{teamA, "GET", "/schemas/ids/" + idOf(t, h, admin, "a-ref") + "?format=resolved", ""},
		{aWriter, "POST", "/subjects/a-steal/versions", steal},
		{teamA, "POST", "/subjects/a-value", steal},
		{teamA, "POST", "/compatibility/subjects/a-value/versions", steal},
		{teamA, "POST", "/validation/topics/b-secret", `{"records":[]}`},
	} {
		if w := callBearer(h, c.method, c.path, c.body, c.token); w.Code != 403 || strings.Contains(w.Body.String(), "salary") {
			t.Errorf("%s %s: %d %s, want 403", c.method, c.path, w.Code, w.Body)
		}
	}
	if w := callBearer(h, "GET", "/subjects/a-ref/versions/1", "", teamA); w.Code != 200 || strings.Contains(w.Body.String(), "salary") {
		t.Errorf("a-ref itself: %d %s", w.Code, w.Body)
	}
	// An unqualified subject is not found in a context the caller may not
	// read.
	ctxSchema := `{"schema":"{\"type\":\"record\",\"name\":\"Ctx\",\"fields\":[]}"}`
	if w := callBearer(h, "POST", "/subjects/:.sec:a-ctx/versions", ctxSchema, admin); w.Code != 200 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	for _, c := range [][3]string{{"GET", "/subjects/a-ctx/versions/1", ""}, {"GET", "/subjects/a-ctx/versions/1/schema", ""}, {"POST", "/subjects/a-ctx", ctxSchema}} {
		if w := callBearer(h, c[0], c[1], c[2], teamA); w.Code != 404 || strings.Contains(w.Body.String(), "Ctx") {
			t.Errorf("%s %s: %d %s, want 404", c[0], c[1], w.Code, w.Body)
		}
	}
	if w := callBearer(h, "GET", "/subjects/a-ctx/versions/1", "", admin); w.Code != 200 {
		t.Errorf("the admin reads it: %d", w.Code)
	}
}

func idOf(t *testing.T, h http.Handler, token, subject string) string {
	w := callBearer(h, "GET", "/subjects/"+subject+"/versions/latest", "", token)
	var v struct{ ID int }
	json.Unmarshal(w.Body.Bytes(), &v)
	return strconv.Itoa(v.ID)
}

func strconvQuote(s string) string { b, _ := json.Marshal(s); return string(b) }

func TestWriteRateLimit(t *testing.T) {
	idp := testidp.New("https://idp.test", "schema-registry")
	srv := idp.Serve()
	defer srv.Close()
	auth := bearerAuth(t, idp, srv.URL+"/jwks.json")
	auth.WriteRate, auth.WriteBurst = 0.5, 2
	_, h := newAuthServer(t, auth, slog.New(slog.DiscardHandler))
	one := idp.Token("rsa", testidp.Claims{Subject: "one", Groups: []string{"writers"}})
	two := idp.Token("rsa", testidp.Claims{Subject: "two", Groups: []string{"writers"}})
	body := func(i int) string {
		return `{"schema":"{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A` + strings.Repeat("A", i) + `\"]}"}`
	}
	for i := 0; i < 2; i++ {
		if w := callBearer(h, "POST", "/subjects/orders-"+string(rune('a'+i))+"/versions", body(i), one); w.Code != 200 {
			t.Fatalf("write %d within the burst: %d %s", i, w.Code, w.Body)
		}
	}
	w := callBearer(h, "POST", "/subjects/orders-z/versions", body(9), one)
	var e struct {
		ErrorCode int    `json:"error_code"`
		Message   string `json:"message"`
	}
	json.Unmarshal(w.Body.Bytes(), &e)
	if w.Code != 429 || e.ErrorCode != 429 || w.Header().Get("Retry-After") == "" {
		t.Fatalf("over the rate: %d %s (Retry-After %q)", w.Code, w.Body, w.Header().Get("Retry-After"))
	}
	// Registering what is there already is no write: not limited.
	if w := callBearer(h, "POST", "/subjects/orders-a/versions", body(0), one); w.Code != 200 {
		t.Fatalf("an existing schema over the rate: %d %s", w.Code, w.Body)
	}
	// Another principal has its own bucket; reads are not limited.
	if w := callBearer(h, "POST", "/subjects/orders-z/versions", body(9), two); w.Code != 200 {
		t.Fatalf("another principal: %d %s", w.Code, w.Body)
	}
	if w := callBearer(h, "GET", "/subjects", "", one); w.Code != 200 {
		t.Fatalf("a read over the write rate: %d", w.Code)
	}
}

// noneToken is an unsigned token (alg none) with every claim right.
func noneToken(t *testing.T) string {
	tok, err := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"sub": "a", "groups": []string{"admins"},
		"iss": "https://idp.test", "aud": "schema-registry", "exp": time.Now().Add(time.Hour).Unix()}).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// hmacToken signs with HS256 keyed by the provider's public JWKS text: the
// algorithm confusion attack.
func hmacToken(t *testing.T, idp *testidp.IdP) string {
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "a", "groups": []string{"admins"},
		"iss": "https://idp.test", "aud": "schema-registry", "exp": time.Now().Add(time.Hour).Unix()})
	tok.Header["kid"] = "rsa"
	s, err := tok.SignedString(idp.JWKS())
	if err != nil {
		t.Fatal(err)
	}
	return s
}
