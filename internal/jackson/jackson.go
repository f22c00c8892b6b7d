// Package jackson writes JSON strings the way Jackson's generator does in
// Confluent's Java code: non-ASCII characters as they are, no HTML escaping,
// control characters escaped (upper-case hex), invalid UTF-8 as U+FFFD. The
// canonical texts of Avro and JSON Schema depend on it byte for byte.
package jackson

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// WriteString writes s as a quoted JSON string.
func WriteString(w *strings.Builder, s string) {
	w.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"':
				w.WriteString(`\"`)
			case c == '\\':
				w.WriteString(`\\`)
			case c == '\n':
				w.WriteString(`\n`)
			case c == '\r':
				w.WriteString(`\r`)
			case c == '\t':
				w.WriteString(`\t`)
			case c == '\b':
				w.WriteString(`\b`)
			case c == '\f':
				w.WriteString(`\f`)
			case c < 0x20:
				fmt.Fprintf(w, `\u%04X`, c)
			default:
				w.WriteByte(c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			w.WriteString(`\uFFFD`)
		} else {
			w.WriteString(s[i : i+size])
		}
		i += size
	}
	w.WriteByte('"')
}
