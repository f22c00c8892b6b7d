package compat

import "strings"

// The JSON Schema difference types (Confluent's json diff Difference.Type)
// with their description templates and the STRICT and LENIENT sets of
// compatible ones. In the templates, %p is the path and the two %s are the
// reader and writer labels, in that order.

const (
	jsDescKeyword   = "The keyword at path '%p' in the %s schema is not present in the %s schema"
	jsDescMore      = "The value at path '%p' in the %s schema is more than its value in the %s schema"
	jsDescLess      = "The value at path '%p' in the %s schema is less than its value in the %s schema"
	jsDescValue     = "The value at path '%p' is different between the %s and %s schema"
	jsDescFewer     = "An array or combined type at path '%p' has fewer elements in the %s schema than the %s schema"
	jsDescMoreElems = "An array or combined type at path '%p' has more elements in the %s schema than the %s schema"
	jsDescType      = "A type at path '%p' is different between the %s schema and the %s schema"
	jsDescOpen      = "The %s schema has an open content model and has a property or item at path '%p' which is missing in the %s schema"
	jsDescUnopen    = "The %s schema has an unopen content model and has a required property at path '%p' which is missing in the %s schema"
	jsDescClosed    = "The %s schema has a closed content model and is missing a property or item present at path '%p' in the %s schema"
	jsDescRemovedNC = "A property or item is missing in the %s schema but present at path '%p' in the %s schema and is not covered by its partially open content model"
	jsDescAddedNC   = "The %s schema has a property or item at path '%p' which is missing in the %s schema and is not covered by its partially open content model"
	jsDescReserved  = "The %s schema has reserved property '%p' removed from its metadata which is present in the %s schema."
	jsDescConflicts = "The %s schema has property at path '%p' that conflicts with the reserved properties which is missing in the %s schema."
)

// jsDescriptions maps each type with a description to it; the others have
// an empty one, as in Confluent.
var jsDescriptions = map[string]string{}

func jsDescribe(desc string, types ...string) {
	for _, t := range types {
		jsDescriptions[t] = desc
	}
}

func init() {
	jsDescribe(jsDescKeyword, "MAXIMUM_ADDED", "MINIMUM_ADDED", "EXCLUSIVE_MAXIMUM_ADDED", "EXCLUSIVE_MINIMUM_ADDED",
		"MULTIPLE_OF_ADDED", "MAX_LENGTH_ADDED", "MIN_LENGTH_ADDED", "PATTERN_ADDED", "REQUIRED_ATTRIBUTE_ADDED",
		"MAX_PROPERTIES_ADDED", "MIN_PROPERTIES_ADDED", "DEPENDENCY_ARRAY_ADDED", "DEPENDENCY_SCHEMA_ADDED",
		"MAX_ITEMS_ADDED", "MIN_ITEMS_ADDED", "MAX_CONTAINS_ADDED", "MIN_CONTAINS_ADDED", "UNIQUE_ITEMS_ADDED",
		"ADDITIONAL_ITEMS_REMOVED", "ADDITIONAL_PROPERTIES_REMOVED", "UNEVALUATED_PROPERTIES_REMOVED",
		"UNEVALUATED_ITEMS_REMOVED")
	jsDescribe(jsDescMore, "MIN_LENGTH_INCREASED", "MINIMUM_INCREASED", "EXCLUSIVE_MINIMUM_INCREASED",
		"MIN_PROPERTIES_INCREASED", "MULTIPLE_OF_EXPANDED", "MIN_ITEMS_INCREASED", "MIN_CONTAINS_INCREASED")
	jsDescribe(jsDescLess, "MAX_LENGTH_DECREASED", "MAXIMUM_DECREASED", "MAX_ITEMS_DECREASED",
		"MAX_CONTAINS_DECREASED", "EXCLUSIVE_MAXIMUM_DECREASED", "MAX_PROPERTIES_DECREASED")
	jsDescribe(jsDescValue, "PATTERN_CHANGED", "MULTIPLE_OF_CHANGED", "DEPENDENCY_ARRAY_CHANGED")
	jsDescribe(jsDescFewer, "ADDITIONAL_ITEMS_NARROWED", "ENUM_ARRAY_NARROWED", "SUM_TYPE_NARROWED",
		"ADDITIONAL_PROPERTIES_NARROWED", "UNEVALUATED_PROPERTIES_NARROWED", "UNEVALUATED_ITEMS_NARROWED")
	jsDescribe(jsDescMoreElems, "DEPENDENCY_ARRAY_EXTENDED", "PRODUCT_TYPE_EXTENDED", "SUM_TYPE_EXTENDED",
		"NOT_TYPE_EXTENDED")
	jsDescribe(jsDescType, "TYPE_CHANGED", "TYPE_NARROWED", "COMBINED_TYPE_CHANGED",
		"COMBINED_TYPE_SUBSCHEMAS_CHANGED", "ENUM_ARRAY_CHANGED")
	jsDescribe(jsDescOpen, "REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL",
		"REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL", "OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL",
		"ITEM_ADDED_TO_OPEN_CONTENT_MODEL")
	jsDescribe(jsDescUnopen, "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL")
	jsDescribe(jsDescClosed, "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL", "ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL")
	jsDescribe(jsDescRemovedNC, "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
		"ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL")
	jsDescribe(jsDescAddedNC, "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
		"ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL")
	jsDescribe(jsDescReserved, "RESERVED_PROPERTY_REMOVED")
	jsDescribe(jsDescConflicts, "RESERVED_PROPERTY_CONFLICTS_WITH_PROPERTY")
}

