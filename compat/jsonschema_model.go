package compat

import (
	"strconv"

	"github.com/schemaregistry/registry/formats/jsonschema"
)

// The JSON Schema rules compare schemas the way Confluent's diff sees them:
// through the everit loader's model, where each schema object becomes one
// typed schema (string, number, object, ...) or, when its keywords span
// several, a synthetic allOf of them. This file builds that model from the
// parsed JSON.

type jsKind int

// The everit schema classes. Two schemas of different classes are a
// TYPE_CHANGED (with the exceptions in compareNodes).
const (
	jsEmpty jsKind = iota
	jsTrue
	jsFalse
	jsString
	jsNumber
	jsBoolean
	jsNull
	jsObject
	jsArray
	jsEnum
	jsConst
	jsCombined
	jsNot
	jsConditional
	jsRef
)

type jsNode struct {
	kind jsKind
	// source is the JSON the node was built from; combined subschemas with
	// the same JSON count once. key, when set, replaces it there (the
	// schemas of a "type" array share their source).
	source *jsonschema.Value
	key    string

	id, title, description *string
	def                    *jsonschema.Value
	connectType            string
	maxContains            *jsonschema.Value
	minContains            *jsonschema.Value

	// string
	minLength, maxLength *jsonschema.Value
	pattern              *string

	// number
	minimum, maximum, exclMin, exclMax, multipleOf *jsonschema.Value
	requiresInteger                                bool

	// object
	propOrder        []string // everit's HashMap iteration order
	props            map[string]*jsNode
	required         []string
	patternProps     []jsPatternProp
	permitsAddProps  bool
	addProps         *jsNode
	minProps         *jsonschema.Value
	maxProps         *jsonschema.Value
	propDepOrder     []string
	propDeps         map[string][]string
	schemaDepOrder   []string
	schemaDeps       map[string]*jsNode
	unevaluatedProps *jsNode

	// array
	allItems         *jsNode
	itemSchemas      []*jsNode
	permitsAddItems  bool
	addItems         *jsNode
	minItems         *jsonschema.Value
	maxItems         *jsonschema.Value
	uniqueItems      bool
	unevaluatedItems *jsNode

	// enum and const: values as canonical JSON text
	enumValues []string
	constValue string

	// combined
	criterion string // allOf, anyOf, oneOf
	subs      []*jsNode

	// not
	not *jsNode

	// ref
	target *jsonschema.Value
	ref    *jsNode
}

type jsPatternProp struct {
	pattern string
	match   func(string) bool
	schema  *jsNode
}

// jsModel builds nodes for one schema, sharing the node of a JSON value
// reached twice (through "$ref"), so recursion shows as identical pairs.
type jsModel struct {
	draft jsonschema.Draft
	nodes map[*jsonschema.Value]*jsNode
	// budget bounds the nodes built, against hostile schemas.
	budget int
}

func newJSModel(d jsonschema.Draft) *jsModel {
	return &jsModel{draft: d, nodes: map[*jsonschema.Value]*jsNode{}, budget: 200000}
}

