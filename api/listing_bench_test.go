package api

import (
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// BenchmarkListings100k is a page of each listing over 100,000 subjects
// (one version each), served through the handler: what one request costs
// the server. Each request has a query of its own (a parameter the
// listings ignore), so that a page is computed every time rather than
// taken from the page cache; the "-repeated" ones ask the same page again.
// Run: go test -run '^$' -bench Listings100k ./api
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
		sep := "?"
		if strings.Contains(c.path, "?") {
			sep = "&"
		}
		for _, repeated := range []bool{false, true} {
			name := c.name
			if repeated {
				name += "-repeated"
			}
			b.Run(name, func(b *testing.B) {
				b.ReportAllocs()
				n := 0
				for b.Loop() {
					path := c.path
					if !repeated {
						n++
						path += sep + "n=" + strconv.Itoa(n)
					}
					w := httptest.NewRecorder()
					s.h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
					if w.Code != 200 {
						b.Fatal(w.Code, w.Body.String())
					}
				}
			})
		}
	}
}
