package store

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"
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
// n bytes.
type packedText struct {
	data string
	n    int
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
			data = string(z.out.Bytes())
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

// packed reports whether the text is compressed.
func (p packedText) packed() bool { return len(p.data) != p.n }

// unpack returns the text.
func (p packedText) unpack() string {
	if !p.packed() {
		return p.data
	}
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

// newText holds a new text as it is, listed for packPending (which runs on
// another goroutine during the replay and after writes), or compressed at
// once when packLater is off.
func (st *state) newText(text []byte) *sharedText {
	h := &sharedText{}
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
