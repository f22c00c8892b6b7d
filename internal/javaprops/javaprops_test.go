package javaprops

import (
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name, in string
		want     [][2]string
	}{
		{"equals", "a=b", [][2]string{{"a", "b"}}},
		{"colon", "a:b", [][2]string{{"a", "b"}}},
		{"space", "a b", [][2]string{{"a", "b"}}},
		{"tab and spaces around separator", "a \t = \t b", [][2]string{{"a", "b"}}},
		{"whitespace then colon", "a   :b", [][2]string{{"a", "b"}}},
		{"second separator belongs to value", "a==b", [][2]string{{"a", "=b"}}},
		{"space separator then equals in value", "a b=c", [][2]string{{"a", "b=c"}}},
		{"trailing whitespace kept", "a=b  ", [][2]string{{"a", "b  "}}},
		{"key only", "a", [][2]string{{"a", ""}}},
		{"key with separator only", "a=", [][2]string{{"a", ""}}},
		{"empty key", "=b", [][2]string{{"", "b"}}},
		{"leading whitespace", "  \t a=b", [][2]string{{"a", "b"}}},
		{"comments and blanks", "# c1\n! c2\n\n   \n  # indented\na=b\n", [][2]string{{"a", "b"}}},
		{"comment not continued", "# comment \\\na=b", [][2]string{{"a", "b"}}},
		{"hash inside value", "a=b#c", [][2]string{{"a", "b#c"}}},
		{"continuation", "a=one, \\\n    two, \\\n\tthree", [][2]string{{"a", "one, two, three"}}},
		{"continuation line starting with hash", "a=b\\\n  #c", [][2]string{{"a", "b#c"}}},
		{"continuation into blank line ends entry", "a=b\\\n\nc=d", [][2]string{{"a", "b"}, {"c", "d"}}},
		{"continuation into whitespace-only line", "a=b\\\n   \nc=d", [][2]string{{"a", "b"}, {"c", "d"}}},
		{"backslash at end of file dropped", "a=b\\", [][2]string{{"a", "b"}}},
		{"even backslashes do not continue", "a=b\\\\\nc=d", [][2]string{{"a", `b\`}, {"c", "d"}}},
		{"three backslashes continue", "a=b\\\\\\\nc", [][2]string{{"a", `b\c`}}},
		{"crlf", "a=b\r\nc=d\r\n", [][2]string{{"a", "b"}, {"c", "d"}}},
		{"cr only", "a=b\rc=d", [][2]string{{"a", "b"}, {"c", "d"}}},
		{"crlf continuation", "a=b\\\r\n  c", [][2]string{{"a", "bc"}}},
		{"escapes", `a=x\ty\nz\r\f\\q\:\=\#\!`, [][2]string{{"a", "x\ty\nz\r\f\\q:=#!"}}},
		{"unknown escape is the character", `a=\q\"`, [][2]string{{"a", `q"`}}},
		{"escaped leading space in value", `a=\  b`, [][2]string{{"a", "  b"}}},
		{"unicode escape", `a=caf\u00e9 \u20AC`, [][2]string{{"a", "café €"}}},
		{"surrogate pair", `a=\uD83D\uDE00`, [][2]string{{"a", "😀"}}},
		{"lone surrogate", `a=\uD83Dx`, [][2]string{{"a", "\uFFFDx"}}},
		{"escaped key separators", `my\ key\:x\=y=v`, [][2]string{{"my key:x=y", "v"}}},
		{"escaped key unicode", `k\u0041y=v`, [][2]string{{"kAy", "v"}}},
		{"raw utf-8", "a=é ü", [][2]string{{"a", "é ü"}}},
		{"byte order mark", "\uFEFFa=b", [][2]string{{"a", "b"}}},
		{"latin-1 when not utf-8", "a=caf\xe9", [][2]string{{"a", "café"}}},
		{"duplicates in order", "a=1\na=2", [][2]string{{"a", "1"}, {"a", "2"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			entries, err := Parse([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			var got [][2]string
			for _, e := range entries {
				got = append(got, [2]string{e.Key, e.Value})
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parse %q:\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseLineNumbers(t *testing.T) {
	entries, err := Parse([]byte("# c\n\na=1\\\n 2\nb=3\r\nc=4"))
	if err != nil {
		t.Fatal(err)
	}
	var lines []int
	for _, e := range entries {
		lines = append(lines, e.Line)
	}
	if want := []int{3, 5, 6}; !reflect.DeepEqual(lines, want) {
		t.Errorf("lines = %v, want %v", lines, want)
	}
}

func TestParseMalformedUnicode(t *testing.T) {
	for _, in := range []string{`a=\u12`, `a=\u12G4`, "x=1\n\\uZZZZ=b"} {
		if _, err := Parse([]byte(in)); err == nil || !strings.Contains(err.Error(), `\uXXXX`) {
			t.Errorf("parse %q: err = %v, want malformed \\uXXXX error", in, err)
		}
	}
	_, err := Parse([]byte("x=1\n\na=\\u12"))
	if err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("err = %v, want it to name line 3", err)
	}
}
