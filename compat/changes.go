package compat

import (
	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/jsonschema"
	"github.com/schemaregistry/registry/formats/protobuf"
)

// Change is one difference from an original schema to an update, as
// Confluent's Protobuf and JSON Schema diffs list them: its type (e.g.
// FIELD_ADDED, MAX_LENGTH_DECREASED), where, and whether it is one of the
// changes those diffs count as compatible (BACKWARD, STRICT policy).
type Change struct {
	Type       string `json:"type"`
	Path       string `json:"path"`
	Compatible bool   `json:"compatible"`
}

// Changes lists every difference from original to update, compatible or
// not, for Protobuf and JSON Schema; ok is false for other types (Avro's
// checker finds incompatibilities only, it has no change list).
func Changes(original, update formats.Schema) (changes []Change, ok bool, err error) {
	switch o := original.(type) {
	case *protobuf.Schema:
		u, isProto := update.(*protobuf.Schema)
		if !isProto {
			return nil, false, nil
		}
		diffs, err := ProtobufDiff(o, u)
		if err != nil {
			return nil, true, err
		}
		for _, d := range diffs {
			changes = append(changes, Change{Type: d.Type, Path: d.Path, Compatible: protobufCompatible[d.Type]})
		}
		return changes, true, nil
	case *jsonschema.Schema:
		u, isJSON := update.(*jsonschema.Schema)
		if !isJSON {
			return nil, false, nil
		}
		for _, d := range jsonSchemaDiff(o, u, jsCompatibleStrict) {
			changes = append(changes, Change{Type: d.typ, Path: d.pointer(), Compatible: jsCompatibleStrict[d.typ]})
		}
		return changes, true, nil
	}
	return nil, false, nil
}
