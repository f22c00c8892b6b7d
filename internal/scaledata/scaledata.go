// Package scaledata generates a large `_schemas` topic as a big user's looks:
// SCHEMA records in Confluent's key and value format, of Avro schemas with
// nested records, enums, arrays, maps, unions, logical types and docs, 5 to 40
// fields, under subjects whose versions evolve one change at a time (a field
// added, one dropped, a doc reworded) and whose number of versions is skewed
// (median 5, a long tail up to 353). The versions of a few hundred subjects
// are interleaved, as registrations arrive over time.
//
// Records are generated in order and are the same for the same count, so a
// test can write them to a log and check what the registry serves.
package scaledata

import (
	"math"
	"math/rand/v2"
	"strconv"
)

// MaxVersions caps the versions of one subject.
const MaxVersions = 353

// group is how many subjects have their versions interleaved.
const group = 256

// Gen yields the records one after the other.
type Gen struct {
	total, emitted int
	nextSubject    int
	active         []*subject // the group being interleaved
	turn           int
	// Versions counts the records generated so far of each subject, in
	// subject order.
	Versions []int
	buf      []byte
	text     []byte
	keyLen   int
}

// New returns a generator of n records.
func New(n int) *Gen { return &Gen{total: n} }

// Record is one generated record and what it holds.
type Record struct {
	Key, Value []byte // valid until the next call of Next
	Subject    string
	Version    int
	ID         int
	Schema     []byte // the schema text, valid until the next call of Next
}

// Next returns the next record, false after the last.
func (g *Gen) Next() (Record, bool) {
	if g.emitted >= g.total {
		return Record{}, false
	}
	for {
		if len(g.active) < group {
			g.fill()
		}
		if g.turn >= len(g.active) {
			g.turn = 0
		}
		s := g.active[g.turn]
		if s.version >= s.versions {
			g.active = append(g.active[:g.turn], g.active[g.turn+1:]...)
			continue
		}
		g.turn++
		if s.version > 0 {
			s.evolve()
		}
		s.version++
		g.Versions[s.index]++
		g.emitted++
		id := g.emitted
		g.text = s.schema(g.text[:0])
		g.buf = g.record(g.buf[:0], s, id)
		return Record{Key: g.buf[:g.keyLen], Value: g.buf[g.keyLen:], Subject: s.name, Version: s.version, ID: id, Schema: g.text}, true
	}
}

// fill starts the next group of subjects.
func (g *Gen) fill() {
	for len(g.active) < group {
		s := newSubject(g.nextSubject)
		g.nextSubject++
		g.Versions = append(g.Versions, 0)
		g.active = append(g.active, s)
	}
}

// VersionsOf reports the versions subject i gets (in full, even where the
// record count cuts it short).
func VersionsOf(i int) int { return newSubject(i).versions }

// SubjectName is the name of subject i.
func SubjectName(i int) string { return newSubject(i).name }

func (g *Gen) record(b []byte, s *subject, id int) []byte {
	b = append(b, `{"keytype":"SCHEMA","subject":"`...)
	b = append(b, s.name...)
	b = append(b, `","version":`...)
	b = strconv.AppendInt(b, int64(s.version), 10)
	b = append(b, `,"magic":1}`...)
	g.keyLen = len(b)
	b = append(b, `{"subject":"`...)
	b = append(b, s.name...)
	b = append(b, `","version":`...)
	b = strconv.AppendInt(b, int64(s.version), 10)
	b = append(b, `,"id":`...)
	b = strconv.AppendInt(b, int64(id), 10)
	b = append(b, `,"schemaType":"AVRO","schema":"`...)
	for _, c := range g.text { // the texts hold no control characters
		if c == '"' || c == '\\' {
			b = append(b, '\\')
		}
		b = append(b, c)
	}
	b = append(b, `","deleted":false}`...)
	return b
}

// words make names and docs.
var words = []string{"account", "address", "amount", "balance", "batch", "billing", "campaign",
	"card", "cart", "category", "channel", "city", "click", "code", "country", "coupon", "created",
	"currency", "customer", "date", "delivery", "device", "discount", "email", "event", "expiry",
	"failure", "fee", "invoice", "item", "key", "label", "language", "latitude", "level", "limit",
	"line", "locale", "longitude", "merchant", "message", "method", "name", "note", "number", "offer",
	"order", "origin", "owner", "page", "partner", "payment", "phone", "plan", "platform", "price",
	"product", "quantity", "rate", "reason", "referrer", "refund", "region", "score", "session",
	"shipment", "sku", "source", "status", "step", "store", "street", "tax", "tenant", "text",
	"token", "total", "tracking", "unit", "updated", "user", "value", "vendor", "version",
	"warehouse", "zone", "the", "of", "when", "is", "set", "by", "for", "in", "a", "this", "if",
	"not", "and", "or", "as", "from", "to", "at", "each", "last", "first", "local", "time", "id"}

var domains = []string{"orders", "payments", "billing", "shipping", "inventory", "customers",
	"catalog", "marketing", "analytics", "risk", "identity", "support", "pricing", "search"}

type field struct {
	name, typ, doc string
	optional       bool // has a default: may be dropped
}

type subject struct {
	name, record, namespace string
	rng                     *rand.Rand
	index                   int
	versions, version       int
	fields                  []field
	serial                  int
}

