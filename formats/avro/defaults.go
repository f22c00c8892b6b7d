package avro

import (
	"errors"
	"math"
	"strconv"
	"strings"
)

// Field default values, as Avro Java 1.12 checks them when a schema is parsed
// with validateDefaults (Confluent's new schemas): Schema.validateDefault,
// isValidDefault and isValidValue.

// errFieldsNotSet is Avro Java's AvroRuntimeException when a default is
// checked against a record whose fields are still being parsed (a record
// used inside itself): RecordSchema.getFields.
var errFieldsNotSet = errors.New("Schema fields not set yet")

// validDefault reports whether v is a valid value of s for Avro Java's
// Schema.isValidDefault (1.12): the JSON kind each type wants, every element
// of an array, every value of a map, every field of a record (its value in
// v, else its own default), any branch of a union. Logical types change
// nothing. v is nil for a missing value, which is never valid.
func validDefault(s *schema, v *node) (bool, error) {
	if v == nil {
		return false, nil
	}
	s = resolved(s)
	switch s.typ {
	case "string", "bytes", "enum", "fixed":
		// Java checks neither the enum symbol nor the bytes.
		return v.kind == 's', nil
	case "int":
		return v.kind == 'n' && integral(v.str, 32), nil
	case "long":
		return v.kind == 'n' && integral(v.str, 64), nil
	case "float", "double":
		return v.kind == 'n', nil
	case "boolean":
		return v.kind == 'b', nil
	case "null":
		return v.kind == 'z', nil
	case "array":
		if v.kind != 'a' {
			return false, nil
		}
		for _, it := range v.items {
			if ok, err := validDefault(s.items, it); !ok || err != nil {
				return false, err
			}
		}
		return true, nil
	case "map":
		if v.kind != 'o' {
			return false, nil
		}
		for _, it := range v.vals {
			if ok, err := validDefault(s.values, it); !ok || err != nil {
				return false, err
			}
		}
		return true, nil
	case "union":
		// Avro Java 1.12 (AVRO-3649): any branch, tried in order. (1.11
		// and before: the first branch only.)
		for _, b := range s.branches {
			if ok, err := validDefault(b, v); ok || err != nil {
				return ok, err
			}
		}
		return false, nil
	case "record", "error":
		if v.kind != 'o' {
			return false, nil
		}
		if s.open {
			return false, errFieldsNotSet
		}
		for _, f := range s.fields {
			fv := v.get(f.name)
			if fv == nil {
				fv = f.def
			}
			if ok, err := validDefault(f.typ, fv); !ok || err != nil {
				return false, err
			}
		}
		return true, nil
	}
	return false, nil
}

// integral reports whether a number node's text is what Jackson reads as an
// integral number (no fraction, no exponent) that fits in bits: Jackson's
// isIntegralNumber && canConvertToInt (32) or canConvertToLong (64).
func integral(lit string, bits int) bool {
	if strings.ContainsAny(lit, ".eE") {
		return false
	}
	_, err := strconv.ParseInt(lit, 10, bits)
	return err == nil
}

// javaParseDouble parses text as Java's Double.parseDouble, which Avro Java
// applies to a textual default of a float or double field. The error is the
// NumberFormatException's message.
func javaParseDouble(text string) (float64, error) {
	// String.trim: every character up to U+0020 at both ends.
	s := strings.TrimFunc(text, func(r rune) bool { return r <= ' ' })
	if s == "" {
		return 0, errors.New("empty String")
	}
	bad := errors.New(`For input string: "` + s + `"`)
	sign, rest := "", s
	if rest[0] == '+' || rest[0] == '-' {
		sign, rest = rest[:1], rest[1:]
	}
	switch rest {
	case "NaN":
		return math.NaN(), nil
	case "Infinity":
		if sign == "-" {
			return math.Inf(-1), nil
		}
		return math.Inf(1), nil
	}
	suffix := func(j int) int { // an optional f, F, d or D ending the text
		if j == len(rest)-1 && strings.IndexByte("fFdD", rest[j]) >= 0 {
			return j + 1
		}
		return j
	}
	var num string
	if len(rest) >= 2 && rest[0] == '0' && (rest[1] == 'x' || rest[1] == 'X') {
		// 0x<hex>[.<hex>]p[+-]<digits>[fFdD]
		j := 2
		n := span(rest, j, isHex)
		j += n
		if j < len(rest) && rest[j] == '.' {
			j++
			m := span(rest, j, isHex)
			n += m
			j += m
		}
		if n == 0 || j >= len(rest) || (rest[j] != 'p' && rest[j] != 'P') {
			return 0, bad
		}
		if j = exponent(rest, j+1); j < 0 {
			return 0, bad
		}
		num = rest[:j]
		if suffix(j) != len(rest) {
			return 0, bad
		}
	} else {
		// <digits>[.<digits>][e[+-]<digits>][fFdD]
		j, n, point := 0, 0, false
		for ; j < len(rest); j++ {
			if c := rest[j]; isDecimal(c) {
				n++
			} else if c == '.' {
				if point {
					return 0, errors.New("multiple points")
				}
				point = true
			} else {
				break
			}
		}
		if n == 0 {
			return 0, bad
		}
		if j < len(rest) && (rest[j] == 'e' || rest[j] == 'E') {
			if j = exponent(rest, j+1); j < 0 {
				return 0, bad
			}
		}
		num = rest[:j]
		if suffix(j) != len(rest) {
			return 0, bad
		}
	}
	f, err := strconv.ParseFloat(sign+num, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, bad
	}
	return f, nil // out of range: ±Inf or 0, as Java
}

