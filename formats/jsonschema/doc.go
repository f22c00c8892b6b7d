// Package jsonschema is the JSON Schema type (drafts 4, 6, 7, 2019-09 and
// 2020-12, chosen by "$schema", draft 7 when absent, as Confluent does). It
// parses schema text with its references into an order-preserving JSON tree
// whose compact printing is byte-identical to the canonical text Confluent
// stores and hashes (Jackson with exact BigDecimals), resolves every "$ref"
// by reference name without ever loading from a file or the network, checks
// new schemas against their draft's meta-schema, and validates documents.
// The compatibility rules that walk the tree live in compat.
package jsonschema
