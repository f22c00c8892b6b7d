package store

import (
	"slices"
	"sort"
	"strings"
	"sync/atomic"
)

// The subject index: every subject in name order, with the counts the
// listings page by (its versions, and those not soft-deleted), kept as
// records are applied. A listing (GET /subjects, GET /schemas, the
// console's subject list) finds the names its filter selects by binary
// search, skips whole chunks by their sums to reach its offset, and reads
// its page: a page costs its own size and a walk over the chunk sums (a few
// hundred for 100,000 subjects), never a sort of the registry.
//
// Readers share it without locks. A reader takes the index under the
// registry's read lock and freezes it; from then on the writer never
// changes it: the next record applied copies the list of chunks and the
// chunk it changes (a few KB) into a new index. Until a reader comes (a
// replay, a burst of writes), changes are made in place.

// Chunk sizes: a chunk holding more than chunkMax entries is split in two,
// one left with fewer than chunkMin is merged with a neighbour (variables
// for the tests).
var (
	chunkMax = 512
	chunkMin = 64
)

// indexEntry is one subject as the index holds it. The counts are those of
// the revision of the index; subject is the live state, read under the
// registry's read lock only.
type indexEntry struct {
	name     string
	subject  *subjectState
	versions int32 // soft-deleted ones included
	live     int32 // not soft-deleted
}

// indexSums are the sums of a chunk's entries.
type indexSums struct {
	subjects, liveSubjects, versions, liveVersions int
}

func (s *indexSums) add(e *indexEntry, sign int) {
	s.subjects += sign
	if e.live > 0 {
		s.liveSubjects += sign
	}
	s.versions += sign * int(e.versions)
	s.liveVersions += sign * int(e.live)
}

type indexChunk struct {
	gen     uint64 // the index generation that may change it in place
	entries []indexEntry
	sums    indexSums
}

func newChunk(gen uint64, entries []indexEntry) *indexChunk {
	c := &indexChunk{gen: gen, entries: entries}
	for i := range entries {
		c.sums.add(&entries[i], 1)
	}
	return c
}

// subjectIndex is the index at one revision once frozen.
type subjectIndex struct {
	gen    uint64
	chunks []*indexChunk
	frozen atomic.Bool
	// odd counts the subjects whose name is not as NormalizeSubject writes
	// it, or names a context alone (":.name:"): the spans of a filter are
	// then not exact, and listings test every name (spans).
	odd int
}

// oddName reports a name the spans of a filter may miss or wrongly hold.
func oddName(name string) bool {
	return strings.HasPrefix(name, ":.") && (NormalizeSubject(name) != name || plainSubject(name) == "")
}

// freeze returns the index for readers; the caller holds the registry's
// read lock.
func (x *subjectIndex) freeze() *subjectIndex {
	if !x.frozen.Load() { // a load first: readers do not all write one cache line
		x.frozen.Store(true)
	}
	return x
}

// reindex brings the entry of a subject up to date after its versions
// changed; the caller holds the registry's write lock.
func (st *state) reindex(name string) {
	if st.indexLater {
		return
	}
	x := st.index
	c, i, found := x.find(name)
	s := st.subjects[name]
	if s == nil {
		if found {
			st.index = x.writable()
			st.index.remove(c, i)
		}
		return
	}
	e := indexEntryOf(name, s)
	if found && x.chunks[c].entries[i] == e {
		return
	}
	st.index = x.writable()
	st.index.put(c, i, found, e)
}

// indexEntryOf is the entry of a subject.
func indexEntryOf(name string, s *subjectState) indexEntry {
	return indexEntry{name: name, subject: s, versions: int32(len(s.versions)), live: int32(len(s.versions) - s.deleted)}
}

// buildIndex makes the index of every subject at once, after a replay
// (which leaves it alone: indexLater): one sort instead of an insertion
// per record.
func (st *state) buildIndex() {
	names := make([]string, 0, len(st.subjects))
	for name := range st.subjects {
		names = append(names, name)
	}
	slices.Sort(names)
	x := &subjectIndex{}
	for lo := 0; lo < len(names); lo += chunkMax / 2 {
		hi := min(lo+chunkMax/2, len(names))
		entries := make([]indexEntry, 0, hi-lo)
		for _, name := range names[lo:hi] {
			entries = append(entries, indexEntryOf(name, st.subjects[name]))
			x.countOdd(name, 1)
		}
		x.chunks = append(x.chunks, newChunk(x.gen, entries))
	}
	st.index, st.indexLater = x, false
}

// writable returns the index itself when no reader holds it, else a copy
// of its chunk list, one generation on.
func (x *subjectIndex) writable() *subjectIndex {
	if !x.frozen.Load() {
		return x
	}
	return &subjectIndex{gen: x.gen + 1, chunks: slices.Clone(x.chunks), odd: x.odd}
}

