package jackson

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// Builder makes a caller's tree out of what Parse reads: each package keeps
// its own value type and number rules, the reading is shared.
type Builder[T any] struct {
	Object func(keys []string, vals []T) T
	Array  func(items []T) T
	String func(s string) T
	Number func(literal string) (T, error)
	Bool   func(b bool) T
	Null   func() T
}

// Parse decodes one JSON document as Jackson's tree reads it: object keys in
// document order, numbers as their literal text, a duplicate key keeping its
// first position and its last value. It refuses nesting deeper than
// maxDepth and data after the value.
//
// It accepts exactly what encoding/json accepts (RFC 8259) and unescapes
// strings as encoding/json does: a lone or invalid surrogate escape and each
// byte of invalid UTF-8 become U+FFFD. The builder's callbacks are called as
// the values end, in document order; the slices they get are theirs to keep,
// nil for an empty object or array. The strings they get share memory with
// one copy of data.
func Parse[T any](data []byte, maxDepth int, b Builder[T]) (T, error) {
	return ParseString(string(data), maxDepth, b)
}

// ParseString is Parse on a string, which it does not copy: the strings
// passed to the builder are mostly substrings of s.
func ParseString[T any](s string, maxDepth int, b Builder[T]) (T, error) {
	var zero T
	p := parser[T]{s: s, maxDepth: maxDepth, b: b}
	v, err := p.value(0)
	if err != nil {
		return zero, err
	}
	p.skipSpace()
	if p.i < len(p.s) {
		return zero, errAfter
	}
	return v, nil
}

var (
	errEnd   = errors.New("unexpected end of JSON input")
	errAfter = errors.New("unexpected data after the JSON value")
)

// bigObject is the number of keys past which an object finds duplicates
// through a map rather than by comparing with every key before.
const bigObject = 16

// parser reads one document in a single pass over s.
type parser[T any] struct {
	s        string
	i        int // offset of the next byte to read
	maxDepth int
	b        Builder[T]

	// The keys of the objects being read, and the values of the objects
	// and arrays being read, innermost last; each container copies its own
	// out when it ends.
	keys []string
	vals []T
	buf  []byte // unescaped text of the string being read

	// Slabs that the slices given to the builder are cut from, with their
	// capacity cut too, so that an append by the builder copies.
	keySlab []string
	valSlab []T
}

// Slabs start at slabMin entries and double up to slabMax; a container
// bigger than the free rest of the slab gets a slab of its own size.
const (
	stackMin = 32 // the first capacity of p.keys and p.vals
	slabMin  = 32
	slabMax  = 1024
)

// cutKeys returns a copy of keys cut from the key slab.
func (p *parser[T]) cutKeys(keys []string) []string {
	n := len(keys)
	if cap(p.keySlab)-len(p.keySlab) < n {
		p.keySlab = make([]string, 0, slabSize(cap(p.keySlab), n))
	}
	k := len(p.keySlab)
	p.keySlab = append(p.keySlab, keys...)
	return p.keySlab[k : k+n : k+n]
}

// cutVals returns a copy of vals cut from the value slab.
func (p *parser[T]) cutVals(vals []T) []T {
	n := len(vals)
	if cap(p.valSlab)-len(p.valSlab) < n {
		p.valSlab = make([]T, 0, slabSize(cap(p.valSlab), n))
	}
	k := len(p.valSlab)
	p.valSlab = append(p.valSlab, vals...)
	return p.valSlab[k : k+n : k+n]
}

func slabSize(last, n int) int {
	size := min(max(2*last, slabMin), slabMax)
	return max(size, n)
}

func (p *parser[T]) skipSpace() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// value reads the value at p.i, after any white space, at the given
// depth: the top-level value is at depth 0.
func (p *parser[T]) value(depth int) (T, error) {
	var zero T
	if depth > p.maxDepth {
		return zero, p.depthError()
	}
	p.skipSpace()
	if p.i >= len(p.s) {
		return zero, errEnd
	}
	switch c := p.s[p.i]; c {
	case '{':
		return p.object(depth)
	case '[':
		return p.array(depth)
	case '"':
		s, err := p.str()
		if err != nil {
			return zero, err
		}
		return p.b.String(s), nil
	case 't':
		if err := p.literal("true"); err != nil {
			return zero, err
		}
		return p.b.Bool(true), nil
	case 'f':
		if err := p.literal("false"); err != nil {
			return zero, err
		}
		return p.b.Bool(false), nil
	case 'n':
		if err := p.literal("null"); err != nil {
			return zero, err
		}
		return p.b.Null(), nil
	default:
		if c == '-' || '0' <= c && c <= '9' {
			lit, err := p.number()
			if err != nil {
				return zero, err
			}
			return p.b.Number(lit)
		}
		return zero, p.invalid("looking for beginning of value")
	}
}

