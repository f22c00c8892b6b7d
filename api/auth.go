package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/schemaregistry/registry/store"
)

// access is what a route needs; router.go gives one to every route.
type access int

const (
	// public routes answer without credentials: the health probes.
	public access = iota
	// read: every GET, lookups and compatibility checks. Granted to the
	// roles of Auth.ReadRoles, WriteRoles and AdminRoles.
	read
	// register: a new version of a subject. Granted to AdminRoles, and to
	// WriteRoles where the role's subject patterns allow the subject. A
	// registration that gives an id (IMPORT) is admin.
	register
	// admin: config, mode, deletes, contexts. Granted to AdminRoles.
	admin
)

func (acc access) String() string {
	return [...]string{"public", "read", "write", "admin"}[acc]
}

// Auth is who may call the API. A nil *Auth in Options lets everyone do
// everything (authentication.method=NONE without certificate principals).
type Auth struct {
	// Realm is sent in WWW-Authenticate.
	Realm string
	// Basic checks HTTP Basic credentials and returns the user's roles; nil
	// when Basic authentication is off. An unknown user and a wrong
	// password must be indistinguishable.
	Basic func(user, password string) (roles []string, ok bool)
	// Bearer checks an OAuth bearer token (Authorization: Bearer) and
	// returns the caller's name and roles, or why the token is refused
	// (logged, without the token); nil when bearer authentication is off.
	Bearer func(ctx context.Context, token string) (name string, roles []string, err error)
	// CertificateRoles, when not nil, makes the subject common name of a
	// verified client certificate a principal, with these roles ("*" is any
	// certificate). Basic credentials, when sent, win.
	CertificateRoles map[string][]string
	// AdmittedRoles are the roles admitted at all (authentication.roles);
	// empty or "*" admits every authenticated principal.
	AdmittedRoles []string
	// ReadRoles, WriteRoles and AdminRoles grant the access levels, each
	// including the ones below it. "*" is every admitted principal. With
	// all three empty every admitted principal may do everything, as
	// Confluent does without its authorization plugin.
	ReadRoles, WriteRoles, AdminRoles []string
	// WriteSubjects limits a write role to subjects matching one of its
	// patterns ('*' matches any run of characters); a role without an entry
	// writes every subject.
	WriteSubjects map[string][]string
	// ReadSubjects limits the reads of a read or write role the same way:
	// subject lists, /schemas, and the subjects, ids and GUIDs read show
	// only what one of the caller's roles may read (an id through any
	// subject holding it). Admin roles read everything.
	ReadSubjects map[string][]string
	// WriteRate limits each principal's writes (registrations, config,
	// mode, deletes) to this many per second with bursts of WriteBurst
	// (429 beyond); 0 is no limit.
	WriteRate  float64
	WriteBurst int
}

// principal is an authenticated caller.
type principal struct {
	Name  string
	Via   string // "basic", "bearer" or "certificate"
	Roles []string
}

type principalKey struct{}

// principalOf returns the caller of an authorized request, nil when
// authentication is off.
func principalOf(ctx context.Context) *principal {
	p, _ := ctx.Value(principalKey{}).(*principal)
	return p
}

// guard runs h once the caller is authenticated and allowed acc, and
// records every call that changes the registry in the audit log.
func (a *API) guard(acc access, h http.Handler) http.Handler {
	if acc == public {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if acc != read {
			var rec *auditRecord
			w, r, rec = a.startAudit(w, r, acc)
			defer rec.log()
		}
		p, err := a.authorize(r, acc, subjectParam(r))
		if p != nil {
			r = r.WithContext(context.WithValue(r.Context(), principalKey{}, p))
			if rec := auditOf(r.Context()); rec != nil {
				rec.principal = p
			}
		}
		if err != nil {
			a.refuse(w, r, err)
			if rec := auditOf(r.Context()); rec != nil {
				rec.code = err.Code
			}
			return
		}
		if acc != read && !a.limitWrite(w, r, p) {
			if rec := auditOf(r.Context()); rec != nil {
				rec.code = http.StatusTooManyRequests
			}
			return
		}
		h.ServeHTTP(w, r)
	})
}

