package api

import (
	"bytes"
	"encoding/json"
	"io"
	"unicode/utf8"
)

// jsonArray is an answer written as it is encoded (the unpaged listings:
// 100,000 subject names are not built as a list and then as JSON): serve
// sets the content type and calls it with the response; it adds each
// element with string or value. The bytes are those encodeJSON would give
// the whole list.
type jsonArray func(w *arrayWriter)

// streamBuffer is how much of an answer is encoded before it is written.
const streamBuffer = 32 << 10

// arrayWriter encodes the elements of a JSON array into a bounded buffer
// written to the response whenever it fills.
type arrayWriter struct {
	w       io.Writer
	buf     []byte
	started bool
	err     error // of a write: the client is gone, the rest is dropped
	scratch bytes.Buffer
	enc     *json.Encoder
}

func newArrayWriter(w io.Writer) *arrayWriter {
	return &arrayWriter{w: w, buf: make([]byte, 0, 4<<10)}
}

// next starts an element; false once a write has failed.
func (aw *arrayWriter) next() bool {
	if aw.err != nil {
		return false
	}
	if len(aw.buf) >= streamBuffer {
		aw.flush()
		if aw.err != nil {
			return false
		}
	}
	if aw.started {
		aw.buf = append(aw.buf, ',')
	} else {
		aw.buf = append(aw.buf, '[')
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
		aw.buf = append(aw.buf, '"')
		aw.buf = append(aw.buf, s...)
		aw.buf = append(aw.buf, '"')
		return true
	}
	return aw.encode(s)
}

// value adds an element encoded as encodeJSON does; false once the client
// is gone.
func (aw *arrayWriter) value(v any) bool {
	return aw.next() && aw.encode(v)
}

func (aw *arrayWriter) encode(v any) bool {
	if aw.enc == nil {
		aw.enc = json.NewEncoder(&aw.scratch)
		aw.enc.SetEscapeHTML(false)
	}
	aw.scratch.Reset()
	if err := aw.enc.Encode(v); err != nil {
		aw.err = err
		return false
	}
	aw.buf = append(aw.buf, bytes.TrimSuffix(aw.scratch.Bytes(), []byte("\n"))...)
	return true
}

// close ends the array and writes what is left.
func (aw *arrayWriter) close() {
	if aw.err != nil {
		return
	}
	if !aw.started {
		aw.buf = append(aw.buf, '[')
	}
	aw.buf = append(aw.buf, ']')
	aw.flush()
}

func (aw *arrayWriter) flush() {
	if len(aw.buf) > 0 && aw.err == nil {
		_, aw.err = aw.w.Write(aw.buf)
	}
	aw.buf = aw.buf[:0]
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
