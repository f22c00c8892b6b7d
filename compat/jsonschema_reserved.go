package compat

import (
	"strings"

	"github.com/schemaregistry/registry/formats/jsonschema"
)

// jsReservedProperty is the metadata property listing reserved property
// names, comma-separated.
const jsReservedProperty = "confluent:reserved"

// jsonReservedDifferences is the metadata half of Confluent's JSON Schema
// diff: a reserved name the original's metadata lists and the update's does
// not (RESERVED_PROPERTY_REMOVED), and a top-level property of the update
// that its own metadata reserves (RESERVED_PROPERTY_CONFLICTS_WITH_PROPERTY).
// The registry does not call it yet: the check gets no metadata.
func jsonReservedDifferences(original, update map[string]string, u *jsonschema.Schema) []jsDiff {
	orig, upd := jsReservedNames(original), jsReservedNames(update)
	updSet := jsTypeSet(upd...)
	var out []jsDiff
	for _, name := range orig {
		if !updSet[name] {
			out = append(out, jsDiff{typ: "RESERVED_PROPERTY_REMOVED", path: name, literal: true})
		}
	}
	root := newJSModel(u.Draft()).build(u.Root())
	if root != nil && root.kind == jsObject {
		for _, k := range root.propOrder {
			if updSet[k] {
				out = append(out, jsDiff{typ: "RESERVED_PROPERTY_CONFLICTS_WITH_PROPERTY", path: "properties/" + k})
			}
		}
	}
	return out
}

// jsReservedNames reads the reserved names in the order of the HashSet
// Confluent collects them into.
func jsReservedNames(props map[string]string) []string {
	var names []string
	for _, f := range strings.Split(props[jsReservedProperty], ",") {
		if f = strings.TrimSpace(f); f != "" {
			names = append(names, f)
		}
	}
	return jsJavaMapOrder(names)
}
