package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/schemaregistry/registry/internal/javaprops"
	"github.com/schemaregistry/registry/proxy"
)

// config is the proxy's properties file. Topic settings
// (topic.<name or pattern>.<Confluent setting>) are read again while it
// runs; the others at start only.
type config struct {
	Listen         string   // proxy.listen: the bootstrap listener, host:port
	AdvertisedHost string   // proxy.advertised.host
	BrokerPortBase int      // proxy.broker.port.base: broker N on this port + N; 0 for free ports
	Upstream       []string // bootstrap.servers: the brokers
	MetricsListen  string   // metrics.listen: host:port of GET /metrics; empty for none

	ListenerCert, ListenerKey, ListenerCA string // proxy.ssl.certificate.location, proxy.ssl.key.location, proxy.ssl.ca.location (client certificates required when set)

	UpstreamTLS                           bool   // security.protocol SSL or SASL_SSL
	UpstreamCA, UpstreamCert, UpstreamKey string // ssl.ca.location, ssl.certificate.location, ssl.key.location

	RegistryURL                           string // schema.registry.url
	RegistryUserInfo                      string // basic.auth.user.info: user:password
	RegistryToken                         string // bearer.auth.token
	RegistryCA, RegistryCert, RegistryKey string // schema.registry.ssl.ca.location, .certificate.location, .key.location

	CacheSize   int           // schema.cache.size: answers kept (10,000)
	CacheTTL    time.Duration // schema.cache.ttl.ms: how long a found schema is trusted (30 s)
	NegativeTTL time.Duration // schema.cache.negative.ttl.ms: how long an unknown id stays unknown (2 s)
	ReloadEach  time.Duration // topics.reload.interval.ms: how often the file is looked at for topic settings (10 s; 0 never)

	Props map[string]string
	Order []string // the properties' keys in file order
}

// readConfig reads the properties file at path.
func readConfig(path string) (*config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	props, order, err := parseProps(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	c := &config{Props: props, Order: order, Listen: "127.0.0.1:9192", CacheSize: 10_000,
		CacheTTL: 30 * time.Second, NegativeTTL: 2 * time.Second, ReloadEach: 10 * time.Second}
	var errs []error
	str := func(name string, dst *string) {
		if v, ok := props[name]; ok {
			*dst = strings.TrimSpace(v)
		}
	}
	num := func(name string, dst *int) {
		if v, ok := props[name]; ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < 0 {
				errs = append(errs, fmt.Errorf("%s: %q is not an integer from 0", name, v))
			}
			*dst = n
		}
	}
	ms := func(name string, dst *time.Duration) {
		n := -1
		num(name, &n)
		if n >= 0 {
			*dst = time.Duration(n) * time.Millisecond
		}
	}
	str("proxy.listen", &c.Listen)
	str("proxy.advertised.host", &c.AdvertisedHost)
	num("proxy.broker.port.base", &c.BrokerPortBase)
	str("metrics.listen", &c.MetricsListen)
	str("proxy.ssl.certificate.location", &c.ListenerCert)
	str("proxy.ssl.key.location", &c.ListenerKey)
	str("proxy.ssl.ca.location", &c.ListenerCA)
	var servers, protocol string
	str("bootstrap.servers", &servers)
	for _, s := range strings.Split(servers, ",") {
		if s = strings.TrimSpace(s); s != "" {
			c.Upstream = append(c.Upstream, s)
		}
	}
	if len(c.Upstream) == 0 {
		errs = append(errs, errors.New("bootstrap.servers: no broker given"))
	}
	str("security.protocol", &protocol)
	switch strings.ToUpper(protocol) {
	case "", "PLAINTEXT", "SASL_PLAINTEXT":
	case "SSL", "SASL_SSL":
		c.UpstreamTLS = true
	default:
		errs = append(errs, fmt.Errorf("security.protocol: %q is not PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL", protocol))
	}
	str("ssl.ca.location", &c.UpstreamCA)
	str("ssl.certificate.location", &c.UpstreamCert)
	str("ssl.key.location", &c.UpstreamKey)
	str("schema.registry.url", &c.RegistryURL)
	if c.RegistryURL == "" {
		errs = append(errs, errors.New("schema.registry.url: not given"))
	}
	str("basic.auth.user.info", &c.RegistryUserInfo)
	str("bearer.auth.token", &c.RegistryToken)
	str("schema.registry.ssl.ca.location", &c.RegistryCA)
	str("schema.registry.ssl.certificate.location", &c.RegistryCert)
	str("schema.registry.ssl.key.location", &c.RegistryKey)
	num("schema.cache.size", &c.CacheSize)
	ms("schema.cache.ttl.ms", &c.CacheTTL)
	ms("schema.cache.negative.ttl.ms", &c.NegativeTTL)
	ms("topics.reload.interval.ms", &c.ReloadEach)
	if _, err := proxy.ParseTopics(props, order); err != nil {
		errs = append(errs, err)
	}
	return c, errors.Join(errs...)
}

// parseProps reads a properties file: its values by key and its keys in
// file order.
func parseProps(data []byte) (map[string]string, []string, error) {
	entries, err := javaprops.Parse(data)
	if err != nil {
		return nil, nil, err
	}
	props := map[string]string{}
	var order []string
	for _, e := range entries {
		if _, dup := props[e.Key]; !dup {
			order = append(order, e.Key)
		}
		props[e.Key] = e.Value
	}
	return props, order, nil
}

// loadTopics reads the topic settings of a properties file's content.
func loadTopics(contents [][]byte) (*proxy.Topics, error) {
	props, order, err := parseProps(contents[0])
	if err != nil {
		return nil, err
	}
	return proxy.ParseTopics(props, order)
}

// clientTLS is the TLS of a client connection: the CAs to trust (the
// system's when none) and the certificate to present, if any.
func clientTLS(caFile, certFile, keyFile string) (*tls.Config, error) {
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, err
		}
		c.RootCAs = x509.NewCertPool()
		if !c.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s holds no PEM certificate", caFile)
		}
	}
	if certFile != "" || keyFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, err
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return c, nil
}
