package store

import (
	"encoding/binary"
	"encoding/json"
	"math/bits"
	"slices"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/schemaregistry/registry/formats"
)

// Decoding SCHEMA record values is most of the work of a replay: a log of
// 100,000 schemas of 2.7 KB is 330 MB of JSON, mostly the escaped schema
// texts. encoding/json reads each value twice (validation, then decoding),
// and hands the text back as a string that the state would only hash and
// compress. decodeSchemaValue reads the form Confluent's writer and ours
// emit (a flat object of the known keys) in one pass and leaves the text
// unescaped in a reused buffer; anything else goes to json.Unmarshal, so
// the result is always the one json.Unmarshal gives.

// decodeSchemaValue decodes a SCHEMA record value as json.Unmarshal does
// into a schemaValue, except that the schema text is returned apart: text
// is the schema, v.Schema is left empty. text is written into buf when it
// is large enough (and so aliases it): the caller copies what it keeps.
func decodeSchemaValue(data, buf []byte) (schemaValue, []byte, error) {
	var v schemaValue
	p := valueParser{d: data, buf: buf[:0]}
	if p.object(&v) {
		return v, p.text, nil
	}
	// Apart from v, which then stays on the stack. The schema type is kept
	// as written, as by the parser above: a type this registry does not
	// parse (a custom provider's) is still served, and its id never reused.
	var w struct {
		schemaValue
		SchemaType string `json:"schemaType,omitempty"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return schemaValue{}, nil, err
	}
	text := append(buf[:0], w.Schema...)
	w.schemaValue.Schema = ""
	w.schemaValue.SchemaType = formats.SchemaType(w.SchemaType)
	return w.schemaValue, text, nil
}

// decodeKey reads a record key in the plain form (known keys, each once,
// no nulls but the subject's), as json.Unmarshal would; ok is false for
// anything else.
func decodeKey(data []byte) (k rawKey, ok bool) {
	p := valueParser{d: data}
	p.ws()
	if !p.eat('{') {
		return k, false
	}
	p.ws()
	if p.eat('}') {
		return k, p.end()
	}
	seen := 0
	for {
		key, ok := p.key()
		if !ok {
			return k, false
		}
		p.ws()
		if !p.eat(':') {
			return k, false
		}
		p.ws()
		var bit int
		switch string(key) {
		case "keytype":
			bit = 1
			k.Keytype, ok = p.string()
		case "subject":
			bit = 2
			if p.null() {
				k.Subject = nil
			} else {
				var s string
				s, ok = p.string()
				k.Subject = &s
			}
		case "version":
			bit = 4
			k.Version, ok = p.int()
		case "magic":
			bit = 8
			k.Magic, ok = p.int()
		case "context":
			bit = 16
			k.Context, ok = p.string()
		default:
			return k, false
		}
		if !ok || seen&bit != 0 {
			return k, false
		}
		seen |= bit
		p.ws()
		if p.eat('}') {
			return k, p.end()
		}
		if !p.eat(',') {
			return k, false
		}
		p.ws()
	}
}

// null reads a null literal, if there is one.
func (p *valueParser) null() bool {
	if len(p.d)-p.i >= 4 && string(p.d[p.i:p.i+4]) == "null" {
		p.i += 4
		if p.delimited() {
			return true
		}
		p.i -= 4
	}
	return false
}

// valueParser reads the plain form of a SCHEMA record value. Every method
// returns false when the input is not in that form (whether or not it is
// valid JSON): the caller then falls back to encoding/json.
type valueParser struct {
	d    []byte
	i    int
	buf  []byte // the unescaped schema text is written here
	text []byte
}

// Bits of the keys seen, to leave duplicate keys to encoding/json.
const (
	seenSubject = 1 << iota
	seenVersion
	seenID
	seenType
	seenRefs
	seenMetadata
	seenRuleSet
	seenSchema
	seenDeleted
)

func (p *valueParser) object(v *schemaValue) bool {
	p.ws()
	if !p.eat('{') {
		return false
	}
	p.ws()
	if p.eat('}') {
		return p.end()
	}
	seen := 0
	for {
		key, ok := p.key()
		if !ok {
			return false
		}
		p.ws()
		if !p.eat(':') {
			return false
		}
		p.ws()
		var bit int
		switch string(key) {
		case "subject":
			bit = seenSubject
			v.Subject, ok = p.string()
		case "version":
			bit = seenVersion
			v.Version, ok = p.int()
		case "id":
			bit = seenID
			v.ID, ok = p.int()
		case "schemaType":
			bit = seenType
			var t string
			t, ok = p.string()
			v.SchemaType = formats.SchemaType(t) // kept as written: unknown types are served too
		case "schema":
			bit = seenSchema
			p.text, ok = p.unescape(p.buf)
		case "deleted":
			bit = seenDeleted
			v.Deleted, ok = p.bool()
		// Decoded into variables of their own, which escape (to
		// json.Unmarshal) only for the records that have them.
		case "references":
			bit = seenRefs
			var refs []formats.Reference
			ok = p.nested(&refs)
			v.References = refs
		case "metadata":
			bit = seenMetadata
			var md *formats.Metadata
			ok = p.nested(&md)
			v.Metadata = md
		case "ruleSet":
			bit = seenRuleSet
			var rs *formats.RuleSet
			ok = p.nested(&rs)
			v.RuleSet = rs
		default:
			// Unknown keys, and keys encoding/json would match to a
			// field ignoring case.
			return false
		}
		if !ok || seen&bit != 0 {
			return false
		}
		seen |= bit
		p.ws()
		if p.eat('}') {
			return p.end()
		}
		if !p.eat(',') {
			return false
		}
		p.ws()
	}
}

func (p *valueParser) ws() {
	for p.i < len(p.d) {
		switch p.d[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *valueParser) eat(c byte) bool {
	if p.i < len(p.d) && p.d[p.i] == c {
		p.i++
		return true
	}
	return false
}

// end accepts only white space after the object.
func (p *valueParser) end() bool {
	p.ws()
	return p.i == len(p.d)
}

// key reads a key without escapes (the caller switches on string(key),
// which does not allocate).
func (p *valueParser) key() ([]byte, bool) {
	if !p.eat('"') {
		return nil, false
	}
	start := p.i
	for p.i < len(p.d) {
		c := p.d[p.i]
		switch {
		case c == '"':
			p.i++
			return p.d[start : p.i-1], true
		case c == '\\' || c < 0x20 || c >= utf8.RuneSelf:
			return nil, false
		}
		p.i++
	}
	return nil, false
}

// plain marks the bytes a string copies as they are.
var plain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// plainEnd returns the index of the first byte of d from i that plain does
// not mark, len(d) for none; eight bytes at a time.
func plainEnd(d []byte, i int) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for i+8 <= len(d) {
		w := binary.LittleEndian.Uint64(d[i:])
		q, bs := w^(ones*'"'), w^(ones*'\\')
		// A byte with its high bit set (not ASCII), under 0x20, a quote or
		// a backslash; the lowest one flagged is exact.
		m := (w | (w-ones*0x20)&^w | (q-ones)&^q | (bs-ones)&^bs) & highs
		if m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
		i += 8
	}
	for i < len(d) && plain[d[i]] {
		i++
	}
	return i
}

// copyPlain appends to dst the run of bytes of d from i that plain marks,
// eight at a time (the runs between the escaped quotes of a schema text
// are short: a word stored whole beats a call to copy), and returns where
// the run ends.
func copyPlain(dst, d []byte, i int) ([]byte, int) {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for i+8 <= len(d) {
		w := binary.LittleEndian.Uint64(d[i:])
		q, bs := w^(ones*'"'), w^(ones*'\\')
		m := (w | (w-ones*0x20)&^w | (q-ones)&^q | (bs-ones)&^bs) & highs
		n := len(dst)
		dst = slices.Grow(dst, 8)
		binary.LittleEndian.PutUint64(dst[n:n+8], w)
		if m != 0 {
			k := bits.TrailingZeros64(m) / 8
			return dst[:n+k], i + k
		}
		dst, i = dst[:n+8], i+8
	}
	j := i
	for j < len(d) && plain[d[j]] {
		j++
	}
	return append(dst, d[i:j]...), j
}

// unescape reads a string into dst, as encoding/json unquotes it. Invalid
// UTF-8 (which encoding/json replaces) is left to encoding/json.
func (p *valueParser) unescape(dst []byte) ([]byte, bool) {
	if !p.eat('"') {
		return nil, false
	}
	dst = dst[:0]
	for {
		dst, p.i = copyPlain(dst, p.d, p.i)
		if p.i == len(p.d) {
			return nil, false
		}
		switch c := p.d[p.i]; {
		case c == '"':
			p.i++
			return dst, true
		case c == '\\':
			if p.i+1 == len(p.d) {
				return nil, false
			}
			var r byte
			switch p.d[p.i+1] {
			case '"':
				r = '"'
			case '\\':
				r = '\\'
			case '/':
				r = '/'
			case 'b':
				r = '\b'
			case 'f':
				r = '\f'
			case 'n':
				r = '\n'
			case 'r':
				r = '\r'
			case 't':
				r = '\t'
			case 'u':
				var ok bool
				if dst, ok = p.unicode(dst); !ok {
					return nil, false
				}
				continue
			default:
				return nil, false
			}
			dst = append(dst, r)
			p.i += 2
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRune(p.d[p.i:])
			if r == utf8.RuneError && size == 1 {
				return nil, false
			}
			dst = append(dst, p.d[p.i:p.i+size]...)
			p.i += size
		default: // a control character: not JSON
			return nil, false
		}
	}
}

// unicode reads a \u escape as encoding/json does: a valid surrogate pair
// is one rune, any other surrogate is U+FFFD.
func (p *valueParser) unicode(dst []byte) ([]byte, bool) {
	r := hex4(p.d[p.i:])
	if r < 0 {
		return nil, false
	}
	p.i += 6
	if utf16.IsSurrogate(r) {
		if dec := utf16.DecodeRune(r, hex4(p.d[p.i:])); dec != unicode.ReplacementChar {
			p.i += 6
			return utf8.AppendRune(dst, dec), true
		}
		r = unicode.ReplacementChar
	}
	return utf8.AppendRune(dst, r), true
}

// hex4 reads \uXXXX, or returns -1.
func hex4(b []byte) rune {
	if len(b) < 6 || b[0] != '\\' || b[1] != 'u' {
		return -1
	}
	var r rune
	for _, c := range b[2:6] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

func (p *valueParser) string() (string, bool) {
	start := p.i
	if p.eat('"') {
		p.i = plainEnd(p.d, p.i)
		if p.eat('"') { // no escapes: the common case
			// The usual schema and key types are not allocated.
			switch b := p.d[start+1 : p.i-1]; string(b) {
			case string(formats.Avro):
				return string(formats.Avro), true
			case string(formats.Protobuf):
				return string(formats.Protobuf), true
			case string(formats.JSON):
				return string(formats.JSON), true
			case keySchema:
				return keySchema, true
			default:
				return string(b), true
			}
		}
		p.i = start
	}
	s, ok := p.unescape(nil)
	return string(s), ok
}

// int reads an integer of at most 18 digits (no overflow to check).
func (p *valueParser) int() (int, bool) {
	neg := p.eat('-')
	start := p.i
	n := 0
	for p.i < len(p.d) && p.d[p.i] >= '0' && p.d[p.i] <= '9' {
		n = n*10 + int(p.d[p.i]-'0')
		p.i++
	}
	digits := p.i - start
	if digits == 0 || digits > 18 || (digits > 1 && p.d[start] == '0') || !p.delimited() {
		return 0, false
	}
	if neg {
		n = -n
	}
	return n, true
}

func (p *valueParser) bool() (bool, bool) {
	switch {
	case len(p.d)-p.i >= 4 && string(p.d[p.i:p.i+4]) == "true":
		p.i += 4
		return true, p.delimited()
	case len(p.d)-p.i >= 5 && string(p.d[p.i:p.i+5]) == "false":
		p.i += 5
		return false, p.delimited()
	}
	return false, false
}

// delimited reports whether a number or literal ends here.
func (p *valueParser) delimited() bool {
	if p.i == len(p.d) {
		return true
	}
	switch p.d[p.i] {
	case ' ', '\t', '\n', '\r', ',', '}':
		return true
	}
	return false
}

// nested decodes a nested value (references, metadata, rule set) with
// encoding/json: they are short and rare. skip only finds where the value
// ends; json.Unmarshal checks it.
func (p *valueParser) nested(into any) bool {
	start := p.i
	if !p.skip() {
		return false
	}
	return json.Unmarshal(p.d[start:p.i], into) == nil
}

// skip moves past one value: a string, an object or array (balanced,
// strings included), or a scalar up to the next delimiter.
func (p *valueParser) skip() bool {
	depth := 0
	for p.i < len(p.d) {
		switch c := p.d[p.i]; c {
		case '"':
			p.i++
			for p.i < len(p.d) && p.d[p.i] != '"' {
				if p.d[p.i] == '\\' {
					p.i++
				}
				p.i++
			}
			if p.i >= len(p.d) {
				return false
			}
			p.i++
		case '{', '[':
			depth++
			p.i++
		case '}', ']':
			if depth == 0 {
				return true // the end of the enclosing object
			}
			depth--
			p.i++
		case ',':
			if depth == 0 {
				return true
			}
			p.i++
		default:
			p.i++
		}
		if depth == 0 && p.i > 0 {
			switch p.d[p.i-1] {
			case '"', '}', ']':
				return true
			}
		}
	}
	return depth == 0
}
