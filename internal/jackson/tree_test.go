package jackson

import (
	"fmt"
	"strings"
	"testing"
)

// show renders what Parse built, to compare shapes.
var show = Builder[string]{
	Object: func(keys []string, vals []string) string {
		parts := make([]string, len(keys))
		for i := range keys {
			parts[i] = keys[i] + "=" + vals[i]
		}
		return "{" + strings.Join(parts, ",") + "}"
	},
	Array:  func(items []string) string { return "[" + strings.Join(items, ",") + "]" },
	String: func(s string) string { return fmt.Sprintf("%q", s) },
	Number: func(lit string) (string, error) {
		if lit == "666" {
			return "", fmt.Errorf("refused number")
		}
		return lit, nil
	},
	Bool: func(b bool) string { return fmt.Sprint(b) },
	Null: func() string { return "null" },
}

func TestParse(t *testing.T) {
	for in, want := range map[string]string{
		`{"b":1,"a":[1.50,"x",true,null],"b":2}`: `{b=2,a=[1.50,"x",true,null]}`, // first position, last value
		`  {}  `:                                 `{}`,
		`1e10`:                                   `1e10`,
	} {
		got, err := Parse([]byte(in), 10, show)
		if err != nil || got != want {
			t.Errorf("%s: %q %v, want %q", in, got, err, want)
		}
	}
	for in, want := range map[string]string{
		`[[[[1]]]]`: "nested deeper than 3",
		`{"a":1} x`: "unexpected data",
		`{"a":`:     "unexpected end",
		`[666]`:     "refused number",
	} {
		if _, err := Parse([]byte(in), 3, show); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error containing %q", in, err, want)
		}
	}
}
