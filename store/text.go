package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/klauspost/compress/flate"
)

// Schema texts are most of what the registry holds (100,000 Avro schemas
// of 2.7 KB are 270 MB of text), and nearly all of them are cold. An entry
// keeps its text compressed with DEFLATE at BestSpeed (about 200 MB/s; 4 to
// 6 times smaller for real-world schemas, 12 for the generated ones of the
// start-up test) and decompresses it on access (a few µs for 3 KB). The hot
// reads of the API (a schema by id, a subject-version) are answered from its
// cache of encoded answers and do not get here; the texts decompressed last
// are kept in a small cache (textCache) for the other reads.

// minPackedText is the length under which a text is kept as it is: DEFLATE
// rarely saves anything on it.
const minPackedText = 128

// packedText is a schema text as an entry holds it: data is the text
// itself when its length is n, else the DEFLATE compression of the text of
// n bytes; or, with a base, the text is a delta (see delta).
type packedText struct {
	data string
	n    int
	// A delta: the text is the first prefix bytes of the base's text, then
	// data, then the last suffix bytes of the base's text; depth counts
	// the deltas down to a text held whole (1 for a delta of one).
	base           *sharedText
	prefix, suffix int32
	depth          int32
}

// packText compresses a text (which the caller may then reuse) when that
// saves an eighth at least, and copies it as it is otherwise.
func packText(text []byte) packedText {
	if len(text) >= minPackedText {
		z := deflaters.Get().(*deflater)
		z.out.Reset()
		z.w.Reset(&z.out)
		z.w.Write(text) // writes to a bytes.Buffer: no error
		z.w.Close()
		var data string
		if z.out.Len() <= len(text)-len(text)/8 {
			data = z.out.String()
		}
		if z.out.Cap() <= 1<<20 { // do not pool a huge buffer
			deflaters.Put(z)
		}
		if data != "" {
			return packedText{data: data, n: len(text)}
		}
	}
	return packedText{data: string(text), n: len(text)}
}

// packed reports whether the text is compressed or a delta.
func (p packedText) packed() bool { return p.base != nil || len(p.data) != p.n }

// unpack returns the text.
func (p packedText) unpack() string {
	if p.base != nil {
		b := p.appendTo(nil)
		return unsafe.String(unsafe.SliceData(b), len(b)) // b is never written again
	}
	if !p.packed() {
		return p.data
	}
	return p.inflate()
}

// appendTo appends the text to b.
func (p packedText) appendTo(b []byte) []byte {
	if p.base == nil {
		if !p.packed() {
			return append(b, p.data...)
		}
		return append(b, p.inflate()...)
	}
	// The chain of deltas down to the text held whole, rebuilt from
	// there upwards in two buffers.
	chain := make([]*packedText, 0, p.depth+1)
	for t := &p; ; {
		chain = append(chain, t)
		if t.base == nil {
			break
		}
		t = t.base.p.Load()
	}
	bufs := deltaBufs.Get().(*[2][]byte)
	cur := append(bufs[0][:0], chain[len(chain)-1].unpack()...)
	next := bufs[1][:0]
	for i := len(chain) - 2; i >= 0; i-- {
		t := chain[i]
		next = append(next[:0], cur[:t.prefix]...)
		next = append(next, t.data...)
		next = append(next, cur[len(cur)-int(t.suffix):]...)
		cur, next = next, cur
	}
	b = append(b, cur...)
	if cap(cur) <= 1<<20 && cap(next) <= 1<<20 {
		bufs[0], bufs[1] = cur, next
		deltaBufs.Put(bufs)
	}
	return b
}

var deltaBufs = sync.Pool{New: func() any { return new([2][]byte) }}

// maxDeltaDepth bounds a chain of deltas: a read rebuilds at most that many
// versions from the text held whole (a few µs for 3 KB texts).
const maxDeltaDepth = 16

// delta returns text as a delta of base (whose text is baseText), false
// when they share too little for a delta to pay or the chain is long
// enough. Successive versions of a subject share most of their text (a
// field added, one dropped, a doc reworded): a delta holds the change only.
func delta(text []byte, base *sharedText, baseText string) (packedText, bool) {
	bp := base.p.Load()
	if bp.depth >= maxDeltaDepth || len(text) < minPackedText || len(text) > 1<<30 || len(baseText) > 1<<30 {
		return packedText{}, false
	}
	n := min(len(text), len(baseText))
	prefix := 0
	for prefix+64 <= n && string(text[prefix:prefix+64]) == baseText[prefix:prefix+64] {
		prefix += 64
	}
	for prefix+8 <= n && binary.LittleEndian.Uint64(text[prefix:]) == load64(baseText, prefix) {
		prefix += 8
	}
	for prefix < n && text[prefix] == baseText[prefix] {
		prefix++
	}
	suffix := 0
	for suffix+64 <= n-prefix && string(text[len(text)-suffix-64:len(text)-suffix]) == baseText[len(baseText)-suffix-64:len(baseText)-suffix] {
		suffix += 64
	}
	for suffix+8 <= n-prefix && binary.LittleEndian.Uint64(text[len(text)-suffix-8:]) == load64(baseText, len(baseText)-suffix-8) {
		suffix += 8
	}
	for suffix < n-prefix && text[len(text)-1-suffix] == baseText[len(baseText)-1-suffix] {
		suffix++
	}
	if prefix+suffix < len(text)/2 {
		return packedText{}, false
	}
	return packedText{data: string(text[prefix : len(text)-suffix]), n: len(text), base: base,
		prefix: int32(prefix), suffix: int32(suffix), depth: bp.depth + 1}, true
}

// load64 reads 8 bytes of s at i, little-endian.
func load64(s string, i int) uint64 {
	return binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(s[i:]), 8))
}