// jsCompatibleStrict is Confluent's COMPATIBLE_CHANGES_STRICT.
var jsCompatibleStrict = jsTypeSet(
	"ID_CHANGED", "DESCRIPTION_CHANGED", "TITLE_CHANGED", "DEFAULT_CHANGED", "SCHEMA_REMOVED", "TYPE_EXTENDED",
	"MAX_LENGTH_INCREASED", "MAX_LENGTH_REMOVED", "MIN_LENGTH_DECREASED", "MIN_LENGTH_REMOVED", "PATTERN_REMOVED",
	"MAXIMUM_INCREASED", "MAXIMUM_REMOVED", "MINIMUM_DECREASED", "MINIMUM_REMOVED",
	"EXCLUSIVE_MAXIMUM_INCREASED", "EXCLUSIVE_MAXIMUM_REMOVED", "EXCLUSIVE_MINIMUM_DECREASED",
	"EXCLUSIVE_MINIMUM_REMOVED", "MULTIPLE_OF_REDUCED", "MULTIPLE_OF_REMOVED",
	"REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED", "REQUIRED_ATTRIBUTE_REMOVED",
	"DEPENDENCY_ARRAY_NARROWED", "DEPENDENCY_ARRAY_REMOVED", "DEPENDENCY_SCHEMA_REMOVED",
	"MAX_PROPERTIES_INCREASED", "MAX_PROPERTIES_REMOVED", "MIN_PROPERTIES_DECREASED", "MIN_PROPERTIES_REMOVED",
	"ADDITIONAL_PROPERTIES_ADDED", "ADDITIONAL_PROPERTIES_EXTENDED",
	"UNEVALUATED_PROPERTIES_ADDED", "UNEVALUATED_PROPERTIES_EXTENDED",
	"PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL",
	"REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL",
	"OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL",
	"PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL",
	"PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL",
	"PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
	"PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
	"MAX_ITEMS_INCREASED", "MAX_ITEMS_REMOVED", "MIN_ITEMS_DECREASED", "MIN_ITEMS_REMOVED",
	"MAX_CONTAINS_INCREASED", "MAX_CONTAINS_REMOVED", "MIN_CONTAINS_DECREASED", "MIN_CONTAINS_REMOVED",
	"UNIQUE_ITEMS_REMOVED", "ADDITIONAL_ITEMS_ADDED", "ADDITIONAL_ITEMS_EXTENDED",
	"UNEVALUATED_ITEMS_ADDED", "UNEVALUATED_ITEMS_EXTENDED",
	"ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL", "ITEM_ADDED_TO_CLOSED_CONTENT_MODEL",
	"ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL", "ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL",
	"ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
	"ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
	"ENUM_ARRAY_EXTENDED", "COMBINED_TYPE_EXTENDED", "PRODUCT_TYPE_NARROWED", "SUM_TYPE_EXTENDED",
	"NOT_TYPE_NARROWED",
)

// jsCompatibleLenient is COMPATIBLE_CHANGES_LENIENT: STRICT and the
// additional-properties and open-content-model changes.
var jsCompatibleLenient = jsUnionSet(jsCompatibleStrict, jsTypeSet(
	"ADDITIONAL_PROPERTIES_NARROWED", "ADDITIONAL_PROPERTIES_REMOVED",
	"UNEVALUATED_PROPERTIES_NARROWED", "UNEVALUATED_PROPERTIES_REMOVED",
	"REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL",
	"OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL",
	"PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL",
	"PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
	"PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
))

