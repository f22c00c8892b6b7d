// Command schema-registry runs the schema registry: a drop-in replacement of
// the Confluent Schema Registry. Its only argument is an optional properties
// file; every property can also come from a SCHEMA_REGISTRY_* variable.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/schemaregistry/registry/api"
	"github.com/schemaregistry/registry/dek"
	"github.com/schemaregistry/registry/exporter"
	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/avro"
	"github.com/schemaregistry/registry/formats/jsonschema"
	"github.com/schemaregistry/registry/formats/protobuf"
	"github.com/schemaregistry/registry/store"
	"github.com/schemaregistry/registry/store/file"
	"github.com/schemaregistry/registry/store/kafka"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

func main() {
	if err := run(os.Args[1:], os.Environ()); err != nil {
		if errors.Is(err, errHelp) {
			writeUsage(os.Stdout)
			return
		}
		fmt.Fprintln(os.Stderr, "schema-registry:", err)
		os.Exit(1)
	}
}

func newLogger(level, format string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: l}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}

func run(args, environ []string) error {
	cfg, err := loadConfig(args, environ, slog.New(slog.NewTextHandler(os.Stderr, nil)))
	if err != nil {
		return err
	}
	logger := newLogger(cfg.LogLevel, cfg.LogFormat)
	slog.SetDefault(logger)

	start := time.Now()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	settings := store.Settings{
		CompatibilityLevel: cfg.CompatibilityLevel,
		ModeMutability:     cfg.ModeMutability,
		ValidateNewSchemas: cfg.ValidateNewSchemas,
		ValidateFields:     cfg.ValidateFields,
		RejectEmptySubject: cfg.RejectEmptySubject,
		SchemaSearch:       cfg.SchemaSearch,
		SubjectSearch:      cfg.SubjectSearch,
		VersionSearch:      cfg.VersionSearch,
		ContextSearch:      cfg.ContextSearch,
		MaxSchemaBytes:     cfg.SchemaMaxBytes,
		MaxSchemaDepth:     cfg.SchemaMaxDepth,
		MaxParsedSchemas:   cfg.ParsedCacheSize,
		MaxParsedBytes:     cfg.ParsedCacheMaxBytes,
	}
	ks, kafkaOn, err := kafkaMode(cfg)
	if err != nil {
		return err
	}
	// Certificates and users are read before the log is replayed: a
	// mistake there stops start-up at once.
	sec, err := newSecurity(ctx, cfg, logger)
	if err != nil {
		return err
	}
	validation, err := hookSettings(cfg.Raw)
	if err != nil {
		return err
	}
	var (
		log        store.Log
		clusterID  = "embedded"
		leadership *primary
		klog       *kafka.Log
	)
	if kafkaOn {
		ks.log.Logger = logger
		if klog, err = kafka.New(ks.log); err != nil {
			return fmt.Errorf("kafkastore.bootstrap.servers: %w", err)
		}
		log = klog
	} else {
		if log, err = file.New(cfg.DataDir, file.Options{Logger: logger}); err != nil {
			return fmt.Errorf("opening the embedded log in %s: %w", cfg.DataDir, err)
		}
	}
	liftMemoryLimit := replayMemoryLimit()
	reg, err := store.Open(log, schemaFormats(), settings, logger)
	liftMemoryLimit()
	if err != nil {
		return fmt.Errorf("replaying the schema log: %w", err)
	}
	defer reg.Close()
	paceDone := make(chan struct{})
	defer close(paceDone)
	go servingGCPace(paceDone)
	// The DEK registry, on a log of its own: the dek.registry.topic
	// (_dek_registry_keys) in Kafka mode, a file log beside the schemas'.
	// A log it cannot open leaves it off, and schemas are served anyway.
	deks, err := openDekRegistry(cfg, kafkaOn, ks, logger)
	if err != nil {
		logger.Error("the DEK registry is off: its log could not be opened", "err", err)
	}
	if deks != nil {
		defer deks.Close()
	}
	// The exporters, on two logs of their own (Confluent's
	// _exporter_configs and _exporter_states; embedded, file logs beside
	// the schemas'). As the DEK registry, a log it cannot open leaves them
	// off.
	exporters, err := openExporters(cfg, kafkaOn, ks, logger)
	if err != nil {
		logger.Error("the exporters are off: their logs could not be opened", "err", err)
	}
	if exporters != nil {
		defer exporters.Close()
	}
	// The replay's garbage (decoded records) is gone: give the memory back
	// now rather than at the next GC cycles, so RSS follows the live data.
	debug.FreeOSMemory()
	stats := reg.Stats()
	logger.Info("registry ready", "subjects", stats.Subjects, "versions", stats.Versions, "schemas", stats.Schemas,
		"elapsed", time.Since(start).Round(time.Millisecond))

	// The listeners open only now, after the replay: until then
	// connections are refused, which is what readiness probes see.
	var listeners []net.Listener
	for _, l := range cfg.Listeners {
		ln, err := net.Listen("tcp", l.Addr())
		if err != nil {
			return fmt.Errorf("listeners: %w", err)
		}
		// The bound address: with port 0 the only place it is told.
		logger.Info("listening", "url", fmt.Sprintf("%s://%s", l.Scheme, ln.Addr()))
		if l.Scheme == "https" {
			ln = tls.NewListener(ln, sec.tls.Config())
		}
		listeners = append(listeners, ln)
	}

	startElector, stopElector := func() {}, func() {}
	if kafkaOn {
		clusterID = klog.ClusterID()
	}
	// The exporters run on the primary only: at once on a single node,
	// else when the elector says this node is the primary.
	var runner *exporter.Runner
	if exporters != nil {
		runner = exporter.NewRunner(exporter.RunnerOptions{Source: reg, Exporters: exporters, AutoContext: "." + clusterID, Logger: logger})
		defer runner.Stop()
		if !kafkaOn {
			runner.Start()
		}
	}
	if kafkaOn {
		if ks.advertiseBound >= 0 {
			ks.identity.Port = listeners[ks.advertiseBound].Addr().(*net.TCPAddr).Port
		}
		leadership = &primary{self: ks.identity.URL()}
		elector := kafka.NewElector(kafka.ElectorConfig{
			Client: klog.Client(), GroupID: ks.groupID, Identity: ks.identity, Sticky: ks.sticky,
			SessionTimeout: ks.sessionTimeout, HeartbeatInterval: ks.heartbeat, RebalanceTimeout: ks.rebalanceTimeout,
			Logger: logger,
			OnChange: func(leader *kafka.Identity) {
				if leader == nil {
					leadership.url.Store(nil)
					reg.Depose() // writes waiting here answer 50004 now
					if runner != nil {
						runner.Stop()
					}
					logger.Warn("no primary known: writes are refused with 50004 until one is elected")
					return
				}
				url := leader.URL()
				leadership.url.Store(&url) // before Depose: a write arriving after it is forwarded
				if url == leadership.self {
					reg.MarkStale() // catch up with the log before the first write
					if runner != nil {
						runner.Start()
					}
				} else {
					reg.Depose()
					if runner != nil {
						runner.Stop()
					}
				}
				logger.Info("primary elected", "primary", url, "self", url == leadership.self)
			},
		})
		// The elector starts once the listeners serve: the others may
		// forward writes to this node as soon as it is elected.
		startElector = func() {
			electorDone := make(chan struct{})
			go func() { elector.Run(ctx); close(electorDone) }()
			stopElector = func() { stop(); <-electorDone }
		}
	}

	opts := api.Options{Registry: reg, Logger: logger, MaxBodyBytes: cfg.RequestMaxBytes, MaxDepth: cfg.SchemaMaxDepth,
		Version: version, Commit: commit(), ClusterID: clusterID, GroupID: cfg.GroupID,
		Auth: sec.auth, ForwardClient: sec.forwardClient(), Validation: validation, Dek: deks,
		Exporters:      exporters,
		NoAssociations: !cfg.AssociationsEnable}
	if cfg.UIEnable {
		opts.ConsolePath = cfg.UIPath
	}
	if leadership != nil {
		opts.Leadership = leadership
	}
	if runner != nil {
		opts.ExporterMetrics = runner
	}
	if kafkaOn {
		opts.LogEnd = logEnd(klog, ks.log.Topic)
		// A write answers within the store's timeout and a second for the
		// lock and the catch-up; a follower waits that and 500 ms more.
		opts.WriteTimeout = ks.log.Timeout + time.Second
	}
	handler := api.New(opts)
	errc := make(chan error, len(listeners))
	var servers []*http.Server
	for _, ln := range listeners {
		srv := &http.Server{Handler: handler, ReadHeaderTimeout: cfg.RequestHeaderTimeout, ReadTimeout: cfg.RequestReadTimeout,
			IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelDebug)}
		servers = append(servers, srv)
		go func() { errc <- srv.Serve(ln) }()
	}
	startElector()
	defer stopElector()
	select {
	case <-ctx.Done():
		logger.Info("shutting down: no new connections; waiting for the requests in flight", "timeout", cfg.ShutdownTimeout)
	case err := <-errc:
		return err
	}
	// Shutdown closes the listeners at once, then waits for every request
	// in flight to be answered (or the timeout).
	shutdown, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	var wg sync.WaitGroup
	for _, srv := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := srv.Shutdown(shutdown); err != nil {
				logger.Warn("requests still in flight at the end of shutdown.timeout.ms were cut", "err", err)
				srv.Close()
			}
		}()
	}
	wg.Wait()
	logger.Info("shut down")
	return nil
}

