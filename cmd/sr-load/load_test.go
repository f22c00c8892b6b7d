package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

// testConfig drives a few clients for a few hundred milliseconds.
func testConfig() loadConfig {
	return loadConfig{client: newHTTPClient(4), clients: 4, warmup: 50 * time.Millisecond, duration: 300 * time.Millisecond}
}

// checkResult asserts what any clean run must show, without timing
// thresholds: requests, ordered percentiles, no errors.
func checkResult(t *testing.T, r Result) {
	t.Helper()
	if r.Requests == 0 || r.Completed == 0 || r.Completed > r.Requests || r.Rate <= 0 {
		t.Errorf("%s: no requests: %+v", r.Scenario, r)
	}
	if !(0 < r.P50 && r.P50 <= r.P99 && r.P99 <= r.Max) {
		t.Errorf("%s: percentiles out of order: p50 %v p99 %v max %v", r.Scenario, r.P50, r.P99, r.Max)
	}
	if r.Errors != 0 {
		t.Errorf("%s: %d errors, first: %s", r.Scenario, r.Errors, r.FirstError)
	}
}

// registryStub answers like the registry to the requests the scenarios
// send, and 400 to anything else, so that a wrong request is an error.
func registryStub(t *testing.T) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == "GET" && strings.HasPrefix(r.URL.Path, "/schemas/ids/"):
			io.WriteString(w, `{"schema":"\"string\""}`)
		case r.Method == "POST" && strings.HasPrefix(r.URL.Path, "/subjects/load-"):
			var body struct{ Schema string }
			if r.Header.Get("Content-Type") != contentType || json.NewDecoder(r.Body).Decode(&body) != nil || !json.Valid([]byte(body.Schema)) {
				http.Error(w, "bad request body", http.StatusBadRequest)
				return
			}
			io.WriteString(w, `{"id":1}`)
		default:
			http.Error(w, "unexpected "+r.Method+" "+r.URL.Path, http.StatusBadRequest)
		}
	}))
}

func TestCeilingAndScenarios(t *testing.T) {
	cfg := testConfig()
	f := newFixture(3)
	f.ids = []int{1, 2, 3}

	bare, err := startBare(true)
	if err != nil {
		t.Fatal(err)
	}
	defer bare.Close()
	var results []Result
	for _, sc := range ceilingScenarios(f.registered.body(0)) {
		results = append(results, run(context.Background(), cfg, bare.URL, sc))
	}

	stub := registryStub(t)
	defer stub.Close()
	for _, sc := range f.scenarios(cfg.clients, []string{"get-id", "lookup"}) {
		results = append(results, run(context.Background(), cfg, stub.URL, sc))
	}

	setRatios(results)
	for _, r := range results {
		checkResult(t, r)
		if r.Ratio <= 0 {
			t.Errorf("%s: no ratio", r.Scenario)
		}
	}
	var table strings.Builder
	printTable(&table, results)
	t.Log("\n" + table.String())
}

func TestErrorsAreCounted(t *testing.T) {
	stub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error_code":50001,"message":"boom"}`, http.StatusInternalServerError)
	}))
	defer stub.Close()
	f := newFixture(2)
	r := run(context.Background(), testConfig(), stub.URL, f.scenarios(4, []string{"get-latest"})[0])
	if r.Requests == 0 || r.Errors != r.Requests {
		t.Errorf("errors %d of %d requests, want all", r.Errors, r.Requests)
	}
	if !strings.Contains(r.FirstError, "500") || !strings.Contains(r.FirstError, "boom") {
		t.Errorf("first error %q, want the status and the body", r.FirstError)
	}
}

func TestPercentile(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	// 1..100 ms, in two shuffled per-client slices.
	var values []time.Duration
	for i := 1; i <= 100; i++ {
		values = append(values, ms(i))
	}
	rand.Shuffle(len(values), func(i, j int) { values[i], values[j] = values[j], values[i] })
	var r Result
	summarize(&r, [][]time.Duration{values[:37], values[37:]})
	if r.Requests != 100 {
		t.Errorf("requests %d, want 100", r.Requests)
	}
	if r.P50 != ms(50) || r.P99 != ms(99) || r.Max != ms(100) {
		t.Errorf("p50 %v p99 %v max %v, want 50ms 99ms 100ms", r.P50, r.P99, r.Max)
	}

	sorted := []time.Duration{ms(1), ms(2), ms(3), ms(4), ms(5), ms(6), ms(7), ms(8), ms(9), ms(10)}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{50, ms(5)}, {51, ms(6)}, {90, ms(9)}, {99, ms(10)}, {100, ms(10)}, {0.1, ms(1)}} {
		if got := percentile(sorted, c.p); got != c.want {
			t.Errorf("p%v of 1..10 ms = %v, want %v", c.p, got, c.want)
		}
	}
	if got := percentile([]time.Duration{ms(7)}, 50); got != ms(7) {
		t.Errorf("p50 of one value = %v", got)
	}
	if got := percentile(nil, 99); got != 0 {
		t.Errorf("p99 of nothing = %v", got)
	}
}

