package test

import (
	"context"
	"crypto/md5"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/sr"
	"golang.org/x/crypto/bcrypt"

	"github.com/schemaregistry/registry/internal/testcerts"
	"github.com/schemaregistry/registry/internal/testwait"
)

// secured is a registry started with TLS, BASIC authentication of three
// users of three levels, client certificates as principals, and its files.
type secured struct {
	*node
	dir        string
	ca         *testcerts.Cert
	certFile   string
	keyFile    string
	usersFile  string
	usersLines string
}

const (
	readerUser, readerPW = "alice", "alice-secret" // plain password, role reader
	writerUser, writerPW = "bob", "bob-secret"     // MD5, role writer (orders-* only)
	adminUser, adminPW   = "carol", "carol-secret" // BCRYPT, role admin
)

func startSecured(t *testing.T) *secured {
	t.Helper()
	s := &secured{dir: t.TempDir(), ca: testcerts.CA(t, "Test CA")}
	s.certFile, s.keyFile = s.ca.Server(t, "registry").WritePEM(t, s.dir, "server")
	caFile := filepath.Join(s.dir, "ca.crt")
	testcerts.WriteFile(t, caFile, s.ca.CertPEM())
	md5sum := md5.Sum([]byte(writerPW))
	hash, err := bcrypt.GenerateFromPassword([]byte(adminPW), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	s.usersLines = fmt.Sprintf("# name: password[,role ...]\n%s: %s,reader\n%s: MD5:%s,writer\n%s: BCRYPT:%s,admin\n",
		readerUser, readerPW, writerUser, hex.EncodeToString(md5sum[:]), adminUser, hash)
	s.usersFile = filepath.Join(s.dir, "users.properties")
	testcerts.WriteFile(t, s.usersFile, []byte(s.usersLines))

	s.node = launch(t, nil,
		srEnv("LISTENERS", "https://127.0.0.1:0"),
		srEnv("DATA_DIR", filepath.Join(s.dir, "data")),
		srEnv("SSL_CERTIFICATE_LOCATION", s.certFile),
		srEnv("SSL_KEY_LOCATION", s.keyFile),
		srEnv("SSL_CA_LOCATION", caFile),
		srEnv("SSL_CLIENT_AUTHENTICATION", "REQUESTED"),
		srEnv("SSL_RELOAD_INTERVAL_MS", "100"),
		srEnv("AUTHENTICATION_METHOD", "BASIC"),
		srEnv("AUTHENTICATION_REALM", "SchemaRegistry-Props"),
		srEnv("AUTHENTICATION_USERS_FILE", s.usersFile),
		srEnv("AUTHENTICATION_USERS_RELOAD_INTERVAL_MS", "100"),
		srEnv("AUTHENTICATION_CERTIFICATE_ROLES", "orders-service: writer"),
		srEnv("AUTHORIZATION_READ_ROLES", "reader"),
		srEnv("AUTHORIZATION_WRITE_ROLES", "writer"),
		srEnv("AUTHORIZATION_ADMIN_ROLES", "admin"),
		srEnv("AUTHORIZATION_WRITE_SUBJECTS_WRITER", "orders-*"),
	)
	s.waitLive(t, s.client())
	return s
}

// client trusts the test CA and presents certs (forced: sent even when the
// server does not list their CA as acceptable).
func (s *secured) client(certs ...tls.Certificate) *http.Client {
	tc := &tls.Config{RootCAs: s.ca.Pool()}
	if len(certs) > 0 {
		tc.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &certs[0], nil }
	}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: tc, DisableKeepAlives: true}}
}

type answer struct {
	status    int
	body      string
	header    http.Header
	errorCode int
}

func (s *secured) do(t *testing.T, c *http.Client, method, path, body, user, password string) answer {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/vnd.schemaregistry.v1+json")
	}
	if user != "" {
		req.SetBasicAuth(user, password)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, body: string(b), header: resp.Header}
	var e struct {
		ErrorCode int `json:"error_code"`
	}
	if json.Unmarshal(b, &e) == nil {
		a.errorCode = e.ErrorCode
	}
	return a
}

