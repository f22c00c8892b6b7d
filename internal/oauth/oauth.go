// Package oauth verifies OAuth 2.0 / OpenID Connect bearer tokens (JWTs)
// against a JSON Web Key Set: the signature with an asymmetric algorithm
// only, the issuer, the audience, expiry and not-before with a clock skew;
// and reads the caller's name and roles from configurable claims.
package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"
)

// Settings configure a Verifier.
type Settings struct {
	// JWKSURL is where the keys are: an http(s) URL (fetched, cached,
	// refreshed every RefreshInterval and on a token with an unknown key
	// id, at most every UnknownKIDInterval) or a file (file:/path or a
	// path), read once.
	JWKSURL            string
	RefreshInterval    time.Duration // 1 hour when 0
	UnknownKIDInterval time.Duration // 10 seconds when 0
	HTTPClient         *http.Client  // for the JWKS URL; http.DefaultClient when nil
	// Issuer, when set, must be the token's iss; a token must name one of
	// Audiences (when set) in aud.
	Issuer    string
	Audiences []string
	// SubClaim names the caller (sub when empty); GroupsClaim holds its
	// roles (groups when empty): an array of strings, or a string of
	// names separated by spaces or commas (as scope is).
	SubClaim, GroupsClaim string
	// ClockSkew is allowed on exp, nbf and iat (30 seconds when 0; a
	// negative value allows none).
	ClockSkew time.Duration
}

// Algorithms are the signature algorithms accepted: asymmetric ones only,
// so that neither "none" nor an HMAC keyed with a public key passes.
var Algorithms = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

// Verifier checks bearer tokens.
type Verifier struct {
	s      Settings
	keys   keySource
	parser *jwt.Parser
}

// Identity is who a valid token names.
type Identity struct {
	Subject string
	Roles   []string
	Expires time.Time
}

// New returns a verifier; with an http(s) JWKS URL, the keys are fetched
// now (a failure is logged and retried on the first token) and refreshed
// until ctx ends.
func New(ctx context.Context, s Settings) (*Verifier, error) {
	if s.SubClaim == "" {
		s.SubClaim = "sub"
	}
	if s.GroupsClaim == "" {
		s.GroupsClaim = "groups"
	}
	skew := s.ClockSkew
	switch {
	case skew == 0:
		skew = 30 * time.Second
	case skew < 0:
		skew = 0
	}
	var keys keySource
	switch u := s.JWKSURL; {
	case u == "":
		return nil, errors.New("no JWKS URL or file")
	case strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://"):
		refresh, unknown := s.RefreshInterval, s.UnknownKIDInterval
		if refresh <= 0 {
			refresh = time.Hour
		}
		if unknown <= 0 {
			unknown = 10 * time.Second
		}
		client := s.HTTPClient
		if client == nil {
			client = &http.Client{Timeout: 10 * time.Second}
		}
		r := &remoteKeys{url: u, client: client, unknown: rate.NewLimiter(rate.Every(unknown), 1)}
		r.err = r.fetch(ctx) // a failure is retried below and on the first token
		go r.refresh(ctx, refresh)
		keys = r
	default:
		path := strings.TrimPrefix(strings.TrimPrefix(u, "file://"), "file:")
		raw, rerr := os.ReadFile(path)
		if rerr != nil {
			return nil, fmt.Errorf("JWKS file: %w", rerr)
		}
		kf, err := parseJWKS(raw)
		if err != nil {
			return nil, fmt.Errorf("JWKS file %s: %w", path, err)
		}
		keys = fixedKeys{kf}
	}
	opts := []jwt.ParserOption{jwt.WithValidMethods(Algorithms), jwt.WithLeeway(skew), jwt.WithExpirationRequired(), jwt.WithIssuedAt()}
	if s.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(s.Issuer))
	}
	return &Verifier{s: s, keys: keys, parser: jwt.NewParser(opts...)}, nil
}

// Verify checks a token and returns who it names. The error says why a
// token is refused, without the token.
func (v *Verifier) Verify(ctx context.Context, token string) (Identity, error) {
	claims := jwt.MapClaims{}
	_, err := v.parser.ParseWithClaims(token, claims, v.keys.keyfunc(ctx))
	if err != nil {
		return Identity{}, reason(err)
	}
	if len(v.s.Audiences) > 0 {
		aud, _ := claims.GetAudience()
		if !anyOf(aud, v.s.Audiences) {
			return Identity{}, fmt.Errorf("audience %v is none of the expected %v", []string(aud), v.s.Audiences)
		}
	}
	sub, _ := claims[v.s.SubClaim].(string)
	if sub == "" {
		return Identity{}, fmt.Errorf("no %s claim", v.s.SubClaim)
	}
	id := Identity{Subject: sub, Roles: roles(claims[v.s.GroupsClaim])}
	if exp, err := claims.GetExpirationTime(); err == nil && exp != nil {
		id.Expires = exp.Time
	}
	return id, nil
}

