package store

import (
	"crypto/sha256"
	"encoding/binary"

	"github.com/schemaregistry/registry/compat"
	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/internal/bounded"
)

// parseCache remembers parses so that a schema sent again (every
// serializer re-registers or looks up its schema at start-up) is never
// parsed twice. A parse is a pure function of the key: type, options, text
// and the text of every dependency, so entries never go stale; the cache is
// only bounded.
type parseCache = bounded.Map[[16]byte, parse]

// parse is a request's schema parsed, or why it cannot be.
type parse struct {
	schema formats.Schema
	err    error
}

func newParseCache(limit int) *parseCache { return bounded.New[[16]byte, parse](limit) }

func parseCacheKey(p *prepared) [16]byte {
	h := sha256.New() // hardware-accelerated: cheaper than FNV on schema texts
	var flags [3]byte
	if p.opts.Normalize {
		flags[0] = 1
	}
	if p.opts.New {
		flags[1] = 1
	}
	h.Write([]byte(p.format.Type().String()))
	h.Write(flags[:])
	field := func(s string) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	field(p.req.Schema)
	for _, d := range p.deps {
		field(d.Name)
		field(d.Schema)
	}
	var k [16]byte
	copy(k[:], h.Sum(nil))
	return k
}

// verdictKey names a compatibility check: the candidate's content (its
// parse cache key: the answers do not keep parses alive), the level and
// options, and the ids and versions checked against (an id is never bound
// to another schema; what their references resolve to is the state's
// refGen).
type verdictKey struct {
	candidate [16]byte
	level     compat.Level
	policy    string
	fields    bool
	refGen    uint64
	previous  string
}

// verdictCache remembers compatibility answers: a check repeated with the
// same candidate against the same versions (CI pipelines, serializers
// checking before they register) is a map lookup.
type verdictCache = bounded.Map[verdictKey, []string]