// chunk returns chunk c, copied first unless this generation made it.
func (x *subjectIndex) chunk(c int) *indexChunk {
	ch := x.chunks[c]
	if ch.gen != x.gen {
		ch = &indexChunk{gen: x.gen, entries: append(make([]indexEntry, 0, len(ch.entries)+1), ch.entries...), sums: ch.sums}
		x.chunks[c] = ch
	}
	return ch
}

// find returns where name is, or would be inserted: chunk c, entry i.
func (x *subjectIndex) find(name string) (c, i int, found bool) {
	if len(x.chunks) == 0 {
		return 0, 0, false
	}
	c = sort.Search(len(x.chunks), func(k int) bool {
		es := x.chunks[k].entries
		return es[len(es)-1].name >= name
	})
	if c == len(x.chunks) {
		c-- // after every name: at the end of the last chunk
	}
	es := x.chunks[c].entries
	i = sort.Search(len(es), func(k int) bool { return es[k].name >= name })
	return c, i, i < len(es) && es[i].name == name
}

// put sets or inserts an entry at the place find returned.
func (x *subjectIndex) put(c, i int, found bool, e indexEntry) {
	if len(x.chunks) == 0 {
		x.chunks = []*indexChunk{newChunk(x.gen, []indexEntry{e})}
		x.countOdd(e.name, 1)
		return
	}
	ch := x.chunk(c)
	if found {
		ch.sums.add(&ch.entries[i], -1)
		ch.entries[i] = e
		ch.sums.add(&e, 1)
		return
	}
	x.countOdd(e.name, 1)
	ch.entries = slices.Insert(ch.entries, i, e)
	ch.sums.add(&e, 1)
	if len(ch.entries) > chunkMax {
		half := len(ch.entries) / 2
		left := newChunk(x.gen, slices.Clone(ch.entries[:half]))
		right := newChunk(x.gen, slices.Clone(ch.entries[half:]))
		x.chunks = slices.Replace(x.chunks, c, c+1, left, right)
	}
}

// remove removes entry i of chunk c.
func (x *subjectIndex) remove(c, i int) {
	ch := x.chunk(c)
	x.countOdd(ch.entries[i].name, -1)
	ch.sums.add(&ch.entries[i], -1)
	ch.entries = slices.Delete(ch.entries, i, i+1)
	switch {
	case len(ch.entries) == 0:
		x.chunks = slices.Delete(x.chunks, c, c+1)
	case len(ch.entries) < chunkMin && len(x.chunks) > 1:
		if c == len(x.chunks)-1 {
			c--
		}
		a, b := x.chunks[c], x.chunks[c+1]
		if len(a.entries)+len(b.entries) <= chunkMax {
			merged := newChunk(x.gen, slices.Concat(a.entries, b.entries))
			x.chunks = slices.Replace(x.chunks, c, c+2, merged)
		}
	}
}

func (x *subjectIndex) countOdd(name string, n int) {
	if oddName(name) {
		x.odd += n
	}
}

// pos is a place in the index: entry e of chunk c; {len(chunks), 0} is
// the end. Positions are kept with e < len(entries), so that they compare
// by (c, e).
type pos struct{ c, e int }

func (p pos) less(q pos) bool { return p.c < q.c || p.c == q.c && p.e < q.e }

// lower returns the position of the first name >= key.
func (x *subjectIndex) lower(key string) pos {
	c, i, _ := x.find(key)
	return x.norm(pos{c, i})
}

func (x *subjectIndex) norm(p pos) pos {
	if p.c < len(x.chunks) && p.e >= len(x.chunks[p.c].entries) {
		return pos{p.c + 1, 0}
	}
	return p
}

func (x *subjectIndex) end() pos { return pos{len(x.chunks), 0} }

// span is the names in [from, to).
type span struct{ from, to pos }

// prefixSpan is the span of the names starting with prefix.
func (x *subjectIndex) prefixSpan(prefix string) span {
	from := x.lower(prefix)
	to := x.end()
	if next, ok := prefixEnd(prefix); ok {
		to = x.lower(next)
	}
	return span{from, to}
}

// prefixEnd is the least string above every string starting with prefix;
// false when there is none (a prefix of 0xff bytes, or "").
func prefixEnd(prefix string) (string, bool) {
	b := []byte(prefix)
	for len(b) > 0 && b[len(b)-1] == 0xff {
		b = b[:len(b)-1]
	}
	if len(b) == 0 {
		return "", false
	}
	b[len(b)-1]++
	return string(b), true
}

