package jackson

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// parseOracle is Parse as it was, on encoding/json's Decoder.Token: the
// reference that FuzzParseMatchesDecoder holds the scanner to, and the
// "before" of BenchmarkParse.
func parseOracle[T any](data []byte, maxDepth int, b Builder[T]) (T, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := readOracle(dec, 0, maxDepth, &b)
	if err != nil {
		var zero T
		return zero, err
	}
	if _, err := dec.Token(); err != io.EOF {
		var zero T
		return zero, fmt.Errorf("unexpected data after the JSON value")
	}
	return v, nil
}

func readOracle[T any](dec *json.Decoder, depth, maxDepth int, b *Builder[T]) (T, error) {
	var zero T
	if depth > maxDepth {
		return zero, fmt.Errorf("JSON nested deeper than %d levels", maxDepth)
	}
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			return zero, fmt.Errorf("unexpected end of JSON input")
		}
		return zero, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			var keys []string
			var vals []T
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return zero, err
				}
				key, _ := kt.(string)
				v, err := readOracle(dec, depth+1, maxDepth, b)
				if err != nil {
					return zero, err
				}
				replaced := false
				for i, k := range keys {
					if k == key {
						vals[i], replaced = v, true
						break
					}
				}
				if !replaced {
					keys = append(keys, key)
					vals = append(vals, v)
				}
			}
			if _, err := dec.Token(); err != nil {
				return zero, err
			}
			return b.Object(keys, vals), nil
		case '[':
			var items []T
			for dec.More() {
				v, err := readOracle(dec, depth+1, maxDepth, b)
				if err != nil {
					return zero, err
				}
				items = append(items, v)
			}
			if _, err := dec.Token(); err != nil {
				return zero, err
			}
			return b.Array(items), nil
		}
		return zero, fmt.Errorf("unexpected %v", t)
	case string:
		return b.String(t), nil
	case json.Number:
		return b.Number(string(t))
	case bool:
		return b.Bool(t), nil
	case nil:
		return b.Null(), nil
	}
	return zero, fmt.Errorf("unexpected token %v", tok)
}
