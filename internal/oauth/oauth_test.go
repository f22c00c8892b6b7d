package oauth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/schemaregistry/registry/internal/testidp"
)

func TestVerify(t *testing.T) {
	idp := testidp.New("https://idp.test", "schema-registry")
	srv := idp.Serve()
	defer srv.Close()
	v, err := New(context.Background(), Settings{JWKSURL: srv.URL + "/jwks.json", Issuer: "https://idp.test", Audiences: []string{"other", "schema-registry"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, kid := range []string{"rsa", "ps", "ec", "ed"} {
		id, err := v.Verify(ctx, idp.Token(kid, testidp.Claims{Subject: "app-" + kid, Groups: []string{"writers", "readers"}}))
		if err != nil || id.Subject != "app-"+kid || strings.Join(id.Roles, ",") != "writers,readers" {
			t.Errorf("%s: %+v %v", kid, id, err)
		}
	}
	now := time.Now()
	refused := map[string]string{
		"expired":                   idp.Token("rsa", testidp.Claims{Subject: "a", Expires: now.Add(-time.Minute)}),
		"not yet valid":             idp.Token("rsa", testidp.Claims{Subject: "a", NotBefore: now.Add(time.Minute)}),
		"issued in future":          idp.Token("rsa", testidp.Claims{Subject: "a", IssuedAt: now.Add(time.Hour)}),
		"wrong issuer":              idp.Token("rsa", testidp.Claims{Subject: "a", Issuer: "https://evil.test"}),
		"wrong audience":            idp.Token("rsa", testidp.Claims{Subject: "a", Audience: "someone-else"}),
		"no subject":                idp.Token("rsa", testidp.Claims{}),
		"no expiry":                 idp.Token("rsa", testidp.Claims{Subject: "a", Extra: map[string]any{"exp": nil}}),
		"alg none":                  unsigned(t, jwt.MapClaims{"sub": "a", "iss": "https://idp.test", "aud": "schema-registry", "exp": now.Add(time.Hour).Unix()}),
		"HS256 with the public key": hmacWithPublicKey(t, idp),
		"garbage":                   "not.a.token",
		"tampered":                  tamper(idp.Token("rsa", testidp.Claims{Subject: "a", Groups: []string{"readers"}})),
	}
	for name, tok := range refused {
		if id, err := v.Verify(ctx, tok); err == nil {
			t.Errorf("%s: accepted as %+v", name, id)
		} else if strings.Contains(err.Error(), tok) {
			t.Errorf("%s: the error holds the token: %v", name, err)
		}
	}
	// Within the clock skew.
	if _, err := v.Verify(ctx, idp.Token("rsa", testidp.Claims{Subject: "a", Expires: now.Add(-10 * time.Second)})); err != nil {
		t.Errorf("expired 10 s ago, within the 30 s skew: %v", err)
	}
	// Roles from a scope string.
	vs, _ := New(ctx, Settings{JWKSURL: srv.URL + "/jwks.json", GroupsClaim: "scope", SubClaim: "client_id"})
	id, err := vs.Verify(ctx, idp.Token("rsa", testidp.Claims{Subject: "x", Extra: map[string]any{"scope": "sr.read sr.write", "client_id": "app"}}))
	if err != nil || id.Subject != "app" || strings.Join(id.Roles, ",") != "sr.read,sr.write" {
		t.Errorf("scope roles: %+v %v", id, err)
	}
}

// A new key is fetched when a token names it; an unknown kid is looked up
// at most once per interval.
func TestKeyRotation(t *testing.T) {
	idp := testidp.New("https://idp.test", "sr")
	srv := idp.Serve()
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	v, err := New(ctx, Settings{JWKSURL: srv.URL + "/jwks.json", UnknownKIDInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(ctx, idp.Token("rsa", testidp.Claims{Subject: "a"})); err != nil {
		t.Fatal(err)
	}
	before := idp.JWKSHits()
	idp.AddKey("rotated")
	if _, err := v.Verify(ctx, idp.Token("rotated", testidp.Claims{Subject: "a"})); err != nil {
		t.Fatalf("a rotated key: %v", err)
	}
	if idp.JWKSHits() != before+1 {
		t.Fatalf("JWKS fetched %d times for one new kid", idp.JWKSHits()-before)
	}
	// Unknown kids do not make it fetch again within the interval.
	forged := testidp.New("https://idp.test", "sr")
	for i := 0; i < 20; i++ {
		forged.AddKey("unknown")
		if _, err := v.Verify(ctx, forged.Token("unknown", testidp.Claims{Subject: "a"})); err == nil {
			t.Fatal("a token of an unknown key accepted")
		}
	}
	if idp.JWKSHits() > before+2 {
		t.Fatalf("unknown kids made %d fetches", idp.JWKSHits()-before-1)
	}
}

func TestJWKSFile(t *testing.T) {
	idp := testidp.New("i", "a")
	path := filepath.Join(t.TempDir(), "jwks.json")
	os.WriteFile(path, idp.JWKS(), 0o600)
	for _, url := range []string{path, "file:" + path, "file://" + path} {
		v, err := New(context.Background(), Settings{JWKSURL: url})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.Verify(context.Background(), idp.Token("ec", testidp.Claims{Subject: "a"})); err != nil {
			t.Errorf("%s: %v", url, err)
		}
	}
	if _, err := New(context.Background(), Settings{JWKSURL: filepath.Join(t.TempDir(), "missing.json")}); err == nil {
		t.Error("a missing JWKS file accepted")
	}
}

func unsigned(t *testing.T, claims jwt.MapClaims) string {
	s, err := jwt.NewWithClaims(jwt.SigningMethodNone, claims).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// hmacWithPublicKey signs with HS256 keyed by the RSA public key's JWK
// text: the algorithm confusion attack.
func hmacWithPublicKey(t *testing.T, idp *testidp.IdP) string {
	var set struct{ Keys []json.RawMessage }
	json.Unmarshal(idp.JWKS(), &set)
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "a", "iss": "https://idp.test", "aud": "schema-registry", "exp": time.Now().Add(time.Hour).Unix()})
	tok.Header["kid"] = "rsa"
	s, err := tok.SignedString([]byte(set.Keys[0]))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// tamper changes the payload of a signed token (more roles).
func tamper(tok string) string {
	parts := strings.Split(tok, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	payload = []byte(strings.Replace(string(payload), `"readers"`, `"admins"`, 1))
	parts[1] = base64.RawURLEncoding.EncodeToString(payload)
	return strings.Join(parts, ".")
}

// BenchmarkVerify compares the cost of a valid token with refused ones:
// a refusal is not cheaper to tell apart than an acceptance (both verify
// the signature) except for tokens that do not parse at all.
func BenchmarkVerify(b *testing.B) {
	idp := testidp.New("https://idp.test", "sr")
	path := filepath.Join(b.TempDir(), "jwks.json")
	os.WriteFile(path, idp.JWKS(), 0o600)
	v, err := New(context.Background(), Settings{JWKSURL: path, Issuer: "https://idp.test", Audiences: []string{"sr"}})
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	for name, tok := range map[string]string{
		"valid":         idp.Token("rsa", testidp.Claims{Subject: "a"}),
		"expired":       idp.Token("rsa", testidp.Claims{Subject: "a", Expires: now.Add(-time.Hour)}),
		"wrong-issuer":  idp.Token("rsa", testidp.Claims{Subject: "a", Issuer: "x"}),
		"bad-signature": tamper(idp.Token("rsa", testidp.Claims{Subject: "a", Groups: []string{"readers"}})),
	} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				v.Verify(context.Background(), tok)
			}
		})
	}
}

// A slow JWKS endpoint, and one that is down at start: keys arrive anyway.
func TestSlowAndLateJWKS(t *testing.T) {
	idp := testidp.New("i", "a")
	var down atomic.Bool
	down.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(50 * time.Millisecond)
		if down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		idp.Handler().ServeHTTP(w, r)
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	v, err := New(ctx, Settings{JWKSURL: srv.URL + "/jwks.json", UnknownKIDInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	down.Store(false)
	time.Sleep(5 * time.Millisecond)
	if _, err := v.Verify(ctx, idp.Token("rsa", testidp.Claims{Subject: "a"})); err != nil {
		t.Fatalf("after a failed first fetch: %v", err)
	}
	idp.AddKey("new")
	time.Sleep(5 * time.Millisecond)
	if _, err := v.Verify(ctx, idp.Token("new", testidp.Claims{Subject: "a"})); err != nil {
		t.Fatalf("a rotated key behind a slow endpoint: %v", err)
	}
}
