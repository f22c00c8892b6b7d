package api

import (
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"
)

// FuzzRouter sends random methods, paths, query strings and bodies to the
// router: it must never answer 5xx nor panic, and every error must be a
// Confluent envelope.
func FuzzRouter(f *testing.F) {
	for _, seed := range []struct{ method, path, body string }{
		{"POST", "/subjects/s/versions", `{"schema":"\"string\""}`},
		{"POST", "/subjects/s/versions?normalize=true", `{"schema":"{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}"}`},
		{"POST", "/subjects/s/versions", `{"schema":"\"string\"","references":[{"name":"x","subject":"s","version":-1}]}`},
		{"POST", "/subjects/s", `{"schema":"[\"null\",\"int\"]"}`},
		{"POST", "/compatibility/subjects/s/versions/latest?verbose=true", `{"schema":"\"long\""}`},
		{"PUT", "/config/s", `{"compatibility":"FULL","normalize":null}`},
		{"PUT", "/mode", `{"mode":"IMPORT"}`},
		{"POST", "/subjects/s/versions", `{"schema":"\"int\"","id":5,"version":3}`},
		{"DELETE", "/subjects/s/versions/latest?permanent=true", ""},
		{"GET", "/schemas?subjectPrefix=s&offset=-1&limit=99999999999", ""},
		{"GET", "/schemas/ids/2147483648/versions?deleted=true", ""},
		{"GET", "/subjects/%zz/versions/-1", ""},
		{"GET", "/ui/api/subjects?q=%zz&type=x&context=.a&offset=-3&limit=0", ""},
		{"GET", "/ui/api/subjects/s/diff?from=latest&to=0", ""},
		{"GET", "/ui/api/subjects/s/versions/-1/forms?deleted=true", ""},
		{"POST", "/ui/api/subjects/s/check?level=full", `{"schema":"\"long\""}`},
		{"GET", "/ui/assets/..%2fconsole.go", ""},
	} {
		f.Add(seed.method, seed.path, seed.body)
	}
	s := newServer(&testing.T{})
	s.h = New(Options{Registry: s.reg, ConsolePath: "/ui"}) // the console's routes too
	f.Fuzz(func(t *testing.T, method, path, body string) {
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		req, err := http.NewRequest(method, "http://localhost"+path, strings.NewReader(body))
		if err != nil {
			return // not a request a client could send
		}
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		done := make(chan struct{})
		go func() { s.h.ServeHTTP(w, req); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			buf := make([]byte, 1<<20)
			t.Fatalf("%s %s %q: no answer in 10s\n%s", method, path, body, buf[:runtime.Stack(buf, true)])
		}
		if w.Code >= 500 {
			t.Fatalf("%s %s %q: %d %s", method, path, body, w.Code, w.Body.String())
		}
		if w.Code >= 400 && !strings.Contains(w.Body.String(), `"error_code":`) {
			t.Fatalf("%s %s %q: %d without an error envelope: %s", method, path, body, w.Code, w.Body.String())
		}
	})
}
