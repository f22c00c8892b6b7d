// Package formats holds what the registry knows about schema types, one
// sub-package per type (avro, and later protobuf and jsonschema) behind the
// small Format interface: parse with references, canonical and normalized
// text, and the identity hash used to deduplicate schemas. It imports none of
// the registry's other packages.
package formats