var (
	jsObjectKeywordsV4 = []string{"properties", "required", "minProperties", "maxProperties", "dependencies", "patternProperties", "additionalProperties"}
	jsObjectKeywordsV6 = append(append([]string{}, jsObjectKeywordsV4...), "propertyNames")
	jsObjectKeywords19 = append(append([]string{}, jsObjectKeywordsV6...), "dependentRequired", "dependentSchemas", "unevaluatedProperties")
	jsArrayKeywordsV4  = []string{"items", "additionalItems", "minItems", "maxItems", "uniqueItems"}
	jsArrayKeywordsV6  = append(append([]string{}, jsArrayKeywordsV4...), "contains")
	jsArrayKeywords19  = append(append([]string{}, jsArrayKeywordsV6...), "prefixItems", "unevaluatedItems", "maxContains", "minContains")
	jsNumberKeywords   = []string{"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}
	jsStringKeywords   = []string{"minLength", "maxLength", "pattern", "format"}
	jsCondKeywords     = []string{"if", "then", "else"}
)

func (m *jsModel) objectKeywords() []string {
	switch {
	case m.draft == jsonschema.Draft4:
		return jsObjectKeywordsV4
	case m.draft >= jsonschema.Draft2019:
		return jsObjectKeywords19
	}
	return jsObjectKeywordsV6
}

func (m *jsModel) arrayKeywords() []string {
	switch {
	case m.draft == jsonschema.Draft4:
		return jsArrayKeywordsV4
	case m.draft >= jsonschema.Draft2019:
		return jsArrayKeywords19
	}
	return jsArrayKeywordsV6
}

// build returns the node of a schema value (nil for nil).
func (m *jsModel) build(v *jsonschema.Value) *jsNode {
	if v == nil {
		return nil
	}
	if n, ok := m.nodes[v]; ok {
		return n
	}
	m.budget--
	if m.budget < 0 {
		return &jsNode{kind: jsEmpty, source: v}
	}
	switch v.Kind {
	case jsonschema.Bool:
		n := &jsNode{kind: jsFalse, source: v}
		if v.Bool {
			n.kind = jsTrue
		}
		m.nodes[v] = n
		return n
	case jsonschema.Object:
	default:
		// Not a schema; the meta-schema check refuses it in new schemas.
		n := &jsNode{kind: jsEmpty, source: v}
		m.nodes[v] = n
		return n
	}
	// Register a placeholder first so that a cycle through "$ref" finds it.
	n := &jsNode{source: v}
	m.nodes[v] = n
	m.buildObject(n, v)
	return n
}

// buildObject runs everit's extractors on a schema object: "$ref" alone
// (before 2019-09; alongside the others from then on), else enum,
// allOf/anyOf/oneOf, not, const, the "type"-based schema, and schemas
// sniffed from leftover keywords. One extracted schema is the node; several
// make a synthetic allOf.
func (m *jsModel) buildObject(n *jsNode, v *jsonschema.Value) {
	consumed := map[string]bool{}
	var parts []*jsNode
	hasRef := v.Get("$ref") != nil
	if hasRef {
		consumed["$ref"] = true
		parts = append(parts, &jsNode{kind: jsRef, source: v, target: v.Ref, ref: m.build(v.Ref)})
	}
	if !hasRef || m.draft >= jsonschema.Draft2019 {
		parts = append(parts, m.extract(v, consumed)...)
	}
	switch len(parts) {
	case 0:
		n.kind = jsEmpty
	case 1:
		*n = *parts[0]
	default:
		// The parts share the schema object as their source; tell them
		// apart for the de-duplication of subschemas.
		text := v.String()
		for i, p := range parts {
			if p.key == "" {
				p.key = strconv.Itoa(i) + " " + text
			}
		}
		n.kind = jsCombined
		n.criterion = "allOf"
		n.subs = parts
	}
	n.source = v
	m.common(n, v, consumed)
}

func (m *jsModel) extract(v *jsonschema.Value, consumed map[string]bool) []*jsNode {
	var parts []*jsNode
	has := func(k string) bool { return !consumed[k] && v.Get(k) != nil }
	anyOf := func(keys []string) bool {
		for _, k := range keys {
			if has(k) {
				return true
			}
		}
		return false
	}
	consume := func(keys ...string) {
		for _, k := range keys {
			if v.Get(k) != nil {
				consumed[k] = true
			}
		}
	}
	if has("enum") {
		consume("enum")
		n := &jsNode{kind: jsEnum, source: v}
		if e := v.Get("enum"); e.Kind == jsonschema.Array {
			for _, it := range e.Items {
				n.enumValues = append(n.enumValues, it.String())
			}
		}
		parts = append(parts, n)
	}
	// allOf, anyOf and oneOf in the iteration order of everit's HashMap(3)
	// of them (String hash buckets 1, 1 and 2 of 4).
	for _, k := range []string{"allOf", "anyOf", "oneOf"} {
		if has(k) {
			consume(k)
			n := &jsNode{kind: jsCombined, criterion: k, source: v.Get(k)}
			if a := v.Get(k); a.Kind == jsonschema.Array {
				for _, it := range a.Items {
					n.subs = append(n.subs, m.build(it))
				}
			}
			parts = append(parts, n)
		}
	}
	if has("not") {
		consume("not")
		parts = append(parts, &jsNode{kind: jsNot, source: v, not: m.build(v.Get("not"))})
	}
	if m.draft != jsonschema.Draft4 && has("const") {
		consume("const")
		parts = append(parts, &jsNode{kind: jsConst, source: v, constValue: v.Get("const").String()})
	}
	if has("type") {
		consume("type")
		t := v.Get("type")
		if t.Kind == jsonschema.Array {
			n := &jsNode{kind: jsCombined, criterion: "anyOf", source: v}
			for _, it := range t.Items {
				if s, ok := it.Text(); ok {
					sub := m.typed(v, s, consumed)
					sub.key = s + " " + v.String()
					n.subs = append(n.subs, sub)
				}
			}
			parts = append(parts, n)
		} else if s, ok := t.Text(); ok {
			parts = append(parts, m.typed(v, s, consumed))
		}
	}
	// Keywords of other types left over are sniffed into their schemas.
	if anyOf(m.arrayKeywords()) {
		parts = append(parts, m.array(v, consumed))
	}
	if anyOf(m.objectKeywords()) {
		parts = append(parts, m.object(v, consumed))
	}
	if anyOf(jsNumberKeywords) {
		parts = append(parts, m.number(v, consumed))
	}
	if anyOf(jsStringKeywords) {
		parts = append(parts, m.string(v, consumed))
	}
	if m.draft != jsonschema.Draft4 && m.draft != jsonschema.Draft6 && anyOf(jsCondKeywords) {
		consume(jsCondKeywords...)
		parts = append(parts, &jsNode{kind: jsConditional, source: v})
	}
	return parts
}

func (m *jsModel) typed(v *jsonschema.Value, t string, consumed map[string]bool) *jsNode {
	switch t {
	case "string":
		return m.string(v, consumed)
	case "integer":
		n := m.number(v, consumed)
		n.requiresInteger = true
		return n
	case "number":
		return m.number(v, consumed)
	case "boolean":
		return &jsNode{kind: jsBoolean, source: v}
	case "null":
		return &jsNode{kind: jsNull, source: v}
	case "array":
		return m.array(v, consumed)
	case "object":
		return m.object(v, consumed)
	}
	// An unknown type: everit refuses the schema; the meta-schema check
	// refuses it in new schemas. Compare it as an empty schema.
	return &jsNode{kind: jsEmpty, source: v}
}

func jsMarkAll(v *jsonschema.Value, consumed map[string]bool, keys []string) {
	for _, k := range keys {
		if v.Get(k) != nil {
			consumed[k] = true
		}
	}
}

func jsNumberOrNil(v *jsonschema.Value) *jsonschema.Value {
	if v != nil && v.Kind == jsonschema.Number {
		return v
	}
	return nil
}

func (m *jsModel) string(v *jsonschema.Value, consumed map[string]bool) *jsNode {
	jsMarkAll(v, consumed, jsStringKeywords)
	n := &jsNode{kind: jsString, source: v}
	n.minLength = jsNumberOrNil(v.Get("minLength"))
	n.maxLength = jsNumberOrNil(v.Get("maxLength"))
	if p, ok := v.Get("pattern").Text(); ok {
		n.pattern = &p
	}
	return n
}

func (m *jsModel) number(v *jsonschema.Value, consumed map[string]bool) *jsNode {
	jsMarkAll(v, consumed, jsNumberKeywords)
	n := &jsNode{kind: jsNumber, source: v}
	n.minimum = jsNumberOrNil(v.Get("minimum"))
	n.maximum = jsNumberOrNil(v.Get("maximum"))
	n.multipleOf = jsNumberOrNil(v.Get("multipleOf"))
	// Draft 4's boolean exclusiveMinimum/Maximum modify minimum/maximum
	// and are not compared; from draft 6 on they are limits of their own.
	n.exclMin = jsNumberOrNil(v.Get("exclusiveMinimum"))
	n.exclMax = jsNumberOrNil(v.Get("exclusiveMaximum"))
	return n
}

func (m *jsModel) object(v *jsonschema.Value, consumed map[string]bool) *jsNode {
	jsMarkAll(v, consumed, m.objectKeywords())
	n := &jsNode{kind: jsObject, source: v, permitsAddProps: true,
		props: map[string]*jsNode{}, propDeps: map[string][]string{}, schemaDeps: map[string]*jsNode{}}
	n.minProps = jsNumberOrNil(v.Get("minProperties"))
	n.maxProps = jsNumberOrNil(v.Get("maxProperties"))
	if p := v.Get("properties"); p != nil && p.Kind == jsonschema.Object {
		for i, k := range p.Keys {
			n.props[k] = m.build(p.Vals[i])
		}
		n.propOrder = jsJavaMapOrder(p.Keys)
	}
	if a := v.Get("additionalProperties"); a != nil {
		if a.Kind == jsonschema.Bool {
			n.permitsAddProps = a.Bool
		} else {
			n.addProps = m.build(a)
		}
	}
	if r := v.Get("required"); r != nil && r.Kind == jsonschema.Array {
		for _, it := range r.Items {
			if s, ok := it.Text(); ok {
				n.required = append(n.required, s)
			}
		}
	}
	if pp := v.Get("patternProperties"); pp != nil && pp.Kind == jsonschema.Object {
		for i, k := range pp.Keys {
			p := jsPatternProp{pattern: k, schema: m.build(pp.Vals[i])}
			if re, err := jsonschema.CompileRegexp(k); err == nil {
				p.match = re.MatchString
			}
			n.patternProps = append(n.patternProps, p)
		}
	}
	addDeps := func(d *jsonschema.Value, arrays, schemas bool) {
		if d == nil || d.Kind != jsonschema.Object {
			return
		}
		for i, k := range d.Keys {
			dv := d.Vals[i]
			if dv.Kind == jsonschema.Array {
				if !arrays {
					continue
				}
				if _, ok := n.propDeps[k]; !ok {
					n.propDepOrder = append(n.propDepOrder, k)
				}
				for _, it := range dv.Items {
					if s, ok := it.Text(); ok {
						n.propDeps[k] = append(n.propDeps[k], s)
					}
				}
				if n.propDeps[k] == nil {
					n.propDeps[k] = []string{}
				}
			} else if schemas {
				if _, ok := n.schemaDeps[k]; !ok {
					n.schemaDepOrder = append(n.schemaDepOrder, k)
				}
				n.schemaDeps[k] = m.build(dv)
			}
		}
	}
	addDeps(v.Get("dependencies"), true, true)
	if m.draft >= jsonschema.Draft2019 {
		addDeps(v.Get("dependentRequired"), true, false)
		addDeps(v.Get("dependentSchemas"), false, true)
		n.unevaluatedProps = m.build(v.Get("unevaluatedProperties"))
	}
	n.propDepOrder = jsJavaMapOrder(n.propDepOrder)
	n.schemaDepOrder = jsJavaMapOrder(n.schemaDepOrder)
	return n
}

func (m *jsModel) array(v *jsonschema.Value, consumed map[string]bool) *jsNode {
	jsMarkAll(v, consumed, m.arrayKeywords())
	n := &jsNode{kind: jsArray, source: v, permitsAddItems: true}
	n.minItems = jsNumberOrNil(v.Get("minItems"))
	n.maxItems = jsNumberOrNil(v.Get("maxItems"))
	if u := v.Get("uniqueItems"); u != nil && u.Kind == jsonschema.Bool {
		n.uniqueItems = u.Bool
	}
	tuple := func(a *jsonschema.Value) {
		for _, it := range a.Items {
			n.itemSchemas = append(n.itemSchemas, m.build(it))
		}
	}
	additional := func(a *jsonschema.Value) {
		if a == nil {
			return
		}
		if a.Kind == jsonschema.Bool {
			n.permitsAddItems = a.Bool
		} else {
			n.addItems = m.build(a)
		}
	}
	items := v.Get("items")
	if m.draft == jsonschema.Draft2020 {
		// prefixItems is the tuple and items the schema of the rest, as
		// items and additionalItems were.
		if p := v.Get("prefixItems"); p != nil && p.Kind == jsonschema.Array {
			tuple(p)
			additional(items)
		} else if items != nil {
			n.allItems = m.build(items)
		}
	} else {
		if items != nil {
			if items.Kind == jsonschema.Array {
				tuple(items)
			} else {
				n.allItems = m.build(items)
			}
		}
		additional(v.Get("additionalItems"))
	}
	if m.draft >= jsonschema.Draft2019 {
		n.unevaluatedItems = m.build(v.Get("unevaluatedItems"))
	}
	return n
}

// common reads the keywords every schema has, and those Confluent's diff
// reads from everit's unprocessed properties.
func (m *jsModel) common(n *jsNode, v *jsonschema.Value, consumed map[string]bool) {
	idKey := "$id"
	if m.draft == jsonschema.Draft4 {
		idKey = "id"
	}
	str := func(k string) *string {
		if s, ok := v.Get(k).Text(); ok {
			return &s
		}
		return nil
	}
	n.id, n.title, n.description = str(idKey), str("title"), str("description")
	n.def = v.Get("default")
	if s, ok := v.Get("connect.type").Text(); ok {
		n.connectType = s
	}
	// maxContains and minContains are read from the unprocessed keywords,
	// so only an array schema that did not consume them sees them (drafts
	// before 2019-09, where they are no keywords) — and, from 2019-09 on,
	// the array schema that did.
	if n.kind == jsArray {
		n.maxContains = jsNumberOrNil(v.Get("maxContains"))
		n.minContains = jsNumberOrNil(v.Get("minContains"))
	}
}
