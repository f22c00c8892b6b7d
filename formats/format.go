package formats

import (
	"errors"
	"fmt"
)

// Schema type names as the REST API spells them.
const (
	Avro     = "AVRO"
	Protobuf = "PROTOBUF"
	JSON     = "JSON"
)

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
	// Type is the schema type name (AVRO, PROTOBUF, JSON).
	Type() string
	// Canonical is the text stored in the log and served by the API.
	Canonical() string
}

// Format parses schemas of one type.
type Format interface {
	Type() string
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