// refuse answers a request that authorize refused, with the challenges of
// a 401.
func (a *API) refuse(w http.ResponseWriter, r *http.Request, err *store.Error) {
	if err.Code == http.StatusUnauthorized {
		if a.auth.Basic != nil {
			w.Header().Add("WWW-Authenticate", `Basic realm="`+a.auth.Realm+`"`)
		}
		if a.auth.Bearer != nil {
			challenge := `Bearer realm="` + a.auth.Realm + `"`
			if bearerToken(r) != "" {
				challenge += `, error="invalid_token"`
			}
			w.Header().Add("WWW-Authenticate", challenge)
		}
	}
	ct := negotiate(header(r, "Accept"))
	if ct == "" {
		ct = responseTypes[0].name
	}
	writeError(w, ct, err)
}

func errUnauthorized() *store.Error {
	return httpError(http.StatusUnauthorized, "Unauthorized: missing or wrong credentials")
}

// authorize authenticates the caller and checks that it may do acc on
// subject (the route's {subject}, "" for none). The principal is returned
// when known, also with a 403.
func (a *API) authorize(r *http.Request, acc access, subject string) (*principal, *store.Error) {
	au := a.auth
	if au == nil {
		return nil, nil
	}
	if au.Bearer != nil && r.URL.RawQuery != "" && r.URL.Query().Has("access_token") {
		// A token in a URL ends up in logs and histories: never taken.
		a.logger.Warn("refused a bearer token in the query string", "method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr)
		return nil, httpError(http.StatusUnauthorized, "Unauthorized: a token in the query string is not accepted; send it as Authorization: Bearer")
	}
	p, refusal := au.authenticate(r)
	if refusal != nil {
		a.logger.Warn("refused a bearer token", "reason", refusal.Error(), "method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr)
	}
	if p == nil {
		return nil, errUnauthorized()
	}
	if !au.admitted(p) {
		return p, httpError(http.StatusForbidden, "Forbidden: user %s has none of the roles of authentication.roles", p.Name)
	}
	if !au.enforced() {
		return p, nil
	}
	switch acc {
	case read:
		if !au.has(p, au.ReadRoles, au.WriteRoles, au.AdminRoles) {
			return p, forbidden(p, "read the registry", "authorization.read.roles")
		}
		if subject != "" && !au.readsAll(p) && !au.mayRead(p, subject) {
			return p, forbidden(p, "read subject "+subject, "authorization.read.subjects.<role>")
		}
	case admin:
		if !au.has(p, au.AdminRoles) {
			return p, forbidden(p, "do this (config, mode, deletes, import)", "authorization.admin.roles")
		}
	case register:
		if au.has(p, au.AdminRoles) {
			return p, nil
		}
		if !au.mayWrite(p, subject) {
			return p, forbidden(p, "register schemas under subject "+subject, "authorization.write.roles")
		}
		if importing, err := a.registersWithID(r); err != nil {
			return p, err
		} else if importing {
			return p, forbidden(p, "register with an id (IMPORT)", "authorization.admin.roles")
		}
	}
	return p, nil
}

func forbidden(p *principal, what, property string) *store.Error {
	return httpError(http.StatusForbidden, "Forbidden: user %s may not %s: no role of %s allows it", p.Name, what, property)
}

// authenticate returns the caller, nil when unknown; refusal says why a
// bearer token was refused.
func (au *Auth) authenticate(r *http.Request) (p *principal, refusal error) {
	if au.Basic != nil {
		if user, password, ok := r.BasicAuth(); ok {
			roles, ok := au.Basic(user, password)
			if !ok {
				return nil, nil
			}
			return &principal{Name: user, Via: "basic", Roles: roles}, nil
		}
	}
	if au.Bearer != nil {
		if tok := bearerToken(r); tok != "" {
			name, roles, err := au.Bearer(r.Context(), tok)
			if err != nil {
				return nil, err
			}
			return &principal{Name: name, Via: "bearer", Roles: roles}, nil
		}
	}
	if au.CertificateRoles != nil && r.TLS != nil && len(r.TLS.VerifiedChains) > 0 {
		cn := r.TLS.PeerCertificates[0].Subject.CommonName
		roles := append(slices.Clip(au.CertificateRoles[cn]), au.CertificateRoles["*"]...)
		return &principal{Name: cn, Via: "certificate", Roles: roles}, nil
	}
	return nil, nil
}

// bearerToken is the token of an Authorization: Bearer header, "" without.
func bearerToken(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// enforced reports whether roles decide the access level.
func (au *Auth) enforced() bool {
	return len(au.ReadRoles)+len(au.WriteRoles)+len(au.AdminRoles) > 0
}

func (au *Auth) admitted(p *principal) bool {
	return len(au.AdmittedRoles) == 0 || au.has(p, au.AdmittedRoles)
}

// has reports whether p has a role of any of the lists ("*" is anyone).
func (au *Auth) has(p *principal, lists ...[]string) bool {
	for _, l := range lists {
		for _, role := range l {
			if role == "*" || slices.Contains(p.Roles, role) {
				return true
			}
		}
	}
	return false
}

// readsAll reports whether p reads every subject: no read limits at all,
// an admin role, or a read or write role without limits.
func (au *Auth) readsAll(p *principal) bool {
	if len(au.ReadSubjects) == 0 || !au.enforced() || au.has(p, au.AdminRoles) {
		return true
	}
	for _, role := range append(slices.Clip(au.ReadRoles), au.WriteRoles...) {
		if role != "*" && !slices.Contains(p.Roles, role) {
			continue
		}
		if _, limited := au.ReadSubjects[role]; !limited {
			return true
		}
	}
	return false
}

// mayRead reports whether one of p's read or write roles allows reading
// subject.
func (au *Auth) mayRead(p *principal, subject string) bool {
	for _, role := range append(slices.Clip(au.ReadRoles), au.WriteRoles...) {
		if role != "*" && !slices.Contains(p.Roles, role) {
			continue
		}
		for _, pat := range au.ReadSubjects[role] {
			if matchSubject(pat, subject) {
				return true
			}
		}
	}
	return false
}

// readFilter is what the caller of r may read: nil for everything (no
// authentication, or no limit for its roles).
func (a *API) readFilter(r *http.Request) func(subject string) bool {
	if a.unlimitedReads() {
		return nil
	}
	au := a.auth
	p := principalOf(r.Context())
	if p == nil || au.readsAll(p) {
		return nil
	}
	return func(subject string) bool { return au.mayRead(p, subject) }
}

// mayWrite reports whether one of p's write roles allows subject.
func (au *Auth) mayWrite(p *principal, subject string) bool {
	for _, role := range au.WriteRoles {
		if role != "*" && !slices.Contains(p.Roles, role) {
			continue
		}
		patterns, limited := au.WriteSubjects[role]
		if !limited {
			return true
		}
		for _, pat := range patterns {
			if matchSubject(pat, subject) {
				return true
			}
		}
	}
	return false
}

// matchSubject matches subject against pattern, where '*' stands for any
// run of characters (none included) and everything else for itself.
func matchSubject(pattern, subject string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == subject
	}
	if !strings.HasPrefix(subject, parts[0]) {
		return false
	}
	subject = subject[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, part := range parts[1 : len(parts)-1] {
		i := strings.Index(subject, part)
		if i < 0 {
			return false
		}
		subject = subject[i+len(part):]
	}
	return len(subject) >= len(last) && strings.HasSuffix(subject, last)
}

// registersWithID reports whether a registration gives a schema id (an
// IMPORT). It reads the body and puts it back for the handler.
func (a *API) registersWithID(r *http.Request) (bool, *store.Error) {
	body, err := a.readBody(r)
	if err != nil {
		return false, store.AsError(err)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	var req struct {
		ID json.Number `json:"id"`
	}
	if json.Unmarshal(body, &req) != nil {
		return false, nil // not JSON: the handler answers it
	}
	id, _ := req.ID.Int64()
	return id > 0, nil
}
