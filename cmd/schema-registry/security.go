package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/schemaregistry/registry/api"
	"github.com/schemaregistry/registry/internal/oauth"
	"github.com/schemaregistry/registry/internal/reload"
	"github.com/schemaregistry/registry/internal/tlsconfig"
	"github.com/schemaregistry/registry/internal/users"
)

// TLSProperties are the ssl.* properties of the https listeners.
type TLSProperties struct {
	CertificateLocation, KeyLocation                       string
	KeyStoreLocation, KeyStorePassword, KeyStoreType       string
	CALocation                                             string
	TrustStoreLocation, TrustStorePassword, TrustStoreType string
	ClientAuthentication                                   string // NONE, REQUESTED or REQUIRED
	MinVersion, MaxVersion                                 uint16
	VerifyHost                                             bool // ssl.endpoint.identification.algorithm=https
	ReloadInterval                                         time.Duration
}

// configured reports whether a server certificate is given.
func (p TLSProperties) configured() bool {
	return p.CertificateLocation != "" || p.KeyLocation != "" || p.KeyStoreLocation != ""
}

// AuthProperties are the authentication.* and authorization.* properties.
type AuthProperties struct {
	Basic, Bearer       bool // authentication.method
	BearerByInitializer bool // rest.servlet.initializor.classes names Confluent's AuthenticationHandler
	OAuth               oauth.Settings
	Realm               string
	Roles               []string // admitted roles; "*" any
	UsersFile           string
	UsersReloadInterval time.Duration
	CertificateRoles    map[string][]string // nil: certificates are not principals
	ReadRoles           []string
	WriteRoles          []string
	AdminRoles          []string
	WriteSubjects       map[string][]string // from authorization.write.subjects.<role>
	ReadSubjects        map[string][]string // from authorization.read.subjects.<role>
	WriteRate           float64             // writes per second and principal; 0 unlimited
	WriteBurst          int
}

// writeSubjectsPrefix starts the properties that limit a write role to
// subject patterns.
const (
	writeSubjectsPrefix = "authorization.write.subjects."
	readSubjectsPrefix  = "authorization.read.subjects."
)

func storeType(v string) (string, error) {
	s := strings.ToUpper(strings.TrimSpace(v))
	switch s {
	case "PKCS12", "PEM":
		return s, nil
	case "JKS":
		return "", errors.New("JKS is not read: convert the store with keytool -importkeystore -srckeystore store.jks -destkeystore store.p12 -deststoretype PKCS12")
	}
	return "", errors.New("must be PKCS12 or PEM")
}

// tlsVersions reads ssl.enabled.protocols.
func tlsVersions(v string) (lo, hi uint16, err error) {
	for _, p := range strings.Split(v, ",") {
		var ver uint16
		switch strings.TrimSpace(p) {
		case "TLSv1.2":
			ver = tls.VersionTLS12
		case "TLSv1.3":
			ver = tls.VersionTLS13
		case "":
			continue
		case "TLSv1", "TLSv1.1", "SSLv3":
			return 0, 0, fmt.Errorf("%s is not supported: TLSv1.2 and TLSv1.3 only", strings.TrimSpace(p))
		default:
			return 0, 0, errors.New("must list TLSv1.2 and/or TLSv1.3")
		}
		if lo == 0 || ver < lo {
			lo = ver
		}
		hi = max(hi, ver)
	}
	if lo == 0 {
		return 0, 0, errors.New("must list TLSv1.2 and/or TLSv1.3")
	}
	return lo, hi, nil
}

// roleList reads a comma-separated list of roles.
func roleList(v string) []string {
	var out []string
	for _, r := range strings.Split(v, ",") {
		if r = strings.TrimSpace(r); r != "" {
			out = append(out, r)
		}
	}
	return out
}

// certificateRoles reads "cn: role,role; cn2: role"; nil when empty.
func certificateRoles(v string) (map[string][]string, error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	out := map[string][]string{}
	for _, entry := range strings.Split(v, ";") {
		if strings.TrimSpace(entry) == "" {
			continue
		}
		name, roles, ok := strings.Cut(entry, ":")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			return nil, fmt.Errorf("entry %q: must look like common-name: role[,role ...]", strings.TrimSpace(entry))
		}
		out[name] = append(out[name], roleList(roles)...)
	}
	return out, nil
}