// The generated schemas are valid JSON, grow by one field, and
// register-new never repeats a record name.
func TestFixture(t *testing.T) {
	f := newFixture(2)
	fields := func(body []byte) int {
		var req struct{ Schema string }
		var rec struct{ Fields []json.RawMessage }
		if err := json.Unmarshal(body, &req); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(req.Schema), &rec); err != nil {
			t.Fatalf("%v in %s", err, req.Schema)
		}
		return len(rec.Fields)
	}
	if n, m, c := fields(f.registered.body(1)), fields(f.evolved.body(1)), fields(f.candidate101); n != 20 || m != 21 || c != 101 {
		t.Errorf("fields %d, %d, %d; want 20, 21, 101", n, m, c)
	}
	seen := map[string]bool{}
	for c := range 3 {
		for seq := range 3 {
			b := string(f.newBody(c, seq))
			if fields([]byte(b)) != 20 || seen[b] {
				t.Errorf("register-new body %d/%d repeated or malformed", c, seq)
			}
			seen[b] = true
		}
	}
}

// Bodies made when sent are those made in advance before: the record of
// subject i in namespace com.example.load.s{i:04}.
func TestTemplateBodies(t *testing.T) {
	f := newFixture(1)
	for _, i := range []int{0, 7, 42, 999, 1000, 9999, 12345, 99999} {
		ns := fmt.Sprintf("com.example.load.s%04d", i)
		if got, want := string(f.registered.body(i)), string(schemaBody(avroRecord(ns, "Record", recordFields, 0))); got != want {
			t.Errorf("registered body %d:\n%s\nwant\n%s", i, got, want)
		}
		if got, want := string(f.evolved.body(i)), string(schemaBody(avroRecord(ns, "Record", recordFields, 1))); got != want {
			t.Errorf("evolved body %d:\n%s\nwant\n%s", i, got, want)
		}
	}
}

// The listing scenarios ask for pages of listPage; the random pages start
// anywhere and end within the subjects.
func TestListingScenarios(t *testing.T) {
	const n = 1000
	f := newFixture(n)
	scs := f.scenarios(32, []string{"list-subjects", "list-subjects-offset", "list-schemas", "list-schemas-offset"})
	if p := scs[0].next(3, 5).path; p != "/subjects?limit=100" {
		t.Errorf("list-subjects: %s", p)
	}
	if p := scs[2].next(3, 5).path; p != "/schemas?limit=100" {
		t.Errorf("list-schemas: %s", p)
	}
	seen := map[int]bool{}
	for c := range 32 {
		for seq := range 100 {
			o := randomOffset(c, seq, n)
			if o < 0 || o > n-listPage {
				t.Fatalf("offset %d out of [0, %d]", o, n-listPage)
			}
			seen[o/100] = true
		}
	}
	if len(seen) < 9 {
		t.Errorf("offsets cover %d of 10 tenths", len(seen))
	}
	if p := scs[1].next(1, 2).path; !strings.HasPrefix(p, "/subjects?offset=") || !strings.HasSuffix(p, "&limit=100") {
		t.Errorf("list-subjects-offset: %s", p)
	}
	if p := scs[3].next(1, 2).path; !strings.HasPrefix(p, "/schemas?offset=") || !strings.HasSuffix(p, "&limit=100") {
		t.Errorf("list-schemas-offset: %s", p)
	}
	if randomOffset(5, 5, 50) != 0 {
		t.Error("fewer subjects than a page: offset not 0")
	}
}

func TestMedianPair(t *testing.T) {
	pair := func(ceiling, rate float64) [2]Result {
		return [2]Result{{Rate: ceiling}, {Rate: rate, Ratio: rate / ceiling}}
	}
	got, line := medianPair([][2]Result{pair(100, 95), pair(200, 100), pair(100, 70)})
	if got[1].Rate != 70 || got[0].Rate != 100 { // ratios 50%, 70%, 95%
		t.Errorf("median pair %v, want the 70/100 round", got)
	}
	if line != "95.0% (95/100)  50.0% (100/200)  70.0% (70/100)" {
		t.Errorf("line %q", line)
	}
	if got, _ := medianPair([][2]Result{pair(100, 90), pair(100, 80)}); got[1].Rate != 80 {
		t.Errorf("even count: %v, want the lower middle", got)
	}
}

// TestMain makes the test binary the bare server when startBare runs it.
func TestMain(m *testing.M) {
	if os.Getenv(bareChildEnv) != "" {
		if err := serveBare(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	os.Exit(m.Run())
}

// TestBareChildProcess checks the ceiling served by a child process.
func TestBareChildProcess(t *testing.T) {
	b, err := startBare(false)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if b.pid() == 0 || b.pid() == os.Getpid() {
		t.Errorf("bare server pid %d: not a child process", b.pid())
	}
	resp, err := http.Get(b.URL + "/schemas/ids/1")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != string(bareBody) {
		t.Errorf("bare answer %d %q", resp.StatusCode, body)
	}
}
