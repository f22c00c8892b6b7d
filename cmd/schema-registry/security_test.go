package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/schemaregistry/registry/internal/testcerts"
	"github.com/schemaregistry/registry/internal/testidp"
)

// securityFrom loads a configuration from environment variables (without
// the SCHEMA_REGISTRY_ prefix) and builds its security.
func securityFrom(t *testing.T, env ...string) (*security, error) {
	t.Helper()
	for i := range env {
		env[i] = envPrefix + env[i]
	}
	cfg, err := loadConfig(nil, env, nil)
	if err != nil {
		return nil, err
	}
	return newSecurity(context.Background(), cfg, slog.New(slog.DiscardHandler))
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSecurityErrors(t *testing.T) {
	dir := t.TempDir()
	ca := testcerts.CA(t, "ca")
	cert, key := ca.Server(t, "s").WritePEM(t, dir, "s")
	users := writeFile(t, "users", "alice: pw,reader\n")
	obf := writeFile(t, "users", "alice: pw,reader\nbob: OBF:1v2j1uum1xtv1zej1zer1xtn1uvk1v1v,admin\n")
	for _, tt := range []struct {
		env  []string
		want string
	}{
		{[]string{"LISTENERS=https://127.0.0.1:8443"}, "an https listener needs ssl.certificate.location"},
		{[]string{"LISTENERS=https://127.0.0.1:8443", "SSL_CERTIFICATE_LOCATION=" + cert}, "has no key file"},
		{[]string{"SSL_CLIENT_AUTHENTICATION=REQUIRED"}, "needs an https listener"},
		{[]string{"LISTENERS=https://127.0.0.1:8443", "SSL_CERTIFICATE_LOCATION=" + cert, "SSL_KEY_LOCATION=" + key,
			"SSL_CLIENT_AUTH=true"}, "give a CA file or a truststore"}, // the legacy switch means REQUIRED
		{[]string{"SSL_KEYSTORE_LOCATION=" + cert, "SSL_KEYSTORE_PASSWORD=a", "SSL_KEY_PASSWORD=b"}, "ssl.key.password"},
		{[]string{"AUTHENTICATION_METHOD=BASIC"}, "needs authentication.users.file"},
		{[]string{"AUTHENTICATION_METHOD=BASIC", "AUTHENTICATION_USERS_FILE=" + obf}, obf + " line 2 (user bob): OBF:"},
		{[]string{"AUTHENTICATION_METHOD=BASIC", "AUTHENTICATION_USERS_FILE=/no/such/file"}, "/no/such/file"},
		{[]string{"AUTHORIZATION_ADMIN_ROLES=admin"}, "need authentication"},
		{[]string{"AUTHENTICATION_CERTIFICATE_ROLES=app: reader"}, "needs ssl.client.authentication"},
		{[]string{"AUTHENTICATION_METHOD=BASIC", "AUTHENTICATION_USERS_FILE=" + users, "AUTHORIZATION_WRITE_ROLES=writer",
			"AUTHORIZATION_WRITE_SUBJECTS_READER=orders-*"}, "authorization.write.subjects.reader: reader is not a role of authorization.write.roles"},
		{[]string{`AUTHENTICATION_REALM=a"b`}, "quotes"},
	} {
		if _, err := securityFrom(t, tt.env...); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: err = %v, want it to contain %q", tt.env, err, tt.want)
		}
	}
}

