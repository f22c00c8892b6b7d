package protobuf

import (
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
)

// javaNumber reformats a number the way Confluent's normalizer does:
// commons-lang3 NumberUtils.createNumber, then a java.text.DecimalFormat
// without grouping (at most three fraction digits, HALF_EVEN). It reports
// false when Java would not read the text as a number (inf, nan, ...), in
// which case the text is kept.
func javaNumber(s string) (string, bool) {
	if s == "" {
		return "", false
	}
	body, neg := s, false
	if strings.HasPrefix(body, "-") {
		body, neg = body[1:], true
	}
	if strings.HasPrefix(body, "0x") || strings.HasPrefix(body, "0X") || strings.HasPrefix(body, "#") {
		digits := strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(body, "0x"), "0X"), "#")
		v, ok := new(big.Int).SetString(digits, 16)
		if !ok || digits == "" {
			return "", false
		}
		if neg {
			v.Neg(v)
		}
		return v.String(), true
	}
	last := s[len(s)-1]
	numeric := s
	suffix := byte(0)
	if !(last >= '0' && last <= '9') && last != '.' {
		suffix, numeric = last, s[:len(s)-1]
	}
	m := decimalSyntax.FindStringSubmatch(numeric)
	if m == nil {
		return "", false
	}
	mant, frac, exp := m[2], m[3], m[4]
	hasDec := strings.Contains(numeric, ".")
	allZeros := strings.Trim(mant, "0") == "" && strings.Trim(strings.TrimLeft(exp, "eE+-"), "0") == ""
	switch suffix {
	case 0:
		if !hasDec && exp == "" {
			return javaInteger(numeric)
		}
		f64, err64 := strconv.ParseFloat(numeric, 64)
		f32, err32 := strconv.ParseFloat(numeric, 32)
		if err32 == nil && !math.IsInf(f32, 0) && !(f32 == 0 && !allZeros) &&
			strconv.FormatFloat(f32, 'e', -1, 32) == strconv.FormatFloat(f64, 'e', -1, 64) {
			return formatDouble(f32, neg), true
		}
		if err64 == nil && !math.IsInf(f64, 0) && !(f64 == 0 && !allZeros) {
			return formatDouble(f64, neg), true
		}
		return formatDecimal(numeric)
	case 'l', 'L':
		if hasDec || exp != "" || frac != "" {
			return "", false
		}
		return javaInteger(numeric)
	case 'f', 'F':
		f32, err := strconv.ParseFloat(numeric, 32)
		if err == nil && !math.IsInf(f32, 0) && !(f32 == 0 && !allZeros) {
			return formatDouble(f32, neg), true
		}
		fallthrough
	case 'd', 'D':
		f64, err := strconv.ParseFloat(numeric, 64)
		if err == nil && !math.IsInf(f64, 0) && !(f64 == 0 && !allZeros) {
			return formatDouble(f64, neg), true
		}
		return formatDecimal(numeric)
	}
	return "", false
}

var decimalSyntax = regexp.MustCompile(`^([+-]?)([0-9]*)\.?([0-9]*)([eE][+-]?[0-9]+)?$`)

// javaInteger is Integer.decode / Long.decode / BigInteger: a leading zero
// means octal.
func javaInteger(s string) (string, bool) {
	body, neg := s, false
	switch {
	case strings.HasPrefix(body, "-"):
		body, neg = body[1:], true
	case strings.HasPrefix(body, "+"):
		body = body[1:]
	}
	if body == "" {
		return "", false
	}
	base := 10
	if len(body) > 1 && body[0] == '0' {
		base, body = 8, body[1:]
	}
	v, ok := new(big.Int).SetString(body, base)
	if !ok {
		return "", false
	}
	if neg {
		v.Neg(v)
	}
	return v.String(), true
}

// formatDouble is DecimalFormat.format(double): the shortest digits of the
// value, rounded half-even to three fraction digits.
func formatDouble(v float64, neg bool) string {
	short := strconv.FormatFloat(math.Abs(v), 'f', -1, 64)
	if i := strings.IndexByte(short, '.'); i >= 0 && len(short)-i-1 > 3 {
		short = strconv.FormatFloat(math.Abs(v), 'f', 3, 64)
	}
	return signed(trimFraction(short), neg || math.Signbit(v))
}

// formatDecimal is DecimalFormat.format(BigDecimal): the exact value,
// rounded half-even to three fraction digits.
func formatDecimal(s string) (string, bool) {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return "", false
	}
	neg := r.Sign() < 0 || strings.HasPrefix(s, "-")
	r.Abs(r)
	scaled := new(big.Rat).Mul(r, big.NewRat(1000, 1))
	q, rem := new(big.Int).QuoRem(scaled.Num(), scaled.Denom(), new(big.Int))
	twice := new(big.Int).Mul(rem, big.NewInt(2))
	switch twice.Cmp(scaled.Denom()) {
	case 1:
		q.Add(q, big.NewInt(1))
	case 0:
		if q.Bit(0) == 1 {
			q.Add(q, big.NewInt(1))
		}
	}
	digits := q.String()
	for len(digits) < 4 {
		digits = "0" + digits
	}
	text := digits[:len(digits)-3] + "." + digits[len(digits)-3:]
	return signed(trimFraction(text), neg), true
}

func trimFraction(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	return s
}

func signed(s string, neg bool) string {
	if neg {
		return "-" + s
	}
	return s
}