const stringSchema = `{"schema":"\"string\""}`

// TestSecuredServer starts the binary with TLS, BASIC authentication and
// three users of three roles, and checks 401, 403 and success for every
// route class, client certificates, a client library, the reload of the
// users file and of the certificate, and the audit log.
func TestSecuredServer(t *testing.T) {
	s := startSecured(t)
	c := s.client()

	t.Run("route classes", func(t *testing.T) {
		type user struct{ name, password, level string }
		users := []user{{readerUser, readerPW, "read"}, {writerUser, writerPW, "write"}, {adminUser, adminPW, "admin"}}
		levels := map[string]int{"read": 1, "write": 2, "admin": 3}
		// In order: each request's success is what the next ones see.
		for _, r := range []struct {
			method, path, body, class string
			ok                        int // the status of an allowed call
		}{
			{"POST", "/subjects/orders-value/versions", stringSchema, "write", 200},
			{"GET", "/subjects", "", "read", 200},
			{"GET", "/schemas/ids/1", "", "read", 200},
			{"GET", "/subjects/orders-value/versions/latest", "", "read", 200},
			{"POST", "/subjects/orders-value", stringSchema, "read", 200},
			{"POST", "/compatibility/subjects/orders-value/versions/latest", stringSchema, "read", 200},
			{"GET", "/config", "", "read", 200},
			{"GET", "/metrics", "", "read", 200},
			{"PUT", "/config/orders-value", `{"compatibility":"FULL"}`, "admin", 200},
			{"PUT", "/mode/imports", `{"mode":"IMPORT"}`, "admin", 200},
			{"POST", "/subjects/imports/versions", `{"schema":"\"int\"","id":100}`, "admin", 200},
			{"DELETE", "/config/orders-value", "", "admin", 200},
			{"DELETE", "/subjects/orders-value/versions/1", "", "admin", 200},
			{"DELETE", "/subjects/imports", "", "admin", 200},
			{"DELETE", "/contexts/.none", "", "admin", 204},
		} {
			what := r.method + " " + r.path
			for _, cred := range [][2]string{{"", ""}, {readerUser, "wrong"}, {"mallory", readerPW}} {
				a := s.do(t, c, r.method, r.path, r.body, cred[0], cred[1])
				if a.status != 401 || a.errorCode != 401 || a.header.Get("WWW-Authenticate") != `Basic realm="SchemaRegistry-Props"` {
					t.Errorf("%s as %q: %d %s %q, want 401 with WWW-Authenticate and the envelope", what, cred[0], a.status, a.body, a.header.Get("WWW-Authenticate"))
				}
			}
			for _, u := range users {
				a := s.do(t, c, r.method, r.path, r.body, u.name, u.password)
				allowed := levels[u.level] >= levels[r.class]
				switch {
				case !allowed && (a.status != 403 || a.errorCode != 403):
					t.Errorf("%s as %s (%s): %d %s, want 403 with the envelope", what, u.name, u.level, a.status, a.body)
				case allowed && a.status != r.ok:
					t.Errorf("%s as %s (%s): %d %s, want %d", what, u.name, u.level, a.status, a.body, r.ok)
				}
				if allowed && r.class != "read" {
					break // done: the next users would find the state changed
				}
			}
		}
		// A writer is limited to its subjects.
		if a := s.do(t, c, "POST", "/subjects/payments-value/versions", stringSchema, writerUser, writerPW); a.status != 403 {
			t.Errorf("writer outside orders-*: %d %s, want 403", a.status, a.body)
		}
		if a := s.do(t, c, "POST", "/subjects/payments-value/versions", stringSchema, adminUser, adminPW); a.status != 200 {
			t.Errorf("admin anywhere: %d %s, want 200", a.status, a.body)
		}
		// The probes need no credentials.
		for _, p := range []string{"/health/live", "/health/ready"} {
			if a := s.do(t, c, "GET", p, "", "", ""); a.status != 200 {
				t.Errorf("GET %s without credentials: %d", p, a.status)
			}
		}
	})

	t.Run("client certificates", func(t *testing.T) {
		trusted := s.client(s.ca.Client(t, "orders-service").TLS())
		if a := s.do(t, trusted, "POST", "/subjects/orders-mtls/versions", stringSchema, "", ""); a.status != 200 {
			t.Errorf("trusted certificate of a writer registers: %d %s", a.status, a.body)
		}
		if a := s.do(t, trusted, "DELETE", "/subjects/orders-mtls", "", "", ""); a.status != 403 {
			t.Errorf("trusted certificate of a writer deletes: %d %s, want 403", a.status, a.body)
		}
		stranger := s.client(s.ca.Client(t, "stranger").TLS())
		if a := s.do(t, stranger, "GET", "/subjects", "", "", ""); a.status != 403 {
			t.Errorf("trusted certificate without roles: %d %s, want 403", a.status, a.body)
		}
		other := testcerts.CA(t, "Other CA")
		untrusted := s.client(other.Client(t, "orders-service").TLS())
		if resp, err := untrusted.Get(s.URL + "/subjects"); err == nil {
			resp.Body.Close()
			t.Errorf("an untrusted client certificate was accepted: %d", resp.StatusCode)
		}
		// Plain HTTP on the https listener gets nothing useful either.
		if resp, err := http.Get(strings.Replace(s.URL, "https://", "http://", 1) + "/subjects"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				t.Error("plain HTTP answered 200 on the https listener")
			}
		}
	})

	t.Run("franz-go sr client", func(t *testing.T) {
		ctx := context.Background()
		tc := &tls.Config{RootCAs: s.ca.Pool()}
		newClient := func(user, password string) *sr.Client {
			cl, err := sr.NewClient(sr.URLs(s.URL), sr.BasicAuth(user, password), sr.DialTLSConfig(tc))
			if err != nil {
				t.Fatal(err)
			}
			return cl
		}
		writer := newClient(writerUser, writerPW)
		schema := sr.Schema{Type: sr.TypeAvro, Schema: `{"type":"record","name":"Order","fields":[{"name":"id","type":"long"}]}`}
		created, err := writer.CreateSchema(ctx, "orders-sr-value", schema)
		if err != nil {
			t.Fatalf("CreateSchema as the writer: %v", err)
		}
		got, err := newClient(readerUser, readerPW).SchemaByID(ctx, created.ID)
		if err != nil || !strings.Contains(got.Schema, `"Order"`) {
			t.Fatalf("SchemaByID as the reader: %+v, %v", got, err)
		}
		if v, err := writer.SchemaByVersion(ctx, "orders-sr-value", -1); err != nil || v.ID != created.ID {
			t.Errorf("SchemaByVersion: %+v, %v", v, err)
		}
		var re *sr.ResponseError
		_, err = newClient(readerUser, readerPW).CreateSchema(ctx, "orders-sr-value", schema)
		if !errors.As(err, &re) || re.StatusCode != 403 || re.ErrorCode != 403 {
			t.Errorf("CreateSchema as the reader: %v, want a 403 ResponseError", err)
		}
		_, err = newClient(writerUser, "wrong").Subjects(ctx)
		if !errors.As(err, &re) || re.StatusCode != 401 || re.ErrorCode != 401 {
			t.Errorf("Subjects with a wrong password: %v, want a 401 ResponseError", err)
		}
	})

	t.Run("users file reloaded", func(t *testing.T) {
		if a := s.do(t, c, "GET", "/subjects", "", "dave", "dave-secret"); a.status != 401 {
			t.Fatalf("dave before he is added: %d", a.status)
		}
		testcerts.WriteFile(t, s.usersFile, []byte(s.usersLines+"dave: dave-secret,admin\n"))
		testwait.Until(t, 5*time.Second, "dave added to the users file is admitted", func() bool {
			return s.do(t, c, "PUT", "/config", `{"compatibility":"BACKWARD"}`, "dave", "dave-secret").status == 200
		})
		// A file that does not load leaves the current one in force (the
		// file is looked at again on a request, at most every 100 ms).
		testcerts.WriteFile(t, s.usersFile, []byte("dave: OBF:1v2j1uum1xtv1zej1zer1xtn1uvk1v1v,admin\n"))
		testwait.Until(t, 5*time.Second, "the bad users file is refused and logged", func() bool {
			if a := s.do(t, c, "GET", "/subjects", "", readerUser, readerPW); a.status != 200 {
				t.Fatalf("after a bad users file: %d, want the previous file to stay in force", a.status)
			}
			return strings.Contains(s.Logs(), "changed users file "+s.usersFile+" refused")
		})
	})

	t.Run("certificate reloaded", func(t *testing.T) {
		serverCN := func() string {
			resp, err := c.Get(s.URL + "/health/live")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.TLS.PeerCertificates[0].Subject.CommonName
		}
		if cn := serverCN(); cn != "registry" {
			t.Fatalf("served certificate %q", cn)
		}
		s.ca.Server(t, "registry-rotated").WritePEM(t, s.dir, "server")
		testwait.Until(t, 5*time.Second, "new connections get the new certificate", func() bool { return serverCN() == "registry-rotated" })
	})

	t.Run("audit log", func(t *testing.T) {
		logs := s.Logs()
		for _, want := range []string{
			"msg=audit user=bob auth=basic", "subject=orders-value id=1 version=1 status=200",
			"msg=audit user=alice auth=basic", "status=403 error_code=403",
			"msg=audit user=\"\"", "status=401 error_code=401",
			"msg=audit user=orders-service auth=certificate",
		} {
			if !strings.Contains(logs, want) {
				t.Errorf("the log has no %q", want)
			}
		}
		if strings.Contains(logs, adminPW) || strings.Contains(logs, writerPW) {
			t.Error("a password is in the log")
		}
	})
}

