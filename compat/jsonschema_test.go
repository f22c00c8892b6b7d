package compat

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/jsonschema"
	"github.com/schemaregistry/registry/internal/testvectors"
)

func parseJS(t testing.TB, text string, deps ...formats.Dependency) *jsonschema.Schema {
	t.Helper()
	s, err := jsonschema.Format{}.Parse(text, deps, formats.Options{New: true})
	if err != nil {
		t.Fatalf("parse %s: %v", text, err)
	}
	return s.(*jsonschema.Schema)
}

// changes renders SchemaDiff.compare(original, update) as Confluent's test
// file lists it: "<TYPE> <path>".
func jsChanges(t testing.TB, original, update *jsonschema.Schema, compatible map[string]bool) []string {
	t.Helper()
	out := []string{}
	for _, d := range jsonSchemaDiff(original, update, compatible) {
		out = append(out, d.typ+" "+d.pointer())
	}
	return out
}

func jsVerdict(changes []string, compatible map[string]bool) bool {
	for _, c := range changes {
		if !compatible[strings.Fields(c)[0]] {
			return false
		}
	}
	return true
}

type jsDiffCase struct {
	Description       string            `json:"description"`
	Original          json.RawMessage   `json:"original_schema"`
	Update            json.RawMessage   `json:"update_schema"`
	Changes           []string          `json:"changes"`
	Compatible        bool              `json:"compatible"`
	CompatibleLenient *bool             `json:"compatible_lenient"`
	OriginalMetadata  *formats.Metadata `json:"original_metadata"`
	UpdateMetadata    *formats.Metadata `json:"update_metadata"`
}

// TestConfluentDiffVectors runs Confluent's own table of JSON Schema
// differences (json-schema-provider diff-schema-examples.json, 104 cases):
// the verdict under STRICT and LENIENT, and the exact list of changes.
func TestJSONConfluentDiffVectors(t *testing.T) {
	b := testvectors.Read(t, "Confluent JSON Schema diff examples", "confluent/json-schema-diff-schema-examples.json")
	var cases []jsDiffCase
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) != 104 {
		t.Fatalf("%d cases, want 104", len(cases))
	}
	verdicts, lists := 0, 0
	for i, tc := range cases {
		o, u := parseJS(t, string(tc.Original)), parseJS(t, string(tc.Update))
		got := jsChanges(t, o, u, jsCompatibleStrict)
		got = append(jsReservedChanges(tc.OriginalMetadata, tc.UpdateMetadata, u), got...)
		strictOK := jsVerdict(got, jsCompatibleStrict) == tc.Compatible
		wantLenient := tc.Compatible
		if tc.CompatibleLenient != nil {
			wantLenient = *tc.CompatibleLenient
		}
		lenient := jsChanges(t, o, u, jsCompatibleLenient)
		lenientOK := jsVerdict(lenient, jsCompatibleLenient) == wantLenient
		// The registry's own path agrees: messages only when incompatible.
		msgs := jsonDifferences(u, o, "new", "old", Options{})
		msgsOK := (len(msgs) == 0) == tc.Compatible || tc.OriginalMetadata != nil
		if strictOK && lenientOK && msgsOK {
			verdicts++
		} else {
			t.Errorf("case %d %q: strict %v (want %v), lenient %v (want %v), messages %q", i, tc.Description,
				jsVerdict(got, jsCompatibleStrict), tc.Compatible, jsVerdict(lenient, jsCompatibleLenient), wantLenient, msgs)
		}
		if len(got) == 0 && len(tc.Changes) == 0 || reflect.DeepEqual(got, tc.Changes) {
			lists++
		} else {
			t.Errorf("case %d %q: changes\n got  %q\n want %q", i, tc.Description, got, tc.Changes)
		}
	}
	t.Logf("%d/%d verdicts and %d/%d change lists agree with Confluent", verdicts, len(cases), lists, len(cases))
}

func jsReservedChanges(om, um *formats.Metadata, u *jsonschema.Schema) []string {
	var op, up map[string]string
	if om != nil {
		op = om.Properties
	}
	if um != nil {
		up = um.Properties
	}
	var out []string
	for _, d := range jsonReservedDifferences(op, up, u) {
		out = append(out, d.typ+" "+d.path)
	}
	return out
}