// jsIncompatible lists the types compatible under neither policy, so that
// tests can check the three lists cover all 132 types.
var jsIncompatible = jsTypeSet(
	"SCHEMA_ADDED", "TYPE_NARROWED", "TYPE_CHANGED", "MAX_LENGTH_ADDED", "MAX_LENGTH_DECREASED",
	"MIN_LENGTH_ADDED", "MIN_LENGTH_INCREASED", "PATTERN_ADDED", "PATTERN_CHANGED", "MAXIMUM_ADDED",
	"MAXIMUM_DECREASED", "MINIMUM_ADDED", "MINIMUM_INCREASED", "EXCLUSIVE_MAXIMUM_ADDED",
	"EXCLUSIVE_MAXIMUM_DECREASED", "EXCLUSIVE_MINIMUM_ADDED", "EXCLUSIVE_MINIMUM_INCREASED",
	"MULTIPLE_OF_ADDED", "MULTIPLE_OF_EXPANDED", "MULTIPLE_OF_CHANGED", "REQUIRED_ATTRIBUTE_ADDED",
	"MAX_PROPERTIES_ADDED", "MAX_PROPERTIES_DECREASED", "MIN_PROPERTIES_ADDED", "MIN_PROPERTIES_INCREASED",
	"DEPENDENCY_ARRAY_ADDED", "DEPENDENCY_ARRAY_EXTENDED", "DEPENDENCY_ARRAY_CHANGED", "DEPENDENCY_SCHEMA_ADDED",
	"PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", "REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL",
	"REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL", "RESERVED_PROPERTY_REMOVED",
	"RESERVED_PROPERTY_CONFLICTS_WITH_PROPERTY", "MAX_ITEMS_ADDED", "MAX_ITEMS_DECREASED", "MIN_ITEMS_ADDED",
	"MIN_ITEMS_INCREASED", "MAX_CONTAINS_ADDED", "MAX_CONTAINS_DECREASED", "MIN_CONTAINS_ADDED",
	"MIN_CONTAINS_INCREASED", "UNIQUE_ITEMS_ADDED", "ADDITIONAL_ITEMS_REMOVED", "ADDITIONAL_ITEMS_NARROWED",
	"UNEVALUATED_ITEMS_REMOVED", "UNEVALUATED_ITEMS_NARROWED", "ITEM_ADDED_TO_OPEN_CONTENT_MODEL",
	"ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL", "ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
	"ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", "ENUM_ARRAY_NARROWED", "ENUM_ARRAY_CHANGED",
	"COMBINED_TYPE_CHANGED", "PRODUCT_TYPE_EXTENDED", "SUM_TYPE_NARROWED", "COMBINED_TYPE_SUBSCHEMAS_CHANGED",
	"NOT_TYPE_EXTENDED",
)

func jsTypeSet(types ...string) map[string]bool {
	m := make(map[string]bool, len(types))
	for _, t := range types {
		m[t] = true
	}
	return m
}

func jsUnionSet(a, b map[string]bool) map[string]bool {
	m := make(map[string]bool, len(a)+len(b))
	for k := range a {
		m[k] = true
	}
	for k := range b {
		m[k] = true
	}
	return m
}

// jsDiff is one difference: its type and its path relative to the pair of
// schemas compared ("" for the pair itself, else "a/b").
type jsDiff struct {
	typ  string
	path string
	// literal marks a path printed as it is (a reserved property name).
	literal bool
}

// pointer renders the path as Confluent's JSON pointer: "#/" then the
// segments.
func (d jsDiff) pointer() string {
	if d.literal {
		return d.path
	}
	return "#/" + d.path
}

// message renders the difference as Confluent's Difference.toString with
// the labels substituted: {errorType:"T", description:"D'} — the closing
// single quote is Confluent's.
func (d jsDiff) message(readerLabel, writerLabel string) string {
	desc := jsDescriptions[d.typ]
	if desc != "" {
		// Substitute the labels first, then the path, so that a path
		// holding "%s" is printed as it is.
		desc = strings.Replace(desc, "%s", readerLabel, 1)
		desc = strings.Replace(desc, "%s", writerLabel, 1)
		desc = strings.Replace(desc, "%p", d.pointer(), 1)
	}
	return `{errorType:"` + d.typ + `", description:"` + desc + `'}`
}
