package jsonschema

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/schemaregistry/registry/internal/jackson"
)

// Kind is the JSON type of a Value.
type Kind byte

// The JSON types.
const (
	Null Kind = iota
	Bool
	Number
	String
	Array
	Object
)

// Value is a parsed JSON value that keeps what Confluent's canonical text
// depends on and encoding/json drops: the order of object keys and the text
// of numbers. Values are read-only once parsed.
type Value struct {
	Kind Kind
	// Str is the text of a string, or the literal of a number as written.
	Str  string
	Bool bool
	// Keys and Vals hold an object's members in document order.
	Keys []string
	Vals []*Value
	// Items holds an array's elements.
	Items []*Value
	// Ref is the schema a "$ref" member of this object points to, resolved
	// at parse time; nil when the object has no "$ref" or it did not
	// resolve.
	Ref *Value
}

// Get returns the member key of an object, nil if absent or not an object.
func (v *Value) Get(key string) *Value {
	if v == nil || v.Kind != Object {
		return nil
	}
	for i, k := range v.Keys {
		if k == key {
			return v.Vals[i]
		}
	}
	return nil
}

// Text returns the string of a string value.
func (v *Value) Text() (string, bool) {
	if v == nil || v.Kind != String {
		return "", false
	}
	return v.Str, true
}

// String renders the value as Confluent's canonical text renders it.
func (v *Value) String() string {
	var w writer
	w.value(v)
	return w.String()
}

// Jackson's defaults: numbers of at most 1000 characters (StreamReadConstraints)
// and nesting at most 1000 deep.
const (
	maxDepth     = 1000
	maxNumberLen = 1000
	// maxExponent bounds the decimal exponent of a number. Jackson takes any
	// int exponent; the validator library expands numbers into big.Rat, so
	// an exponent in the millions would stall it.
	maxExponent = 10000
)

// ParseJSON decodes one JSON document, keeping key order and number text.
// Duplicate keys keep their first position and the last value, as Jackson's
// tree does.
func ParseJSON(data []byte) (*Value, error) {
	return jackson.Parse(data, maxDepth, jackson.Builder[*Value]{
		Object: func(keys []string, vals []*Value) *Value { return &Value{Kind: Object, Keys: keys, Vals: vals} },
		Array: func(items []*Value) *Value {
			if items == nil {
				items = []*Value{}
			}
			return &Value{Kind: Array, Items: items}
		},
		String: func(s string) *Value { return &Value{Kind: String, Str: s} },
		Number: func(lit string) (*Value, error) {
			if err := checkNumber(lit); err != nil {
				return nil, err
			}
			return &Value{Kind: Number, Str: lit}, nil
		},
		Bool: func(b bool) *Value { return &Value{Kind: Bool, Bool: b} },
		Null: func() *Value { return &Value{Kind: Null} },
	})
}

func checkNumber(lit string) error {
	if len(lit) > maxNumberLen {
		return fmt.Errorf("number of %d characters exceeds the maximum of %d", len(lit), maxNumberLen)
	}
	d := ParseDecimal(lit)
	if d.Exp > maxExponent || d.Exp < -maxExponent {
		return fmt.Errorf("number %s is out of range", lit)
	}
	return nil
}

// Decimal is a JSON number as Java's BigDecimal holds it: an unscaled
// integer (its digits, without leading zeros, "0" for zero) and a scale.
// The value is Neg? -1 : 1 × Digits × 10^-Scale. Exp is the decimal
// exponent of the last digit (-Scale), kept for range checks.
type Decimal struct {
	Neg    bool
	Digits string
	Scale  int
	Exp    int
	// Integer reports a literal without fraction or exponent, which Jackson
	// reads as an int, long or BigInteger rather than a BigDecimal.
	Integer bool
}

// ParseDecimal reads a JSON number literal (assumed valid JSON).
func ParseDecimal(lit string) Decimal {
	var d Decimal
	s := lit
	if strings.HasPrefix(s, "-") {
		d.Neg = true
		s = s[1:]
	}
	mant, exp := s, ""
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mant, exp = s[:i], s[i+1:]
	}
	intPart, frac, hasFrac := strings.Cut(mant, ".")
	d.Integer = !hasFrac && exp == ""
	e := 0
	if exp != "" {
		n, err := strconv.Atoi(exp)
		if err != nil {
			// Out of int range: saturate, the range check rejects it.
			if strings.HasPrefix(exp, "-") {
				n = -1 << 30
			} else {
				n = 1 << 30
			}
		}
		e = n
	}
	digits := strings.TrimLeft(intPart+frac, "0")
	if digits == "" {
		digits = "0"
		d.Neg = false
	}
	d.Digits = digits
	d.Scale = len(frac) - e
	d.Exp = -d.Scale
	return d
}

