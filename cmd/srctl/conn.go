package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/schemaregistry/registry/internal/javaprops"
)

// globals are the settings every command shares: where the registry is and
// how to authenticate, from flags, else the environment, else a client
// properties file using the official clients' names.
type globals struct {
	url, user, token  string
	cert, key, ca     string
	configFile        string
	timeout           time.Duration
	retries           int
	insecure          bool
	output            string
	clientProps       map[string]string
	clientPropsLoaded bool
	noEnv             bool // migrate: two registries, no shared secrets from the environment
}

func (g *globals) flags(root *cobra.Command) {
	f := root.PersistentFlags()
	f.StringVar(&g.url, "url", "", "registry URL (env SCHEMA_REGISTRY_URL; property schema.registry.url); a context by URL: http://host:8081/contexts/.name")
	f.StringVar(&g.user, "user", "", "basic authentication as user:password (env SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO; property basic.auth.user.info)")
	f.StringVar(&g.token, "token", "", "bearer token (env SCHEMA_REGISTRY_BEARER_TOKEN; property bearer.auth.token)")
	f.StringVar(&g.cert, "cert", "", "client certificate, PEM (property ssl.certificate.location)")
	f.StringVar(&g.key, "key", "", "client certificate key, PEM (property ssl.key.location)")
	f.StringVar(&g.ca, "ca", "", "CA certificates to trust, PEM (property ssl.ca.location)")
	f.BoolVar(&g.insecure, "insecure", false, "do not verify the registry's certificate")
	f.StringVar(&g.configFile, "client-config", "", "client properties file (schema.registry.url, basic.auth.user.info, bearer.auth.token, ssl.*.location)")
	f.DurationVar(&g.timeout, "timeout", 30*time.Second, "timeout of each request")
	f.IntVar(&g.retries, "retries", 4, "retries of a request the registry could not answer (connection refused, 502, 503, 504), with backoff")
	f.StringVarP(&g.output, "output", "o", "text", "output format: text or json (check, register, get; check also github)")
}

// prop returns a setting: the flag's value, else the environment variable,
// else the first of the client properties named.
func (g *globals) prop(flag, env string, names ...string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	if v := os.Getenv(env); v != "" && !g.noEnv {
		return v, nil
	}
	if g.configFile != "" && !g.clientPropsLoaded {
		data, err := os.ReadFile(g.configFile)
		if err != nil {
			return "", err
		}
		entries, err := javaprops.Parse(data)
		if err != nil {
			return "", fmt.Errorf("%s: %w", g.configFile, err)
		}
		g.clientProps, g.clientPropsLoaded = map[string]string{}, true
		for _, e := range entries {
			g.clientProps[e.Key] = e.Value
		}
	}
	for _, n := range names {
		if v := g.clientProps[n]; v != "" {
			return v, nil
		}
	}
	return "", nil
}

// registryURL is the registry's base URL, or an error naming how to give it.
func (g *globals) registryURL() (string, error) {
	u, err := g.prop(g.url, "SCHEMA_REGISTRY_URL", "schema.registry.url", "url")
	if err != nil {
		return "", err
	}
	if u == "" {
		return "", errors.New("no registry URL: give --url, SCHEMA_REGISTRY_URL or schema.registry.url in --client-config (or check --local for no registry)")
	}
	// A list (as the clients take) starts with the first.
	u, _, _ = strings.Cut(u, ",")
	return strings.TrimRight(strings.TrimSpace(u), "/"), nil
}