func (p *parser[T]) depthError() error {
	return fmt.Errorf("JSON nested deeper than %d levels", p.maxDepth)
}

// invalid reports the byte at p.i, which is not where it is.
func (p *parser[T]) invalid(context string) error {
	return fmt.Errorf("invalid character %s %s at offset %d", quoteChar(p.s[p.i:]), context, p.i)
}

// quoteChar quotes the character s starts with for an error message.
func quoteChar(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError && size == 1 {
		return fmt.Sprintf(`'\x%02x'`, s[0])
	}
	return strconv.QuoteRune(r)
}

func (p *parser[T]) object(depth int) (T, error) {
	var zero T
	p.i++ // '{'
	p.skipSpace()
	if p.i >= len(p.s) {
		return zero, errEnd
	}
	if p.s[p.i] == '}' {
		p.i++
		return p.b.Object(nil, nil), nil
	}
	if p.keys == nil {
		p.keys = make([]string, 0, stackMin)
	}
	kbase, vbase := len(p.keys), len(p.vals)
	var index map[string]int // key to position in p.keys, for big objects
	for {
		if p.s[p.i] != '"' {
			return zero, p.invalid("looking for beginning of object key string")
		}
		key, err := p.str()
		if err != nil {
			return zero, err
		}
		// Checked here, before the colon, as encoding/json's Decoder did.
		if depth+1 > p.maxDepth {
			return zero, p.depthError()
		}
		p.skipSpace()
		if p.i >= len(p.s) {
			return zero, errEnd
		}
		if p.s[p.i] != ':' {
			return zero, p.invalid("after object key")
		}
		p.i++
		v, err := p.value(depth + 1)
		if err != nil {
			return zero, err
		}
		// A duplicate key keeps its first position and takes the last value.
		at := -1
		if index != nil {
			if j, ok := index[key]; ok {
				at = j
			}
		} else {
			for j, k := range p.keys[kbase:] {
				if k == key {
					at = j
					break
				}
			}
		}
		if at >= 0 {
			p.vals[vbase+at] = v
		} else {
			p.keys = append(p.keys, key)
			p.pushVal(v)
			if n := len(p.keys) - kbase; index != nil {
				index[key] = n - 1
			} else if n > bigObject {
				index = make(map[string]int, 2*n)
				for j, k := range p.keys[kbase:] {
					index[k] = j
				}
			}
		}
		p.skipSpace()
		if p.i >= len(p.s) {
			return zero, errEnd
		}
		switch p.s[p.i] {
		case ',':
			p.i++
			p.skipSpace()
			if p.i >= len(p.s) {
				return zero, errEnd
			}
		case '}':
			p.i++
			keys := p.cutKeys(p.keys[kbase:])
			vals := p.cutVals(p.vals[vbase:])
			clear(p.vals[vbase:])
			p.keys = p.keys[:kbase]
			p.vals = p.vals[:vbase]
			return p.b.Object(keys, vals), nil
		default:
			return zero, p.invalid("after object key:value pair")
		}
	}
}

// pushVal appends v to p.vals.
func (p *parser[T]) pushVal(v T) {
	if p.vals == nil {
		p.vals = make([]T, 0, stackMin)
	}
	p.vals = append(p.vals, v)
}

func (p *parser[T]) array(depth int) (T, error) {
	var zero T
	p.i++ // '['
	p.skipSpace()
	if p.i >= len(p.s) {
		return zero, errEnd
	}
	switch p.s[p.i] {
	case ']':
		p.i++
		return p.b.Array(nil), nil
	case '}':
		// A syntax error rather than too deep, as encoding/json's Decoder.
		return zero, p.invalid("looking for beginning of value")
	}
	base := len(p.vals)
	for {
		v, err := p.value(depth + 1)
		if err != nil {
			return zero, err
		}
		p.pushVal(v)
		p.skipSpace()
		if p.i >= len(p.s) {
			return zero, errEnd
		}
		switch p.s[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			items := p.cutVals(p.vals[base:])
			clear(p.vals[base:])
			p.vals = p.vals[:base]
			return p.b.Array(items), nil
		default:
			return zero, p.invalid("after array element")
		}
	}
}

// literal reads true, false or null, whose first byte is at p.i.
func (p *parser[T]) literal(word string) error {
	for k := 1; k < len(word); k++ {
		j := p.i + k
		if j >= len(p.s) {
			return errEnd
		}
		if p.s[j] != word[k] {
			p.i = j
			return p.invalid("in literal " + word)
		}
	}
	p.i += len(word)
	return nil
}

