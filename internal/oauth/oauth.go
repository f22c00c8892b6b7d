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
	"net/http"
	"os"
	"strings"
	"time"

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
	keys   keyfunc.Keyfunc
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
	var keys keyfunc.Keyfunc
	var err error
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
		keys, err = keyfunc.NewDefaultOverrideCtx(ctx, []string{u}, keyfunc.Override{
			Client:            client,
			RefreshInterval:   refresh,
			RefreshUnknownKID: rate.NewLimiter(rate.Every(unknown), 1),
			RateLimitWaitMax:  time.Millisecond, // an unknown kid past the bound fails at once
			HTTPTimeout:       10 * time.Second,
		})
	default:
		path := strings.TrimPrefix(strings.TrimPrefix(u, "file://"), "file:")
		raw, rerr := os.ReadFile(path)
		if rerr != nil {
			return nil, fmt.Errorf("JWKS file: %w", rerr)
		}
		if !json.Valid(raw) {
			return nil, fmt.Errorf("JWKS file %s: not JSON", path)
		}
		keys, err = keyfunc.NewJWKSetJSON(raw)
	}
	if err != nil {
		return nil, fmt.Errorf("JWKS %s: %w", s.JWKSURL, err)
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
	_, err := v.parser.ParseWithClaims(token, claims, v.keys.KeyfuncCtx(ctx))
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
