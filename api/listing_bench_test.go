package api

import (
	"net/http/httptest"
	"testing"
)

// BenchmarkListings100k is a page of each listing over 100,000 subjects
// (one version each), served through the handler: what one request costs
// the server. Run: go test -run '^$' -bench Listings100k ./api
func BenchmarkListings100k(b *testing.B) {
	s := consoleServer100k(b)
	for _, c := range []struct{ name, path string }{
		{"subjects-first-page", "/subjects?limit=100"},
		{"subjects-middle-page", "/subjects?offset=50000&limit=100"},
		{"subjects-prefix-page", "/subjects?subjectPrefix=subject-05&limit=100"},
		{"subjects-deleted-page", "/subjects?deleted=true&offset=99950&limit=100"},
		{"schemas-first-page", "/schemas?limit=100"},
		{"schemas-middle-page", "/schemas?offset=50000&limit=100"},
		{"schemas-latest-page", "/schemas?latestOnly=true&offset=50000&limit=100"},
		{"subjects-all", "/subjects"},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				s.h.ServeHTTP(w, httptest.NewRequest("GET", c.path, nil))
				if w.Code != 200 {
					b.Fatal(w.Code, w.Body.String())
				}
			}
		})
	}
}
