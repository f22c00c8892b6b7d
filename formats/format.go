package formats

import (
	"errors"
	"fmt"
	"strings"
)

// SchemaType is a schema type as the REST API names it (schemaType).
type SchemaType string

// The schema types.
const (
	Avro     SchemaType = "AVRO"
	Protobuf SchemaType = "PROTOBUF"
	JSON     SchemaType = "JSON"
)

// SchemaTypes lists every schema type, in the order Confluent's
// /schemas/types lists them (its providers' hash map order, seen from 8.0.0).
var SchemaTypes = []SchemaType{JSON, Protobuf, Avro}

// ParseSchemaType returns the type named by s, in any case; the empty name
// is AVRO, as a request or record without schemaType is.
func ParseSchemaType(s string) (SchemaType, error) {
	if s == "" {
		return Avro, nil
	}
	t := SchemaType(strings.ToUpper(s))
	for _, known := range SchemaTypes {
		if t == known {
			return t, nil
		}
	}
	return "", fmt.Errorf("unknown schema type %q", s)
}

// String is the type's name.
func (t SchemaType) String() string { return string(t) }

// UnmarshalText reads a type name (any case; empty is AVRO).
func (t *SchemaType) UnmarshalText(b []byte) error {
	v, err := ParseSchemaType(string(b))
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// Reference is a schema's reference to another registered schema: the name
// the referring schema uses for it, and the subject-version holding it.
type Reference struct {
	Name    string `json:"name"`
	Subject string `json:"subject"`
	Version int    `json:"version"`
}

// Dependency is a referenced schema resolved by the store: its reference name
// and its canonical text. Dependencies are given in resolution order, a
// schema's own dependencies before it.
type Dependency struct {
	Name   string
	Schema string
}

// Options tune a parse.
type Options struct {
	// Normalize asks for the normalized form as canonical text (normalize=true:
	// Confluent's AvroSchemaUtils.toNormalizedString, ParsedSchema.normalize).
	Normalize bool
	// New marks a schema being registered (as opposed to one read from the
	// log): new schemas get the stricter validation (Avro default values).
	New bool
}

// Schema is a parsed schema of any type.
type Schema interface {
	// Type is the schema type.
	Type() SchemaType
	// Canonical is the text stored in the log and served by the API.
	Canonical() string
}

// Format parses schemas of one type.
type Format interface {
	Type() SchemaType
	Parse(text string, deps []Dependency, opts Options) (Schema, error)
}

// ErrInvalid wraps every parse or validation failure of a schema.
var ErrInvalid = errors.New("invalid schema")

// Invalid returns an error wrapping ErrInvalid with the given detail.
func Invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// Formatter is a schema that can be served in another text format on reads
// (the `format` query parameter): Protobuf's "serialized" (a base64
// FileDescriptorProto). Unknown formats are ignored, as Confluent does.
type Formatter interface {
	Formatted(format string) (text string, ok bool, err error)
}
