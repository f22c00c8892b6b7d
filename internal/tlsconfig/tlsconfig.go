// Package tlsconfig builds the TLS configuration of the HTTPS listeners
// (and of the client that forwards writes to the primary) from certificate
// files: PEM certificate and key, or a PKCS12 keystore, and the CAs that
// client certificates are checked against. The files are read again when
// they change: new connections get the new certificate, open ones keep
// theirs.
package tlsconfig

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/schemaregistry/registry/internal/reload"
)

// Settings name the TLS material and how clients are checked. Exactly one
// of CertFile (with KeyFile) and KeyStoreFile gives the server certificate.
type Settings struct {
	CertFile, KeyFile string // PEM certificate (chain) and private key

	KeyStoreFile     string
	KeyStorePassword string
	KeyStoreType     string // PKCS12 (default) or PEM (certificate chain and key in one file)

	CAFile string // PEM CA certificates that client certificates must chain to

	TrustStoreFile     string // the same, as a keystore
	TrustStorePassword string
	TrustStoreType     string // PKCS12 (default) or PEM

	ClientAuth             tls.ClientAuthType
	MinVersion, MaxVersion uint16 // 0: TLS 1.2 and the newest

	// ReloadInterval is how often the files are looked at again, at most
	// (on a new connection); 0 never.
	ReloadInterval time.Duration
	Logger         *slog.Logger
}

// Server is the TLS configuration of the listeners, kept up to date with
// the files.
type Server struct {
	s     Settings
	files *reload.Files[*material]
}

// material is what one version of the files gives.
type material struct {
	cert   *tls.Certificate
	cas    *x509.CertPool // nil when no CA is configured
	server *tls.Config
}

// New reads the files. Its errors name the file and what is wrong with it.
func New(s Settings) (*Server, error) {
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	if s.MinVersion == 0 {
		s.MinVersion = tls.VersionTLS12
	}
	var paths []string
	switch {
	case s.CertFile != "" && s.KeyStoreFile != "":
		return nil, errors.New("give the certificate either as PEM files or as a keystore, not both")
	case s.CertFile != "":
		if s.KeyFile == "" {
			return nil, fmt.Errorf("certificate %s has no key file", s.CertFile)
		}
		paths = append(paths, s.CertFile, s.KeyFile)
	case s.KeyStoreFile != "":
		if err := storeType(s.KeyStoreType, "keystore"); err != nil {
			return nil, err
		}
		paths = append(paths, s.KeyStoreFile)
	default:
		return nil, errors.New("no certificate: give a PEM certificate and key, or a PKCS12 keystore")
	}
	switch {
	case s.CAFile != "" && s.TrustStoreFile != "":
		return nil, errors.New("give the CA certificates either as a PEM file or as a truststore, not both")
	case s.CAFile != "":
		paths = append(paths, s.CAFile)
	case s.TrustStoreFile != "":
		if err := storeType(s.TrustStoreType, "truststore"); err != nil {
			return nil, err
		}
		paths = append(paths, s.TrustStoreFile)
	case s.ClientAuth != tls.NoClientCert:
		return nil, errors.New("client certificates are checked against CA certificates: give a CA file or a truststore")
	}
	srv := &Server{s: s}
	files, err := reload.New("TLS certificate", paths, s.ReloadInterval, srv.load, s.Logger)
	if err != nil {
		return nil, err
	}
	srv.files = files
	return srv, nil
}

func storeType(t, what string) error {
	switch strings.ToUpper(strings.TrimSpace(t)) {
	case "", "PKCS12", "PEM":
		return nil
	case "JKS":
		return fmt.Errorf("JKS %ss are not read: convert it with keytool -importkeystore -srckeystore %s.jks -destkeystore %s.p12 -deststoretype PKCS12", what, what, what)
	}
	return fmt.Errorf("%s type %q: must be PKCS12 or PEM", what, t)
}