// number reads a number, whose first byte ('-' or a digit) is at p.i, and
// returns its text.
func (p *parser[T]) number() (string, error) {
	s, start := p.s, p.i
	i := start
	if s[i] == '-' {
		i++
		if i >= len(s) {
			return "", errEnd
		}
	}
	switch c := s[i]; {
	case c == '0':
		i++
	case '1' <= c && c <= '9':
		i++
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	default:
		p.i = i
		return "", p.invalid("in numeric literal")
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i >= len(s) {
			return "", errEnd
		}
		if !isDigit(s[i]) {
			p.i = i
			return "", p.invalid("after decimal point in numeric literal")
		}
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) {
			return "", errEnd
		}
		if !isDigit(s[i]) {
			p.i = i
			return "", p.invalid("in exponent of numeric literal")
		}
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	p.i = i
	return s[start:i], nil
}

// plain tells the bytes that stand for themselves in a string: ASCII but
// control characters, the quote and the backslash.
var plain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// str reads a string, whose opening quote is at p.i, and returns it
// unescaped. A string without escapes and with valid UTF-8 is a substring of
// p.s.
func (p *parser[T]) str() (string, error) {
	s := p.s
	start := p.i + 1
	for i := start; i < len(s); {
		for i < len(s) && plain[s[i]] {
			i++
		}
		if i >= len(s) {
			break
		}
		c := s[i]
		switch {
		case c == '"':
			p.i = i + 1
			return s[start:i], nil
		case c == '\\':
			return p.unescape(start, i)
		case c < 0x20:
			p.i = i
			return "", p.invalid("in string literal")
		default: // not ASCII
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				return p.unescape(start, i)
			}
			i += size
		}
	}
	return "", errEnd
}

// unescape goes on reading the string whose text starts at start from i,
// where there is an escape or invalid UTF-8; what is before i is plain.
func (p *parser[T]) unescape(start, i int) (string, error) {
	s := p.s
	if p.buf == nil {
		p.buf = make([]byte, 0, 64)
	}
	b := append(p.buf[:0], s[start:i]...)
	for i < len(s) {
		c := s[i]
		switch {
		case c == '"':
			p.i = i + 1
			p.buf = b
			return string(b), nil
		case c == '\\':
			i++
			if i >= len(s) {
				return "", errEnd
			}
			switch s[i] {
			case '"', '\\', '/':
				b = append(b, s[i])
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r, err := p.hex4(i + 1)
				if err != nil {
					return "", err
				}
				i += 4
				if utf16.IsSurrogate(r) {
					// A valid pair makes one character; anything else
					// leaves U+FFFD and the next escape is read on its own.
					if r2 := getu4(s[i+1:]); r2 >= 0 {
						if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
							b = utf8.AppendRune(b, d)
							i += 7
							continue
						}
					}
					r = utf8.RuneError
				}
				b = utf8.AppendRune(b, r)
			default:
				p.i = i
				return "", p.invalid("in string escape code")
			}
			i++
		case c < 0x20:
			p.i = i
			return "", p.invalid("in string literal")
		case c < utf8.RuneSelf:
			j := i + 1
			for j < len(s) && plain[s[j]] {
				j++
			}
			b = append(b, s[i:j]...)
			i = j
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, "\uFFFD"...)
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size
		}
	}
	p.buf = b
	return "", errEnd
}

// hex4 reads the four hex digits of a \u escape starting at i.
func (p *parser[T]) hex4(i int) (rune, error) {
	var r rune
	for k := i; k < i+4; k++ {
		if k >= len(p.s) {
			return 0, errEnd
		}
		d := unhex(p.s[k])
		if d < 0 {
			p.i = k
			return 0, p.invalid(`in \u hexadecimal character escape`)
		}
		r = r<<4 | d
	}
	return r, nil
}

// getu4 decodes a \uXXXX escape at the start of s, or returns -1.
func getu4(s string) rune {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return -1
	}
	var r rune
	for k := 2; k < 6; k++ {
		d := unhex(s[k])
		if d < 0 {
			return -1
		}
		r = r<<4 | d
	}
	return r
}

func unhex(c byte) rune {
	switch {
	case '0' <= c && c <= '9':
		return rune(c - '0')
	case 'a' <= c && c <= 'f':
		return rune(c - 'a' + 10)
	case 'A' <= c && c <= 'F':
		return rune(c - 'A' + 10)
	}
	return -1
}
