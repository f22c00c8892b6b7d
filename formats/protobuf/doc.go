// Package protobuf is the PROTOBUF schema type.
//
// A schema text (proto2 or proto3, or a base64-encoded FileDescriptorProto)
// is read twice: into an element model that mirrors the one Confluent's
// registry builds with Square Wire (File, Message, Field, Option, ...), from
// which the canonical and normalized texts are printed byte for byte as
// Confluent prints them and on which the compatibility rules (compat) walk;
// and by protocompile, which links it against its dependencies and the
// built-in imports (google/protobuf, google/type, confluent) shipped in the
// binary, validates it and yields the protoreflect descriptor used for
// payloads.
//
// Nothing here reads files or the network at run time.
package protobuf
