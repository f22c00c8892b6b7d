package jackson

import (
	"strings"
	"testing"
)

func TestWriteString(t *testing.T) {
	for in, want := range map[string]string{
		`plain`:                  `"plain"`,
		"café <b> & é":           `"café <b> & é"`,
		"q\"b\\\n\r\t":           `"q\"b\\\n\r\t"`,
		"\b\f\x01\x1f":           `"\b\f\u0001\u001F"`,
		"bad\xffutf8":            `"bad\uFFFDutf8"`,
		"\u2028 kept \U0001F600": "\"\u2028 kept \U0001F600\"",
	} {
		var b strings.Builder
		WriteString(&b, in)
		if b.String() != want {
			t.Errorf("%q: got %s, want %s", in, b.String(), want)
		}
	}
}
