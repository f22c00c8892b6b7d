package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/avro"
	"github.com/schemaregistry/registry/store"
)

type fixedLeader struct {
	url         string
	self, known bool
}

func (l fixedLeader) Primary() (string, bool, bool) { return l.url, l.self, l.known }

func TestFollowerForwardsWrites(t *testing.T) {
	primary := newServer(t)
	var forwardedHeader atomic.Value
	ts := httptest.NewServer(httpHandlerFunc(func(method, path string, h map[string][]string) {
		forwardedHeader.Store(strings.Join(h["X-Forward"], ",") + "|" + strings.Join(h["X-Request-Id"], ","))
	}, primary))
	defer ts.Close()

	follower := newServer(t)
	follower.expect("POST", "/subjects/held/versions", body(`"int"`), 200, "") // what the follower's own state holds
	follower.h = New(Options{Registry: follower.reg, Leadership: fixedLeader{url: ts.URL, known: true}})

	// A new schema goes to the primary; its answer comes back intact.
	code, raw, _ := follower.do("POST", "/subjects/s/versions", body(recordV1), "X-Request-ID", "req-1")
	if code != 200 || !strings.Contains(raw, `"id":1`) {
		t.Fatalf("forwarded register: %d %s", code, raw)
	}
	if got := forwardedHeader.Load(); got != "true|req-1" {
		t.Errorf("forwarded headers %q, want X-Forward true and the request id", got)
	}
	primary.expect("GET", "/subjects/s/versions/1", "", 200, "")
	// The primary's errors reach the client with status, code and message.
	follower.expectError("POST", "/subjects/s/versions", body(recordV3), 409, 40901, `Schema being registered is incompatible with an earlier schema for subject "s"`)
	follower.expectError("DELETE", "/subjects/nope", "", 404, 40401, "Subject 'nope' not found.")
	follower.expect("PUT", "/config", `{"compatibility":"NONE"}`, 200, `{"compatibility":"NONE"}`)
	primary.expect("GET", "/config", "", 200, `{"compatibilityLevel":"NONE"}`)
	follower.expect("GET", "/config", "", 200, `{"compatibilityLevel":"BACKWARD"}`) // reads are local
	// Association writes too, batch answers with their 207.
	follower.expect("POST", "/associations", `{"resourceName":"t","resourceNamespace":"ns","resourceId":"i","associations":[{"subject":"s"}]}`, 200, "")
	follower.expect("POST", "/associations:batchMutate", `{"requests":[{"resourceName":"u","resourceNamespace":"ns","resourceId":"j","associations":[{"opType":"CREATE","subject":"s"}]}]}`, 207, "")
	follower.expect("DELETE", "/associations/resources/j", "", 204, "")
	if got := primary.assocs("/associations/resources/ns/-"); len(got) != 1 || got[0]["resourceId"] != "i" {
		t.Fatalf("associations on the primary: %v", got)
	}
	follower.expect("GET", "/associations/resources/ns/-", "", 200, `[]`) // the follower's own state: no log shared here

	// Without a known primary, writes fail with 50004, but a schema the
	// subject already holds is still answered.
	follower.h = New(Options{Registry: follower.reg, Leadership: fixedLeader{}})
	follower.expectError("POST", "/subjects/s/versions", body(recordV2), 500, 50004, "Leader not known.")
	follower.expectError("PUT", "/mode", `{"mode":"READONLY"}`, 500, 50004, "Leader not known.")
	follower.expect("POST", "/subjects/held/versions", body(`{"type":"int"}`), 200, `{"id":1,"version":1,"guid":"`+guid(`"int"`)+`","schemaType":"AVRO","schema":"\"int\""}`)

	// An unreachable primary is 50003.
	follower.h = New(Options{Registry: follower.reg, Leadership: fixedLeader{url: "http://127.0.0.1:1", known: true}})
	follower.expectError("POST", "/subjects/s/versions", body(recordV2), 500, 50003, "Error while forwarding")
	// A request forwarded once is not forwarded again.
	code, raw, _ = follower.do("DELETE", "/subjects/s", "", "X-Forward", "true")
	if code != 500 || !strings.Contains(raw, `"error_code":50003`) {
		t.Fatalf("second hop: %d %s", code, raw)
	}
}

// httpHandlerFunc serves s, reporting each request's headers first.
func httpHandlerFunc(seen func(method, path string, h map[string][]string), s *server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen(r.Method, r.URL.Path, r.Header)
		s.h.ServeHTTP(w, r)
	})
}

func TestHealth(t *testing.T) {
	s := newServer(t)
	s.expect("GET", "/health/live", "", 200, `{"status":"live","isPrimary":true}`)
	s.expect("GET", "/health/ready", "", 200, `{"status":"ready","isPrimary":true}`)
	s.h = New(Options{Registry: s.reg, Leadership: fixedLeader{}})
	s.expectError("GET", "/health/ready", "", 503, 503, "Leader not known.")
	s.h = New(Options{Registry: s.reg, Leadership: fixedLeader{url: "http://p:8081", known: true}})
	s.expect("GET", "/health/ready", "", 200, `{"status":"ready","primary":"http://p:8081","isPrimary":false}`)
}

// hangingLog never finishes an Append: a broker that does not answer.
type hangingLog struct{ *store.MemoryLog }

func (hangingLog) Append(ctx context.Context, recs []store.Record) error {
	<-ctx.Done()
	return ctx.Err()
}

// With WriteTimeout, a write the log does not finish answers 50002, and so
// does the next one, waiting behind it; a follower whose primary does not
// answer answers 50003 saying so.
func TestWritesAnswerInBoundedTime(t *testing.T) {
	reg, err := store.Open(hangingLog{store.NewMemoryLog()}, []formats.Format{avro.Format{}}, store.Settings{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	primary := &server{t: t, reg: reg, h: New(Options{Registry: reg, WriteTimeout: 50 * time.Millisecond})}
	done := make(chan struct{})
	go func() {
		defer close(done)
		primary.expectError("POST", "/subjects/s/versions", body(recordV1), 500, 50002, "")
	}()
	primary.expectError("PUT", "/config/s", `{"compatibility":"NONE"}`, 500, 50002, "")
	<-done

	release := make(chan struct{})
	stuck := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer stuck.Close()
	defer close(release)
	follower := newServer(t)
	follower.h = New(Options{Registry: follower.reg, WriteTimeout: 50 * time.Millisecond, Leadership: fixedLeader{url: stuck.URL, known: true}})
	follower.expectError("POST", "/subjects/s/versions", body(recordV1), 500, 50003, "did not answer within 550ms")
	follower.expectError("DELETE", "/subjects/s", "", 500, 50003, "did not answer within")
}
