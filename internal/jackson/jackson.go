// Package jackson writes JSON strings the way Jackson's generator does in
// Confluent's Java code: non-ASCII characters as they are, no HTML escaping,
// control characters escaped (upper-case hex), invalid UTF-8 as U+FFFD. The
// canonical texts of Avro and JSON Schema, the `_schemas` record keys and
// the elector's group metadata depend on it byte for byte.
package jackson

import (
	"strings"
	"unicode/utf8"
)

// AppendString appends s to b as a quoted JSON string.
func AppendString(b []byte, s string) []byte {
	b = append(b, '"')
	for len(s) > 0 {
		plain, esc, size := nextEscape(s)
		b = append(b, s[:plain]...)
		b = append(b, esc...)
		s = s[plain+size:]
	}
	return append(b, '"')
}

// WriteString writes s to w as a quoted JSON string, the bytes AppendString
// appends.
func WriteString(w *strings.Builder, s string) {
	w.WriteByte('"')
	for len(s) > 0 {
		plain, esc, size := nextEscape(s)
		w.WriteString(s[:plain])
		w.WriteString(esc)
		s = s[plain+size:]
	}
	w.WriteByte('"')
}

// nextEscape is the one rule of both writers: s[:plain] goes out as it is,
// then esc replaces the size bytes after it (size is 0 when s has nothing
// to escape). Escaped: '"', '\\', control characters (\b \t \n \f \r, the
// others as \u00XX in upper-case hex) and each byte of invalid UTF-8
// (\uFFFD). '/', '<', '>', '&', DEL, U+2028 and other non-ASCII characters
// go out as they are.
func nextEscape(s string) (plain int, esc string, size int) {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 {
				return i, controlEscapes[c], 1
			}
			switch c {
			case '"':
				return i, `\"`, 1
			case '\\':
				return i, `\\`, 1
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			return i, `\uFFFD`, 1
		}
		i += n
	}
	return len(s), "", 0
}

// controlEscapes are Jackson's escapes of the bytes below 0x20.
var controlEscapes = [0x20]string{
	`\u0000`, `\u0001`, `\u0002`, `\u0003`, `\u0004`, `\u0005`, `\u0006`, `\u0007`,
	`\b`, `\t`, `\n`, `\u000B`, `\f`, `\r`, `\u000E`, `\u000F`,
	`\u0010`, `\u0011`, `\u0012`, `\u0013`, `\u0014`, `\u0015`, `\u0016`, `\u0017`,
	`\u0018`, `\u0019`, `\u001A`, `\u001B`, `\u001C`, `\u001D`, `\u001E`, `\u001F`,
}
