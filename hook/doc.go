// Package hook holds the rules of record validation, as Confluent Server's
// confluent.key/value.schema.validation topic settings apply them. A
// Validator checks a batch of serialized keys and values against the
// registry (the wire-format prefix, that the schema id or GUID exists, that
// the subject the naming strategy gives holds that schema, soft-deleted
// versions included, the Protobuf message indexes, optionally that the
// payload decodes) and answers one Verdict per record. Settings are a
// topic's validation settings, read from their Confluent names in one place
// (settings.go) for the properties file and for requests alike.
//
// It reads the registry through a Source (the store in process, or a
// registry's REST API for a validating proxy) and never writes it. HTTP belongs to api (POST
// /validation/topics/{topic}), configuration files to cmd, and the Kafka
// protocol of a validating proxy to that proxy's own package.
package hook
