// Command sr-proxy runs a Kafka protocol proxy that refuses produced
// records failing schema validation (Confluent Server's
// confluent.value.schema.validation, for Apache Kafka). Its only argument
// is its properties file; see config.go for the properties.
package main

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/avro"
	"github.com/schemaregistry/registry/formats/jsonschema"
	"github.com/schemaregistry/registry/formats/protobuf"
	"github.com/schemaregistry/registry/hook"
	"github.com/schemaregistry/registry/internal/reload"
	"github.com/schemaregistry/registry/internal/tlsconfig"
	"github.com/schemaregistry/registry/proxy"
)

func main() {
	if len(os.Args) != 2 || strings.HasPrefix(os.Args[1], "-") {
		fmt.Fprintln(os.Stderr, "usage: sr-proxy <proxy.properties>")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "sr-proxy:", err)
		os.Exit(1)
	}
}

func run(path string) error {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	cfg, err := readConfig(path)
	if err != nil {
		return err
	}
	topics, err := reload.New("topic settings of "+path, []string{path}, cfg.ReloadEach, loadTopics, log)
	if err != nil {
		return err
	}
	source, err := registrySource(cfg)
	if err != nil {
		return err
	}
	pc := proxy.Config{
		Listen:         cfg.Listen,
		AdvertisedHost: cfg.AdvertisedHost,
		BrokerPortBase: cfg.BrokerPortBase,
		Upstream:       cfg.Upstream,
		Topics:         topics.Get,
		Validator:      hook.NewFrom(source, cfg.CacheSize),
		Metrics:        proxy.NewMetrics(),
		Logger:         log,
	}
	if cfg.ListenerCert != "" {
		s := tlsconfig.Settings{CertFile: cfg.ListenerCert, KeyFile: cfg.ListenerKey, CAFile: cfg.ListenerCA, Logger: log}
		if cfg.ListenerCA != "" {
			s.ClientAuth = tls.RequireAndVerifyClientCert
		}
		srv, err := tlsconfig.New(s)
		if err != nil {
			return err
		}
		pc.ListenerTLS = srv.Config()
		pc.ListenerTLS.NextProtos = nil
	}
	if cfg.UpstreamTLS {
		if pc.UpstreamTLS, err = clientTLS(cfg.UpstreamCA, cfg.UpstreamCert, cfg.UpstreamKey); err != nil {
			return fmt.Errorf("upstream TLS: %w", err)
		}
	}
	p, err := proxy.New(pc)
	if err != nil {
		return err
	}
	log.Info("listening", "addr", p.Addr(), "brokers", strings.Join(cfg.Upstream, ","), "registry", cfg.RegistryURL)
	if cfg.MetricsListen != "" {
		ln, err := net.Listen("tcp", cfg.MetricsListen)
		if err != nil {
			return fmt.Errorf("metrics listener: %w", err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", pc.Metrics.Handler())
		log.Info("metrics", "url", "http://"+ln.Addr().String()+"/metrics")
		go func() { _ = http.Serve(ln, mux) }()
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-sig
		log.Info("stopping")
		p.Close()
	}()
	return p.Serve()
}

// registrySource reads the registry's REST API with the configured
// credentials and TLS.
func registrySource(cfg *config) (*proxy.RemoteSource, error) {
	rc := proxy.RegistryClient{URL: cfg.RegistryURL, Token: cfg.RegistryToken}
	if cfg.RegistryUserInfo != "" {
		user, pass, ok := strings.Cut(cfg.RegistryUserInfo, ":")
		if !ok {
			return nil, errors.New("basic.auth.user.info: not user:password")
		}
		rc.User, rc.Password = user, pass
	}
	if strings.HasPrefix(cfg.RegistryURL, "https:") {
		tc, err := clientTLS(cfg.RegistryCA, cfg.RegistryCert, cfg.RegistryKey)
		if err != nil {
			return nil, fmt.Errorf("registry TLS: %w", err)
		}
		rc.HTTPClient = &http.Client{Transport: &http.Transport{TLSClientConfig: tc}, Timeout: 10 * time.Second}
	}
	fs := []formats.Format{avro.Format{}, protobuf.Format{}, jsonschema.Format{}}
	return proxy.NewRemoteSource(rc, fs, cfg.CacheSize, cfg.CacheTTL, cfg.NegativeTTL), nil
}
