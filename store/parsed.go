package store

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/schemaregistry/registry/formats"
)

// Stored schemas are parsed on demand (compatibility checks, the validation
// hook, formatted reads, diffs), and the parse is kept on its entry for the
// next time: a compatibility check against the latest version of a subject
// looks it up with one atomic load. But parses are 10 to 30 times larger
// than the texts, which are kept compressed, so that keeping the parse of
// every schema ever checked against would make memory grow with them (2.5
// GB for 100,000 Avro schemas of 2 KB). A parsedCache bounds them: entries
// holding a parse are listed in a ring swept by a CLOCK hand, and when the
// ring is full (in count, or in estimated bytes), the hand drops the parse
// of the first entry not used since it last passed. A parse in use sets its
// used bit (once per turn of the hand, so that a hot parse is not written
// by every reader); a dropped parse is parsed again when it is needed.
//
// A parse depends on what the entry's references resolve to, which can
// change while the entry lives (a referenced subject-version removed, or
// bound to another schema by a record another node wrote; a new latest
// version of a subject referred to as -1): the state's refGen moves then,
// and the parses of entries with references made before are made again.

// Default bounds of the parsed schemas held (Settings.MaxParsedSchemas and
// MaxParsedBytes).
const (
	DefaultMaxParsedSchemas = 10_000
	DefaultMaxParsedBytes   = 128 << 20
)

// parsedSchema is a stored schema parsed, as held by its entry.
type parsedSchema struct {
	schema formats.Schema
	err    error
	// gen is the state's refGen when the references were resolved: a parse
	// of an entry with references (refs) is stale when it moved.
	gen  uint64
	refs bool
	// size is the parse's estimated size (parsedSize).
	size int64
	// used is the CLOCK bit: set when the parse is used, cleared by the
	// hand as it passes.
	used atomic.Bool
}

// parsedSize estimates what the parse of a schema text takes in memory,
// from the objects in its text (records, fields and nested types in Avro,
// subschemas in JSON Schema; messages and fields in Protobuf), as measured
// on generated and real-world-like schemas of 5 to 100 fields (within 15%;
// TestParsedSizeEstimate). For Avro it includes hamba/avro's parse, which
// the first compatibility check adds.
func parsedSize(t formats.SchemaType, text string) int64 {
	n := int64(len(text)/4 + 1024)
	switch t {
	case formats.Avro:
		n += 850 * int64(strings.Count(text, "{"))
	case formats.Protobuf:
		n += 600 * int64(strings.Count(text, "{")+strings.Count(text, ";"))
	default:
		n += 1350 * int64(strings.Count(text, "{"))
	}
	return n
}

// parsedCache bounds the entries holding a parse. Its ring lists them: an
// entry's parsed pointer is set only while the entry is in the ring, and
// both change together under mu (the readers of the pointer do not take
// it).
type parsedCache struct {
	mu       sync.Mutex
	ring     []*schemaEntry // grows to maxCount; nil slots are free
	hand     int
	count    int   // entries in the ring
	bytes    int64 // their parses' estimated size
	maxCount int
	maxBytes int64

	// For the metrics, read without mu.
	held, heldBytes, parses, evictions atomic.Int64
}

func newParsedCache(maxCount int, maxBytes int64) *parsedCache {
	return &parsedCache{maxCount: maxCount, maxBytes: maxBytes}
}

// ParsedStats are the counts of the parsed stored schemas.
type ParsedStats struct {
	// Held is the number of stored schemas held parsed, and Bytes their
	// estimated size; at most Settings.MaxParsedSchemas and about
	// MaxParsedBytes.
	Held, Bytes int64
	// Parses counts the parses of stored schemas since start-up, and
	// Evictions the parses dropped to make room: a cache too small for the
	// schemas in use parses the same ones again and again.
	Parses, Evictions int64
}

// ParsedStats returns the counts of the parsed stored schemas.
func (r *Registry) ParsedStats() ParsedStats {
	c := r.parsedSchemas
	return ParsedStats{Held: c.held.Load(), Bytes: c.heldBytes.Load(), Parses: c.parses.Load(), Evictions: c.evictions.Load()}
}

// parsed returns the stored schema parsed: the parse held by the entry when
// there is one, else a new one, held. The caller holds r.mu for reading
// (references are resolved in st).
func (r *Registry) parsed(st *state, e *schemaEntry) (formats.Schema, error) {
	if p := e.parsed.Load(); p != nil && (!p.refs || p.gen == st.refGen) {
		if !p.used.Load() {
			p.used.Store(true)
		}
		return p.schema, p.err
	}
	p := &parsedSchema{gen: st.refGen, refs: len(e.refs()) > 0, size: 1024}
	f := r.formats[e.schemaType]
	if f == nil {
		p.err = fmt.Errorf("unknown schema type %s", e.schemaType)
	} else {
		var deps []formats.Dependency
		if _, err := st.resolve(e.subject(), e.refs(), IncludingDeleted, 0, map[string]bool{}, &deps); err != nil {
			p.err = err
		} else {
			text := e.schema()
			p.schema, p.err = f.Parse(text, deps, formats.Options{})
			p.size = parsedSize(e.schemaType, text)
			for _, d := range deps { // a parse holds its dependencies'
				p.size += parsedSize(e.schemaType, d.Schema)
			}
		}
	}
	r.parsedSchemas.parses.Add(1)
	r.parsedSchemas.hold(e, p)
	return p.schema, p.err
}

// hold makes p the entry's parse, in the ring, dropping others to stay in
// the bounds.
func (c *parsedCache) hold(e *schemaEntry, p *parsedSchema) {
	c.mu.Lock()
	defer c.mu.Unlock()
	defer c.publish()
	if cur := e.parsed.Load(); cur != nil {
		// In the ring already: another reader parsed it meanwhile (keep
		// that one), or its references moved (replace it).
		if cur.gen != p.gen {
			p.used.Store(true)
			e.parsed.Store(p)
			c.bytes += p.size - cur.size
		}
		return
	}
	var i int
	if len(c.ring) < c.maxCount {
		c.ring = append(c.ring, nil)
		i = len(c.ring) - 1
	} else {
		i = c.sweep(nil, true)
	}
	c.ring[i] = e
	c.count++
	c.bytes += p.size
	// Not marked used: a parse needed once (a scan over many schemas) goes
	// before those needed again. The hand is past its slot, which it
	// reaches last.
	e.parsed.Store(p)
	for c.bytes > c.maxBytes && c.count > 1 {
		c.sweep(e, false)
	}
}

// sweep turns the hand until it drops a parse not used since it last
// passed, clearing the used bits on its way, and returns the slot it freed
// (or, with free, a slot found free). It never drops keep's.
func (c *parsedCache) sweep(keep *schemaEntry, free bool) int {
	for {
		i := c.hand
		c.hand++
		if c.hand == len(c.ring) {
			c.hand = 0
		}
		e := c.ring[i]
		if e == nil {
			if free {
				return i
			}
			continue
		}
		if e == keep {
			continue
		}
		p := e.parsed.Load()
		if p.used.Load() {
			p.used.Store(false)
			continue
		}
		e.parsed.Store(nil)
		c.ring[i] = nil
		c.count--
		c.bytes -= p.size
		c.evictions.Add(1)
		return i
	}
}

// publish copies the counts for the metrics.
func (c *parsedCache) publish() {
	c.held.Store(int64(c.count))
	c.heldBytes.Store(c.bytes)
}
