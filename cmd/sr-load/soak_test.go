package main

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	registryapi "github.com/schemaregistry/registry/api"
	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/avro"
	"github.com/schemaregistry/registry/store"
)

// A short soak against a registry served in this process (whose RSS is
// this process's): every kind of request is sent and answered right, the
// curve is printed, and a verdict.
func TestSoakAgainstRegistry(t *testing.T) {
	reg, err := store.Open(store.NewMemoryLog(), []formats.Format{avro.Format{}}, store.Settings{MaxParsedSchemas: 10}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(registryapi.New(registryapi.Options{Registry: reg, Logger: slog.New(slog.DiscardHandler)}))
	defer srv.Close()
	cfg := soakConfig{client: newHTTPClient(30), clients: 4, duration: 2 * time.Second, warmup: 500 * time.Millisecond,
		every: 250 * time.Millisecond, subjects: 30, versions: 3, hot: 5, rate: 2000, newRate: 20, maxGrowth: 1e9, pid: os.Getpid()}
	var out strings.Builder
	if err := runSoak(context.Background(), &out, cfg, srv.URL); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	t.Log("\n" + out.String())
	text := out.String()
	for _, want := range []string{"prepared 90 schemas (30 subjects × 3 versions)", "RSS MiB", "verdict: FLAT: RSS", "walk: "} {
		if !strings.Contains(text, want) {
			t.Errorf("no %q in the output", want)
		}
	}
	for _, op := range soakOpNames {
		if !strings.Contains(text, "\n"+op+" ") {
			t.Errorf("no %s row", op)
		}
	}
	if st := reg.ParsedStats(); st.Held > 10 || st.Parses <= 10 {
		t.Errorf("parsed stats %+v: the walk should have gone past the bound of 10", st)
	}
}

func TestSoakVerdict(t *testing.T) {
	samples := func(rss ...int64) []soakSample {
		var out []soakSample
		for i, r := range rss {
			out = append(out, soakSample{at: time.Duration(i) * time.Minute, rss: r << 20})
		}
		return out
	}
	flat := soakVerdict(samples(50, 200, 205, 198, 210), 90*time.Second, 10)
	if flat.growing || !strings.HasPrefix(flat.text, "FLAT: RSS 205.0 MiB after the warm-up (2:00), 210.0 MiB at the end (4:00): +5.0 MiB (+2.4%") {
		t.Errorf("flat: %+v", flat)
	}
	growing := soakVerdict(samples(50, 200, 300, 400), time.Minute, 10)
	if !growing.growing || !strings.Contains(growing.text, "+200.0 MiB (+100.0%") || !strings.Contains(growing.text, "trend +6000.0 MiB/hour") {
		t.Errorf("growing: %+v", growing)
	}
	if v := soakVerdict(samples(50, 60), 5*time.Minute, 10); v.growing || !strings.HasPrefix(v.text, "too few samples") {
		t.Errorf("too short: %+v", v)
	}
}