// security is the TLS and authentication of the listeners, built from the
// configuration.
type security struct {
	tls        *tlsconfig.Server // nil without a certificate
	verifyHost bool              // of the primary, when forwarding
	auth       *api.Auth         // nil when everyone may do everything
}

// newSecurity checks the ssl.*, authentication.* and authorization.*
// properties together and reads the files they name.
func newSecurity(ctx context.Context, cfg *Config, logger *slog.Logger) (*security, error) {
	sec := security{verifyHost: cfg.TLS.VerifyHost}
	var errs []error
	t := cfg.TLS
	https := false
	for _, l := range cfg.Listeners {
		https = https || l.Scheme == "https"
	}
	if t.ClientAuthentication == "NONE" {
		if legacy, set := cfg.Raw["ssl.client.auth"]; set && strings.EqualFold(strings.TrimSpace(legacy), "true") {
			if _, explicit := cfg.Raw["ssl.client.authentication"]; !explicit {
				t.ClientAuthentication = "REQUIRED"
			}
		}
	}
	if pw, set := cfg.Raw["ssl.key.password"]; set && t.KeyStoreLocation != "" && pw != t.KeyStorePassword {
		errs = append(errs, errors.New("property ssl.key.password: a key password other than ssl.keystore.password is not supported; re-export the keystore with one password"))
	}
	switch {
	case t.configured():
		clientAuth := map[string]tls.ClientAuthType{"NONE": tls.NoClientCert,
			"REQUESTED": tls.VerifyClientCertIfGiven, "REQUIRED": tls.RequireAndVerifyClientCert}[t.ClientAuthentication]
		srv, err := tlsconfig.New(tlsconfig.Settings{
			CertFile: t.CertificateLocation, KeyFile: t.KeyLocation,
			KeyStoreFile: t.KeyStoreLocation, KeyStorePassword: t.KeyStorePassword, KeyStoreType: t.KeyStoreType,
			CAFile: t.CALocation, TrustStoreFile: t.TrustStoreLocation, TrustStorePassword: t.TrustStorePassword,
			TrustStoreType: t.TrustStoreType, ClientAuth: clientAuth, MinVersion: t.MinVersion, MaxVersion: t.MaxVersion,
			ReloadInterval: t.ReloadInterval, Logger: logger,
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("ssl.* properties: %w", err))
		}
		sec.tls = srv
		if !https {
			logger.Warn("a TLS certificate is configured but no listener is https: it only serves the forwarding of writes")
		}
	case https:
		errs = append(errs, errors.New("listeners: an https listener needs ssl.certificate.location and ssl.key.location, or ssl.keystore.location"))
	}
	if t.ClientAuthentication != "NONE" && !https {
		errs = append(errs, fmt.Errorf("property ssl.client.authentication=%s needs an https listener", t.ClientAuthentication))
	}

	a := cfg.Auth
	a.WriteSubjects, a.ReadSubjects = map[string][]string{}, map[string][]string{}
	for k, v := range cfg.Raw {
		if role, ok := strings.CutPrefix(k, writeSubjectsPrefix); ok && role != "" {
			a.WriteSubjects[role] = roleList(v)
		}
		if role, ok := strings.CutPrefix(k, readSubjectsPrefix); ok && role != "" {
			a.ReadSubjects[role] = roleList(v)
		}
	}
	auth := &api.Auth{Realm: a.Realm, CertificateRoles: a.CertificateRoles, ReadRoles: a.ReadRoles,
		WriteRoles: a.WriteRoles, AdminRoles: a.AdminRoles, WriteSubjects: a.WriteSubjects, ReadSubjects: a.ReadSubjects,
		WriteRate: a.WriteRate, WriteBurst: a.WriteBurst}
	if len(a.Roles) > 0 && !(len(a.Roles) == 1 && a.Roles[0] == "*") {
		auth.AdmittedRoles = a.Roles
	}
	if a.BearerByInitializer {
		a.Bearer = true
	}
	switch {
	case a.Bearer && a.OAuth.JWKSURL == "":
		errs = append(errs, errors.New("bearer authentication needs oauthbearer.jwks.endpoint.url"))
	case a.Bearer:
		v, err := oauth.New(ctx, a.OAuth)
		if err != nil {
			errs = append(errs, fmt.Errorf("property oauthbearer.jwks.endpoint.url: %w", err))
			break
		}
		auth.Bearer = func(ctx context.Context, token string) (string, []string, error) {
			id, err := v.Verify(ctx, token)
			return id.Subject, id.Roles, err
		}
		logger.Info("BEARER authentication", "jwks", a.OAuth.JWKSURL, "issuer", a.OAuth.Issuer, "audiences", a.OAuth.Audiences,
			"subject claim", a.OAuth.SubClaim, "roles claim", a.OAuth.GroupsClaim)
		if len(a.OAuth.Audiences) == 0 {
			logger.Warn("oauthbearer.expected.audience is not set: a token the provider issued for any other service is accepted")
		}
		if a.OAuth.Issuer == "" {
			logger.Warn("oauthbearer.expected.issuer is not set: a token of any issuer whose keys the JWKS holds is accepted")
		}
		if strings.HasPrefix(a.OAuth.JWKSURL, "http://") {
			logger.Warn("oauthbearer.jwks.endpoint.url is http: whoever is on the path can serve keys of their own")
		}
	}
	switch {
	case a.Basic && a.UsersFile == "":
		errs = append(errs, errors.New("property authentication.method=BASIC needs authentication.users.file"))
	case a.Basic:
		file := a.UsersFile
		table, err := reload.New("users file "+file, []string{file}, a.UsersReloadInterval,
			func(c [][]byte) (*users.Table, error) {
				t, err := users.Parse(c[0])
				if err != nil {
					return nil, fmt.Errorf("users file %s %w", file, err)
				}
				return t, nil
			}, logger)
		if err != nil {
			errs = append(errs, fmt.Errorf("property authentication.users.file: %w", err))
		} else {
			auth.Basic = func(user, password string) ([]string, bool) { return table.Get().Authenticate(user, password) }
			logger.Info("BASIC authentication", "users", table.Get().Len(), "file", file, "realm", a.Realm)
		}
	case a.UsersFile != "":
		logger.Warn("authentication.users.file is set but authentication.method is NONE: the file is not used")
	}
	if a.CertificateRoles != nil && t.ClientAuthentication == "NONE" {
		errs = append(errs, errors.New("property authentication.certificate.roles needs ssl.client.authentication=REQUESTED or REQUIRED"))
	}
	authenticated := a.Basic || a.Bearer || a.CertificateRoles != nil
	authorizing := len(a.ReadRoles)+len(a.WriteRoles)+len(a.AdminRoles) > 0
	if authorizing && !authenticated {
		errs = append(errs, errors.New("properties authorization.*.roles need authentication: set authentication.method=BASIC or BEARER, or authentication.certificate.roles"))
	}
	var roles []string
	for role := range a.WriteSubjects {
		roles = append(roles, role)
	}
	sort.Strings(roles)
	for _, role := range roles {
		if !slices.Contains(a.WriteRoles, role) {
			errs = append(errs, fmt.Errorf("property %s%s: %s is not a role of authorization.write.roles", writeSubjectsPrefix, role, role))
		}
	}
	roles = roles[:0]
	for role := range a.ReadSubjects {
		roles = append(roles, role)
	}
	sort.Strings(roles)
	for _, role := range roles {
		if !slices.Contains(a.ReadRoles, role) && !slices.Contains(a.WriteRoles, role) {
			errs = append(errs, fmt.Errorf("property %s%s: %s is not a role of authorization.read.roles or authorization.write.roles", readSubjectsPrefix, role, role))
		}
	}
	if len(a.ReadSubjects) > 0 {
		for _, role := range append(slices.Clip(a.ReadRoles), a.WriteRoles...) {
			if _, limited := a.ReadSubjects[role]; role == "*" && !limited {
				logger.Warn("a role list holds * without authorization.read.subjects.*: every admitted user reads every subject")
				break
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if authenticated {
		sec.auth = auth
		if !authorizing {
			logger.Warn("no authorization.*.roles set: every authenticated user may do everything, deletes and config included")
		}
		if (a.Basic || a.Bearer) && !https {
			logger.Warn("authentication on http listeners only: credentials and tokens cross the network in clear text")
		}
	}
	return &sec, nil
}

// forwardClient is the client that forwards writes to the primary: over
// https it presents this node's certificate and trusts the configured CAs.
func (sec *security) forwardClient() *http.Client {
	if sec.tls == nil {
		return nil // the API's default
	}
	return &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{
		DialTLSContext: sec.tls.DialTLS(sec.verifyHost), MaxIdleConnsPerHost: 16, IdleConnTimeout: 90 * time.Second}}
}