// TestPKCS12Stores starts the binary with a PKCS12 keystore and truststore,
// as Confluent users keep them, and client certificates required.
func TestPKCS12Stores(t *testing.T) {
	dir := t.TempDir()
	ca := testcerts.CA(t, "Test CA")
	ks, ts := filepath.Join(dir, "registry.keystore.p12"), filepath.Join(dir, "registry.truststore.p12")
	testcerts.WriteFile(t, ks, ca.Server(t, "registry-p12").PKCS12(t, ca, "ks-secret"))
	testcerts.WriteFile(t, ts, ca.TrustStore(t, "ts-secret"))
	props := filepath.Join(dir, "registry.properties")
	os.WriteFile(props, []byte(fmt.Sprintf(`listeners=%s
data.dir=%s
ssl.keystore.location=%s
ssl.keystore.password=ks-secret
ssl.keystore.type=PKCS12
ssl.truststore.location=%s
ssl.truststore.password=ts-secret
ssl.client.authentication=REQUIRED
`, "https://127.0.0.1:0", filepath.Join(dir, "data"), ks, ts)), 0o600)
	n := launch(t, []string{props})
	withCert := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{
		RootCAs: ca.Pool(), Certificates: []tls.Certificate{ca.Client(t, "app").TLS()}}}}
	n.waitLive(t, withCert)
	resp, err := withCert.Get(n.URL + "/subjects")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.TLS.PeerCertificates[0].Subject.CommonName != "registry-p12" {
		t.Errorf("with a client certificate: %d from %q", resp.StatusCode, resp.TLS.PeerCertificates[0].Subject.CommonName)
	}
	without := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool()}}}
	if resp, err := without.Get(n.URL + "/subjects"); err == nil {
		resp.Body.Close()
		t.Errorf("REQUIRED accepted a client without a certificate: %d", resp.StatusCode)
	}
}