// TestDifferenceTypes covers the difference types the Confluent vectors do
// not, each with its verdict under both policies.
func TestJSONDifferenceTypes(t *testing.T) {
	const d2020 = `"$schema":"https://json-schema.org/draft/2020-12/schema",`
	for _, tc := range []struct {
		name, original, update string
		want                   []string
		strict, lenient        bool
	}{
		{"exclusiveMaximum added", `{"type":"number"}`, `{"type":"number","exclusiveMaximum":5}`, []string{"EXCLUSIVE_MAXIMUM_ADDED #/exclusiveMaximum"}, false, false},
		{"exclusiveMaximum removed", `{"type":"number","exclusiveMaximum":5}`, `{"type":"number"}`, []string{"EXCLUSIVE_MAXIMUM_REMOVED #/exclusiveMaximum"}, true, true},
		{"exclusiveMaximum increased", `{"type":"number","exclusiveMaximum":5}`, `{"type":"number","exclusiveMaximum":5.5}`, []string{"EXCLUSIVE_MAXIMUM_INCREASED #/exclusiveMaximum"}, true, true},
		{"exclusiveMaximum decreased", `{"type":"number","exclusiveMaximum":5}`, `{"type":"number","exclusiveMaximum":4}`, []string{"EXCLUSIVE_MAXIMUM_DECREASED #/exclusiveMaximum"}, false, false},
		{"exclusiveMinimum added", `{"type":"number"}`, `{"type":"number","exclusiveMinimum":0}`, []string{"EXCLUSIVE_MINIMUM_ADDED #/exclusiveMinimum"}, false, false},
		{"exclusiveMinimum decreased", `{"type":"number","exclusiveMinimum":1E+1}`, `{"type":"number","exclusiveMinimum":9.99}`, []string{"EXCLUSIVE_MINIMUM_DECREASED #/exclusiveMinimum"}, true, true},
		{"exclusiveMinimum increased", `{"type":"number","exclusiveMinimum":-1}`, `{"type":"number","exclusiveMinimum":0}`, []string{"EXCLUSIVE_MINIMUM_INCREASED #/exclusiveMinimum"}, false, false},
		{"exclusiveMinimum removed", `{"type":"number","exclusiveMinimum":-1}`, `{"type":"number"}`, []string{"EXCLUSIVE_MINIMUM_REMOVED #/exclusiveMinimum"}, true, true},
		{"same number written differently", `{"type":"number","maximum":10,"multipleOf":2}`, `{"type":"number","maximum":1.0E+1,"multipleOf":2.0}`, nil, true, true},
		{"maximum and minimum added", `{"type":"integer"}`, `{"type":"integer","maximum":9,"minimum":1}`, []string{"MAXIMUM_ADDED #/maximum", "MINIMUM_ADDED #/minimum"}, false, false},
		{"multipleOf added", `{"type":"number"}`, `{"type":"number","multipleOf":3}`, []string{"MULTIPLE_OF_ADDED #/multipleOf"}, false, false},
		{"multipleOf expanded", `{"type":"number","multipleOf":2}`, `{"type":"number","multipleOf":6}`, []string{"MULTIPLE_OF_EXPANDED #/multipleOf"}, false, false},
		{"fractional multipleOf reduced", `{"type":"number","multipleOf":0.5}`, `{"type":"number","multipleOf":0.25}`, []string{"MULTIPLE_OF_REDUCED #/multipleOf"}, true, true},
		{"string limits added", `{"type":"string"}`, `{"type":"string","maxLength":5,"minLength":1,"pattern":"^a"}`, []string{"MAX_LENGTH_ADDED #/maxLength", "MIN_LENGTH_ADDED #/minLength", "PATTERN_ADDED #/pattern"}, false, false},
		{"minLength removed", `{"type":"string","minLength":1}`, `{"type":"string"}`, []string{"MIN_LENGTH_REMOVED #/minLength"}, true, true},
		{"enum narrowed", `{"enum":["a","b"]}`, `{"enum":["a"]}`, []string{"ENUM_ARRAY_NARROWED #/enum"}, false, false},
		{"enum order does not matter", `{"enum":["a","b",1]}`, `{"enum":[1,"b","a"]}`, nil, true, true},
		{"default changed", `{"type":"string","default":"a"}`, `{"type":"string","default":"b"}`, []string{"DEFAULT_CHANGED #/"}, true, true},
		{"required with default added", `{"properties":{"a":{"type":"string","default":"x"}}}`, `{"properties":{"a":{"type":"string","default":"x"}},"required":["a"]}`, []string{"REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED #/required/a"}, true, true},
		{"property limits added", `{"type":"object"}`, `{"type":"object","maxProperties":3,"minProperties":1}`, []string{"MAX_PROPERTIES_ADDED #/maxProperties", "MIN_PROPERTIES_ADDED #/minProperties"}, false, false},
		{"dependency array extended", `{"dependencies":{"a":["b"]}}`, `{"dependencies":{"a":["b","c"]}}`, []string{"DEPENDENCY_ARRAY_EXTENDED #/dependencies/a"}, false, false},
		{"dependency array narrowed", `{"dependencies":{"a":["b","c"]}}`, `{"dependencies":{"a":["c"]}}`, []string{"DEPENDENCY_ARRAY_NARROWED #/dependencies/a"}, true, true},
		{"dependency array changed", `{"dependencies":{"a":["b"]}}`, `{"dependencies":{"a":["c"]}}`, []string{"DEPENDENCY_ARRAY_CHANGED #/dependencies/a"}, false, false},
		{"additionalProperties schema removed", `{"additionalProperties":{"type":"string"}}`, `{"additionalProperties":true}`, []string{"ADDITIONAL_PROPERTIES_EXTENDED #/additionalProperties"}, true, true},
		{"required property added to open model", `{"properties":{"a":{}}}`, `{"properties":{"a":{},"b":{"type":"string"}},"required":["b"]}`, []string{"REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL #/properties/b"}, false, false},
		{"required property with default added to open model", `{"properties":{"a":{}}}`, `{"properties":{"a":{},"b":{"type":"string","default":"x"}},"required":["b"]}`, []string{"REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL #/properties/b"}, false, true},
		{"required property with default added to closed model", `{"properties":{"a":{}},"additionalProperties":false}`, `{"properties":{"a":{},"b":{"type":"string","default":"x"}},"required":["b"],"additionalProperties":false}`, []string{"REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL #/properties/b"}, true, true},
		{"property removed from closed model", `{"properties":{"a":{},"b":{"type":"string"}},"additionalProperties":false}`, `{"properties":{"a":{}},"additionalProperties":false}`, []string{"PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL #/properties/b"}, false, true},
		{"item limits", `{"type":"array","maxItems":2}`, `{"type":"array","maxItems":3,"minItems":1,"uniqueItems":true}`, []string{"MAX_ITEMS_INCREASED #/maxItems", "MIN_ITEMS_ADDED #/minItems", "UNIQUE_ITEMS_ADDED #/uniqueItems"}, false, false},
		{"maxItems added and removed", `{"type":"array","items":{"maxItems":1}}`, `{"type":"array","maxItems":1,"items":{}}`, []string{"MAX_ITEMS_ADDED #/maxItems"}, false, false},
		{"additionalItems narrowed", `{"type":"array","items":[{}]}`, `{"type":"array","items":[{}],"additionalItems":{"type":"string"}}`, []string{"ADDITIONAL_ITEMS_NARROWED #/additionalItems"}, false, false},
		{"item added to open model", `{"type":"array","items":[{"type":"string"}]}`, `{"type":"array","items":[{"type":"string"},{"type":"number"}]}`, []string{"ITEM_ADDED_TO_OPEN_CONTENT_MODEL #/items/1"}, false, false},
		{"item removed from closed model", `{"type":"array","items":[{"type":"string"},{"type":"number"}],"additionalItems":false}`, `{"type":"array","items":[{"type":"string"}],"additionalItems":false}`, []string{"ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL #/items/1"}, false, false},
		{"allOf extended", `{"allOf":[{"type":"string"}]}`, `{"allOf":[{"type":"string"},{"maxLength":3}]}`, []string{"PRODUCT_TYPE_EXTENDED #/"}, false, false},
		{"anyOf narrowed", `{"anyOf":[{"type":"string"},{"type":"number"}]}`, `{"anyOf":[{"type":"string"}]}`, []string{"SUM_TYPE_NARROWED #/"}, false, false},
		{"oneOf to anyOf", `{"oneOf":[{"type":"string"},{"type":"number"}]}`, `{"anyOf":[{"type":"number"},{"type":"string"}]}`, []string{"COMBINED_TYPE_EXTENDED #/"}, true, true},
		{"duplicate subschemas count once", `{"anyOf":[{"type":"string"},{"type":"string"}]}`, `{"anyOf":[{"type":"string"}]}`, nil, true, true},
		{"connect bytes may change type", `{"type":"string","connect.type":"bytes"}`, `{"type":"number","connect.type":"bytes"}`, nil, true, true},
		{"anything may become false-free empty", `{"type":"string"}`, `true`, nil, true, true},
		{"false may become anything", `false`, `{"type":"string"}`, nil, true, true},
		{"nothing may become false", `{"type":"string"}`, `false`, []string{"TYPE_CHANGED #/"}, false, false},
		// 2020-12 keywords follow the same rules.
		{"2020-12 prefixItems item added to closed model", `{` + d2020 + `"prefixItems":[{"type":"string"}],"items":false}`, `{` + d2020 + `"prefixItems":[{"type":"string"},{"type":"number"}],"items":false}`, []string{"ITEM_ADDED_TO_CLOSED_CONTENT_MODEL #/items/1"}, true, true},
		{"2020-12 prefixItems item removed, covered by items", `{` + d2020 + `"prefixItems":[{"type":"string"},{"type":"string"}],"items":{"type":"string"}}`, `{` + d2020 + `"prefixItems":[{"type":"string"}],"items":{"type":"string"}}`, []string{"ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/items/1"}, true, true},
		{"2020-12 items schema narrowed", `{` + d2020 + `"prefixItems":[{}]}`, `{` + d2020 + `"prefixItems":[{}],"items":{"type":"integer"}}`, []string{"ADDITIONAL_ITEMS_NARROWED #/additionalItems"}, false, false},
		{"2020-12 $defs reference changed", `{` + d2020 + `"properties":{"a":{"$ref":"#/$defs/x"}},"$defs":{"x":{"type":"string"}}}`, `{` + d2020 + `"properties":{"a":{"$ref":"#/$defs/x"}},"$defs":{"x":{"type":"integer"}}}`, []string{"TYPE_CHANGED #/properties/a"}, false, false},
		{"2020-12 dependentRequired added", `{` + d2020 + `"properties":{"a":{}}}`, `{` + d2020 + `"properties":{"a":{}},"dependentRequired":{"a":["b"]}}`, []string{"DEPENDENCY_ARRAY_ADDED #/dependencies/a"}, false, false},
		{"2020-12 dependentSchemas removed", `{` + d2020 + `"dependentSchemas":{"a":{"required":["b"]}}}`, `{` + d2020 + `"dependentSchemas":{}}`, []string{"DEPENDENCY_SCHEMA_REMOVED #/dependencies/a"}, true, true},
		{"2020-12 unevaluatedProperties false added", `{` + d2020 + `"properties":{"a":{}}}`, `{` + d2020 + `"properties":{"a":{}},"unevaluatedProperties":false}`, []string{"UNEVALUATED_PROPERTIES_REMOVED #/unevaluatedProperties"}, false, true},
		{"2020-12 unevaluatedProperties false removed", `{` + d2020 + `"properties":{"a":{}},"unevaluatedProperties":false}`, `{` + d2020 + `"properties":{"a":{}}}`, []string{"UNEVALUATED_PROPERTIES_ADDED #/unevaluatedProperties"}, true, true},
		{"2020-12 unevaluatedProperties schema added", `{` + d2020 + `"properties":{"a":{}}}`, `{` + d2020 + `"properties":{"a":{}},"unevaluatedProperties":{"type":"string"}}`, []string{"UNEVALUATED_PROPERTIES_NARROWED #/unevaluatedProperties"}, false, true},
		{"2020-12 unevaluatedProperties schema removed", `{` + d2020 + `"unevaluatedProperties":{"type":"string"}}`, `{` + d2020 + `"unevaluatedProperties":true}`, []string{"UNEVALUATED_PROPERTIES_EXTENDED #/unevaluatedProperties"}, true, true},
		{"2020-12 property added to model closed by unevaluatedProperties", `{` + d2020 + `"properties":{"a":{}},"unevaluatedProperties":false}`, `{` + d2020 + `"properties":{"a":{},"b":{"type":"string"}},"unevaluatedProperties":false}`, []string{"OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL #/properties/b"}, true, true},
		{"2020-12 property added, covered by unevaluatedProperties", `{` + d2020 + `"properties":{"a":{}},"unevaluatedProperties":{"type":"string"}}`, `{` + d2020 + `"properties":{"a":{},"b":{"type":"string"}},"unevaluatedProperties":{"type":"string"}}`, []string{"PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/properties/b", "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL #/properties/b"}, true, true},
		{"2020-12 unevaluatedItems", `{` + d2020 + `"type":"array","unevaluatedItems":{"type":"string"}}`, `{` + d2020 + `"type":"array","unevaluatedItems":false}`, []string{"UNEVALUATED_ITEMS_REMOVED #/unevaluatedItems"}, false, false},
		{"2020-12 unevaluatedItems extended", `{` + d2020 + `"type":"array","unevaluatedItems":{"type":"string"}}`, `{` + d2020 + `"type":"array"}`, []string{"UNEVALUATED_ITEMS_EXTENDED #/unevaluatedItems"}, true, true},
		{"2020-12 unevaluatedItems narrowed", `{` + d2020 + `"type":"array"}`, `{` + d2020 + `"type":"array","unevaluatedItems":{"type":"string"}}`, []string{"UNEVALUATED_ITEMS_NARROWED #/unevaluatedItems"}, false, false},
		{"2020-12 unevaluatedItems false removed", `{` + d2020 + `"type":"array","unevaluatedItems":false}`, `{` + d2020 + `"type":"array","unevaluatedItems":true}`, []string{"UNEVALUATED_ITEMS_ADDED #/unevaluatedItems"}, true, true},
		{"2020-12 contains limits", `{` + d2020 + `"type":"array","contains":{"type":"string"},"maxContains":3,"minContains":1}`, `{` + d2020 + `"type":"array","contains":{"type":"string"},"maxContains":2,"minContains":2}`, []string{"MAX_CONTAINS_DECREASED #/maxContains", "MIN_CONTAINS_INCREASED #/minContains"}, false, false},
		{"2020-12 contains limits relaxed", `{` + d2020 + `"type":"array","contains":{},"maxContains":3,"minContains":2}`, `{` + d2020 + `"type":"array","contains":{},"maxContains":4}`, []string{"MAX_CONTAINS_INCREASED #/maxContains", "MIN_CONTAINS_REMOVED #/minContains"}, true, true},
		{"2020-12 contains limits added", `{` + d2020 + `"type":"array","contains":{}}`, `{` + d2020 + `"type":"array","contains":{},"maxContains":4,"minContains":1}`, []string{"MAX_CONTAINS_ADDED #/maxContains", "MIN_CONTAINS_ADDED #/minContains"}, false, false},
		{"2020-12 contains limits removed", `{` + d2020 + `"type":"array","contains":{},"maxContains":4,"minContains":2}`, `{` + d2020 + `"type":"array","contains":{},"minContains":1}`, []string{"MAX_CONTAINS_REMOVED #/maxContains", "MIN_CONTAINS_DECREASED #/minContains"}, true, true},
		{"2020-12 $ref beside other keywords", `{` + d2020 + `"$ref":"#/$defs/s","maxLength":5,"$defs":{"s":{"type":"string"}}}`, `{` + d2020 + `"$ref":"#/$defs/s","maxLength":4,"$defs":{"s":{"type":"string"}}}`, []string{"COMBINED_TYPE_SUBSCHEMAS_CHANGED #/"}, false, false},
		{"2020-12 $ref beside other keywords, relaxed", `{` + d2020 + `"$ref":"#/$defs/s","maxLength":5,"$defs":{"s":{"type":"string"}}}`, `{` + d2020 + `"$ref":"#/$defs/s","maxLength":6,"$defs":{"s":{"type":"string"}}}`, []string{"MAX_LENGTH_INCREASED #/allOf/1/maxLength"}, true, true},
		{"draft 7 ignores keywords beside $ref", `{"$ref":"#/definitions/s","maxLength":5,"definitions":{"s":{"type":"string"}}}`, `{"$ref":"#/definitions/s","maxLength":4,"definitions":{"s":{"type":"string"}}}`, nil, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, u := parseJS(t, tc.original), parseJS(t, tc.update)
			got := jsChanges(t, o, u, jsCompatibleStrict)
			if len(got) != 0 || len(tc.want) != 0 {
				if !reflect.DeepEqual(got, tc.want) {
					t.Errorf("changes\n got  %q\n want %q", got, tc.want)
				}
			}
			if v := jsVerdict(got, jsCompatibleStrict); v != tc.strict {
				t.Errorf("STRICT compatible = %v, want %v", v, tc.strict)
			}
			if v := jsVerdict(jsChanges(t, o, u, jsCompatibleLenient), jsCompatibleLenient); v != tc.lenient {
				t.Errorf("LENIENT compatible = %v, want %v", v, tc.lenient)
			}
		})
	}
}

