package store

import (
	"strings"

	"github.com/schemaregistry/registry/formats"
)

// Defaults of the schema limits (Settings.MaxSchemaBytes, MaxSchemaDepth).
const (
	DefaultMaxSchemaBytes = 1 << 20
	DefaultMaxSchemaDepth = 128
)

// checkLimits refuses a schema text too large or nested too deep before any
// parser sees it: parsers recurse on nesting, and a megabyte of '[' must
// not reach them.
func (r *Registry) checkLimits(req SchemaRequest) error {
	if n := len(req.Schema); n > r.settings.MaxSchemaBytes {
		return errorf(CodeInvalidSchema, "Invalid schema: the schema text is %d bytes, more than the limit of %d (schema.max.bytes)", n, r.settings.MaxSchemaBytes)
	}
	if NestingExceeds(req.Schema, strings.EqualFold(req.SchemaType, formats.Protobuf.String()), r.settings.MaxSchemaDepth) {
		return errorf(CodeInvalidSchema, "Invalid schema: the schema nests deeper than %d levels (schema.max.depth)", r.settings.MaxSchemaDepth)
	}
	return nil
}

// NestingExceeds reports whether text opens more than max brackets ('{' or
// '[') without closing them, ignoring brackets inside string literals (and,
// with protobuf, inside comments and single-quoted strings). It reads the
// text once and stops at the first level beyond max.
func NestingExceeds[T string | []byte](text T, protobuf bool, max int) bool {
	depth := 0
	for i := 0; i < len(text); i++ {
		switch c := text[i]; {
		case c == '{' || c == '[':
			if depth++; depth > max {
				return true
			}
		case c == '}' || c == ']':
			if depth > 0 {
				depth--
			}
		case c == '"' || (protobuf && c == '\''):
			i = skipString(text, i)
		case protobuf && c == '/' && i+1 < len(text) && text[i+1] == '/':
			for i < len(text) && text[i] != '\n' {
				i++
			}
		case protobuf && c == '/' && i+1 < len(text) && text[i+1] == '*':
			i += 2
			for i+1 < len(text) && !(text[i] == '*' && text[i+1] == '/') {
				i++
			}
			i++
		}
	}
	return false
}

// skipString returns the index of the quote closing the string literal
// opened at i (the end of the text when it is not closed).
func skipString[T string | []byte](text T, i int) int {
	quote := text[i]
	for i++; i < len(text); i++ {
		switch text[i] {
		case '\\':
			i++
		case quote:
			return i
		}
	}
	return len(text)
}
