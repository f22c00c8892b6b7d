// Command schema-registry runs the schema registry: a drop-in replacement of
// the Confluent Schema Registry. Its only argument is an optional properties
// file; every property can also come from a SCHEMA_REGISTRY_* variable.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/schemaregistry/registry/api"
	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/avro"
	"github.com/schemaregistry/registry/store"
	"github.com/schemaregistry/registry/store/file"
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
	log, err := file.New(cfg.DataDir, file.Options{Logger: logger})
	if err != nil {
		return fmt.Errorf("opening the embedded log in %s: %w", cfg.DataDir, err)
	}
	reg, err := store.Open(log, []formats.Format{avro.Format{}}, store.Settings{
		CompatibilityLevel: cfg.CompatibilityLevel,
		ModeMutability:     cfg.ModeMutability,
		ValidateNewSchemas: cfg.ValidateNewSchemas,
		ValidateFields:     cfg.ValidateFields,
		RejectEmptySubject: cfg.RejectEmptySubject,
		SearchDefaultLimit: cfg.SearchDefaultLimit,
		SearchMaxLimit:     cfg.SearchMaxLimit,
	}, logger)
	if err != nil {
		return fmt.Errorf("replaying the embedded log in %s: %w", cfg.DataDir, err)
	}
	defer reg.Close()
	stats := reg.Stats()
	logger.Info("registry ready", "data.dir", cfg.DataDir, "subjects", stats.Subjects,
		"versions", stats.Versions, "schemas", stats.Schemas, "elapsed", time.Since(start).Round(time.Millisecond))

	handler := api.New(api.Options{Registry: reg, Logger: logger, MaxBodyBytes: cfg.RequestMaxBytes,
		Version: version, Commit: commit(), ClusterID: "embedded", GroupID: cfg.GroupID})

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, len(cfg.Listeners))
	var servers []*http.Server
	for _, l := range cfg.Listeners {
		if l.Scheme != "http" {
			return fmt.Errorf("listeners: %s://%s: only http listeners are supported for now", l.Scheme, l.Addr())
		}
		ln, err := net.Listen("tcp", l.Addr())
		if err != nil {
			return fmt.Errorf("listeners: %w", err)
		}
		srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
		servers = append(servers, srv)
		logger.Info("listening", "url", fmt.Sprintf("%s://%s", l.Scheme, ln.Addr()))
		go func() { errc <- srv.Serve(ln) }()
	}
	select {
	case <-ctx.Done():
		logger.Info("shutting down")
	case err := <-errc:
		return err
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, srv := range servers {
		_ = srv.Shutdown(shutdown)
	}
	return nil
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
