// Package javaprops reads files in the syntax of java.util.Properties.load:
// the registry's properties file and the Jetty users file share it.
package javaprops

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Entry is one key/value pair of a properties file; Line is the line the
// entry starts on.
type Entry struct {
	Key, Value string
	Line       int
}

// Parse parses data in java.util.Properties.load syntax and returns
// the entries in file order (a later duplicate overrides an earlier one when
// put into a map). Files are read as UTF-8; a file that is not valid UTF-8 is
// read as ISO-8859-1, as Java does. A leading UTF-8 byte order mark is
// skipped.
func Parse(data []byte) ([]Entry, error) {
	var text []rune
	if utf8.Valid(data) {
		text = []rune(strings.TrimPrefix(string(data), "\uFEFF"))
	} else {
		text = make([]rune, len(data))
		for i, b := range data {
			text[i] = rune(b)
		}
	}
	isWS := func(r rune) bool { return r == ' ' || r == '\t' || r == '\f' }
	isEOL := func(r rune) bool { return r == '\n' || r == '\r' }
	n := len(text)
	i, line := 0, 1
	// skipEOL consumes the line terminator at i, if any.
	skipEOL := func() {
		if i < n && text[i] == '\r' {
			i++
			if i < n && text[i] == '\n' {
				i++
			}
			line++
		} else if i < n && text[i] == '\n' {
			i++
			line++
		}
	}

	var entries []Entry
	for i < n {
		for i < n && isWS(text[i]) {
			i++
		}
		if i >= n {
			break
		}
		if isEOL(text[i]) { // blank line
			skipEOL()
			continue
		}
		if text[i] == '#' || text[i] == '!' { // comment: never continued
			for i < n && !isEOL(text[i]) {
				i++
			}
			skipEOL()
			continue
		}
		start := line
		// Collect the logical line: natural lines joined where one ends in
		// an odd number of backslashes; the next line's leading whitespace
		// is dropped, and a blank next line ends the logical line.
		var buf []rune
		for {
			seg := len(buf)
			for i < n && !isEOL(text[i]) {
				buf = append(buf, text[i])
				i++
			}
			skipEOL()
			k := 0
			for j := len(buf) - 1; j >= seg && buf[j] == '\\'; j-- {
				k++
			}
			if k%2 == 0 {
				break
			}
			buf = buf[:len(buf)-1]
			for i < n && isWS(text[i]) {
				i++
			}
			if i >= n {
				break
			}
			if isEOL(text[i]) {
				skipEOL()
				break
			}
		}

		// Split key and value as Properties.load does: the key ends at the
		// first unescaped '=', ':' or whitespace; then whitespace, at most
		// one '=' or ':', and more whitespace are skipped.
		keyLen, valStart := 0, len(buf)
		hasSep, backslash := false, false
		for keyLen < len(buf) {
			c := buf[keyLen]
			if (c == '=' || c == ':') && !backslash {
				valStart = keyLen + 1
				hasSep = true
				break
			}
			if isWS(c) && !backslash {
				valStart = keyLen + 1
				break
			}
			backslash = c == '\\' && !backslash
			keyLen++
		}
		for valStart < len(buf) {
			c := buf[valStart]
			if !isWS(c) {
				if !hasSep && (c == '=' || c == ':') {
					hasSep = true
				} else {
					break
				}
			}
			valStart++
		}
		key, err := unescape(buf[:keyLen])
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", start, err)
		}
		value, err := unescape(buf[valStart:])
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", start, err)
		}
		entries = append(entries, Entry{Key: key, Value: value, Line: start})
	}
	return entries, nil
}

// unescape resolves the escapes of a properties key or value: \t \n
// \r \f, \uXXXX (with UTF-16 surrogate pairs combined) and a backslash before
// any other character standing for that character.
func unescape(s []rune) (string, error) {
	var b strings.Builder
	// hex4 decodes \uXXXX at s[j:] (j at the backslash).
	hex4 := func(j int) (rune, bool) {
		if j+6 > len(s) || s[j] != '\\' || s[j+1] != 'u' {
			return 0, false
		}
		n, err := strconv.ParseUint(string(s[j+2:j+6]), 16, 16)
		return rune(n), err == nil
	}
	for j := 0; j < len(s); {
		c := s[j]
		if c != '\\' {
			b.WriteRune(c)
			j++
			continue
		}
		if j+1 >= len(s) { // lone trailing backslash: dropped
			break
		}
		switch s[j+1] {
		case 'u':
			r, ok := hex4(j)
			if !ok {
				return "", fmt.Errorf("malformed \\uXXXX escape %q", string(s[j:min(j+6, len(s))]))
			}
			j += 6
			if utf16.IsSurrogate(r) {
				if r2, ok := hex4(j); ok && r < 0xDC00 && r2 >= 0xDC00 && r2 <= 0xDFFF {
					r = utf16.DecodeRune(r, r2)
					j += 6
				} else {
					r = utf8.RuneError
				}
			}
			b.WriteRune(r)
			continue
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'f':
			b.WriteByte('\f')
		default:
			b.WriteRune(s[j+1])
		}
		j += 2
	}
	return b.String(), nil
}

// ParseBool reads a boolean property value as Kafka's ConfigDef does:
// "true" or "false" in any case, spaces around ignored.
func ParseBool(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, errors.New("must be true or false")
}
