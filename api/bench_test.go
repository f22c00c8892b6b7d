package api

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// record returns a record schema with n long fields, all but the first
// with a default so that each one evolves the previous compatibly.
func record(n int) string {
	fields := []string{`{"name":"f0","type":"long"}`}
	for i := 1; i < n; i++ {
		fields = append(fields, fmt.Sprintf(`{"name":"f%d","type":"long","default":0}`, i))
	}
	return `{"type":"record","name":"Bench","namespace":"com.acme","fields":[` + strings.Join(fields, ",") + `]}`
}

func benchServer(b *testing.B) *server {
	t := &testing.T{}
	s := newServer(t)
	s.t = t
	return s
}

func serveOnce(b *testing.B, h http.Handler, method, path, body string) {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/vnd.schemaregistry.v1+json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != 200 {
		b.Fatalf("%s %s: %d %s", method, path, w.Code, w.Body.String())
	}
}

// parallel registers schema under bench-value, then sends the request from
// every goroutine of the benchmark.
func parallel(b *testing.B, schema, method, path, reqBody string) {
	s := benchServer(b)
	serveOnce(b, s.h, "POST", "/subjects/bench-value/versions", body(schema))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			serveOnce(b, s.h, method, path, reqBody)
		}
	})
}

func BenchmarkGetSchemaByID(b *testing.B) {
	parallel(b, record(20), "GET", "/schemas/ids/1", "")
}

func BenchmarkGetLatestVersion(b *testing.B) {
	parallel(b, record(20), "GET", "/subjects/bench-value/versions/latest", "")
}

// What every serializer does at start-up: register a schema the subject
// already holds.
func BenchmarkReRegisterExisting(b *testing.B) {
	parallel(b, record(20), "POST", "/subjects/bench-value/versions", body(record(20)))
}

func BenchmarkLookup(b *testing.B) {
	parallel(b, record(20), "POST", "/subjects/bench-value", body(record(20)))
}

// A 21-field record against the latest 20-field one.
func BenchmarkCompatibilityLatest(b *testing.B) {
	parallel(b, record(20), "POST", "/compatibility/subjects/bench-value/versions/latest", body(record(21)))
}

// A new version against 100 versions under FULL_TRANSITIVE.
func BenchmarkCompatibility100Versions(b *testing.B) {
	s := benchServer(b)
	serveOnce(b, s.h, "PUT", "/config/bench-value", `{"compatibility":"FULL_TRANSITIVE"}`)
	for i := 1; i <= 100; i++ {
		serveOnce(b, s.h, "POST", "/subjects/bench-value/versions", body(record(i)))
	}
	req := body(record(101))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		serveOnce(b, s.h, "POST", "/compatibility/subjects/bench-value/versions", req)
	}
}

func BenchmarkRegisterNew(b *testing.B) {
	s := benchServer(b)
	serveOnce(b, s.h, "PUT", "/config", `{"compatibility":"NONE"}`)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		serveOnce(b, s.h, "POST", fmt.Sprintf("/subjects/s%d/versions", i%100), body(fmt.Sprintf(`{"type":"fixed","name":"F%d","size":4}`, i)))
	}
}

// The hot paths through the handler alone, fast lane against the router:
// the request and the response writer are reused, so that time and
// allocations are the handler's own (net/http's parsing and writing are
// not in them).
func BenchmarkHot(b *testing.B) {
	for _, c := range []struct{ name, method, path, body string }{
		{"get-id", "GET", "/schemas/ids/1", ""},
		{"get-latest", "GET", "/subjects/bench-value/versions/latest", ""},
		{"get-schema-text", "GET", "/schemas/ids/1/schema", ""},
		{"lookup", "POST", "/subjects/bench-value", body(record(20))},
		{"reregister", "POST", "/subjects/bench-value/versions", body(record(20))},
	} {
		for _, lane := range []string{"lane", "router"} {
			b.Run(c.name+"/"+lane, func(b *testing.B) {
				s := benchServer(b)
				serveOnce(b, s.h, "POST", "/subjects/bench-value/versions", body(record(20)))
				h := s.h
				if lane == "router" {
					h = h.(*fastLane).next
				}
				serveOnce(b, h, c.method, c.path, c.body) // fills the cache
				req := httptest.NewRequest(c.method, c.path, nil)
				if c.body != "" {
					req.Header.Set("Content-Type", "application/vnd.schemaregistry.v1+json")
					req.ContentLength = int64(len(c.body))
				}
				rd := &rewindBody{}
				w := &discardWriter{h: http.Header{}}
				b.ReportAllocs()
				b.ResetTimer()
				for range b.N {
					delete(req.Header, "X-Request-Id")
					clear(w.h)
					w.code = 0
					if c.body != "" {
						rd.Reset(c.body)
						req.Body = rd
					}
					h.ServeHTTP(w, req)
					if w.code != 200 {
						b.Fatalf("%s %s: %d", c.method, c.path, w.code)
					}
				}
			})
		}
	}
}

// rewindBody is a request body read again on every iteration.
type rewindBody struct{ strings.Reader }

func (*rewindBody) Close() error { return nil }

// discardWriter is a response writer that keeps the status only.
type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header { return w.h }
func (w *discardWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}
func (w *discardWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = 200
	}
	return len(b), nil
}

// WriteString writes without a copy, as net/http's response does.
func (w *discardWriter) WriteString(s string) (int, error) {
	w.Write(nil)
	return len(s), nil
}