// inflate decompresses a text packText compressed.
func (p packedText) inflate() string {
	z := inflaters.Get().(*inflater)
	z.src.Reset(p.data)
	if err := z.r.(flate.Resetter).Reset(&z.src, nil); err != nil {
		panic(fmt.Sprintf("store: resetting a DEFLATE reader: %v", err))
	}
	b := make([]byte, p.n)
	// The stream is ours, made by packText: it cannot be corrupt.
	if _, err := io.ReadFull(z.r, b); err != nil {
		panic(fmt.Sprintf("store: decompressing a schema text of %d bytes: %v", p.n, err))
	}
	inflaters.Put(z)
	return unsafe.String(unsafe.SliceData(b), len(b)) // b is never written again
}

type deflater struct {
	w   *flate.Writer
	out bytes.Buffer
}

var deflaters = sync.Pool{New: func() any {
	z := &deflater{}
	z.w, _ = flate.NewWriter(&z.out, flate.BestSpeed) // a valid level: no error
	return z
}}

type inflater struct {
	r   io.ReadCloser
	src strings.Reader // an io.ByteReader: flate reads it without buffering
}

var inflaters = sync.Pool{New: func() any {
	z := &inflater{}
	z.r = flate.NewReader(&z.src)
	return z
}}

// schema returns the text of the entry's schema, from textCache when it
// was decompressed recently.
func (e *schemaEntry) schema() string {
	t := e.text.p.Load()
	if !t.packed() {
		return t.data
	}
	slot := &textCache[uint(e.id)%textCacheSlots]
	if c := slot.Load(); c != nil && c.entry == e {
		return c.text
	}
	text := t.unpack()
	if len(text) <= maxCachedText {
		slot.Store(&cachedText{entry: e, text: text})
	}
	return text
}

// textCache keeps the last texts decompressed, one per slot, the slot
// chosen by id: at most textCacheSlots × maxCachedText bytes (16 MiB; a
// few hundred KiB for typical schemas). It is shared by every registry of
// the process (entries are compared by address).
var textCache [textCacheSlots]atomic.Pointer[cachedText]

const (
	textCacheSlots = 512
	maxCachedText  = 32 << 10
)

type cachedText struct {
	entry *schemaEntry
	text  string
}

// sharedText is the text of the entries of one schema text (a text bound to
// several ids, by an import, is held once). Its form is swapped atomically
// when it gets compressed: readers see either.
type sharedText struct{ p atomic.Pointer[packedText] }

// recentTexts keeps the texts held last as they are, in buffers reused
// round-robin, so that the next version of their subject is made a delta
// of its previous one without decompressing it.
type recentTexts struct {
	slots [recentSlots]struct {
		h *sharedText
		b []byte
	}
	index map[*sharedText]int32
	next  int32
}

const recentSlots = 4096

func (rt *recentTexts) get(h *sharedText) (string, bool) {
	i, ok := rt.index[h]
	if !ok {
		return "", false
	}
	b := rt.slots[i].b
	return unsafe.String(unsafe.SliceData(b), len(b)), true // valid until the next put
}

func (rt *recentTexts) put(h *sharedText, text []byte) {
	if len(text) > maxCachedText {
		return
	}
	if rt.index == nil {
		rt.index = make(map[*sharedText]int32, recentSlots)
	}
	slot := &rt.slots[rt.next]
	if slot.h != nil {
		delete(rt.index, slot.h)
	}
	slot.h, slot.b = h, append(slot.b[:0], text...)
	rt.index[h] = rt.next
	rt.next = (rt.next + 1) % recentSlots
}

// newText holds a new text: as a delta of base (the text of the previous
// version of its subject, nil for none) when they share most of it, else
// as it is, listed for packPending (which runs on another goroutine during
// the replay and after writes), or compressed at once when packLater is
// off.
func (st *state) newText(text []byte, base *sharedText) *sharedText {
	h := &sharedText{}
	defer st.recent.put(h, text)
	if base != nil {
		baseText, ok := st.recent.get(base)
		if !ok {
			baseText = base.p.Load().unpack()
		}
		if d, ok := delta(text, base, baseText); ok {
			h.p.Store(&d)
			return h
		}
	}
	if st.packLater {
		h.p.Store(&packedText{data: string(text), n: len(text)})
		if len(text) >= minPackedText {
			st.unpacked = append(st.unpacked, h)
		}
	} else {
		p := packText(text)
		h.p.Store(&p)
	}
	return h
}

// packPending compresses the texts of the entries registered since the
// last call, outside the locks: an entry's text is swapped atomically, and
// readers see either form.
func (r *Registry) packPending() {
	r.packMu.Lock() // a caller returns once every text listed before is done
	defer r.packMu.Unlock()
	r.unpackedMu.Lock()
	pending := r.unpacked
	r.unpacked = nil
	r.unpackedMu.Unlock()
	pack := func(list []*sharedText) {
		for _, h := range list {
			t := h.p.Load()
			if t.packed() {
				continue
			}
			if p := packText(unsafe.Slice(unsafe.StringData(t.data), t.n)); p.packed() {
				h.p.Store(&p)
			}
		}
	}
	// Many texts (a replay): on every CPU.
	workers := min(runtime.GOMAXPROCS(0), len(pending)/256+1)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() { pack(pending[w*len(pending)/workers : (w+1)*len(pending)/workers]) })
	}
	wg.Wait()
}

// packLoop compresses new texts in the background until done is closed.
func (r *Registry) packLoop() {
	for {
		select {
		case <-r.done:
			return
		case <-r.toPack:
			r.packPending()
		}
	}
}

// textLen is the length of the entry's text, known without decompressing it.
func (e *schemaEntry) textLen() int { return e.text.p.Load().n }
