package api

import (
	"bufio"
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/avro"
	"github.com/schemaregistry/registry/store"
)

// parseMetrics reads the text format into series -> value, the series as
// printed ("name{labels}", labels sorted).
func parseMetrics(t *testing.T, text string) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

func TestMetrics(t *testing.T) {
	reg, err := store.Open(store.NewMemoryLog(), []formats.Format{avro.Format{}}, store.Settings{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	lead := &switchLeader{self: true}
	h := New(Options{Registry: reg, Leadership: lead, Version: "1.2.3", Commit: "abc",
		LogEnd: func(context.Context) (int64, error) { return 10, nil }})
	get := func() map[string]float64 {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
		if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/plain") {
			t.Fatalf("GET /metrics: %d %s", w.Code, w.Header().Get("Content-Type"))
		}
		return parseMetrics(t, w.Body.String())
	}
	before := get()
	for _, series := range []string{"schema_registry_subjects", "go_goroutines", "process_resident_memory_bytes",
		`schema_registry_info{commit="abc",version="1.2.3"}`} {
		if _, ok := before[series]; !ok {
			t.Errorf("no %s", series)
		}
	}
	if before["schema_registry_primary"] != 1 {
		t.Errorf("primary = %v, want 1", before["schema_registry_primary"])
	}

	rec := func(fields string) string {
		return `{"schema":"{\"type\":\"record\",\"name\":\"R\",\"fields\":[` + fields + `]}"}`
	}
	call(h, "POST", "/subjects/a/versions", rec(`{\"name\":\"f\",\"type\":\"int\"}`), "", "")
	call(h, "POST", "/subjects/a/versions", rec(`{\"name\":\"g\",\"type\":\"int\"}`), "", "") // 409
	call(h, "POST", "/compatibility/subjects/a/versions/latest", rec(`{\"name\":\"f\",\"type\":\"int\"}`), "", "")
	// The same checks again, answered from the cache, still count.
	call(h, "POST", "/compatibility/subjects/a/versions/latest", rec(`{\"name\":\"f\",\"type\":\"int\"}`), "", "")
	call(h, "POST", "/compatibility/subjects/a/versions/latest", rec(`{\"name\":\"g\",\"type\":\"int\"}`), "", "")
	call(h, "POST", "/compatibility/subjects/a/versions/latest", rec(`{\"name\":\"g\",\"type\":\"int\"}`), "", "")
	call(h, "POST", "/compatibility/subjects/nope/versions", rec(`{\"name\":\"g\",\"type\":\"int\"}`), "", "") // no versions: no check
	call(h, "POST", "/compatibility/subjects/nope/versions", rec(`{\"name\":\"g\",\"type\":\"int\"}`), "", "")
	call(h, "GET", "/subjects/a/versions/1", "", "", "")
	call(h, "GET", "/subjects/a/versions/1", "", "", "")
	call(h, "GET", "/subjects/nope/versions/1", "", "", "")
	call(h, "GET", "/no/such/path", "", "", "")
	lead.self = false

	after := get()
	for series, delta := range map[string]float64{
		`schema_registry_http_requests_total{code="200",method="POST",route="/subjects/{subject}/versions"}`:               1,
		`schema_registry_http_requests_total{code="409",method="POST",route="/subjects/{subject}/versions"}`:               1,
		`schema_registry_http_requests_total{code="200",method="GET",route="/subjects/{subject}/versions/{version}"}`:      2,
		`schema_registry_http_requests_total{code="404",method="GET",route="/subjects/{subject}/versions/{version}"}`:      1,
		`schema_registry_http_requests_total{code="404",method="GET",route="unmatched"}`:                                   1,
		`schema_registry_http_request_duration_seconds_count{method="GET",route="/subjects/{subject}/versions/{version}"}`: 3,
		`schema_registry_compatibility_checks_total`:                                                                       5,
		`schema_registry_compatibility_failures_total`:                                                                     3,
		`schema_registry_subjects`:   1,
		`schema_registry_versions`:   1,
		`schema_registry_schemas`:    1,
		`schema_registry_log_offset`: 1,
	} {
		if got := after[series] - before[series]; got != delta {
			t.Errorf("%s moved by %v, want %v", series, got, delta)
		}
	}
	for series := range after {
		if strings.Contains(series, `route="/subjects/a`) || strings.Contains(series, "nope") {
			t.Errorf("a raw path is a label: %s", series)
		}
	}
	if after["schema_registry_primary"] != 0 {
		t.Errorf("primary = %v after losing it, want 0", after["schema_registry_primary"])
	}
	if got := after["schema_registry_log_lag"]; got != 9 { // end 10, applied offset 0
		t.Errorf("log lag = %v, want 9", got)
	}
}

func TestMetricsLagUnknown(t *testing.T) {
	reg, _ := store.Open(store.NewMemoryLog(), []formats.Format{avro.Format{}}, store.Settings{}, slog.New(slog.DiscardHandler))
	h := New(Options{Registry: reg, Logger: slog.New(slog.DiscardHandler),
		LogEnd: func(context.Context) (int64, error) { return 0, errors.New("broker down") }})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	m := parseMetrics(t, w.Body.String())
	if _, ok := m["schema_registry_log_lag"]; ok || w.Code != 200 {
		t.Errorf("with the log end unknown: %d, lag %v; want 200 without the lag", w.Code, m["schema_registry_log_lag"])
	}
}

// switchLeader is a Leadership whose primary the test moves.
type switchLeader struct{ self bool }

func (l *switchLeader) Primary() (string, bool, bool) { return "http://primary", l.self, true }

// Checks against many more distinct schemas than schema.cache.size
// keep at most that many parsed, as /metrics shows, and the answers right
// after the parses checked against were dropped.
func TestMetricsParsedSchemasBounded(t *testing.T) {
	const bound, n = 10, 120
	reg, err := store.Open(store.NewMemoryLog(), []formats.Format{avro.Format{}}, store.Settings{MaxParsedSchemas: bound}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	h := New(Options{Registry: reg})
	metrics := func() map[string]float64 {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
		return parseMetrics(t, w.Body.String())
	}
	// Subject i holds R_i{f}; R_i{f, g with default d} is a compatible
	// candidate, a new text for each d.
	rec := func(i int, g string) string {
		fields := `{\"name\":\"f\",\"type\":\"int\"}`
		if g != "" {
			fields += `,{\"name\":\"g\",\"type\":\"int\",\"default\":` + g + `}`
		}
		return `{"schema":"{\"type\":\"record\",\"name\":\"R` + strconv.Itoa(i) + `\",\"fields\":[` + fields + `]}"}`
	}
	for i := range n {
		if w := call(h, "POST", "/subjects/s"+strconv.Itoa(i)+"/versions", rec(i, ""), "", ""); w.Code != 200 {
			t.Fatalf("register %d: %d %s", i, w.Code, w.Body)
		}
	}
	check := func(i int, g string) {
		t.Helper()
		w := call(h, "POST", "/compatibility/subjects/s"+strconv.Itoa(i)+"/versions/latest", rec(i, g), "", "")
		if w.Code != 200 || !strings.Contains(w.Body.String(), `"is_compatible":true`) {
			t.Fatalf("check %d: %d %s", i, w.Code, w.Body)
		}
	}
	for i := range n {
		check(i, "0")
		if m := metrics(); m["schema_registry_parsed_schemas"] > bound {
			t.Fatalf("after %d distinct schemas checked against: schema_registry_parsed_schemas %v, bound %d", i+1, m["schema_registry_parsed_schemas"], bound)
		}
	}
	m := metrics()
	if m["schema_registry_parsed_schemas"] != bound || m["schema_registry_schema_parses_total"] != n ||
		m["schema_registry_parsed_schema_evictions_total"] != n-bound || m["schema_registry_parsed_schemas_bytes"] <= 0 {
		t.Errorf("after %d: parsed %v (%v bytes), parses %v, evictions %v; want %d, >0, %d, %d", n,
			m["schema_registry_parsed_schemas"], m["schema_registry_parsed_schemas_bytes"], m["schema_registry_schema_parses_total"],
			m["schema_registry_parsed_schema_evictions_total"], bound, n, n-bound)
	}
	// The first ones again, with new candidates (not answered from a
	// cache): their parses were dropped, and are made again.
	for i := range bound {
		check(i, "1")
	}
	if m2 := metrics(); m2["schema_registry_schema_parses_total"] != n+bound || m2["schema_registry_parsed_schemas"] != bound {
		t.Errorf("after the first %d again: parses %v, held %v; want %d, %d", bound, m2["schema_registry_schema_parses_total"], m2["schema_registry_parsed_schemas"], n+bound, bound)
	}
}
