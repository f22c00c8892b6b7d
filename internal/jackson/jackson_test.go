package jackson

import (
	"strings"
	"testing"
)

var stringCases = map[string]string{
	`plain`:                  `"plain"`,
	"":                       `""`,
	"café <b> & é / \x7f":    "\"café <b> & é / \x7f\"",
	"q\"b\\\n\r\t":           `"q\"b\\\n\r\t"`,
	"\b\f\x00\x01\x0b\x1f":   `"\b\f\u0000\u0001\u000B\u001F"`,
	"bad\xffutf8":            `"bad\uFFFDutf8"`,
	"cut \xe2\x82 end\xe2":   `"cut \uFFFD\uFFFD end\uFFFD"`,
	"\u2028 kept \U0001F600": "\"\u2028 kept \U0001F600\"",
}

func TestWriteString(t *testing.T) {
	for in, want := range stringCases {
		var b strings.Builder
		WriteString(&b, in)
		if b.String() != want {
			t.Errorf("%q: got %s, want %s", in, b.String(), want)
		}
	}
}

func TestAppendString(t *testing.T) {
	for in, want := range stringCases {
		if got := string(AppendString([]byte("x"), in)); got != "x"+want {
			t.Errorf("%q: got %s, want x%s", in, got, want)
		}
	}
}