// spans returns the spans of the names a subject filter selects, in
// order, and whether every name in them matches (else each must be
// tested). contexts are the named contexts (st.named); the caller holds
// the registry's read lock.
func (x *subjectIndex) spans(f subjectFilter, contexts []string) ([]span, bool) {
	all := []span{{pos{}, x.end()}}
	if f.anyContext && f.plain == "" {
		return all, true
	}
	if x.odd > 0 {
		return all, false
	}
	// Names outside any context (those not starting with ":.") starting
	// with p: p's span less the block of qualified names.
	unqualified := func(p string) []span {
		s := x.prefixSpan(p)
		block := x.prefixSpan(":.")
		var out []span
		if s.from.less(block.from) {
			out = append(out, span{s.from, minPos(s.to, block.from)})
		}
		if block.to.less(s.to) {
			out = append(out, span{maxPos(s.from, block.to), s.to})
		}
		return out
	}
	var out []span
	switch {
	case f.anyContext:
		out = unqualified(f.plain)
		for _, ctx := range contexts {
			out = append(out, x.prefixSpan(":"+ctx+":"+f.plain))
		}
	case f.context == defaultContext:
		out = unqualified(f.plain)
	default:
		out = []span{x.prefixSpan(":" + f.context + ":" + f.plain)}
	}
	out = slices.DeleteFunc(out, func(s span) bool { return !s.from.less(s.to) })
	slices.SortFunc(out, func(a, b span) int {
		if a.from.less(b.from) {
			return -1
		}
		return 1
	})
	return out, true
}

func minPos(a, b pos) pos {
	if a.less(b) {
		return a
	}
	return b
}

func maxPos(a, b pos) pos {
	if a.less(b) {
		return b
	}
	return a
}

// weight is what a listing counts of a subject: a listing of names counts
// subjects, one of versions counts versions.
type weight int

const (
	liveSubjects    weight = iota // subjects with a version not soft-deleted
	deletedSubjects               // subjects with every version soft-deleted
	allSubjects
	liveVersions
	allVersions
)

func (w weight) of(e *indexEntry) int {
	switch w {
	case liveSubjects:
		return min(int(e.live), 1)
	case deletedSubjects:
		if e.live == 0 {
			return 1
		}
		return 0
	case allSubjects:
		return 1
	case liveVersions:
		return int(e.live)
	default:
		return int(e.versions)
	}
}

func (w weight) sum(s *indexSums) int {
	switch w {
	case liveSubjects:
		return s.liveSubjects
	case deletedSubjects:
		return s.subjects - s.liveSubjects
	case allSubjects:
		return s.subjects
	case liveVersions:
		return s.liveVersions
	default:
		return s.versions
	}
}

// walk calls fn with each entry of the spans that weighs something and
// that keep (nil: every one) keeps, in order, after skipping skip units of
// weight: skipped whole chunks cost their sums alone when keep is nil. fn
// gets the units to skip within its entry (0 but for the first) and
// returns false to stop; walk then returns where it stopped (the entry fn
// refused), else the end.
func (x *subjectIndex) walk(spans []span, w weight, keep func(*indexEntry) bool, skip int, fn func(e *indexEntry, within int) bool) (stop pos, stopped bool) {
	for _, s := range spans {
		for c := s.from.c; c <= s.to.c && c < len(x.chunks); c++ {
			entries := x.chunks[c].entries
			lo, hi := s.within(c, len(entries))
			if keep == nil && lo == 0 && hi == len(entries) && skip > 0 {
				if n := w.sum(&x.chunks[c].sums); skip >= n {
					skip -= n
					continue
				}
			}
			for i := lo; i < hi; i++ {
				e := &entries[i]
				n := w.of(e)
				if n == 0 || keep != nil && !keep(e) {
					continue
				}
				if skip >= n {
					skip -= n
					continue
				}
				if !fn(e, skip) {
					return pos{c, i}, true
				}
				skip = 0
			}
		}
	}
	return x.end(), false
}

// within returns the entries [lo, hi) of chunk c (of n entries) the span
// holds.
func (s span) within(c, n int) (lo, hi int) {
	lo, hi = 0, n
	if c == s.from.c {
		lo = s.from.e
	}
	if c == s.to.c {
		hi = s.to.e
	}
	return lo, hi
}

// count is the weight of the entries of the spans keep keeps.
func (x *subjectIndex) count(spans []span, w weight, keep func(*indexEntry) bool) int {
	n := 0
	for _, s := range spans {
		for c := s.from.c; c <= s.to.c && c < len(x.chunks); c++ {
			entries := x.chunks[c].entries
			lo, hi := s.within(c, len(entries))
			if keep == nil && lo == 0 && hi == len(entries) {
				n += w.sum(&x.chunks[c].sums)
				continue
			}
			for i := lo; i < hi; i++ {
				if keep == nil || keep(&entries[i]) {
					n += w.of(&entries[i])
				}
			}
		}
	}
	return n
}

// from returns the spans from p on.
func from(spans []span, p pos) []span {
	var out []span
	for _, s := range spans {
		if !p.less(s.to) {
			continue
		}
		if s.from.less(p) {
			s.from = p
		}
		out = append(out, s)
	}
	return out
}
