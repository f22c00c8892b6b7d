package api

import (
	"sync"
	"sync/atomic"
)

// bodyCache keeps encoded answers of the hot reads (a schema by id, a
// subject-version), each with the registry revision it was computed at; an
// answer is served only while the revision has not moved, so a write of any
// kind makes every cached answer stale at once. Reads are lock-free.
type bodyCache struct {
	m     sync.Map // string -> cachedBody
	n     atomic.Int64
	limit int64
}

type cachedBody struct {
	revision int64
	body     []byte
}

// rawJSON is a response body already encoded.
type rawJSON []byte

func (c *bodyCache) get(key string, revision int64) ([]byte, bool) {
	v, ok := c.m.Load(key)
	if !ok {
		return nil, false
	}
	cb := v.(cachedBody)
	return cb.body, cb.revision == revision
}

func (c *bodyCache) put(key string, revision int64, body []byte) {
	if _, loaded := c.m.Swap(key, cachedBody{revision, body}); !loaded && c.n.Add(1) > c.limit {
		c.m.Clear() // bounded the simple way; hot keys come back at once
		c.n.Store(0)
	}
}

// cached answers from the cache when the revision allows, else computes the
// answer, caches its encoding and returns it. Errors are not cached.
func (a *API) cached(key string, compute func() (any, error)) (any, error) {
	rev := a.reg.Revision()
	if body, ok := a.bodies.get(key, rev); ok {
		return rawJSON(body), nil
	}
	v, err := compute()
	if err != nil {
		return nil, err
	}
	body := encodeJSON(v)
	a.bodies.put(key, rev, body)
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
