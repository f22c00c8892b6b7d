package exporter

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/sr"
)

// newClient returns a client of the destination an exporter's config
// names, with the client properties Confluent's serializers take:
// schema.registry.url (the first of a list), basic.auth.user.info,
// bearer.auth.token, and PEM files for TLS
// (schema.registry.ssl.ca.location, .certificate.location, .key.location).
func newClient(config map[string]string) (*sr.Client, error) {
	prop := func(names ...string) string {
		for _, n := range names {
			if v := strings.TrimSpace(config[n]); v != "" {
				return v
			}
		}
		return ""
	}
	base, _, _ := strings.Cut(prop(URLProperty), ",")
	base = strings.TrimRight(strings.TrimSpace(base), "/")
	opts := []sr.ClientOpt{sr.URLs(base), sr.UserAgent("schema-registry-exporter")}
	if info := prop("basic.auth.user.info", "schema.registry.basic.auth.user.info"); info != "" {
		if strings.HasPrefix(info, encryptedPrefix) {
			return nil, errors.New("basic.auth.user.info is encrypted with another password.encoder.secret than this node's")
		}
		user, pass, ok := strings.Cut(info, ":")
		if !ok {
			return nil, errors.New("basic.auth.user.info wants user:password")
		}
		opts = append(opts, sr.BasicAuth(user, pass))
	}
	if token := prop("bearer.auth.token", "schema.registry.bearer.auth.token"); token != "" {
		opts = append(opts, sr.BearerToken(token))
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	cert := prop("schema.registry.ssl.certificate.location", "ssl.certificate.location")
	key := prop("schema.registry.ssl.key.location", "ssl.key.location")
	if cert != "" || key != "" {
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			return nil, fmt.Errorf("client certificate: %w", err)
		}
		tc.Certificates = []tls.Certificate{pair}
	}
	if ca := prop("schema.registry.ssl.ca.location", "ssl.ca.location"); ca != "" {
		pem, err := os.ReadFile(ca)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s: no PEM certificate", ca)
		}
		tc.RootCAs = pool
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.TLSClientConfig = tc
	opts = append(opts, sr.HTTPClient(&http.Client{Transport: transport, Timeout: 30 * time.Second}))
	return sr.NewClient(opts...)
}
