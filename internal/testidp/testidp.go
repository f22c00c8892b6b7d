// Package testidp is an OAuth 2.0 identity provider for tests: keys of
// every algorithm the registry accepts, a JWKS endpoint, a client
// credentials token endpoint, and tokens minted on demand (bad ones
// included). Only tests and the interop harness use it.
package testidp

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"
)

// IdP is a test identity provider.
type IdP struct {
	Issuer   string
	Audience string
	mu       sync.Mutex
	keys     map[string]crypto.Signer // by kid
	algs     map[string]jwt.SigningMethod
	clients  map[string]Client
	jwksHits int
}

// Client is a client of the token endpoint: its secret and the groups its
// tokens carry.
type Client struct {
	Secret string
	Groups []string
}

// New returns a provider with an RSA key "rsa" (RS256), "ps" (PS256), an
// ECDSA key "ec" (ES256) and an Ed25519 key "ed" (EdDSA).
func New(issuer, audience string) *IdP {
	p := &IdP{Issuer: issuer, Audience: audience, keys: map[string]crypto.Signer{}, algs: map[string]jwt.SigningMethod{}, clients: map[string]Client{}}
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	psKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	p.add("rsa", rsaKey, jwt.SigningMethodRS256)
	p.add("ps", psKey, jwt.SigningMethodPS256)
	p.add("ec", ecKey, jwt.SigningMethodES256)
	p.add("ed", edKey, jwt.SigningMethodEdDSA)
	return p
}

func (p *IdP) add(kid string, key crypto.Signer, alg jwt.SigningMethod) {
	p.keys[kid], p.algs[kid] = key, alg
}

// AddKey adds a new RSA key (a rotation): the JWKS serves it from now on.
func (p *IdP) AddKey(kid string) {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.add(kid, key, jwt.SigningMethodRS256)
}

// AddClient registers a client of the token endpoint.
func (p *IdP) AddClient(id string, c Client) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clients[id] = c
}

// JWKS is the public key set, as JSON.
func (p *IdP) JWKS() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	var set jwkset.JWKSMarshal
	for kid, key := range p.keys {
		jwk, err := jwkset.NewJWKFromKey(key.Public(), jwkset.JWKOptions{Metadata: jwkset.JWKMetadataOptions{KID: kid, ALG: jwkset.ALG(p.algs[kid].Alg()), USE: jwkset.UseSig}})
		if err != nil {
			panic(err)
		}
		set.Keys = append(set.Keys, jwk.Marshal())
	}
	b, _ := json.Marshal(set)
	return b
}

// JWKSHits is how many times the JWKS was fetched.
func (p *IdP) JWKSHits() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.jwksHits
}

// Claims are a token's claims; zero times are filled in (issued now,
// valid for an hour).
type Claims struct {
	Subject   string
	Groups    []string
	Audience  string // the provider's when empty
	Issuer    string // the provider's when empty
	IssuedAt  time.Time
	NotBefore time.Time
	Expires   time.Time
	Extra     map[string]any
}

// Token mints a token signed with the key kid.
func (p *IdP) Token(kid string, c Claims) string {
	p.mu.Lock()
	key, alg := p.keys[kid], p.algs[kid]
	p.mu.Unlock()
	now := time.Now()
	claims := jwt.MapClaims{"sub": c.Subject, "iss": p.Issuer, "aud": p.Audience, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	if c.Groups != nil {
		claims["groups"] = c.Groups
	}
	if c.Audience != "" {
		claims["aud"] = c.Audience
	}
	if c.Issuer != "" {
		claims["iss"] = c.Issuer
	}
	if !c.IssuedAt.IsZero() {
		claims["iat"] = c.IssuedAt.Unix()
	}
	if !c.NotBefore.IsZero() {
		claims["nbf"] = c.NotBefore.Unix()
	}
	if !c.Expires.IsZero() {
		claims["exp"] = c.Expires.Unix()
	}
	for k, v := range c.Extra {
		claims[k] = v
	}
	t := jwt.NewWithClaims(alg, claims)
	t.Header["kid"] = kid
	s, err := t.SignedString(key)
	if err != nil {
		panic(err)
	}
	return s
}

// Serve serves the provider: GET /jwks.json and POST /token (client
// credentials, the client's id and secret in the form or as Basic).
func (p *IdP) Serve() *httptest.Server {
	return httptest.NewServer(p.Handler())
}

// Handler is the provider's HTTP handler.
func (p *IdP) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /jwks.json", func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.jwksHits++
		p.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Write(p.JWKS())
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "client_credentials" {
			http.Error(w, `{"error":"unsupported_grant_type"}`, http.StatusBadRequest)
			return
		}
		id, secret, ok := r.BasicAuth()
		if !ok {
			id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		}
		p.mu.Lock()
		c, known := p.clients[id]
		p.mu.Unlock()
		if !known || c.Secret != secret {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"error":"invalid_client"}`))
			return
		}
		tok := p.Token("rsa", Claims{Subject: id, Groups: c.Groups, Extra: map[string]any{"scope": strings.TrimSpace(r.PostForm.Get("scope"))}})
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 3600})
	})
	return mux
}
