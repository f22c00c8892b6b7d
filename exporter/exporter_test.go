package exporter_test

import (
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/schemaregistry/registry/api"
	"github.com/schemaregistry/registry/exporter"
	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/avro"
	"github.com/schemaregistry/registry/internal/testwait"
	"github.com/schemaregistry/registry/store"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// node is a registry of this project served over HTTP, with exporters.
type node struct {
	t         *testing.T
	url       string
	reg       *store.Registry
	exporters *exporter.Registry
	runner    *exporter.Runner
	configs   *store.MemoryLog
	states    *store.MemoryLog
	client    *http.Client
	srv       *httptest.Server
}

func newNode(t *testing.T, wrap func(http.Handler) http.Handler) *node {
	t.Helper()
	return startNode(t, wrap, httptest.NewServer)
}

func startNode(t *testing.T, wrap func(http.Handler) http.Handler, serve func(http.Handler) *httptest.Server) *node {
	t.Helper()
	reg, err := store.Open(store.NewMemoryLog(), []formats.Format{avro.Format{}}, store.Settings{ModeMutability: true, CompatibilityLevel: "NONE"}, quiet)
	if err != nil {
		t.Fatal(err)
	}
	n := &node{t: t, reg: reg, configs: store.NewMemoryLog(), states: store.NewMemoryLog()}
	if n.exporters, err = exporter.Open(n.configs, n.states, exporter.Options{PasswordSecret: "s3cret", Logger: quiet}); err != nil {
		t.Fatal(err)
	}
	n.runner = exporter.NewRunner(exporter.RunnerOptions{Source: reg, Exporters: n.exporters, AutoContext: ".src", Logger: quiet})
	var h http.Handler = api.New(api.Options{Registry: reg, Logger: quiet, Exporters: n.exporters, ExporterMetrics: n.runner})
	if wrap != nil {
		h = wrap(h)
	}
	srv := serve(h)
	n.url, n.client, n.srv = srv.URL, srv.Client(), srv
	n.runner.Start()
	t.Cleanup(func() { n.runner.Stop(); srv.Close(); n.exporters.Close(); reg.Close() })
	return n
}

// do sends a request and returns the status and the body.
func (n *node) do(method, path, body string) (int, string) {
	n.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, n.url+path, rd)
	if err != nil {
		n.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/vnd.schemaregistry.v1+json")
	cl := n.client
	if cl == nil {
		cl = http.DefaultClient
	}
	resp, err := cl.Do(req)
	if err != nil {
		n.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// must sends a request that must answer status.
func (n *node) must(method, path, body string, status int) string {
	n.t.Helper()
	got, b := n.do(method, path, body)
	if got != status {
		n.t.Fatalf("%s %s: %d %s, want %d", method, path, got, b, status)
	}
	return b
}

func record(n int) string {
	return fmt.Sprintf(`{"schema":"{\"type\":\"record\",\"name\":\"r%d\",\"fields\":[{\"name\":\"f\",\"type\":\"string\"}]}"}`, n)
}

// register registers a schema on n and returns its id.
func (n *node) register(subject string, i int) int {
	n.t.Helper()
	var out struct{ ID int }
	json.Unmarshal([]byte(n.must("POST", "/subjects/"+subject+"/versions", record(i), 200)), &out)
	return out.ID
}

// version reads a subject-version on n: its id, or 0 when it is absent.
func (n *node) version(subject string, v int, deleted bool) int {
	n.t.Helper()
	code, b := n.do("GET", fmt.Sprintf("/subjects/%s/versions/%d?deleted=%v", subject, v, deleted), "")
	if code != 200 {
		return 0
	}
	var out struct{ ID int }
	json.Unmarshal([]byte(b), &out)
	return out.ID
}

func (n *node) status(name string) exporter.Status {
	n.t.Helper()
	var s exporter.Status
	json.Unmarshal([]byte(n.must("GET", "/exporters/"+name+"/status", "", 200)), &s)
	return s
}

// waitVersion waits until dest serves subject version v with id.
func waitVersion(t *testing.T, dest *node, subject string, v, id int) {
	t.Helper()
	testwait.UntilDetail(t, 20*time.Second, fmt.Sprintf("the destination serves %s version %d with id %d", subject, v, id), func() (bool, string) {
		got := dest.version(subject, v, false)
		return got == id, fmt.Sprintf("id %d", got)
	})
}

func createBody(name, contextType, context, url string, extra string) string {
	return fmt.Sprintf(`{"name":%q,"contextType":%q,"context":%q,"config":{"schema.registry.url":%q}%s}`, name, contextType, context, url, extra)
}

func TestExportKeepsIDsVersionsDeletesAndConfig(t *testing.T) {
	src, dest := newNode(t, nil), newNode(t, nil)
	dest.register("other", 50) // the destination's default context has its own ids
	src.register("a", 1)
	idB := src.register("b", 2)
	idA2 := src.register("a", 3)
	src.must("PUT", "/config/a", `{"compatibility":"NONE"}`, 200)

	src.must("POST", "/exporters", createBody("dr", "CUSTOM", "dr", dest.url, ""), 200)
	waitVersion(t, dest, ":.dr:a", 2, idA2)
	if got := dest.version(":.dr:b", 1, false); got != idB {
		t.Fatalf(":.dr:b version 1: id %d, want %d", got, idB)
	}
	if got := dest.must("GET", "/mode/:.dr:", "", 200); !strings.Contains(got, "IMPORT") {
		t.Fatalf("the destination context's mode: %s", got)
	}
	testwait.UntilDetail(t, 20*time.Second, "the destination subject's config is copied", func() (bool, string) {
		_, got := dest.do("GET", "/config/:.dr:a", "")
		return strings.Contains(got, `"compatibilityLevel":"NONE"`), got
	})
	// Later registrations and a soft delete follow.
	idC := src.register("c", 4)
	src.must("DELETE", "/subjects/b/versions/1", "", 200)
	waitVersion(t, dest, ":.dr:c", 1, idC)
	testwait.Until(t, 20*time.Second, "the destination's :.dr:b version 1 is soft-deleted", func() bool {
		return dest.version(":.dr:b", 1, false) == 0 && dest.version(":.dr:b", 1, true) == idB
	})
	testwait.Until(t, 20*time.Second, "the status is RUNNING at the source's offset", func() bool {
		s := src.status("dr")
		return s.State == exporter.StateRunning && s.Offset == src.reg.Stats().Offset
	})
	// A hard delete follows too.
	src.must("DELETE", "/subjects/b/versions/1?permanent=true", "", 200)
	testwait.Until(t, 20*time.Second, "the destination's :.dr:b version 1 is gone", func() bool {
		return dest.version(":.dr:b", 1, true) == 0
	})
	if _, b := src.do("GET", "/metrics", ""); !strings.Contains(b, `schema_registry_exporter_lag_records{exporter="dr"}`) ||
		!strings.Contains(b, `schema_registry_exporter_last_success_timestamp_seconds{exporter="dr"}`) {
		t.Fatalf("the metrics lack the exporter's lag or last success")
	}
}

func TestExportAutoContext(t *testing.T) {
	src, dest := newNode(t, nil), newNode(t, nil)
	id := src.register("a", 1)
	idCtx := src.register(":.team:a", 2)
	src.must("POST", "/exporters", `{"name":"auto","subjects":[":*:"],"config":{"schema.registry.url":"`+dest.url+`"}}`, 200)
	waitVersion(t, dest, ":.src:a", 1, id)
	waitVersion(t, dest, ":.src.team:a", 1, idCtx)
}

func TestExportSubjectFilterAndRename(t *testing.T) {
	src, dest := newNode(t, nil), newNode(t, nil)
	src.register("orders-value", 1)
	src.register("payments-value", 2)
	last := src.register("orders-key", 3)
	src.must("POST", "/exporters", `{"name":"f","contextType":"NONE","subjects":["orders*"],"subjectRenameFormat":"dr-${subject}",
		"config":{"schema.registry.url":"`+dest.url+`"}}`, 200)
	waitVersion(t, dest, "dr-orders-key", 1, last)
	if got := dest.version("dr-orders-value", 1, false); got != 1 {
		t.Fatalf("dr-orders-value: id %d, want 1", got)
	}
	// Registrations are exported in id order: payments-value (id 2) was
	// passed over before orders-key (id 3) arrived.
	if code, _ := dest.do("GET", "/subjects/dr-payments-value/versions", ""); code != 404 {
		t.Fatalf("dr-payments-value is on the destination (%d)", code)
	}
	if code, _ := dest.do("GET", "/subjects/payments-value/versions", ""); code != 404 {
		t.Fatalf("payments-value is on the destination (%d)", code)
	}
	if got := dest.must("GET", "/mode/dr-orders-key", "", 200); !strings.Contains(got, "IMPORT") {
		t.Fatalf("the destination subject's mode: %s", got)
	}
}

func TestExportPauseResumeReset(t *testing.T) {
	src, dest := newNode(t, nil), newNode(t, nil)
	id1 := src.register("a", 1)
	src.must("POST", "/exporters", createBody("p", "CUSTOM", ".p", dest.url, ""), 200)
	waitVersion(t, dest, ":.p:a", 1, id1)

	if got := src.must("PUT", "/exporters/p/pause", "", 200); got != `{"name":"p"}` {
		t.Fatalf("pause: %s", got)
	}
	if s := src.status("p"); s.State != exporter.StatePaused {
		t.Fatalf("state %s after pause", s.State)
	}
	id2 := src.register("a", 2)
	src.must("PUT", "/exporters/p/resume", "", 200)
	waitVersion(t, dest, ":.p:a", 2, id2)

	// The destination loses a version behind the exporter's back: a reset
	// exports everything again.
	dest.must("DELETE", "/subjects/:.p:a/versions/1", "", 200)
	dest.must("DELETE", "/subjects/:.p:a/versions/1?permanent=true", "", 200)
	src.must("PUT", "/exporters/p/reset", "", 200)
	waitVersion(t, dest, ":.p:a", 1, id1)
}

// switchable answers 503 while down, and asks for basic auth when user is
// set.
type switchable struct {
	down       atomic.Bool
	user, pass string
}

func (s *switchable) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.down.Load() {
			http.Error(w, `{"error_code":50301,"message":"down"}`, http.StatusServiceUnavailable)
			return
		}
		if s.user != "" {
			if u, p, ok := r.BasicAuth(); !ok || u != s.user || p != s.pass {
				w.WriteHeader(http.StatusUnauthorized)
				io.WriteString(w, `{"error_code":401,"message":"Unauthorized"}`)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func TestExportDestinationDownThenBack(t *testing.T) {
	sw := &switchable{}
	src, dest := newNode(t, nil), newNode(t, sw.wrap)
	id1 := src.register("a", 1)
	src.must("POST", "/exporters", createBody("d", "CUSTOM", ".d", dest.url, ""), 200)
	waitVersion(t, dest, ":.d:a", 1, id1)

	sw.down.Store(true)
	id2 := src.register("a", 2)
	id3 := src.register("b", 3)
	testwait.Until(t, 20*time.Second, "the status shows the destination's error", func() bool {
		s := src.status("d")
		return s.State == exporter.StateError && strings.Contains(s.Trace, "503")
	})
	sw.down.Store(false)
	waitVersion(t, dest, ":.d:a", 2, id2)
	waitVersion(t, dest, ":.d:b", 1, id3)
	testwait.Until(t, 20*time.Second, "the status is RUNNING again", func() bool {
		s := src.status("d")
		return s.State == exporter.StateRunning && s.Trace == ""
	})
}

func TestExportToBasicAuthDestination(t *testing.T) {
	sw := &switchable{user: "exporter", pass: "pa:ss"}
	src, dest := newNode(t, nil), newNode(t, sw.wrap)
	id := src.register("a", 1)
	src.must("POST", "/exporters", createBody("bad", "CUSTOM", ".bad", dest.url, `,"subjects":["a"]`), 200)
	testwait.Until(t, 20*time.Second, "the status shows the 401", func() bool {
		s := src.status("bad")
		return s.State == exporter.StateError && strings.Contains(s.Trace, "401")
	})
	src.must("PUT", "/exporters/bad/config", `{"basic.auth.user.info":"exporter:pa:ss"}`, 200)
	waitVersion(t, &node{t: t, url: "http://exporter:pa%3Ass@" + strings.TrimPrefix(dest.url, "http://")}, ":.bad:a", 1, id)

	// The password is encrypted in the config log, served decrypted.
	for _, rec := range src.configs.Records() {
		if strings.Contains(string(rec.Value), "pa:ss") {
			t.Fatalf("a config record holds the password in the clear: %s", rec.Value)
		}
	}
	if got := src.must("GET", "/exporters/bad/config", "", 200); !strings.Contains(got, `"basic.auth.user.info":"exporter:pa:ss"`) {
		t.Fatalf("GET config: %s", got)
	}
}

func TestExporterAPI(t *testing.T) {
	src := newNode(t, nil)
	src.must("GET", "/exporters", "", 200)
	body := createBody("x", "CUSTOM", ".x", "http://127.0.0.1:1", "")
	if got := src.must("POST", "/exporters", body, 200); got != `{"name":"x"}` {
		t.Fatalf("create: %s", got)
	}
	for _, c := range []struct {
		method, path, body string
		status, code       int
	}{
		{"POST", "/exporters", body, 409, 40950},
		{"GET", "/exporters/nope", "", 404, 40450},
		{"GET", "/exporters/nope/status", "", 404, 40450},
		{"GET", "/exporters/nope/config", "", 404, 40450},
		{"PUT", "/exporters/nope/pause", "", 404, 40450},
		{"PUT", "/exporters/nope/resume", "", 404, 40450},
		{"PUT", "/exporters/nope/reset", "", 404, 40450},
		{"PUT", "/exporters/nope", `{"subjects":["a"]}`, 404, 40450},
		{"PUT", "/exporters/nope/config", `{"a":"b"}`, 404, 40450},
		{"DELETE", "/exporters/nope", "", 404, 40450},
		{"POST", "/exporters", `{"name":"y","config":{}}`, 422, 42250},
		{"POST", "/exporters", `{"config":{"schema.registry.url":"http://h"}}`, 422, 42250},
		{"POST", "/exporters", createBody("y", "SOMETIMES", "", "http://h", ""), 422, 42250},
		{"POST", "/exporters", createBody("y", "CUSTOM", "", "http://h", ""), 422, 42250},
		{"PUT", "/exporters/x", `{"contextType":"BAD"}`, 422, 42250},
		{"POST", "/exporters", `{"name":`, 400, 400},
		{"POST", "/exporters", `{"name":5}`, 422, 422},
		{"PUT", "/exporters/x/config", `[1]`, 422, 422},
	} {
		code, b := src.do(c.method, c.path, c.body)
		var e struct {
			ErrorCode int `json:"error_code"`
		}
		json.Unmarshal([]byte(b), &e)
		if code != c.status || e.ErrorCode != c.code {
			t.Errorf("%s %s %s: %d %s, want %d with error_code %d", c.method, c.path, c.body, code, b, c.status, c.code)
		}
	}
	if got := src.must("GET", "/exporters", "", 200); got != `["x"]` {
		t.Fatalf("list: %s", got)
	}
	src.must("PUT", "/exporters/x", `{"subjects":["a*"],"subjectRenameFormat":"copy-${subject}"}`, 200)
	var e exporter.Exporter
	json.Unmarshal([]byte(src.must("GET", "/exporters/x", "", 200)), &e)
	if e.Name != "x" || e.ContextType != "CUSTOM" || e.Context != ".x" || e.SubjectRenameFormat != "copy-${subject}" ||
		len(e.Subjects) != 1 || e.Subjects[0] != "a*" || e.Config["schema.registry.url"] != "http://127.0.0.1:1" {
		t.Fatalf("GET after PUT: %+v", e)
	}
	// The definitions are durable: a registry opened over the same logs has
	// them.
	again, err := exporter.Open(store.NewMemoryLog(src.configs.Records()...), store.NewMemoryLog(src.states.Records()...), exporter.Options{PasswordSecret: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := again.Get("x"); err != nil || got.SubjectRenameFormat != "copy-${subject}" {
		t.Fatalf("after reopening: %+v %v", got, err)
	}
	src.must("DELETE", "/exporters/x", "", 204)
	src.must("GET", "/exporters/x", "", 404)
	if got := src.must("GET", "/exporters", "", 200); got != `[]` {
		t.Fatalf("list after delete: %s", got)
	}
}

func TestExportCopiesReadOnlyMode(t *testing.T) {
	src, dest := newNode(t, nil), newNode(t, nil)
	id1 := src.register("a", 1)
	src.must("PUT", "/mode/a", `{"mode":"READONLY"}`, 200)
	src.must("POST", "/exporters", createBody("m", "CUSTOM", ".m", dest.url, ""), 200)
	waitVersion(t, dest, ":.m:a", 1, id1)
	testwait.Until(t, 20*time.Second, "the destination subject is READONLY", func() bool {
		code, b := dest.do("GET", "/mode/:.m:a", "")
		return code == 200 && strings.Contains(b, `"READONLY"`)
	})
	// Writable again at the source: the copy is too, and takes the next
	// version, after a reset as well (a new worker knows nothing of the
	// modes it copied).
	src.must("PUT", "/exporters/m/pause", "", 200)
	src.must("DELETE", "/mode/a", "", 200)
	id2 := src.register("a", 2)
	src.must("PUT", "/exporters/m/reset", "", 200)
	src.must("PUT", "/exporters/m/resume", "", 200)
	waitVersion(t, dest, ":.m:a", 2, id2)
	if code, b := dest.do("GET", "/mode/:.m:a", ""); code == 200 && strings.Contains(b, "READONLY") {
		t.Fatalf("the destination subject is still read-only: %s", b)
	}
}

func TestExportToTLSDestinationWithBasicAuth(t *testing.T) {
	sw := &switchable{user: "exporter", pass: "secret"}
	src := newNode(t, nil)
	dest := startNode(t, sw.wrap, httptest.NewTLSServer)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: dest.srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	id := src.register("a", 1)
	src.must("POST", "/exporters", fmt.Sprintf(`{"name":"tls","contextType":"CUSTOM","context":".tls","config":{"schema.registry.url":%q,
		"basic.auth.user.info":"exporter:secret","schema.registry.ssl.ca.location":%q}}`, dest.url, ca), 200)
	reader := &node{t: t, url: strings.Replace(dest.url, "https://", "https://exporter:secret@", 1), client: dest.client}
	waitVersion(t, reader, ":.tls:a", 1, id)
}

func TestExportLeavesAPromotedContextAlone(t *testing.T) {
	src, dest := newNode(t, nil), newNode(t, nil)
	id1 := src.register("a", 1)
	src.must("POST", "/exporters", createBody("dr", "CUSTOM", ".dr", dest.url, ""), 200)
	waitVersion(t, dest, ":.dr:a", 1, id1)
	// Failover: the standby's context is opened for writes and written.
	dest.must("PUT", "/mode/:.dr:", `{"mode":"READWRITE"}`, 200)
	dest.must("POST", "/subjects/:.dr:a/versions", record(7), 200)
	// The old primary's exporter starts again: it must not take the
	// context back (IMPORT) nor delete what the standby wrote.
	src.must("PUT", "/exporters/dr/reset", "", 200)
	testwait.Until(t, 20*time.Second, "the status says the context is not in IMPORT", func() bool {
		s := src.status("dr")
		return s.State == exporter.StateError && strings.Contains(s.Trace, "not IMPORT")
	})
	if got := dest.version(":.dr:a", 2, false); got == 0 {
		t.Fatal("the standby's version 2 is gone")
	}
	if got := dest.must("GET", "/mode/:.dr:", "", 200); !strings.Contains(got, "READWRITE") {
		t.Fatalf("the standby's context mode: %s", got)
	}
}