// schemaFormats are the schema types this build serves.
func schemaFormats() []formats.Format {
	return []formats.Format{avro.Format{}, protobuf.Format{}, jsonschema.Format{}}
}

// primary is the elected primary as the API asks for it.
type primary struct {
	self string
	url  atomic.Pointer[string]
}

func (p *primary) Primary() (url string, self, known bool) {
	u := p.url.Load()
	if u == nil {
		return "", false, false
	}
	return *u, *u == p.self, true
}

func commit() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" {
				return s.Value
			}
		}
	}
	return "unknown"
}

// openDekRegistry opens the DEK registry on its log; nil when
// dek.registry.enable is false.
func openDekRegistry(cfg *Config, kafkaOn bool, ks kafkaSettings, logger *slog.Logger) (*dek.Registry, error) {
	if !cfg.DekEnable {
		return nil, nil
	}
	var log store.Log
	var err error
	if kafkaOn {
		dc := ks.log
		dc.Topic = cfg.DekTopic
		if log, err = kafka.New(dc); err != nil {
			return nil, fmt.Errorf("dek.registry.topic %s: %w", cfg.DekTopic, err)
		}
	} else if log, err = file.New(filepath.Join(cfg.DataDir, "dek-registry"), file.Options{Logger: logger}); err != nil {
		return nil, err
	}
	return dek.Open(log, cfg.DekMaxKeys, logger)
}

// openExporters opens the exporters' definitions and states on their logs;
// nil when exporters.enable is false.
func openExporters(cfg *Config, kafkaOn bool, ks kafkaSettings, logger *slog.Logger) (*exporter.Registry, error) {
	if !cfg.ExportersEnable {
		return nil, nil
	}
	open := func(topic, dir string) (store.Log, error) {
		if kafkaOn {
			c := ks.log
			c.Topic = topic
			l, err := kafka.New(c)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", topic, err)
			}
			return l, nil
		}
		return file.New(filepath.Join(cfg.DataDir, dir), file.Options{Logger: logger})
	}
	configs, err := open(cfg.ExporterConfigTopic, "exporter-configs")
	if err != nil {
		return nil, err
	}
	states, err := open(cfg.ExporterStateTopic, "exporter-states")
	if err != nil {
		configs.Close()
		return nil, err
	}
	return exporter.Open(configs, states, exporter.Options{PasswordSecret: cfg.PasswordSecret, Logger: logger})
}
