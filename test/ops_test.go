package test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/schemaregistry/registry/internal/testwait"
)

// scrapeMetrics reads GET /metrics into series -> value.
func scrapeMetrics(t *testing.T, base string) map[string]float64 {
	t.Helper()
	code, body := get(t, base+"/metrics")
	if code != 200 {
		t.Fatalf("GET /metrics: %d", code)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
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

// TestMetricsMoveWithRequests scrapes the binary's /metrics before and
// after some requests.
func TestMetricsMoveWithRequests(t *testing.T) {
	n := start(t, t.TempDir())
	before := scrapeMetrics(t, n.URL)
	const ct = "application/vnd.schemaregistry.v1+json"
	record := func(field string) string {
		return `{"schema":"{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"` + field + `\",\"type\":\"int\"}]}"}`
	}
	for _, r := range []struct{ path, body string }{
		{"/subjects/m-value/versions", record("a")},
		{"/subjects/m-value/versions", record("b")}, // 409: incompatible
		{"/compatibility/subjects/m-value/versions/latest", record("a")},
	} {
		if _, _, err := post(n.URL+r.path, ct, r.body); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		get(t, n.URL+"/subjects/m-value/versions/1")
	}
	after := scrapeMetrics(t, n.URL)
	for series, delta := range map[string]float64{
		`schema_registry_http_requests_total{code="200",method="POST",route="/subjects/{subject}/versions"}`:               1,
		`schema_registry_http_requests_total{code="409",method="POST",route="/subjects/{subject}/versions"}`:               1,
		`schema_registry_http_requests_total{code="200",method="GET",route="/subjects/{subject}/versions/{version}"}`:      3,
		`schema_registry_http_request_duration_seconds_count{method="GET",route="/subjects/{subject}/versions/{version}"}`: 3,
		`schema_registry_http_requests_total{code="200",method="GET",route="/metrics"}`:                                    1,
		`schema_registry_compatibility_checks_total`:                                                                       2,
		`schema_registry_compatibility_failures_total`:                                                                     1,
		`schema_registry_subjects`:   1,
		`schema_registry_versions`:   1,
		`schema_registry_schemas`:    1,
		`schema_registry_log_offset`: 1,
	} {
		if got := after[series] - before[series]; got != delta {
			t.Errorf("%s moved by %v, want %v", series, got, delta)
		}
	}
	for _, series := range []string{"schema_registry_primary", "schema_registry_log_lag", "go_goroutines", "go_memstats_heap_alloc_bytes", "process_open_fds"} {
		if _, ok := after[series]; !ok {
			t.Errorf("no %s", series)
		}
	}
	if after["schema_registry_primary"] != 1 || after["schema_registry_log_lag"] != 0 {
		t.Errorf("a single node: primary %v, lag %v; want 1 and 0", after["schema_registry_primary"], after["schema_registry_log_lag"])
	}
}

// TestNotReadyUntilReplayed fills an embedded log, starts the binary and
// knocks on its port while it replays: connections are refused until the
// log is replayed, and the first answer is a ready node with every record.
func TestNotReadyUntilReplayed(t *testing.T) {
	const records = 20_000
	dir := t.TempDir()
	writeEmbeddedLog(t, dir, records, startupRecord)

	// The test knocks on the port before the registry binds it, so it
	// cannot let the registry pick one (port 0): it takes a free one, which
	// another process may take before the registry binds it. The
	// registry's log tells: then it tries another port.
	var (
		n       *node
		refused int
	)
	for attempt := 1; n == nil; attempt++ {
		addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
		try := launch(t, nil, srEnv("LISTENERS", "http://"+addr), srEnv("DATA_DIR", dir))
		refused = 0
		testwait.UntilDetail(t, time.Minute, "a listener on "+addr, func() (bool, string) {
			conn, err := net.DialTimeout("tcp", addr, time.Second)
			if err == nil {
				conn.Close()
				return true, ""
			}
			refused++
			logs := try.Logs()
			return strings.Contains(logs, fatalLine), logs
		})
		url, ok := try.listening(t)
		switch {
		case !ok && attempt < 3 && strings.Contains(try.Logs(), "address already in use"):
			t.Logf("port %s was taken before the registry bound it; another one", addr)
			try.kill()
		case !ok:
			t.Fatalf("registry did not start:\n%s", try.Logs())
		case url != "http://"+addr:
			t.Fatalf("the registry listens on %s, not on %s", url, addr)
		default:
			try.URL, n = url, try
		}
	}
	code, body := get(t, n.URL+"/health/ready")
	if code != 200 {
		t.Fatalf("first answer of /health/ready: %d %s, want 200", code, body)
	}
	code, body = get(t, fmt.Sprintf("%s/schemas/ids/%d", n.URL, records))
	if code != 200 {
		t.Fatalf("the last record is not served by the first answer: %d %.200s", code, body)
	}
	if refused == 0 {
		t.Error("no connection was refused while the log was replayed")
	}
	if !strings.Contains(n.Logs(), "registry ready") {
		t.Errorf("no \"registry ready\" log line:\n%s", n.Logs())
	}
	t.Logf("%d connection attempts refused during the replay of %d records", refused, records)
}

// freePort returns a port of 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestGracefulShutdown sends SIGTERM while a request is in flight: new
// connections are refused at once, the request is answered, then the
// process exits 0.
func TestGracefulShutdown(t *testing.T) {
	n := start(t, t.TempDir())
	pr, pw := io.Pipe()
	// The server answers "100 Continue" when the handler starts reading the
	// body: then the request is in flight, and SIGTERM can come.
	inFlight := make(chan struct{})
	trace := &httptrace.ClientTrace{Got100Continue: func() { close(inFlight) }}
	req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace),
		"POST", n.URL+"/subjects/in-flight/versions", pr)
	req.Header.Set("Content-Type", "application/vnd.schemaregistry.v1+json")
	req.Header.Set("Expect", "100-continue")
	client := &http.Client{Transport: &http.Transport{ExpectContinueTimeout: time.Minute}} // the body waits for the server's go-ahead
	type result struct {
		code int
		body string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := client.Do(req)
		if err != nil {
			done <- result{err: err}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		done <- result{code: resp.StatusCode, body: string(b)}
	}()
	select {
	case <-inFlight:
	case r := <-done:
		t.Fatalf("answered before the body was sent: %d %s %v", r.code, r.body, r.err)
	case <-time.After(10 * time.Second):
		t.Fatalf("the handler did not start reading the request body:\n%s", n.Logs())
	}
	io.WriteString(pw, `{"schema":`) // half the body

	if err := n.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	n.waitLog(t, "shutting down")
	addr := strings.TrimPrefix(n.URL, "http://")
	testwait.Until(t, 5*time.Second, "new connections are refused once shutting down", func() bool {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			conn.Close()
		}
		return err != nil
	})

	io.WriteString(pw, `"\"string\""}`)
	pw.Close()
	select {
	case r := <-done:
		if r.err != nil || r.code != 200 || !strings.Contains(r.body, `"id":1`) {
			t.Fatalf("the request in flight: %d %s %v, want 200 with its id", r.code, r.body, r.err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the request in flight was not answered")
	}
	exited := make(chan error, 1)
	go func() { exited <- n.cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("exit: %v, want 0\n%s", err, n.Logs())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the process did not exit after the request in flight was answered")
	}
	if !strings.Contains(n.Logs(), "shut down") {
		t.Errorf("no \"shut down\" log line:\n%s", n.Logs())
	}
}

// TestLimitsOfTheBinary sends an oversized body and a deeply nested schema
// to the binary with its default limits: 413 and 42201, and it keeps
// serving.
func TestLimitsOfTheBinary(t *testing.T) {
	n := start(t, t.TempDir())
	const ct = "application/vnd.schemaregistry.v1+json"
	big := `{"schema":"` + strings.Repeat(" ", 5<<20) + `"}`
	code, body, err := post(n.URL+"/subjects/big/versions", ct, big)
	if err != nil || code != 413 || !strings.Contains(body, `"error_code":413`) {
		t.Errorf("a 5 MiB body: %d %.200s %v, want 413", code, body, err)
	}
	deep := `{"schema":"` + strings.Repeat("[", 1<<20) + `"}`
	code, body, err = post(n.URL+"/subjects/deep/versions", ct, deep)
	if err != nil || code != 422 || !strings.Contains(body, `"error_code":42201`) {
		t.Errorf("a schema nested 1M deep: %d %.200s %v, want 42201", code, body, err)
	}
	deepBody := strings.Repeat(`{"a":`, 100_000) + "1" + strings.Repeat("}", 100_000)
	code, body, err = post(n.URL+"/subjects/deep/versions", ct, deepBody)
	if err != nil || code != 422 || !strings.Contains(body, `"error_code":422`) {
		t.Errorf("a body nested 100k deep: %d %.200s %v, want 422", code, body, err)
	}
	if code, _ := get(t, n.URL+"/health/live"); code != 200 {
		t.Errorf("after the limits: /health/live %d", code)
	}
}