// JavaString renders the decimal as BigDecimal.toString does.
func (d Decimal) JavaString() string {
	sign := ""
	if d.Neg {
		sign = "-"
	}
	coeff := d.Digits
	if d.Scale == 0 {
		return sign + coeff
	}
	adjusted := -d.Scale + len(coeff) - 1
	if d.Scale > 0 && adjusted >= -6 {
		pad := d.Scale - len(coeff)
		if pad >= 0 {
			return sign + "0." + strings.Repeat("0", pad) + coeff
		}
		return sign + coeff[:len(coeff)-d.Scale] + "." + coeff[len(coeff)-d.Scale:]
	}
	var b strings.Builder
	b.WriteString(sign)
	b.WriteByte(coeff[0])
	if len(coeff) > 1 {
		b.WriteByte('.')
		b.WriteString(coeff[1:])
	}
	if adjusted != 0 {
		b.WriteByte('E')
		if adjusted > 0 {
			b.WriteByte('+')
		}
		b.WriteString(strconv.Itoa(adjusted))
	}
	return b.String()
}

// jacksonNumber renders a number literal as Confluent's mapper prints it:
// integers through Java's int/long/BigInteger (so "-0" becomes "0"), other
// literals through BigDecimal kept exact (USE_BIG_DECIMAL_FOR_FLOATS with an
// exact node factory), printed by BigDecimal.toString.
func jacksonNumber(lit string) string {
	d := ParseDecimal(lit)
	if d.Integer {
		if d.Digits == "0" {
			return "0"
		}
		return strings.TrimPrefix(lit, "+")
	}
	return d.JavaString()
}

// writer renders JSON the way Jackson's generator does: compact, non-ASCII
// characters as they are, control characters escaped with upper-case hex.
type writer struct{ strings.Builder }

func (w *writer) str(s string) { jackson.WriteString(&w.Builder, s) }

func (w *writer) value(v *Value) {
	switch v.Kind {
	case Object:
		w.WriteByte('{')
		for i, k := range v.Keys {
			if i > 0 {
				w.WriteByte(',')
			}
			w.str(k)
			w.WriteByte(':')
			w.value(v.Vals[i])
		}
		w.WriteByte('}')
	case Array:
		w.WriteByte('[')
		for i, m := range v.Items {
			if i > 0 {
				w.WriteByte(',')
			}
			w.value(m)
		}
		w.WriteByte(']')
	case String:
		w.str(v.Str)
	case Number:
		w.WriteString(jacksonNumber(v.Str))
	case Bool:
		if v.Bool {
			w.WriteString("true")
		} else {
			w.WriteString("false")
		}
	default:
		w.WriteString("null")
	}
}

// sorted returns a copy of v with object keys sorted recursively in Java's
// String order (UTF-16 code units), as Confluent's normalization does.
func sorted(v *Value) *Value {
	switch v.Kind {
	case Object:
		idx := make([]int, len(v.Keys))
		units := make([][]uint16, len(v.Keys))
		for i, k := range v.Keys {
			idx[i] = i
			units[i] = utf16.Encode([]rune(k))
		}
		sort.SliceStable(idx, func(a, b int) bool { return lessUnits(units[idx[a]], units[idx[b]]) })
		out := &Value{Kind: Object, Keys: make([]string, len(idx)), Vals: make([]*Value, len(idx))}
		for i, j := range idx {
			out.Keys[i] = v.Keys[j]
			out.Vals[i] = sorted(v.Vals[j])
		}
		return out
	case Array:
		out := &Value{Kind: Array, Items: make([]*Value, len(v.Items))}
		for i, m := range v.Items {
			out.Items[i] = sorted(m)
		}
		return out
	}
	c := *v
	return &c
}

// lessUnits compares strings as Java's String.compareTo does: by UTF-16
// code units.
func lessUnits(ua, ub []uint16) bool {
	for i := 0; i < len(ua) && i < len(ub); i++ {
		if ua[i] != ub[i] {
			return ua[i] < ub[i]
		}
	}
	return len(ua) < len(ub)
}

// toAny converts a value to the form the validator library reads
// (json.Number for numbers).
func toAny(v *Value) any {
	switch v.Kind {
	case Object:
		m := make(map[string]any, len(v.Keys))
		for i, k := range v.Keys {
			m[k] = toAny(v.Vals[i])
		}
		return m
	case Array:
		a := make([]any, len(v.Items))
		for i, m := range v.Items {
			a[i] = toAny(m)
		}
		return a
	case String:
		return v.Str
	case Number:
		return json.Number(v.Str)
	case Bool:
		return v.Bool
	}
	return nil
}