// client returns a client of the registry with the settings' credentials.
func (g *globals) client() (*sr.Client, error) {
	base, err := g.registryURL()
	if err != nil {
		return nil, err
	}
	opts := []sr.ClientOpt{sr.URLs(base), sr.UserAgent("srctl")}
	userInfo, err := g.prop(g.user, "SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO", "basic.auth.user.info", "schema.registry.basic.auth.user.info")
	if err != nil {
		return nil, err
	}
	if userInfo != "" {
		user, pass, ok := strings.Cut(userInfo, ":")
		if !ok {
			return nil, errors.New("basic authentication wants user:password")
		}
		opts = append(opts, sr.BasicAuth(user, pass))
	}
	token, err := g.prop(g.token, "SCHEMA_REGISTRY_BEARER_TOKEN", "bearer.auth.token")
	if err != nil {
		return nil, err
	}
	if token != "" {
		opts = append(opts, sr.BearerToken(token))
	}
	tlsConf, err := g.tlsConfig()
	if err != nil {
		return nil, err
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.TLSClientConfig = tlsConf
	transport.MaxIdleConnsPerHost = 64
	opts = append(opts, sr.HTTPClient(&http.Client{
		Transport: &retrying{next: transport, retries: g.retries, timeout: g.timeout, base: base},
	}))
	return sr.NewClient(opts...)
}

func (g *globals) tlsConfig() (*tls.Config, error) {
	cert, err := g.prop(g.cert, "", "ssl.certificate.location", "schema.registry.ssl.certificate.location")
	if err != nil {
		return nil, err
	}
	key, err := g.prop(g.key, "", "ssl.key.location", "schema.registry.ssl.key.location")
	if err != nil {
		return nil, err
	}
	ca, err := g.prop(g.ca, "", "ssl.ca.location", "schema.registry.ssl.ca.location")
	if err != nil {
		return nil, err
	}
	c := &tls.Config{InsecureSkipVerify: g.insecure, MinVersion: tls.VersionTLS12} //nolint:gosec // asked for by --insecure
	if cert != "" || key != "" {
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			return nil, fmt.Errorf("client certificate: %w", err)
		}
		c.Certificates = []tls.Certificate{pair}
	}
	if ca != "" {
		pem, err := os.ReadFile(ca)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s: no PEM certificate", ca)
		}
		c.RootCAs = pool
	}
	return c, nil
}

// retrying retries a request the registry did not answer (it is down or
// restarting: connection errors, 502, 503, 504) with exponential backoff,
// then says clearly that it could not be reached. Registry writes are
// idempotent (the same schema gets the same id), so every method is
// retried.
type retrying struct {
	next    http.RoundTripper
	retries int
	timeout time.Duration
	base    string
}

func (t *retrying) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
	}
	backoff := 200 * time.Millisecond
	for attempt := 0; ; attempt++ {
		// Each attempt its own request (a RoundTripper leaves the caller's
		// alone) and its own deadline (--timeout is per request).
		ctx, cancel := context.WithTimeout(req.Context(), t.timeout)
		try := req.Clone(ctx)
		if body != nil {
			try.Body = io.NopCloser(bytes.NewReader(body))
		}
		resp, err := t.next.RoundTrip(try)
		retry := err != nil && retriable(err) ||
			err == nil && (resp.StatusCode == http.StatusBadGateway || resp.StatusCode == http.StatusServiceUnavailable || resp.StatusCode == http.StatusGatewayTimeout)
		if !retry || attempt >= t.retries {
			if err != nil {
				cancel()
				if retriable(err) {
					return nil, fmt.Errorf("registry at %s unreachable after %d attempts: %w", t.base, attempt+1, err)
				}
				return nil, err
			}
			resp.Body = cancelOnClose{resp.Body, cancel}
			return resp, nil
		}
		if resp != nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		cancel()
		select {
		case <-req.Context().Done():
			return nil, req.Context().Err()
		case <-time.After(backoff):
		}
		backoff *= 2
	}
}

// cancelOnClose ends an attempt's context when its answer is read.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}

// retriable reports whether a transport error means the registry did not
// get the request: refused or reset, or silent past the deadline; not a
// name that does not resolve, nor a TLS or URL mistake.
func retriable(err error) bool {
	var dns *net.DNSError
	if errors.As(err, &dns) && !dns.IsTemporary {
		return false
	}
	var op *net.OpError
	return errors.As(err, &op) || errors.Is(err, context.DeadlineExceeded)
}

// checkOutput refuses an output format no command writes.
func (g *globals) checkOutput() error {
	switch g.output {
	case "text", "json", "github":
		return nil
	}
	return fmt.Errorf("--output %s: want text, json or github", g.output)
}

// apiError is the Confluent error envelope of a failed call, if it is one.
func apiError(err error) (*sr.ResponseError, bool) {
	var re *sr.ResponseError
	return re, errors.As(err, &re)
}
