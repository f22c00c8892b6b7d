package main

import (
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/schemaregistry/registry/internal/testcerts"
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
	return newSecurity(cfg, slog.New(slog.DiscardHandler))
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
	sec, err := newSecurity(cfg, slog.New(slog.DiscardHandler))
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
