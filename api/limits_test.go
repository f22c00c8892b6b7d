package api

import (
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/avro"
	"github.com/schemaregistry/registry/store"
)

const (
	testMaxBody  = 64 << 10
	testMaxDepth = 32
)

func newLimitedServer(t testing.TB) (*API, http.Handler) {
	t.Helper()
	reg, err := store.Open(store.NewMemoryLog(), []formats.Format{avro.Format{}},
		store.Settings{MaxSchemaBytes: testMaxBody / 2, MaxSchemaDepth: testMaxDepth}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	a := newAPI(Options{Registry: reg, MaxBodyBytes: testMaxBody, MaxDepth: testMaxDepth, Logger: slog.New(slog.DiscardHandler)})
	return a, a.withFastLane(a.router()) // as New serves it
}

// endlessBody is a request body of n bytes ('{"schema":"' then spaces),
// made as it is read; it counts what the server read.
type endlessBody struct {
	n, read int64
}

func (b *endlessBody) Read(p []byte) (int, error) {
	if b.read >= b.n {
		return 0, io.EOF
	}
	k := min(int64(len(p)), b.n-b.read)
	for i := range p[:k] {
		const head = `{"schema":"`
		if pos := b.read + int64(i); pos < int64(len(head)) {
			p[i] = head[pos]
		} else {
			p[i] = ' '
		}
	}
	b.read += k
	return int(k), nil
}

// bodyRoutes are the routes that read a body.
func bodyRoutes(a *API) []route {
	var out []route
	for _, rt := range a.routes() {
		if rt.method == "POST" || rt.method == "PUT" {
			out = append(out, rt)
		}
	}
	return out
}

func send(h http.Handler, method, path string, body io.Reader) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, body)
	req.Header.Set("Content-Type", "application/vnd.schemaregistry.v1+json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func errorCode(w *httptest.ResponseRecorder) int {
	var e errorBody
	if json.Unmarshal(w.Body.Bytes(), &e) != nil {
		return 0
	}
	return e.ErrorCode
}

// TestOversizedBodies sends bodies of up to 256 MiB to every route that
// reads one: 413 with the envelope, having read no more than the limit,
// and allocating a bounded amount whatever the size sent.
func TestOversizedBodies(t *testing.T) {
	a, h := newLimitedServer(t)
	for _, rt := range bodyRoutes(a) {
		path, _ := concrete(rt)
		for _, n := range []int64{testMaxBody + 1, 4 * testMaxBody, 256 << 20} {
			// The least of three sends: TotalAlloc counts the whole process,
			// and a background goroutine (a registry of an earlier test
			// compressing its texts) may allocate during one of them.
			var body *endlessBody
			var w *httptest.ResponseRecorder
			alloc := uint64(math.MaxUint64)
			for range 3 {
				body = &endlessBody{n: n}
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				w = send(h, rt.method, path, body)
				runtime.ReadMemStats(&after)
				alloc = min(alloc, after.TotalAlloc-before.TotalAlloc)
			}
			if w.Code != http.StatusRequestEntityTooLarge || errorCode(w) != 413 {
				t.Errorf("%s %s with %d bytes: %d %s, want 413 with the envelope", rt.method, rt.pattern, n, w.Code, w.Body)
			}
			if body.read > testMaxBody+1 {
				t.Errorf("%s %s: read %d bytes of %d, more than the limit %d", rt.method, rt.pattern, body.read, n, testMaxBody)
			}
			if alloc > 16*testMaxBody {
				t.Errorf("%s %s with %d bytes: allocated %d bytes", rt.method, rt.pattern, n, alloc)
			}
		}
	}
}

// nested returns depth levels of JSON arrays around "x".
func nested(depth int) string {
	return strings.Repeat("[", depth) + `"x"` + strings.Repeat("]", depth)
}

