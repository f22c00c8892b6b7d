package store

import (
	"crypto/sha256"
	"encoding/binary"

	"github.com/schemaregistry/registry/compat"
	"github.com/schemaregistry/registry/internal/bounded"
)

// parseCache remembers parses so that a schema sent again (every
// serializer re-registers or looks up its schema at start-up) is never
// parsed twice. A parse is a pure function of the key: type, options, text
// and the text of every dependency, so entries never go stale; the cache is
// only bounded.
type parseCache = bounded.Map[[16]byte, parsedSchema]

func newParseCache(limit int) *parseCache { return bounded.New[[16]byte, parsedSchema](limit) }

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

// verdictKey names a compatibility check: the candidate as parsed (the
// parse cache hands out one object per content, so a pointer stands for
// the content), the level and options, and the ids and versions checked
// against (an id is never bound to another schema).
type verdictKey struct {
	candidate any
	level     compat.Level
	policy    string
	fields    bool
	previous  string
}

// verdictCache remembers compatibility answers: a check repeated with the
// same candidate against the same versions (CI pipelines, serializers
// checking before they register) is a map lookup.
type verdictCache = bounded.Map[verdictKey, []string]