// TestTypeSets checks the STRICT, LENIENT-only and incompatible lists
// partition Confluent's 132 difference types.
func TestJSONTypeSets(t *testing.T) {
	lenientOnly := 0
	for k := range jsCompatibleLenient {
		if !jsCompatibleStrict[k] {
			lenientOnly++
		}
		if jsIncompatible[k] {
			t.Errorf("%s both compatible and incompatible", k)
		}
	}
	if len(jsCompatibleStrict) != 65 || lenientOnly != 9 || len(jsIncompatible) != 58 {
		t.Errorf("strict %d, lenient-only %d, incompatible %d; want 65, 9, 58", len(jsCompatibleStrict), lenientOnly, len(jsIncompatible))
	}
	// Every incompatible type but two has a description (SCHEMA_ADDED has
	// none in Confluent, and the deprecated PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL
	// is never reported).
	for k := range jsIncompatible {
		if jsDescriptions[k] == "" && k != "SCHEMA_ADDED" && k != "PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL" {
			t.Errorf("%s has no description", k)
		}
	}
}

// TestDrafts runs the rules on each of the five drafts' own keywords.
func TestJSONDrafts(t *testing.T) {
	for _, tc := range []struct {
		name, original, update string
		want                   []string
	}{
		{"draft 4: id is the identifier", `{"$schema":"http://json-schema.org/draft-04/schema#","id":"http://x/a","type":"string"}`,
			`{"$schema":"http://json-schema.org/draft-04/schema#","id":"http://x/b","type":"string"}`, []string{"ID_CHANGED #/"}},
		{"draft 4: boolean exclusiveMaximum modifies maximum", `{"$schema":"http://json-schema.org/draft-04/schema#","type":"number","maximum":5}`,
			`{"$schema":"http://json-schema.org/draft-04/schema#","type":"number","maximum":4,"exclusiveMaximum":true}`, []string{"MAXIMUM_DECREASED #/maximum"}},
		{"draft 4: const is no keyword", `{"$schema":"http://json-schema.org/draft-04/schema#","type":"string","const":"a"}`,
			`{"$schema":"http://json-schema.org/draft-04/schema#","type":"string","const":"b"}`, nil},
		{"draft 6: const", `{"$schema":"http://json-schema.org/draft-06/schema#","const":"a"}`,
			`{"$schema":"http://json-schema.org/draft-06/schema#","const":"b"}`, []string{"ENUM_ARRAY_CHANGED #/const"}},
		{"draft 6: numeric exclusiveMinimum", `{"$schema":"http://json-schema.org/draft-06/schema#","type":"number","exclusiveMinimum":1}`,
			`{"$schema":"http://json-schema.org/draft-06/schema#","type":"number","exclusiveMinimum":2}`, []string{"EXCLUSIVE_MINIMUM_INCREASED #/exclusiveMinimum"}},
		{"draft 7: if/then/else is its own kind of schema", `{"if":{"type":"string"},"then":{"minLength":1}}`,
			`{"type":"string"}`, []string{"TYPE_CHANGED #/"}},
		{"draft 7: $id", `{"$id":"http://x/a"}`, `{"$id":"http://x/b"}`, []string{"ID_CHANGED #/"}},
		{"2019-09: dependentRequired and $defs", `{"$schema":"https://json-schema.org/draft/2019-09/schema","properties":{"a":{"$ref":"#/$defs/a"}},"$defs":{"a":{"type":"string"}},"dependentRequired":{"a":["b","c"]}}`,
			`{"$schema":"https://json-schema.org/draft/2019-09/schema","properties":{"a":{"$ref":"#/$defs/a"}},"$defs":{"a":{"type":"string","maxLength":3}},"dependentRequired":{"a":["b"]}}`,
			[]string{"MAX_LENGTH_ADDED #/properties/a/maxLength", "DEPENDENCY_ARRAY_NARROWED #/dependencies/a"}},
		{"2019-09: items array is the tuple", `{"$schema":"https://json-schema.org/draft/2019-09/schema","items":[{"type":"string"}],"additionalItems":false}`,
			`{"$schema":"https://json-schema.org/draft/2019-09/schema","items":[{"type":"string"},{"type":"integer"}],"additionalItems":false}`,
			[]string{"ITEM_ADDED_TO_CLOSED_CONTENT_MODEL #/items/1"}},
		{"2020-12: items after prefixItems", `{"$schema":"https://json-schema.org/draft/2020-12/schema","prefixItems":[{"type":"string"}],"items":{"type":"string"}}`,
			`{"$schema":"https://json-schema.org/draft/2020-12/schema","prefixItems":[{"type":"string"},{"type":"integer"}],"items":{"type":"string"}}`,
			[]string{"TYPE_CHANGED #/items/1", "ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/items/1"}},
		{"2020-12: items alone is every item", `{"$schema":"https://json-schema.org/draft/2020-12/schema","items":{"type":"integer"}}`,
			`{"$schema":"https://json-schema.org/draft/2020-12/schema","items":{"type":"number"}}`, []string{"TYPE_EXTENDED #/items"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := jsChanges(t, parseJS(t, tc.original), parseJS(t, tc.update), jsCompatibleStrict)
			if (len(got) != 0 || len(tc.want) != 0) && !reflect.DeepEqual(got, tc.want) {
				t.Errorf("changes\n got  %q\n want %q", got, tc.want)
			}
		})
	}
}

