// Package formats is what the registry knows of schema types. Here: the
// small interfaces every type implements (format.go: Format parses a text
// with its resolved references into a Schema, which gives its canonical or
// normalized text; optional RecordNamer and Formatter), the schema identity
// Confluent deduplicates by, with the metadata and rule set it covers
// (identity.go), and what serializers put on the wire and how they name
// subjects (wire.go: magic byte, id or GUID, Protobuf message indexes;
// strategy.go: subject name strategies). One sub-package per type
// implements the interfaces: avro, protobuf, jsonschema.
//
// Not here: compatibility rules (compat), the registry's state and the
// resolution of references (store), HTTP (api). formats imports none of the
// registry's packages but internal helpers, so that every other part, and
// offline tools, can use it.
package formats