// load builds the material from the files' contents, in the order New
// listed them.
func (srv *Server) load(contents [][]byte) (*material, error) {
	s := srv.s
	m := &material{}
	var err error
	if s.CertFile != "" {
		m.cert, err = pemPair(contents[0], contents[1], s.CertFile, s.KeyFile)
		contents = contents[2:]
	} else {
		m.cert, err = keyStore(contents[0], s)
		contents = contents[1:]
	}
	if err != nil {
		return nil, err
	}
	if len(contents) > 0 {
		if m.cas, err = caPool(contents[0], s); err != nil {
			return nil, err
		}
	}
	m.server = &tls.Config{
		Certificates: []tls.Certificate{*m.cert},
		ClientAuth:   s.ClientAuth,
		ClientCAs:    m.cas,
		MinVersion:   s.MinVersion,
		MaxVersion:   s.MaxVersion,
		NextProtos:   []string{"h2", "http/1.1"},
	}
	leaf := m.cert.Leaf
	s.Logger.Info("TLS certificate loaded", "subject", leaf.Subject.String(), "not_after", leaf.NotAfter.UTC().Format(time.RFC3339))
	if time.Now().After(leaf.NotAfter) {
		s.Logger.Warn("the TLS certificate has expired", "subject", leaf.Subject.String(), "not_after", leaf.NotAfter)
	}
	return m, nil
}

func pemPair(cert, key []byte, certFile, keyFile string) (*tls.Certificate, error) {
	c, err := tls.X509KeyPair(cert, key)
	if err != nil {
		return nil, fmt.Errorf("certificate %s and key %s: %w", certFile, keyFile, err)
	}
	return &c, nil
}

func keyStore(data []byte, s Settings) (*tls.Certificate, error) {
	if strings.EqualFold(strings.TrimSpace(s.KeyStoreType), "PEM") {
		return pemPair(data, data, s.KeyStoreFile, s.KeyStoreFile)
	}
	key, leaf, chain, err := pkcs12.DecodeChain(data, s.KeyStorePassword)
	if err != nil {
		return nil, fmt.Errorf("PKCS12 keystore %s: %w", s.KeyStoreFile, err)
	}
	c := tls.Certificate{Certificate: [][]byte{leaf.Raw}, PrivateKey: key, Leaf: leaf}
	for _, ca := range chain {
		c.Certificate = append(c.Certificate, ca.Raw)
	}
	return &c, nil
}

func caPool(data []byte, s Settings) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	file := s.CAFile
	if file == "" && !strings.EqualFold(strings.TrimSpace(s.TrustStoreType), "PEM") {
		certs, err := pkcs12.DecodeTrustStore(data, s.TrustStorePassword)
		if err != nil {
			return nil, fmt.Errorf("PKCS12 truststore %s: %w", s.TrustStoreFile, err)
		}
		if len(certs) == 0 {
			return nil, fmt.Errorf("PKCS12 truststore %s holds no certificate", s.TrustStoreFile)
		}
		for _, c := range certs {
			pool.AddCert(c)
		}
		return pool, nil
	}
	if file == "" {
		file = s.TrustStoreFile
	}
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("CA file %s holds no PEM certificate", file)
	}
	return pool, nil
}

// Config is the listeners' configuration: each new connection gets the
// material of the files as they are now.
func (srv *Server) Config() *tls.Config {
	return &tls.Config{
		MinVersion: srv.s.MinVersion,
		NextProtos: []string{"h2", "http/1.1"},
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			return srv.files.Get().server, nil
		},
	}
}

// DialTLS dials another node (the forwarding of writes to the primary)
// for an http.Transport: it presents this node's certificate when asked and
// trusts the configured CAs (the system's when none), checking the host
// name unless verifyHost is false. Each connection uses the files as they
// are now.
func (srv *Server) DialTLS(verifyHost bool) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		m := srv.files.Get()
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			host = addr
		}
		c := &tls.Config{ServerName: host, RootCAs: m.cas, Certificates: []tls.Certificate{*m.cert},
			MinVersion: srv.s.MinVersion, MaxVersion: srv.s.MaxVersion}
		if !verifyHost {
			// The chain is still checked, without the host name.
			c.InsecureSkipVerify = true
			c.VerifyConnection = func(cs tls.ConnectionState) error {
				if len(cs.PeerCertificates) == 0 {
					return errors.New("the server sent no certificate")
				}
				opts := x509.VerifyOptions{Roots: m.cas, Intermediates: x509.NewCertPool()}
				for _, ic := range cs.PeerCertificates[1:] {
					opts.Intermediates.AddCert(ic)
				}
				_, err := cs.PeerCertificates[0].Verify(opts)
				return err
			}
		}
		d := tls.Dialer{Config: c}
		return d.DialContext(ctx, network, addr)
	}
}

// Leaf is the certificate served now.
func (srv *Server) Leaf() *x509.Certificate { return srv.files.Get().cert.Leaf }