// reason turns a jwt error into a short one.
func reason(err error) error {
	for _, e := range []error{jwt.ErrTokenExpired, jwt.ErrTokenNotValidYet, jwt.ErrTokenInvalidIssuer,
		jwt.ErrTokenSignatureInvalid, jwt.ErrTokenMalformed, jwt.ErrTokenUnverifiable, jwt.ErrTokenUsedBeforeIssued,
		jwt.ErrTokenRequiredClaimMissing} {
		if errors.Is(err, e) {
			return fmt.Errorf("%v: %v", e, err)
		}
	}
	return err
}

func anyOf(have, want []string) bool {
	for _, h := range have {
		for _, w := range want {
			if h == w {
				return true
			}
		}
	}
	return false
}

// roles reads a roles claim: an array of strings, or one string of names
// separated by spaces or commas.
func roles(v any) []string {
	var out []string
	switch x := v.(type) {
	case string:
		out = strings.FieldsFunc(x, func(r rune) bool { return r == ' ' || r == ',' })
	case []any:
		for _, e := range x {
			if s, ok := e.(string); ok && s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// keySource finds the key of a token.
type keySource interface {
	keyfunc(ctx context.Context) jwt.Keyfunc
}

// fixedKeys are the keys of a JWKS file.
type fixedKeys struct{ kf keyfunc.Keyfunc }

func (f fixedKeys) keyfunc(ctx context.Context) jwt.Keyfunc { return f.kf.KeyfuncCtx(ctx) }

// maxJWKSBytes bounds a JWKS answer.
const maxJWKSBytes = 1 << 20

func parseJWKS(raw []byte) (keyfunc.Keyfunc, error) {
	if !json.Valid(raw) {
		return nil, errors.New("not JSON")
	}
	return keyfunc.NewJWKSetJSON(raw)
}

// remoteKeys are the keys of a JWKS URL: fetched at start, every refresh
// interval (sooner, with backoff, while the last fetch failed), and when a
// token names a key it lacks, at most once per interval of the unknown
// limiter (other such tokens fail at once, not waiting).
type remoteKeys struct {
	url     string
	client  *http.Client
	unknown *rate.Limiter
	fetchMu sync.Mutex // one fetch at a time
	mu      sync.RWMutex
	kf      keyfunc.Keyfunc
	err     error
}

func (r *remoteKeys) fetch(ctx context.Context) error {
	r.fetchMu.Lock()
	defer r.fetchMu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.url, nil)
	if err != nil {
		return err
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", r.url, resp.Status)
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes+1))
	if err != nil {
		return err
	}
	if len(raw) > maxJWKSBytes {
		return fmt.Errorf("GET %s: a JWKS larger than %d bytes", r.url, maxJWKSBytes)
	}
	kf, err := parseJWKS(raw)
	if err != nil {
		return fmt.Errorf("GET %s: %w", r.url, err)
	}
	r.mu.Lock()
	r.kf, r.err = kf, nil
	r.mu.Unlock()
	return nil
}

func (r *remoteKeys) refresh(ctx context.Context, every time.Duration) {
	backoff := time.Second
	for {
		r.mu.RLock()
		failing := r.kf == nil || r.err != nil
		r.mu.RUnlock()
		wait := every
		if failing {
			wait = min(backoff, every)
			backoff = min(2*backoff, every)
		} else {
			backoff = time.Second
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		if err := r.fetch(ctx); err != nil {
			r.mu.Lock()
			r.err = err
			r.mu.Unlock()
		}
	}
}

func (r *remoteKeys) keyfunc(ctx context.Context) jwt.Keyfunc {
	return func(t *jwt.Token) (any, error) {
		r.mu.RLock()
		kf := r.kf
		r.mu.RUnlock()
		if kf != nil {
			key, err := kf.KeyfuncCtx(ctx)(t)
			if err == nil || !errors.Is(err, jwkset.ErrKeyNotFound) {
				return key, err
			}
		}
		// A key it lacks, or no keys yet: fetch again, if not too soon.
		if !r.unknown.Allow() {
			return nil, errors.New("unknown key id, and the JWKS was fetched again too recently")
		}
		if err := r.fetch(ctx); err != nil {
			return nil, fmt.Errorf("the JWKS could not be fetched: %w", err)
		}
		r.mu.RLock()
		kf = r.kf
		r.mu.RUnlock()
		return kf.KeyfuncCtx(ctx)(t)
	}
}
