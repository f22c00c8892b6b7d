package api

import (
	"bytes"
	"encoding/binary"
	"hash/maphash"
	"net/http"
	"sync"

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
	if cb, ok := a.bodies.Get(key); ok && cb.revision == rev {
		if cb.check != noCheck {
			a.reg.CountCompatibilityCheck(cb.check == checkPassed)
		}
		return rawJSON(cb.body), nil
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

func cacheKey(parts ...string) string {
	n := 0
	for _, p := range parts {
		n += len(p) + 1
	}
	b := make([]byte, 0, n)
	for _, p := range parts {
		b = append(b, p...)
		b = append(b, 0)
	}
	return string(b)
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
	defer func() {
		if buf.Cap() <= 64<<10 {
			buf.Reset()
			bodyBuffers.Put(buf)
		}
	}()
	body, err := a.readRawBodyInto(r, buf)
	if err != nil {
		return nil, err
	}
	if readable := a.readFilter(r); readable != nil {
		if err := a.bodyRefsAllowed(r, readable, body); err != nil {
			return nil, err
		}
	}
	return a.cached(cacheKey(name, r.URL.Path, r.URL.RawQuery, bodySum(body)), func() (any, error) {
		if err := a.checkNesting(body); err != nil { // answered before: accepted then
			return nil, err
		}
		return compute(body)
	})
}

var bodyBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// bodySeeds key bodySum: two independent random seeds, unknown outside the
// process, give 128 bits of hash.
var bodySeeds = [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}

// bodySum is a 128-bit keyed hash of a request body, for cache keys: two
// distinct bodies share a key with a probability of 2^-128, and nobody
// outside can aim at a collision without the seeds. Several times cheaper
// than SHA-256 on a 6 KB body.
func bodySum(body []byte) string {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], maphash.Bytes(bodySeeds[0], body))
	binary.LittleEndian.PutUint64(b[8:], maphash.Bytes(bodySeeds[1], body))
	return string(b[:])
}
