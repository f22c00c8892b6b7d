package api

import (
	"crypto/sha256"
	"net/http"

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
func (a *API) cachedByBody(r *http.Request, name string, compute func(body []byte) (any, error)) (any, error) {
	body, err := a.readRawBody(r)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body) // hardware-accelerated: cheaper than FNV here
	return a.cached(cacheKey(name, r.URL.Path, r.URL.RawQuery, string(sum[:])), func() (any, error) {
		if err := a.checkNesting(body); err != nil { // answered before: accepted then
			return nil, err
		}
		return compute(body)
	})
}