func TestSecurityFromProperties(t *testing.T) {
	dir := t.TempDir()
	ca := testcerts.CA(t, "ca")
	cert, key := ca.Server(t, "s").WritePEM(t, dir, "s")
	caFile := filepath.Join(dir, "ca.crt")
	testcerts.WriteFile(t, caFile, ca.CertPEM())
	users := writeFile(t, "users", "alice: alice-pw,reader\nbob: bob-pw,writer\n")
	props := writeProps(t, `listeners=https://127.0.0.1:8443
ssl.certificate.location=`+cert+`
ssl.key.location=`+key+`
ssl.ca.location=`+caFile+`
ssl.client.authentication=REQUESTED
authentication.method=BASIC
authentication.realm=Registry
authentication.roles=reader,writer
authentication.users.file=`+users+`
authentication.certificate.roles=orders-service: writer; *: reader
authorization.read.roles=reader
authorization.write.roles=writer
authorization.write.subjects.writer=orders-*, payments-*
`)
	cfg, err := loadConfig([]string{props}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	sec, err := newSecurity(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if sec.tls == nil || sec.tls.Leaf().Subject.CommonName != "s" {
		t.Fatal("no TLS configuration")
	}
	a := sec.auth
	if a == nil || a.Realm != "Registry" || !reflect.DeepEqual(a.AdmittedRoles, []string{"reader", "writer"}) ||
		!reflect.DeepEqual(a.WriteSubjects, map[string][]string{"writer": {"orders-*", "payments-*"}}) ||
		!reflect.DeepEqual(a.CertificateRoles, map[string][]string{"orders-service": {"writer"}, "*": {"reader"}}) {
		t.Fatalf("auth = %+v", a)
	}
	if roles, ok := a.Basic("bob", "bob-pw"); !ok || !reflect.DeepEqual(roles, []string{"writer"}) {
		t.Errorf("Basic(bob) = %v, %v", roles, ok)
	}
	if _, ok := a.Basic("bob", "alice-pw"); ok {
		t.Error("Basic accepted a wrong password")
	}
}

func TestNoSecurityByDefault(t *testing.T) {
	sec, err := securityFrom(t)
	if err != nil || sec.tls != nil || sec.auth != nil || sec.forwardClient() != nil {
		t.Errorf("defaults: %+v, %v; want no TLS and no authentication", sec, err)
	}
}

func TestBearerProperties(t *testing.T) {
	idp := testidp.New("https://idp.test", "sr")
	jwks := writeFile(t, "jwks.json", string(idp.JWKS()))
	if _, err := securityFrom(t, "AUTHENTICATION_METHOD=BEARER"); err == nil || !strings.Contains(err.Error(), "oauthbearer.jwks.endpoint.url") {
		t.Fatalf("BEARER without keys: %v", err)
	}
	if _, err := securityFrom(t, "AUTHENTICATION_METHOD=BEARER", "OAUTHBEARER_JWKS_ENDPOINT_URL="+jwks+".missing"); err == nil {
		t.Fatal("a missing JWKS file accepted")
	}
	for _, env := range [][]string{
		{"AUTHENTICATION_METHOD=BEARER"},
		{"AUTHENTICATION_METHOD=BASIC,BEARER", "AUTHENTICATION_USERS_FILE=" + writeFile(t, "users", "u: p,admins\n")},
		{"REST_SERVLET_INITIALIZOR_CLASSES=io.confluent.common.security.jetty.initializer.AuthenticationHandler"},
	} {
		env = append(env, "OAUTHBEARER_JWKS_ENDPOINT_URL=file:"+jwks, "OAUTHBEARER_EXPECTED_ISSUER=https://idp.test",
			"OAUTHBEARER_EXPECTED_AUDIENCE=other,sr", "OAUTHBEARER_GROUPS_CLAIM_NAME=roles", "AUTHORIZATION_READ_ROLES=readers")
		sec, err := securityFrom(t, env...)
		if err != nil || sec.auth == nil || sec.auth.Bearer == nil {
			t.Fatalf("%v: %v", env, err)
		}
		name, roles, err := sec.auth.Bearer(context.Background(), idp.Token("rsa", testidp.Claims{Subject: "app", Extra: map[string]any{"roles": "readers"}}))
		if err != nil || name != "app" || !reflect.DeepEqual(roles, []string{"readers"}) {
			t.Fatalf("%v: %s %v %v", env, name, roles, err)
		}
		if _, _, err := sec.auth.Bearer(context.Background(), idp.Token("rsa", testidp.Claims{Subject: "app", Audience: "x"})); err == nil {
			t.Fatalf("%v: a wrong audience accepted", env)
		}
	}
}

func TestReadSubjectsAndRateProperties(t *testing.T) {
	users := writeFile(t, "users", "u: p,team-a\n")
	sec, err := securityFrom(t, "AUTHENTICATION_METHOD=BASIC", "AUTHENTICATION_USERS_FILE="+users, "AUTHORIZATION_READ_ROLES=team-a",
		"AUTHORIZATION_READ_SUBJECTS_TEAM-A=a-*,shared", "AUTHORIZATION_WRITE_RATE_PER_SECOND=2.5", "AUTHORIZATION_WRITE_RATE_BURST=5")
	if err != nil {
		t.Fatal(err)
	}
	if got := sec.auth.ReadSubjects["team-a"]; !reflect.DeepEqual(got, []string{"a-*", "shared"}) || sec.auth.WriteRate != 2.5 || sec.auth.WriteBurst != 5 {
		t.Fatalf("%v %v %v", sec.auth.ReadSubjects, sec.auth.WriteRate, sec.auth.WriteBurst)
	}
	if _, err := securityFrom(t, "AUTHENTICATION_METHOD=BASIC", "AUTHENTICATION_USERS_FILE="+users, "AUTHORIZATION_READ_ROLES=team-a",
		"AUTHORIZATION_READ_SUBJECTS_NOBODY=x"); err == nil || !strings.Contains(err.Error(), "authorization.read.subjects.nobody") {
		t.Fatalf("a read limit on an unknown role: %v", err)
	}
}
