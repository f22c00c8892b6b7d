package tlsconfig

import (
	"crypto/tls"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/schemaregistry/registry/internal/testcerts"
	"github.com/schemaregistry/registry/internal/testlog"
	"github.com/schemaregistry/registry/internal/testwait"
)

// serve starts an HTTPS server with srv's configuration that answers the
// client certificate's common name.
func serve(t *testing.T, srv *Server) string {
	t.Helper()
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.TLS.VerifiedChains) > 0 {
			w.Write([]byte(r.TLS.PeerCertificates[0].Subject.CommonName))
		}
	}))
	ts.TLS = srv.Config()
	ts.StartTLS()
	t.Cleanup(ts.Close)
	return ts.URL
}

// handshake connects with the client certificates given and returns the
// server certificate's common name, or the error.
func handshake(t *testing.T, url string, roots *testcerts.Cert, certs ...tls.Certificate) (string, error) {
	t.Helper()
	tc := &tls.Config{RootCAs: roots.Pool()}
	if len(certs) > 0 {
		// Sent even when the server does not name its CA as acceptable.
		tc.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &certs[0], nil }
	}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: tc, DisableKeepAlives: true}, Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	return resp.TLS.PeerCertificates[0].Subject.CommonName, nil
}

var quiet = slog.New(slog.DiscardHandler)