// jsRecursiveTrade is Confluent's recursiveOneOfTradeSchema: twelve
// definitions whose properties are oneOf unions of references to all
// twelve.
func jsRecursiveTrade(idType string) string {
	types := []string{"Asset", "Basket", "Swap", "Bond", "Option", "Future", "Forward", "Loan", "Repo", "Equity", "Index", "CommodityLeg"}
	var union []string
	for _, t := range types {
		union = append(union, `{"$ref":"#/definitions/`+t+`"}`)
	}
	u := `{"oneOf":[` + strings.Join(union, ",") + `]}`
	var defs []string
	for _, t := range types {
		id := "string"
		if t == "Asset" {
			id = idType
		}
		defs = append(defs, `"`+t+`":{"type":"object","properties":{"id":{"type":"`+id+`"},"underlying":`+u+`,"referenceProduct":`+u+`}}`)
	}
	return `{"$schema":"http://json-schema.org/draft-07/schema#","title":"Trade","type":"object","additionalProperties":true,"definitions":{` +
		strings.Join(defs, ",") + `},"properties":{"tradeId":{"type":"string"},"product":` + u + `}}`
}

// jsMemoMasking is Confluent's memoMaskingSchema: T0.ref -> T2, T1.ref -> T2,
// T2.ref -> T0, each through a singleton oneOf; the root is oneOf[T0, T1].
func jsMemoMasking(t0, t1 string) string {
	obj := func(idType, ref string) string {
		return `{"type":"object","additionalProperties":true,"properties":{"id":{"type":"` + idType + `"},"ref":{"oneOf":[{"$ref":"#/definitions/` + ref + `"}]}}}`
	}
	return `{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","additionalProperties":true,"definitions":{"T0":` + obj(t0, "T2") +
		`,"T1":` + obj(t1, "T2") + `,"T2":` + obj("integer", "T0") + `},"properties":{"root":{"oneOf":[{"$ref":"#/definitions/T0"},{"$ref":"#/definitions/T1"}]}}}`
}

