package api

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

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
		"none":           "",
		"expired":        idp.Token("rsa", testidp.Claims{Subject: "a", Groups: []string{"admins"}, Expires: now.Add(-time.Hour)}),
		"not yet valid":  idp.Token("rsa", testidp.Claims{Subject: "a", Groups: []string{"admins"}, NotBefore: now.Add(time.Hour)}),
		"wrong issuer":   idp.Token("ec", testidp.Claims{Subject: "a", Groups: []string{"admins"}, Issuer: "https://evil.test"}),
		"wrong audience": idp.Token("ed", testidp.Claims{Subject: "a", Groups: []string{"admins"}, Audience: "other"}),
		"unknown kid":    testidp.New("https://idp.test", "schema-registry").Token("rsa", testidp.Claims{Subject: "a", Groups: []string{"admins"}}),
		"malformed":      "abc.def.ghi",
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
	// A token in the query string is refused even when valid.
	logs.Reset()
	if w := callBearer(h, "GET", "/subjects?access_token="+admin, "", ""); w.Code != 401 || strings.Contains(logs.String(), admin) {
		t.Errorf("token in the query string: %d %s; log %q", w.Code, w.Body, logs.String())
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
