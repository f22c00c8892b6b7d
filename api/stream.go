package api

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"unicode/utf8"

	"github.com/schemaregistry/registry/store"
)

// jsonArray is an answer written as it is encoded (the unpaged listings:
// 100,000 subject names are not built as a list and then as JSON): serve
// sets the content type and calls it with the response; it adds each
// element with string or value. The bytes are those encodeJSON would give
// the whole list.
type jsonArray func(w *arrayWriter)

// listing answers a listing, written as it is encoded. A page (a limit
// asked) that anyone may read whole is also kept in a.pages while the
// revision of the registry does not move, and answered from there: the
// console and the tools poll the same first pages.
func (a *API) listing(r *http.Request, p store.Paging, body jsonArray) any {
	if p.Limit <= 0 || a.readFilter(r) != nil {
		return body
	}
	key := r.URL.Path + "?" + r.URL.RawQuery
	rev := a.reg.Revision()
	if cb, ok := a.pages.Get(key); ok && cb.revision == rev {
		return rawJSON(cb.body)
	}
	return jsonArray(func(w *arrayWriter) {
		w.onKept = func(page []byte) {
			if a.reg.Revision() == rev { // else stale already
				a.pages.Put(key, cachedBody{revision: rev, body: page})
			}
		}
		body(w)
	})
}

// Bounds of a.pages: how many pages (each kept while the revision does not
// move) and the largest page kept; 64 pages of 256 KiB at most.
const cachedPages = 64

var maxCachedPage = 256 << 10 // a variable for the tests

// streamBuffer is how much of an answer is encoded before it is written.
const streamBuffer = 32 << 10

// arrayWriter encodes the elements of a JSON array into a bounded buffer
// written to the response whenever it fills. Writers are pooled: a page
// of a listing allocates neither its buffer nor its encoder.
type arrayWriter struct {
	w       io.Writer
	buf     bytes.Buffer
	started bool
	err     error // of a write: the client is gone, the rest is dropped
	enc     *json.Encoder
	// onKept, when set, is given the whole answer at the end, unless it
	// is longer than maxCachedPage; kept is what was written so far.
	onKept func(page []byte)
	kept   []byte
}

var arrayWriters = sync.Pool{New: func() any {
	aw := &arrayWriter{}
	aw.buf.Grow(streamBuffer + 4<<10)
	aw.enc = json.NewEncoder(&aw.buf)
	aw.enc.SetEscapeHTML(false)
	return aw
}}

// newArrayWriter returns a writer to w, to be ended by close.
func newArrayWriter(w io.Writer) *arrayWriter {
	aw := arrayWriters.Get().(*arrayWriter)
	aw.w = w
	return aw
}

// next starts an element; false once a write has failed.
func (aw *arrayWriter) next() bool {
	if aw.err != nil {
		return false
	}
	if aw.buf.Len() >= streamBuffer {
		aw.flush()
		if aw.err != nil {
			return false
		}
	}
	if aw.started {
		aw.buf.WriteByte(',')
	} else {
		aw.buf.WriteByte('[')
		aw.started = true
	}
	return true
}

// string adds a string element; false once the client is gone.
func (aw *arrayWriter) string(s string) bool {
	if !aw.next() {
		return false
	}
	if plainASCII(s) {
		aw.buf.WriteByte('"')
		aw.buf.WriteString(s)
		aw.buf.WriteByte('"')
		return true
	}
	return aw.encode(s)
}

// value adds an element encoded as encodeJSON does; false once the client
// is gone.
func (aw *arrayWriter) value(v any) bool {
	return aw.next() && aw.encode(v)
}

// encode appends v as encodeJSON writes it: the encoder's newline is cut.
func (aw *arrayWriter) encode(v any) bool {
	n := aw.buf.Len()
	if err := aw.enc.Encode(v); err != nil {
		aw.buf.Truncate(n)
		aw.err = err
		return false
	}
	aw.buf.Truncate(aw.buf.Len() - 1)
	return true
}

// close ends the array, writes what is left, hands the answer to onKept,
// and puts the writer back in the pool.
func (aw *arrayWriter) close() {
	if aw.err == nil {
		if !aw.started {
			aw.buf.WriteByte('[')
		}
		aw.buf.WriteByte(']')
		aw.flush()
	}
	if aw.onKept != nil && aw.err == nil {
		aw.onKept(aw.kept)
	}
	aw.w, aw.started, aw.err, aw.onKept, aw.kept = nil, false, nil, nil, nil
	aw.buf.Reset()
	if aw.buf.Cap() <= 4*streamBuffer { // a huge element's buffer is not kept
		arrayWriters.Put(aw)
	}
}

func (aw *arrayWriter) flush() {
	if aw.buf.Len() == 0 || aw.err != nil {
		return
	}
	if aw.onKept != nil {
		if len(aw.kept)+aw.buf.Len() > maxCachedPage {
			aw.onKept, aw.kept = nil, nil // too long to keep
		} else {
			aw.kept = append(aw.kept, aw.buf.Bytes()...)
		}
	}
	_, aw.err = aw.w.Write(aw.buf.Bytes())
	aw.buf.Reset()
}

// plainASCII reports a string encoding/json writes as it is between
// quotes: printable ASCII without '"' and '\\'.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}