func TestPEMAndReload(t *testing.T) {
	dir := t.TempDir()
	ca := testcerts.CA(t, "ca")
	cert, key := ca.Server(t, "first").WritePEM(t, dir, "server")
	var log testlog.Buffer
	srv, err := New(Settings{CertFile: cert, KeyFile: key, ReloadInterval: 10 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	url := serve(t, srv)
	if cn, err := handshake(t, url, ca); err != nil || cn != "first" {
		t.Fatalf("first certificate: %q, %v", cn, err)
	}
	// The files are looked at on a new connection, at most every 10 ms.
	ca.Server(t, "second").WritePEM(t, dir, "server")
	testwait.Until(t, 5*time.Second, "new connections to get the second certificate", func() bool {
		cn, err := handshake(t, url, ca)
		if err != nil {
			t.Fatalf("after the files changed: %v", err)
		}
		return cn == "second"
	})
	// A half-written change (a key that does not match) keeps the current
	// one, before and after it was looked at (and refused).
	testcerts.WriteFile(t, key, ca.Server(t, "other").KeyPEM(t))
	kept := func() {
		t.Helper()
		if cn, err := handshake(t, url, ca); err != nil || cn != "second" {
			t.Fatalf("after a bad change: %q, %v; want the second certificate still", cn, err)
		}
	}
	testwait.Until(t, 5*time.Second, "the bad change to be looked at and refused", func() bool {
		kept()
		return strings.Contains(log.String(), "changed TLS certificate refused")
	})
	kept()
}

func TestPKCS12KeyStoreAndTrustStore(t *testing.T) {
	dir := t.TempDir()
	ca := testcerts.CA(t, "ca")
	ks, ts := filepath.Join(dir, "ks.p12"), filepath.Join(dir, "ts.p12")
	testcerts.WriteFile(t, ks, ca.Server(t, "p12").PKCS12(t, ca, "changeit"))
	testcerts.WriteFile(t, ts, ca.TrustStore(t, "trust"))
	srv, err := New(Settings{KeyStoreFile: ks, KeyStorePassword: "changeit", KeyStoreType: "PKCS12",
		TrustStoreFile: ts, TrustStorePassword: "trust", ClientAuth: tls.RequireAndVerifyClientCert, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	url := serve(t, srv)
	client := ca.Client(t, "app").TLS()
	if cn, err := handshake(t, url, ca, client); err != nil || cn != "p12" {
		t.Fatalf("%q, %v", cn, err)
	}
	if _, err := handshake(t, url, ca); err == nil {
		t.Error("REQUIRED accepted a client without a certificate")
	}
	if _, err := New(Settings{KeyStoreFile: ks, KeyStorePassword: "wrong", Logger: quiet}); err == nil || !strings.Contains(err.Error(), ks) {
		t.Errorf("wrong password: err = %v, want it to name the keystore", err)
	}
}

func TestClientAuthentication(t *testing.T) {
	dir := t.TempDir()
	ca, other := testcerts.CA(t, "ca"), testcerts.CA(t, "other")
	cert, key := ca.Server(t, "server").WritePEM(t, dir, "server")
	caFile := filepath.Join(dir, "ca.crt")
	testcerts.WriteFile(t, caFile, ca.CertPEM())
	trusted, untrusted := ca.Client(t, "app").TLS(), other.Client(t, "intruder").TLS()
	for _, tt := range []struct {
		mode                        tls.ClientAuthType
		none, trusted, untrustedErr bool
	}{
		{tls.VerifyClientCertIfGiven, true, true, true},     // REQUESTED
		{tls.RequireAndVerifyClientCert, false, true, true}, // REQUIRED
	} {
		srv, err := New(Settings{CertFile: cert, KeyFile: key, CAFile: caFile, ClientAuth: tt.mode, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		url := serve(t, srv)
		if _, err := handshake(t, url, ca); (err == nil) != tt.none {
			t.Errorf("%v without a certificate: err = %v", tt.mode, err)
		}
		if _, err := handshake(t, url, ca, trusted); err != nil {
			t.Errorf("%v with a trusted certificate: %v", tt.mode, err)
		}
		if _, err := handshake(t, url, ca, untrusted); err == nil {
			t.Errorf("%v accepted an untrusted certificate", tt.mode)
		}
	}
}

func TestDialTLS(t *testing.T) {
	dir := t.TempDir()
	ca := testcerts.CA(t, "ca")
	cert, key := ca.Server(t, "node").WritePEM(t, dir, "node")
	caFile := filepath.Join(dir, "ca.crt")
	testcerts.WriteFile(t, caFile, ca.CertPEM())
	srv, err := New(Settings{CertFile: cert, KeyFile: key, CAFile: caFile, ClientAuth: tls.RequireAndVerifyClientCert, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	url := serve(t, srv)
	for _, verifyHost := range []bool{true, false} {
		c := &http.Client{Transport: &http.Transport{DialTLSContext: srv.DialTLS(verifyHost)}}
		resp, err := c.Get(url)
		if err != nil {
			t.Fatalf("verifyHost %v: %v", verifyHost, err)
		}
		resp.Body.Close()
	}
	// The host name is checked: the certificate is not for 127.0.0.2.
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(url, "https://"))
	c := &http.Client{Transport: &http.Transport{DialTLSContext: srv.DialTLS(true),
		DialContext: nil}}
	if resp, err := c.Get("https://127.0.0.2:" + port); err == nil {
		resp.Body.Close()
		t.Error("a certificate for another host was accepted")
	}
}

func TestSettingsErrors(t *testing.T) {
	dir := t.TempDir()
	ca := testcerts.CA(t, "ca")
	cert, key := ca.Server(t, "s").WritePEM(t, dir, "s")
	for _, tt := range []struct {
		s    Settings
		want string
	}{
		{Settings{}, "no certificate"},
		{Settings{CertFile: cert}, "has no key file"},
		{Settings{CertFile: cert, KeyFile: key, KeyStoreFile: cert}, "not both"},
		{Settings{KeyStoreFile: cert, KeyStoreType: "JKS"}, "keytool -importkeystore"},
		{Settings{CertFile: cert, KeyFile: key, ClientAuth: tls.RequireAndVerifyClientCert}, "give a CA file or a truststore"},
		{Settings{CertFile: cert, KeyFile: cert}, cert},
		{Settings{CertFile: cert, KeyFile: key, CAFile: key}, "holds no PEM certificate"},
		{Settings{CertFile: filepath.Join(dir, "missing.crt"), KeyFile: key}, "missing.crt"},
	} {
		if _, err := New(tt.s); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("New(%+v): err = %v, want it to contain %q", tt.s, err, tt.want)
		}
	}
}
