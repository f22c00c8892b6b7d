package api

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/schemaregistry/registry/internal/bounded"
	"github.com/schemaregistry/registry/store"
)

// writeLimiter is a token bucket per principal for writes
// (authorization.write.rate.per.second and .burst).
type writeLimiter struct {
	limit   rate.Limit
	burst   int
	mu      sync.Mutex
	buckets *bounded.Map[string, *rate.Limiter]
}

func newWriteLimiter(perSecond float64, burst int) *writeLimiter {
	if perSecond <= 0 {
		return nil
	}
	if burst <= 0 {
		burst = max(1, int(math.Ceil(perSecond)))
	}
	return &writeLimiter{limit: rate.Limit(perSecond), burst: burst, buckets: bounded.New[string, *rate.Limiter](100_000)}
}

// allow takes a token of key's bucket, or says how long to wait for one.
func (l *writeLimiter) allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	b, ok := l.buckets.Get(key)
	if !ok {
		b = rate.NewLimiter(l.limit, l.burst)
		l.buckets.Put(key, b)
	}
	l.mu.Unlock()
	r := b.Reserve()
	if d := r.Delay(); d > 0 {
		r.Cancel()
		return false, d
	}
	return true, 0
}

// limitWrite answers 429 when the caller of a write is over its rate; it
// reports whether the write may go on.
func (a *API) limitWrite(w http.ResponseWriter, r *http.Request, p *principal) bool {
	if a.limiter == nil || a.existingRegistration(r) {
		return true
	}
	key := "addr:" + r.RemoteAddr
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		key = "addr:" + host
	}
	if p != nil {
		key = p.Via + ":" + p.Name
	}
	ok, wait := a.limiter.allow(key)
	if ok {
		return true
	}
	w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	ct := negotiate(header(r, "Accept"))
	if ct == "" {
		ct = responseTypes[0].name
	}
	writeError(w, ct, httpError(http.StatusTooManyRequests, "Too many writes: at most %g per second (authorization.write.rate.per.second); retry in %v", float64(a.limiter.limit), wait.Round(time.Millisecond)))
	return false
}

// existingRegistration reports whether r registers a schema its subject
// holds already: an answer from memory, not a write, so not counted (every
// serializer does it at start-up).
func (a *API) existingRegistration(r *http.Request) bool {
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/versions") || subjectParam(r) == "" {
		return false
	}
	body, err := a.readBody(r)
	if err != nil {
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	var req store.SchemaRequest
	if json.Unmarshal(body, &req) != nil || req.ID != 0 {
		return false
	}
	_, ok, err := a.reg.Existing(subjectParam(r), req, boolQuery(r, "normalize"))
	return err == nil && ok
}
