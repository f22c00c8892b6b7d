package api

import (
	"bytes"
	"encoding/binary"
	"hash/maphash"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/schemaregistry/registry/internal/bounded"
)

// bodyCache keeps encoded answers of the hot reads (a schema by id, a
// subject-version), each with the registry revision it was computed at; an
// answer is served only while the revision has not moved, so a write of any
// kind makes every cached answer stale at once. Reads are lock-free.
type bodyCache = bounded.Map[string, cachedBody]

type cachedBody struct {
	revision int64
	body     []byte
	check    checkOutcome
}

// checkOutcome is the compatibility check behind an answer: replayed from
// the cache, the answer still counts as a check in the metrics.
type checkOutcome int8

const (
	noCheck checkOutcome = iota
	checkPassed
	checkFailed
)

// withCheck is an answer computed by a compatibility check.
type withCheck struct {
	v       any
	outcome checkOutcome
}

// rawJSON is a response body already encoded.
type rawJSON []byte

// cached answers from the cache when the revision allows, else computes the
// answer, caches its encoding and returns it. Errors are not cached.
func (a *API) cached(key string, compute func() (any, error)) (any, error) {
	rev := a.reg.Revision()
	if body, ok := a.hitAt(key, rev); ok {
		return rawJSON(body), nil
	}
	v, err := compute()
	if err != nil {
		return nil, err
	}
	check := noCheck
	if wc, ok := v.(withCheck); ok {
		v, check = wc.v, wc.outcome
	}
	body := encodeJSON(v)
	if a.reg.Revision() == rev { // else stale already (the answer of a write)
		a.bodies.Put(key, cachedBody{rev, body, check})
	}
	return rawJSON(body), nil
}

// hit returns the cached answer of key if the registry has not changed
// since it was computed, counting the compatibility check behind it: what
// cached answers without computing, for the routes and the fast lane.
func (a *API) hit(key string) ([]byte, bool) {
	return a.hitAt(key, a.reg.Revision())
}

func (a *API) hitAt(key string, rev int64) ([]byte, bool) {
	body, _, ok := a.hitChecked(key, rev)
	return body, ok
}

// hitChecked is hitAt, reporting also whether the answer counts a
// compatibility check.
func (a *API) hitChecked(key string, rev int64) (body []byte, checked, ok bool) {
	cb, ok := a.bodies.Get(key)
	if !ok || cb.revision != rev {
		return nil, false, false
	}
	if cb.check != noCheck {
		a.reg.CountCompatibilityCheck(cb.check == checkPassed)
	}
	return cb.body, cb.check != noCheck, true
}

// hotHit is hit for a request without a query, through the table t in
// front of the answer cache: key builds the cache key, on a miss of t.
func (a *API) hotHit(t *hotAnswers, subject string, n int, key func() string) ([]byte, bool) {
	rev := a.reg.Revision()
	if body, ok := t.get(subject, n, rev); ok {
		return body, true
	}
	body, checked, ok := a.hitChecked(key(), rev)
	if ok && !checked {
		t.put(subject, n, rev, body)
	}
	return body, ok
}

func cacheKey(parts ...string) string {
	n := 0
	for _, p := range parts {
		n += len(p) + 1
	}
	var b strings.Builder
	b.Grow(n)
	for _, p := range parts {
		b.WriteString(p)
		b.WriteByte(0)
	}
	return b.String()
}

// cachedByBody answers a POST whose answer is a function of the path, the
// query, the body and the registry state (a lookup, the re-registration of
// a schema a subject holds: what every serializer sends at start-up) from
// the cache while the registry has not changed, without decoding or parsing
// anything. A registration that writes moves the revision, so its answer is
// never served from here.
//
// The body is read into a pooled buffer, given back when the answer is
// made: compute must not keep it (decoding JSON copies the strings).
func (a *API) cachedByBody(r *http.Request, name string, compute func(body []byte) (any, error)) (any, error) {
	buf := bodyBuffers.Get().(*bytes.Buffer)
	defer putBodyBuffer(buf)
	body, err := a.readRawBodyInto(r, buf)
	if err != nil {
		return nil, err
	}
	if readable := a.readFilter(r); readable != nil {
		if err := a.bodyRefsAllowed(r, readable, body); err != nil {
			return nil, err
		}
	}
	return a.cached(bodyKey(name, r, body), func() (any, error) {
		if err := a.checkNesting(body); err != nil { // answered before: accepted then
			return nil, err
		}
		return compute(body)
	})
}

// bodyKey is the cache key of the answer of a POST named name (lookup,
// register, compatibility) to r with body: cacheKey(name, path, query,
// sum) in one allocation, where sum is a 128-bit keyed hash of the body:
// two distinct bodies share a key with a probability of 2^-128, and nobody
// outside can aim at a collision without the seeds. Several times cheaper
// than SHA-256 on a 6 KB body.
func bodyKey(name string, r *http.Request, body []byte) string {
	path, query := r.URL.Path, r.URL.RawQuery
	var sum [16]byte
	binary.LittleEndian.PutUint64(sum[:8], maphash.Bytes(bodySeeds[0], body))
	binary.LittleEndian.PutUint64(sum[8:], maphash.Bytes(bodySeeds[1], body))
	var b strings.Builder
	b.Grow(len(name) + len(path) + len(query) + len(sum) + 4)
	for _, p := range [...]string{name, path, query} {
		b.WriteString(p)
		b.WriteByte(0)
	}
	b.Write(sum[:])
	b.WriteByte(0)
	return b.String()
}

var bodyBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// putBodyBuffer gives a body buffer back, unless it grew large.
func putBodyBuffer(buf *bytes.Buffer) {
	if buf.Cap() <= 64<<10 {
		buf.Reset()
		bodyBuffers.Put(buf)
	}
}

// bodySeeds key the body hashes of bodyKey: two independent random seeds,
// unknown outside the process, give 128 bits of hash.
var bodySeeds = [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}

// hotAnswers is a direct-mapped table in front of the answer cache for the
// hot GETs without a query (a schema by id, a subject-version): the fast
// lane finds their answers there without building a cache key. An entry
// holds what the answer cache held at a revision, and like it is served
// only at that revision. Slots are replaced, never cleared: a table holds
// at most hotSlots answers, shared with the answer cache.
type hotAnswers struct {
	slots [hotSlots]atomic.Pointer[hotAnswer]
}

const hotSlots = 1024

type hotAnswer struct {
	id       int    // the schema id, or the version
	subject  string // the subject of a version; "" for a schema id
	revision int64
	body     []byte
}

// hotSeed spreads subjects over the slots.
var hotSeed = maphash.MakeSeed()

func hotSlot(subject string, n int) int {
	h := uint64(n)
	if subject != "" {
		h += maphash.String(hotSeed, subject)
	}
	return int(h % hotSlots)
}

// get returns the answer for (subject, n) at revision rev.
func (t *hotAnswers) get(subject string, n int, rev int64) ([]byte, bool) {
	e := t.slots[hotSlot(subject, n)].Load()
	if e == nil || e.revision != rev || e.id != n || e.subject != subject {
		return nil, false
	}
	return e.body, true
}

// put remembers the answer for (subject, n) computed at revision rev.
func (t *hotAnswers) put(subject string, n int, rev int64, body []byte) {
	t.slots[hotSlot(subject, n)].Store(&hotAnswer{id: n, subject: subject, revision: rev, body: body})
}
