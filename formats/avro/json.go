package avro

import (
	"math"
	"strconv"
	"strings"

	"github.com/schemaregistry/registry/internal/jackson"
)

// node is a JSON value that keeps what Avro Java's printer depends on and
// encoding/json drops: the order of object keys and the text of numbers.
type node struct {
	kind  byte // 'o' object, 'a' array, 's' string, 'n' number, 'b' bool, 'z' null
	str   string
	keys  []string
	vals  []*node
	items []*node
}

func (n *node) get(key string) *node {
	if n == nil || n.kind != 'o' {
		return nil
	}
	for i, k := range n.keys {
		if k == key {
			return n.vals[i]
		}
	}
	return nil
}

// text returns the string value of a string node, ok=false otherwise.
func (n *node) text() (string, bool) {
	if n == nil || n.kind != 's' {
		return "", false
	}
	return n.str, true
}

// parseJSON decodes one JSON document, keeping key order and number text.
// Duplicate keys keep their first position and the last value, as Jackson.
func parseJSON(data []byte) (*node, error) {
	return jackson.Parse(data, maxDepth, jackson.Builder[*node]{
		Object: func(keys []string, vals []*node) *node { return &node{kind: 'o', keys: keys, vals: vals} },
		Array:  func(items []*node) *node { return &node{kind: 'a', items: items} },
		String: func(s string) *node { return &node{kind: 's', str: s} },
		Number: func(lit string) (*node, error) { return &node{kind: 'n', str: lit}, nil },
		Bool: func(b bool) *node {
			if b {
				return &node{kind: 'b', str: "true"}
			}
			return &node{kind: 'b', str: "false"}
		},
		Null: func() *node { return &node{kind: 'z'} },
	})
}

const maxDepth = 256

// writer renders JSON the way Jackson's generator does in Avro Java: compact,
// non-ASCII characters as they are, control characters escaped.
type writer struct {
	strings.Builder
	stub bool // field defaults as writeStub's values (for hamba)
}

func (w *writer) str(s string) { jackson.WriteString(&w.Builder, s) }

// field writes `"key":` with the comma the position needs.
func (w *writer) key(first *bool, k string) {
	if !*first {
		w.WriteByte(',')
	}
	*first = false
	w.str(k)
	w.WriteByte(':')
}

// tree writes a JSON value as Jackson writes a parsed tree: numbers with a
// fraction or exponent become Java doubles, integers keep their digits.
func (w *writer) tree(n *node) {
	switch n.kind {
	case 'o':
		w.WriteByte('{')
		first := true
		for i, k := range n.keys {
			w.key(&first, k)
			w.tree(n.vals[i])
		}
		w.WriteByte('}')
	case 'a':
		w.WriteByte('[')
		for i, v := range n.items {
			if i > 0 {
				w.WriteByte(',')
			}
			w.tree(v)
		}
		w.WriteByte(']')
	case 's':
		w.str(n.str)
	case 'n':
		// Jackson quotes the non-finite doubles it writes
		// (QUOTE_NON_NUMERIC_NUMBERS, on by default).
		if s := javaNumber(n.str); nonFinite(s) {
			w.str(s)
		} else {
			w.WriteString(s)
		}
	case 'b':
		w.WriteString(n.str)
	default:
		w.WriteString("null")
	}
}

// javaNumber renders a JSON number literal as Jackson re-renders it after
// parsing: integers as written (without a leading minus on zero kept), others
// through a Java double.
func javaNumber(lit string) string {
	if !strings.ContainsAny(lit, ".eE") {
		return lit
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil && !math.IsInf(f, 0) {
		return lit
	}
	return javaDouble(f)
}

func nonFinite(s string) bool { return s == "NaN" || s == "Infinity" || s == "-Infinity" }

// javaDouble formats a float64 as Java's Double.toString.
func javaDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	abs := math.Abs(f)
	if abs >= 1e-3 && abs < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	// Computerized scientific notation: d.dddE[-]n with at least one digit
	// after the point.
	s := strconv.FormatFloat(f, 'e', -1, 64) // e.g. 1.5e+10, 1e-05
	mant, exp, _ := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}