// newSubject makes subject i: its name, its number of versions (log-normal
// with median 5, mean about 10, capped at MaxVersions) and its first fields.
func newSubject(i int) *subject {
	rng := rand.New(rand.NewPCG(uint64(i), 0x5eed))
	s := &subject{rng: rng, index: i}
	n := int(math.Round(5 * math.Exp(1.18*rng.NormFloat64())))
	s.versions = min(max(n, 1), MaxVersions)
	d := domains[rng.IntN(len(domains))]
	s.record = camel(s.word()) + camel(s.word()) + "Event"
	s.namespace = "com.acme." + d + ".v" + strconv.Itoa(1+rng.IntN(3))
	suffix := "-value"
	if rng.IntN(10) == 0 {
		suffix = "-key"
	}
	s.name = d + "." + s.word() + "-" + s.word() + "-" + strconv.Itoa(i) + suffix
	nf := 5 + rng.IntN(16) // 5..20 at first, up to 40 as it evolves
	for range nf {
		s.fields = append(s.fields, s.newField(false))
	}
	return s
}

func (s *subject) word() string { return words[s.rng.IntN(86)] } // name words only

func camel(w string) string { return string(w[0]-'a'+'A') + w[1:] }

func (s *subject) doc() string {
	n := 2 + s.rng.IntN(7)
	b := make([]byte, 0, n*8)
	for k := range n {
		if k > 0 {
			b = append(b, ' ')
		}
		b = append(b, words[s.rng.IntN(len(words))]...)
	}
	return string(b)
}

// newField makes a field; an added one (evolution) is optional with a
// default, as a compatible change needs.
func (s *subject) newField(added bool) field {
	s.serial++
	name := s.word() + "_" + s.word()
	if s.serial > 1 {
		name += strconv.Itoa(s.serial)
	}
	var typ string
	optional := added
	switch k := s.rng.IntN(20); {
	case added || k < 3:
		typ = `["null",` + s.simple() + `],"default":null`
		optional = true
	case k < 8:
		typ = s.simple()
	case k < 10:
		typ = `{"type":"array","items":` + s.simple() + `}`
	case k < 11:
		typ = `{"type":"map","values":` + s.simple() + `}`
	case k < 14:
		typ = `{"type":"enum","name":"` + camel(s.word()) + "Kind" + strconv.Itoa(s.serial) + `","symbols":["UNKNOWN","` +
			upper(s.word()) + `","` + upper(s.word()) + "_" + strconv.Itoa(s.serial) + `"]},"default":"UNKNOWN"`
		optional = true
	case k < 15:
		typ = `{"type":"record","name":"` + camel(s.word()) + strconv.Itoa(s.serial) + `","fields":[` +
			`{"name":"` + s.word() + `","type":"string","doc":"` + s.doc() + `"},` +
			`{"name":"` + s.word() + `_at","type":{"type":"long","logicalType":"timestamp-millis"}},` +
			`{"name":"` + s.word() + `_amount","type":{"type":"bytes","logicalType":"decimal","precision":18,"scale":4}},` +
			`{"name":"` + s.word() + `_tags","type":{"type":"array","items":"string"},"default":[]}]}`
	default:
		typ = `{"type":"` + []string{"long", "int"}[s.rng.IntN(2)] + `","logicalType":"` +
			[]string{"timestamp-millis", "date"}[s.rng.IntN(2)] + `"}`
		if typ[10] == 'l' {
			typ = `{"type":"long","logicalType":"timestamp-micros"}`
		}
	}
	return field{name: name, typ: typ, doc: s.doc(), optional: optional}
}

func upper(w string) string {
	b := []byte(w)
	for i, c := range b {
		b[i] = c - 'a' + 'A'
	}
	return string(b)
}

func (s *subject) simple() string {
	switch s.rng.IntN(9) {
	case 0, 1, 2:
		return `"string"`
	case 3:
		return `"long"`
	case 4:
		return `"int"`
	case 5:
		return `"double"`
	case 6:
		return `"boolean"`
	case 7:
		return `{"type":"string","logicalType":"uuid"}`
	default:
		return `{"type":"long","logicalType":"timestamp-millis"}`
	}
}

// evolve makes the next version: a field added (most often), an optional
// field dropped, or a doc reworded.
func (s *subject) evolve() {
	switch k := s.rng.IntN(10); {
	case k < 5 && len(s.fields) < 40 || len(s.fields) <= 5:
		s.fields = append(s.fields, s.newField(true))
	case k < 8:
		// The oldest optional field but the last one: the field added last
		// stays until another is added, so no version repeats an earlier
		// one (a registry would give it the earlier id).
		for j := 0; j < len(s.fields)-1; j++ {
			if s.fields[j].optional {
				s.fields = append(s.fields[:j], s.fields[j+1:]...)
				return
			}
		}
		s.reword()
	default:
		s.reword()
	}
}

// reword gives a field another doc.
func (s *subject) reword() {
	f := &s.fields[s.rng.IntN(len(s.fields))]
	for old := f.doc; f.doc == old; {
		f.doc = s.doc()
	}
}

// schema appends the text of the current version.
func (s *subject) schema(b []byte) []byte {
	b = append(b, `{"type":"record","name":"`...)
	b = append(b, s.record...)
	b = append(b, `","namespace":"`...)
	b = append(b, s.namespace...)
	b = append(b, `","doc":"The `...)
	b = append(b, s.record...)
	b = append(b, ` record.","fields":[`...)
	for j, f := range s.fields {
		if j > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"name":"`...)
		b = append(b, f.name...)
		b = append(b, `","type":`...)
		b = append(b, f.typ...)
		b = append(b, `,"doc":"`...)
		b = append(b, f.doc...)
		b = append(b, `"}`...)
	}
	return append(b, "]}"...)
}