// escaped returns s as the content of a JSON string.
func escaped(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// TestDeeplyNestedBodies checks the nesting limits on both the body and the
// schema text inside it, at the boundary and far beyond it.
func TestDeeplyNestedBodies(t *testing.T) {
	a, h := newLimitedServer(t)
	schemaRoutes := map[string]bool{"/subjects/{subject}": true, "/subjects/{subject}/versions": true,
		"/compatibility/subjects/{subject}/versions": true, "/compatibility/subjects/{subject}/versions/{version}": true}
	for _, rt := range bodyRoutes(a) {
		path, _ := concrete(rt)
		for _, depth := range []int{testMaxDepth + 1, 1000, 10_000} {
			if 2*depth > testMaxBody {
				continue
			}
			// The body itself: metadata nested too deep.
			w := send(h, rt.method, path, strings.NewReader(`{"schema":"\"int\"","metadata":`+nested(depth-1)+`}`))
			if w.Code != 422 || errorCode(w) != 422 {
				t.Errorf("%s %s with a body nested %d deep: %d %s, want 422", rt.method, rt.pattern, depth, w.Code, w.Body)
			}
			if !schemaRoutes[rt.pattern] {
				continue
			}
			// The schema text: a string in the body, nested too deep.
			w = send(h, rt.method, path, strings.NewReader(`{"schema":"`+escaped(`{"type":"array","items":`+nested(depth-1)+`}`)+`"}`))
			if w.Code != 422 || errorCode(w) != store.CodeInvalidSchema || !strings.Contains(w.Body.String(), "schema.max.depth") {
				t.Errorf("%s %s with a schema nested %d deep: %d %s, want 42201", rt.method, rt.pattern, depth, w.Code, w.Body)
			}
		}
		// Within the limit the nesting is not what refuses it.
		w := send(h, rt.method, path, strings.NewReader(`{"schema":"\"int\"","metadata":{"properties":{"a":"b"}}}`))
		if strings.Contains(w.Body.String(), "nests deeper") {
			t.Errorf("%s %s: a shallow body refused for its nesting: %s", rt.method, rt.pattern, w.Body)
		}
	}
}

// TestLimitsProperty sends random bodies around the limits: the answer is
// 413 exactly when the body is larger than the limit, 422 for nesting
// exactly when it is deeper, and never 5xx.
func TestLimitsProperty(t *testing.T) {
	_, h := newLimitedServer(t)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		checkLimitsCase(t, h, rng.IntN(4*testMaxDepth), rng.IntN(2*testMaxBody), rng.IntN(3))
	}
}

// checkLimitsCase sends one body: a schema nested depth deep, padded to
// about size bytes, on one of the schema routes.
func checkLimitsCase(t *testing.T, h http.Handler, depth, size, route int) {
	t.Helper()
	path := []string{"/subjects/s/versions", "/subjects/s", "/compatibility/subjects/s/versions"}[route]
	schema := `{"type":"record","name":"R","fields":[{"name":"f","type":` + nestedArrays(depth) + `}]}`
	body := `{"schema":"` + escaped(schema) + `"}`
	if pad := size - len(body); pad > 0 {
		body = `{"schema":"` + escaped(schema) + `","metadata":{"properties":{"pad":"` + strings.Repeat("p", pad) + `"}}}`
	}
	w := send(h, "POST", path, strings.NewReader(body))
	schemaDepth := depth + 3 // record, fields, field, then one object per array
	switch {
	case w.Code >= 500:
		t.Fatalf("depth %d, %d bytes: %d %s", depth, len(body), w.Code, w.Body)
	case len(body) > testMaxBody:
		if w.Code != 413 {
			t.Errorf("depth %d, %d bytes: %d %.200s, want 413", depth, len(body), w.Code, w.Body)
		}
	case len(schema) > testMaxBody/2:
		if errorCode(w) != store.CodeInvalidSchema || !strings.Contains(w.Body.String(), "schema.max.bytes") {
			t.Errorf("schema of %d bytes: %d %.200s, want 42201 naming schema.max.bytes", len(schema), w.Code, w.Body)
		}
	case schemaDepth > testMaxDepth:
		if errorCode(w) != store.CodeInvalidSchema || !strings.Contains(w.Body.String(), "schema.max.depth") {
			t.Errorf("schema nested %d deep: %d %.200s, want 42201 naming schema.max.depth", schemaDepth, w.Code, w.Body)
		}
	default:
		if strings.Contains(w.Body.String(), "schema.max.") || w.Code == 413 {
			t.Errorf("depth %d, %d bytes, within the limits: %d %.200s", depth, len(body), w.Code, w.Body)
		}
	}
}

// nestedArrays is an Avro type of depth nested arrays of int: each level
// is one JSON object.
func nestedArrays(depth int) string {
	return strings.Repeat(`{"type":"array","items":`, depth) + `"int"` + strings.Repeat("}", depth)
}

// FuzzLimits lets the fuzzer pick depth, size and route.
func FuzzLimits(f *testing.F) {
	f.Add(uint16(0), uint32(100), uint8(0))
	f.Add(uint16(testMaxDepth-4), uint32(testMaxBody-1), uint8(1))
	f.Add(uint16(testMaxDepth-3), uint32(10), uint8(2))
	f.Add(uint16(5000), uint32(testMaxBody*3), uint8(0))
	_, h := newLimitedServer(f)
	f.Fuzz(func(t *testing.T, depth uint16, size uint32, route uint8) {
		checkLimitsCase(t, h, int(depth), int(size%(4*testMaxBody)), int(route%3))
	})
}
