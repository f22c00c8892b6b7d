package main

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// writeGitHub writes GitHub Actions workflow commands: an error annotation
// per incompatibility, on the line of the new schema its message points at
// (its path '...'), else on the first line.
func writeGitHub(w io.Writer, results []checkResult) {
	for _, r := range results {
		name := r.File
		if r.Subject != "" {
			name = r.Subject
		}
		switch {
		case r.Error != "":
			fmt.Fprintf(w, "::error file=%s,title=%s::%s\n", ghProp(r.File), ghProp(name+": error"), ghData(r.Error))
		case r.Compatible:
			fmt.Fprintf(w, "::notice file=%s,title=%s::compatible%s\n", ghProp(r.File), ghProp(name), ghData(levelNote(r.Level)))
		default:
			text := readFileOrEmpty(r.File)
			for _, m := range r.Messages {
				if strings.HasPrefix(m, "{oldSchemaVersion:") || strings.HasPrefix(m, "{oldSchema:") || strings.HasPrefix(m, "{validateFields:") {
					continue // the context lines of the message above
				}
				line := 1
				if p := messagePath(m); p != "" {
					line = locate(text, p)
				}
				fmt.Fprintf(w, "::error file=%s,line=%d,title=%s::%s\n", ghProp(r.File), line, ghProp(name+" is incompatible"+levelNote(r.Level)), ghData(m))
			}
		}
	}
}

// ghData and ghProp escape a workflow command's message and properties.
func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func ghProp(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

var pathInMessage = regexp.MustCompile(`path '([^']*)'`)

// messagePath is the schema path a compatibility message names: Avro's
// '/fields/1', JSON Schema's '#/properties/a', Protobuf's '#/Message/2'.
func messagePath(m string) string {
	if g := pathInMessage.FindStringSubmatch(m); g != nil {
		return g[1]
	}
	return ""
}

// locate finds the line of a path in a schema text: a JSON pointer in a
// JSON text (Avro, JSON Schema), else message names and field numbers in
// a .proto text. Line 1 when it cannot.
func locate(text, path string) int {
	segs := strings.Split(strings.TrimPrefix(strings.TrimPrefix(path, "#"), "/"), "/")
	if json.Valid([]byte(text)) {
		if off, ok := jsonOffset(text, segs); ok {
			line, _ := lineCol(text, off)
			return line
		}
		return 1
	}
	return protoLine(text, segs)
}

// jsonOffset is the offset of the value a JSON pointer names, found by
// reading the text's tokens.
func jsonOffset(text string, pointer []string) (int, bool) {
	dec := json.NewDecoder(strings.NewReader(text))
	var walk func(depth int) (int, bool, error)
	// walk reads one value; when depth segments are matched, the value's
	// start is the answer.
	walk = func(depth int) (int, bool, error) {
		start := int(dec.InputOffset())
		tok, err := dec.Token()
		if err != nil {
			return 0, false, err
		}
		if depth == len(pointer) {
			skipRest(dec, tok)
			return skipSpace(text, start), true, nil
		}
		d, isDelim := tok.(json.Delim)
		if !isDelim || (d != '{' && d != '[') {
			return 0, false, nil
		}
		for i := 0; dec.More(); i++ {
			key := strconv.Itoa(i)
			if d == '{' {
				kt, err := dec.Token()
				if err != nil {
					return 0, false, err
				}
				key, _ = kt.(string)
			}
			if key == pointer[depth] {
				return walk(depth + 1)
			}
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return 0, false, err
			}
		}
		return 0, false, nil
	}
	off, ok, err := walk(0)
	return off, ok && err == nil
}

// skipRest consumes the rest of a value whose first token was read.
func skipRest(dec *json.Decoder, tok json.Token) {
	if d, ok := tok.(json.Delim); ok && (d == '{' || d == '[') {
		for depth := 1; depth > 0; {
			t, err := dec.Token()
			if err != nil {
				return
			}
			if d, ok := t.(json.Delim); ok {
				if d == '{' || d == '[' {
					depth++
				} else {
					depth--
				}
			}
		}
	}
}

// skipSpace moves an offset past white space and a separating comma or
// colon, to the value itself.
func skipSpace(text string, off int) int {
	for off < len(text) && strings.ContainsRune(" \t\r\n,:", rune(text[off])) {
		off++
	}
	return off
}

// protoLine finds a Protobuf path: each name segment a message or enum
// declared after the previous match, each number segment a field with that
// number.
func protoLine(text string, segs []string) int {
	lines := strings.Split(text, "\n")
	at, found := 0, 0
	for _, seg := range segs {
		var re *regexp.Regexp
		if _, err := strconv.Atoi(seg); err == nil {
			re = regexp.MustCompile(`=\s*` + seg + `\s*[;\[]`)
		} else {
			re = regexp.MustCompile(`\b(message|enum|service)\s+` + regexp.QuoteMeta(seg) + `\b`)
		}
		for i := at; i < len(lines); i++ {
			if re.MatchString(lines[i]) {
				at, found = i, i+1
				break
			}
		}
	}
	if found == 0 {
		return 1
	}
	return found
}
