//go:build pprof

package main

// Built with -tags pprof, the server also serves net/http/pprof on
// SR_PPROF_ADDR (default 127.0.0.1:6060) for profiling under load:
//
//	go build -tags pprof -o /tmp/sr ./cmd/schema-registry
//	go tool pprof -seconds 5 http://127.0.0.1:6060/debug/pprof/profile

import (
	"log/slog"
	"net/http"
	_ "net/http/pprof"
	"os"
)

func init() {
	addr := os.Getenv("SR_PPROF_ADDR")
	if addr == "" {
		addr = "127.0.0.1:6060"
	}
	go func() {
		if err := http.ListenAndServe(addr, nil); err != nil {
			slog.Error("pprof listener", "err", err)
		}
	}()
}