func TestJSONRecursion(t *testing.T) {
	self := `{"definitions":{"node":{"type":"object","properties":{"value":{"type":"string"},"next":{"$ref":"#/definitions/node"}}}},"$ref":"#/definitions/node"}`
	if got := jsChanges(t, parseJS(t, self), parseJS(t, self), jsCompatibleStrict); len(got) != 0 {
		t.Errorf("recursive schema against itself: %q", got)
	}
	changed := strings.Replace(self, `"value":{"type":"string"}`, `"value":{"type":"integer"}`, 1)
	// The change shows where it is and, once, where the recursion meets it
	// again.
	if got := jsChanges(t, parseJS(t, self), parseJS(t, changed), jsCompatibleStrict); !reflect.DeepEqual(got, []string{"TYPE_CHANGED #/properties/next/properties/value", "TYPE_CHANGED #/properties/value"}) {
		t.Errorf("recursive schema changed: %q", got)
	}

	done := make(chan []string, 1)
	go func() {
		o, u := parseJS(t, jsRecursiveTrade("string")), parseJS(t, jsRecursiveTrade("string"))
		done <- jsChanges(t, o, u, jsCompatibleStrict)
	}()
	select {
	case got := <-done:
		if len(got) != 0 {
			t.Errorf("recursive oneOf union against itself: %q", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("recursive oneOf union: no answer in 10 s")
	}
	got := jsChanges(t, parseJS(t, jsRecursiveTrade("string")), parseJS(t, jsRecursiveTrade("number")), jsCompatibleStrict)
	if jsVerdict(got, jsCompatibleStrict) {
		t.Errorf("a type change deep in a recursive union went unnoticed: %q", got)
	}
	// The change behind a cycle must not be masked by a pair memoized
	// while the cycle was assumed compatible.
	got = jsChanges(t, parseJS(t, jsMemoMasking("integer", "boolean")), parseJS(t, jsMemoMasking("boolean", "number")), jsCompatibleStrict)
	if jsVerdict(got, jsCompatibleStrict) {
		t.Errorf("recursive oneOf incompatibility masked: %q", got)
	}
	// A reference to itself, and one that does not resolve, terminate.
	for _, s := range []string{`{"$ref":"#"}`, `{"definitions":{"a":{"$ref":"#/definitions/a"}},"properties":{"x":{"$ref":"#/definitions/a"}}}`} {
		o, err := jsonschema.Format{}.Parse(s, nil, formats.Options{})
		if err != nil {
			t.Fatal(err)
		}
		_ = jsonSchemaDiff(o.(*jsonschema.Schema), o.(*jsonschema.Schema), jsCompatibleStrict)
	}
}

// TestReferencedSchemas compares schemas whose $refs point into other
// registered schemas (dependencies), also into their $defs.
func TestJSONReferencedSchemas(t *testing.T) {
	dep := func(zipType string) formats.Dependency {
		return formats.Dependency{Name: "address.json",
			Schema: `{"type":"object","properties":{"street":{"type":"string"}},"$defs":{"zip":{"type":"` + zipType + `"}}}`}
	}
	user := `{"type":"object","properties":{"home":{"$ref":"address.json"},"zip":{"$ref":"address.json#/$defs/zip"}}}`
	o, u := parseJS(t, user, dep("string")), parseJS(t, user, dep("integer"))
	if got := jsChanges(t, o, u, jsCompatibleStrict); !reflect.DeepEqual(got, []string{"TYPE_CHANGED #/properties/zip"}) {
		t.Errorf("changes %q", got)
	}
	if got := jsChanges(t, o, parseJS(t, user, dep("string")), jsCompatibleStrict); len(got) != 0 {
		t.Errorf("same references: %q", got)
	}
	// Inlining the referenced schema is the same schema to the diff.
	inline := `{"type":"object","properties":{"home":{"type":"object","properties":{"street":{"type":"string"}}},"zip":{"type":"string"}}}`
	if got := jsChanges(t, o, parseJS(t, inline), jsCompatibleStrict); len(got) != 0 {
		t.Errorf("inlined references: %q", got)
	}
}

// TestMessages checks the messages Check renders, in both directions.
func TestJSONMessages(t *testing.T) {
	v1 := parseJS(t, `{"type":"object","properties":{"a":{"type":"string","maxLength":5}}}`)
	v2 := parseJS(t, `{"type":"object","properties":{"a":{"type":"string","maxLength":3}}}`)
	prev := []Previous{{Version: 1, Schema: v1}}
	old := "{oldSchema: '" + v1.Canonical() + "'}"
	backward := `{errorType:"MAX_LENGTH_DECREASED", description:"The value at path '#/properties/a/maxLength' in the new schema is less than its value in the old schema'}`
	want := []string{backward, "{oldSchemaVersion: 1}", old, "{validateFields: 'false', compatibility: 'BACKWARD'}"}
	if got := Check(Backward, Options{}, v2, prev); !reflect.DeepEqual(got, want) {
		t.Errorf("BACKWARD\n got  %q\n want %q", got, want)
	}
	if got := Check(Forward, Options{}, v2, prev); got != nil {
		t.Errorf("FORWARD: %q", got)
	}
	// Widening is the forward problem: the old schema cannot read it.
	v3 := parseJS(t, `{"type":"object","properties":{"a":{"type":"string","maxLength":9}}}`)
	forward := `{errorType:"MAX_LENGTH_DECREASED", description:"The value at path '#/properties/a/maxLength' in the old schema is less than its value in the new schema'}`
	want = []string{forward, "{oldSchemaVersion: 1}", old, "{validateFields: 'false', compatibility: 'FORWARD'}"}
	if got := Check(Forward, Options{}, v3, prev); !reflect.DeepEqual(got, want) {
		t.Errorf("FORWARD\n got  %q\n want %q", got, want)
	}
	want = []string{forward, "{validateFields: 'true', compatibility: 'FULL'}"}
	if got := Check(Full, Options{ValidateFields: true}, v3, prev); !reflect.DeepEqual(got, want) {
		t.Errorf("FULL\n got  %q\n want %q", got, want)
	}
	// The policy is read case-insensitively; LENIENT accepts an optional
	// property added to an open content model.
	open1 := parseJS(t, `{"properties":{"a":{}}}`)
	open2 := parseJS(t, `{"properties":{"a":{},"b":{"type":"string"}}}`)
	p := []Previous{{Version: 1, Schema: open1}}
	if got := Check(Backward, Options{Policy: "STRICT"}, open2, p); len(got) == 0 {
		t.Error("STRICT accepted an optional property added to an open content model")
	}
	if got := Check(Backward, Options{Policy: "lenient"}, open2, p); got != nil {
		t.Errorf("LENIENT: %q", got)
	}
	// A description-less type renders with an empty description.
	if got := (jsDiff{typ: "SCHEMA_ADDED", path: "items"}).message("new", "old"); got != `{errorType:"SCHEMA_ADDED", description:"'}` {
		t.Errorf("SCHEMA_ADDED: %s", got)
	}
	// Paths are printed as they are, even with format verbs in them.
	if got := (jsDiff{typ: "TYPE_CHANGED", path: "properties/%s"}).message("new", "old"); !strings.Contains(got, "'#/properties/%s' is different between the new schema and the old schema") {
		t.Errorf("path with a verb: %s", got)
	}
}

func TestJSONJavaHashOrder(t *testing.T) {
	for s, want := range map[string]int32{"": 0, "foo": 101574, "bar": 97299, "Aa": 2112, "BB": 2112, "é": 233, "😀": 1772899} {
		if got := jsJavaStringHash(s); got != want {
			t.Errorf("hash(%q) = %d, want %d", s, got, want)
		}
	}
	// "Aa" and "BB" collide: insertion order decides.
	if got := jsJavaMapOrder([]string{"BB", "Aa"}); !reflect.DeepEqual(got, []string{"BB", "Aa"}) {
		t.Errorf("collision order %q", got)
	}
	if got := jsJavaMapOrder([]string{"foo", "bar"}); !reflect.DeepEqual(got, []string{"bar", "foo"}) {
		t.Errorf("bucket order %q", got)
	}
	// Growing past 12 entries doubles the table and re-buckets.
	var keys []string
	for i := 0; i < 40; i++ {
		keys = append(keys, "k"+strconv.Itoa(i))
	}
	got := jsJavaMapOrder(keys)
	if len(got) != 40 || got[0] == keys[0] && got[1] == keys[1] && got[2] == keys[2] {
		t.Errorf("order of 40 keys: %q", got)
	}
}

// FuzzJSONDiff compares arbitrary pairs of schemas both ways under both
// policies: no panic, no runaway, and a schema is always compatible with
// itself.
func FuzzJSONDiff(f *testing.F) {
	f.Add(`{"properties":{"a":{"type":"string"}}}`, `{"properties":{"a":{"type":"integer"},"b":{}},"additionalProperties":false}`)
	f.Add(`{"oneOf":[{"$ref":"#/definitions/a"},{"type":"null"}],"definitions":{"a":{"anyOf":[{"$ref":"#"}]}}}`, `{"allOf":[{"$ref":"#"}],"not":{"enum":[1,"a"]}}`)
	f.Add(`{"$schema":"https://json-schema.org/draft/2020-12/schema","prefixItems":[{}],"items":false,"unevaluatedItems":{"$ref":"#"}}`, `{"type":["array","object"],"patternProperties":{"^a":{}},"dependencies":{"a":["b"],"c":{}}}`)
	f.Add(jsRecursiveTrade("string"), jsMemoMasking("integer", "boolean"))
	f.Fuzz(func(t *testing.T, a, b string) {
		start := time.Now()
		sa, err1 := jsonschema.Format{}.Parse(a, nil, formats.Options{})
		sb, err2 := jsonschema.Format{}.Parse(b, nil, formats.Options{})
		if err1 != nil || err2 != nil {
			return
		}
		x, y := sa.(*jsonschema.Schema), sb.(*jsonschema.Schema)
		for _, set := range []map[string]bool{jsCompatibleStrict, jsCompatibleLenient} {
			jsonSchemaDiff(x, y, set)
			jsonSchemaDiff(y, x, set)
			if d := jsonSchemaDiff(x, x, set); !(&jsComparer{compatible: set}).isCompatible(d) {
				t.Fatalf("%s incompatible with itself: %v", a, d)
			}
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("took %v", d)
		}
	})
}