// exponent reads [+-]<digits> of an exponent from j and returns where it
// ends, -1 without digits.
func exponent(s string, j int) int {
	if j < len(s) && (s[j] == '+' || s[j] == '-') {
		j++
	}
	e := span(s, j, isDecimal)
	if e == 0 {
		return -1
	}
	return j + e
}

func span(s string, from int, ok func(byte) bool) int {
	n := 0
	for from+n < len(s) && ok(s[from+n]) {
		n++
	}
	return n
}

func isDecimal(c byte) bool { return '0' <= c && c <= '9' }

func isHex(c byte) bool {
	return isDecimal(c) || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

// writeStub writes a default value hamba accepts for s (which checks the
// first branch of a union only, enum symbols, ...), for the fallback parse
// that gives the compatibility checker a model of a schema whose defaults
// hamba refuses: the checker needs only to know which fields have one.
func writeStub(w *writer, s *schema, onStack map[*schema]bool) {
	s = resolved(s)
	switch s.typ {
	case "boolean":
		w.WriteString("false")
	case "int", "long", "float", "double":
		w.WriteString("0")
	case "string", "bytes", "fixed":
		w.WriteString(`""`)
	case "enum":
		if len(s.symbols) > 0 {
			w.str(s.symbols[0])
		} else {
			w.WriteString(`""`)
		}
	case "array":
		w.WriteString("[]")
	case "map":
		w.WriteString("{}")
	case "union":
		if len(s.branches) > 0 {
			writeStub(w, s.branches[0], onStack)
		} else {
			w.WriteString("null")
		}
	case "record", "error":
		if onStack[s] {
			w.WriteString("null") // a record inside itself: no finite value
			return
		}
		onStack[s] = true
		defer delete(onStack, s)
		first := true
		w.WriteByte('{')
		for _, f := range s.fields {
			w.key(&first, f.name)
			writeStub(w, f.typ, onStack)
		}
		w.WriteByte('}')
	default:
		w.WriteString("null")
	}
}

// hambaKeys are the attributes hamba/avro decodes (with mapstructure, which
// matches a key case-insensitively when the exact one is absent).
var hambaKeys = []string{"aliases", "default", "doc", "fields", "items", "name", "namespace", "order", "precision", "scale", "size", "symbols", "type", "values"}

// hambaName is hamba's rule for names: ASCII letters, digits and _.
func hambaName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || (i > 0 && isDecimal(c))) {
			return false
		}
	}
	return true
}

func hambaParts(s string) bool {
	for part := range strings.SplitSeq(s, ".") {
		if !hambaName(part) {
			return false
		}
	}
	return true
}

func hambaProps(props []prop) bool {
	for _, p := range props {
		for _, k := range hambaKeys {
			if p.key != k && strings.EqualFold(p.key, k) {
				return false
			}
		}
	}
	return true
}

// hambaMayRefuse reports whether the schema or a dependency has what hamba
// refuses (or reads differently) and Avro Java accepts, defaults aside:
// names, symbols or aliases beyond ASCII letters, digits and _ (hamba checks
// field aliases, which Java does not), an enum without symbols, a custom
// property whose name is an attribute's in another case ("Default", which
// hamba reads as the default). Such schemas are rare; for them hamba
// decides, as it did for every new schema.
func (s *Schema) hambaMayRefuse() bool {
	seen := map[*schema]bool{}
	var walk func(*schema) bool
	walk = func(t *schema) bool {
		if t.ref || seen[t] {
			return false // walked where it is defined
		}
		seen[t] = true
		if !hambaProps(t.props) {
			return true
		}
		if t.named() {
			if !hambaParts(t.full()) {
				return true
			}
			for _, a := range t.aliases {
				if !hambaParts(a) {
					return true
				}
			}
		}
		if t.typ == "enum" && len(t.symbols) == 0 {
			return true
		}
		for _, sym := range t.symbols {
			if !hambaName(sym) {
				return true
			}
		}
		for _, f := range t.fields {
			if !hambaName(f.name) || !hambaProps(f.props) || walk(f.typ) {
				return true
			}
			for _, a := range f.aliases {
				if !hambaName(a) {
					return true
				}
			}
		}
		for _, b := range t.branches {
			if walk(b) {
				return true
			}
		}
		return (t.items != nil && walk(t.items)) || (t.values != nil && walk(t.values))
	}
	for _, d := range s.deps {
		if walk(d) {
			return true
		}
	}
	return walk(s.root)
}
