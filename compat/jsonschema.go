package compat

import (
	"math/big"
	"strconv"
	"strings"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/jsonschema"
)

func init() { differs[formats.JSON] = jsonDifferences }

// jsLenient is the compatibilityPolicy that widens the JSON Schema changes
// counted as compatible.
const jsLenient = "LENIENT"

// jsonDifferences runs Confluent's JSON Schema diff with the writer as the
// original and the reader as the update, and returns the messages of the
// differences the policy does not count as compatible.
func jsonDifferences(reader, writer formats.Schema, readerLabel, writerLabel string, o Options) []string {
	r, ok1 := reader.(*jsonschema.Schema)
	w, ok2 := writer.(*jsonschema.Schema)
	if !ok1 || !ok2 {
		return []string{"Unexpected exception during compatibility check: schema could not be parsed"}
	}
	compatible := jsCompatibleStrict
	if strings.EqualFold(o.Policy, jsLenient) {
		compatible = jsCompatibleLenient
	}
	var out []string
	for _, d := range jsonSchemaDiff(w, r, compatible) {
		if !compatible[d.typ] {
			out = append(out, d.message(readerLabel, writerLabel))
		}
	}
	return out
}

// jsonSchemaDiff is SchemaDiff.compare(original, update): every difference,
// compatible or not, in Confluent's order.
func jsonSchemaDiff(original, update *jsonschema.Schema, compatible map[string]bool) []jsDiff {
	o := newJSModel(original.Draft()).build(original.Root())
	u := newJSModel(update.Draft()).build(update.Root())
	c := &jsComparer{compatible: compatible, assumed: map[jsPair][]jsDiff{}}
	return c.run(o, u)
}

type jsPair [2]*jsNode

// jsComparer compares two models. Each pair of nodes is compared once per
// pass (memoized, differences relative to the pair), which keeps the cross
// products of combined schemas polynomial. A pair met again while it is
// being compared is a recursion: it is assumed to have the differences
// recorded for it so far (none at first, i.e. compatible); after a pass, a
// pair whose real result disagrees with its assumption gets it as its new
// assumption and the comparison runs again, until nothing changes: the
// greatest fixed point, as Confluent's diff computes it.
type jsComparer struct {
	compatible map[string]bool
	memo       map[jsPair][]jsDiff
	inProgress map[jsPair]bool
	assumed    map[jsPair][]jsDiff
	used       map[jsPair]bool
}

const (
	jsMaxPasses = 64
	jsMaxDiffs  = 10000
)

func (c *jsComparer) run(o, u *jsNode) []jsDiff {
	var out []jsDiff
	for pass := 0; pass < jsMaxPasses; pass++ {
		c.memo = map[jsPair][]jsDiff{}
		c.inProgress = map[jsPair]bool{}
		c.used = map[jsPair]bool{}
		out = c.compare(o, u)
		changed := false
		for p := range c.used {
			got := c.memo[p]
			if c.isCompatible(got) != c.isCompatible(c.assumed[p]) {
				c.assumed[p] = got
				changed = true
			}
		}
		if !changed {
			break
		}
	}
	return out
}

func (c *jsComparer) isCompatible(ds []jsDiff) bool {
	for _, d := range ds {
		if !c.compatible[d.typ] {
			return false
		}
	}
	return true
}

// jsDeref follows references to the schema they name; an unresolved one, or
// a cycle of references, is an empty schema.
func jsDeref(n *jsNode) *jsNode {
	for i := 0; n != nil && n.kind == jsRef; i++ {
		if n.ref == nil || i > 64 {
			return &jsNode{kind: jsEmpty}
		}
		n = n.ref
	}
	return n
}

// diffs accumulates the differences of one pair.
type jsDiffs []jsDiff

func (ds *jsDiffs) add(path, typ string) {
	if len(*ds) < jsMaxDiffs {
		*ds = append(*ds, jsDiff{typ: typ, path: path})
	}
}

// addAll adds differences found at path, relative to it.
func (ds *jsDiffs) addAll(path string, sub []jsDiff) {
	for _, d := range sub {
		p := path
		if d.path != "" {
			if p == "" {
				p = d.path
			} else {
				p = p + "/" + d.path
			}
		}
		ds.add(p, d.typ)
	}
}

// compare is SchemaDiff.compare for one pair: the differences with paths
// relative to it.
func (c *jsComparer) compare(o, u *jsNode) []jsDiff {
	switch {
	case o == nil && u == nil:
		return nil
	case o == nil:
		return []jsDiff{{typ: "SCHEMA_ADDED"}}
	case u == nil:
		return []jsDiff{{typ: "SCHEMA_REMOVED"}}
	}
	o, u = jsDeref(o), jsDeref(u)
	p := jsPair{o, u}
	if d, ok := c.memo[p]; ok {
		return d
	}
	if c.inProgress[p] {
		c.used[p] = true
		return c.assumed[p]
	}
	c.inProgress[p] = true
	d := c.compareNodes(o, u)
	delete(c.inProgress, p)
	c.memo[p] = d
	return d
}

func (c *jsComparer) compareNodes(o, u *jsNode) []jsDiff {
	var ds jsDiffs
	// A schema replaced by a combined one, or the reverse.
	if o.kind != jsCombined && u.kind == jsCombined {
		if len(u.subs) == 1 {
			if sub := c.compare(o, u.subs[0]); c.isCompatible(sub) {
				return sub
			}
		} else if u.criterion == "anyOf" || u.criterion == "oneOf" {
			for _, s := range u.subs {
				if sub := c.compare(o, s); c.isCompatible(sub) {
					ds.addAll("", sub)
					ds.add("", "SUM_TYPE_EXTENDED")
					return ds
				}
			}
		}
	} else if o.kind == jsCombined && u.kind != jsCombined {
		if len(o.subs) == 1 {
			if sub := c.compare(o.subs[0], u); c.isCompatible(sub) {
				return sub
			}
		} else if o.criterion == "allOf" {
			for _, s := range o.subs {
				if sub := c.compare(s, u); c.isCompatible(sub) {
					ds.addAll("", sub)
					ds.add("", "PRODUCT_TYPE_NARROWED")
					return ds
				}
			}
		}
	}

	if o.kind != u.kind {
		// Anything may become an empty (or true) schema, and a false
		// schema may become anything. Kafka Connect's bytes may change
		// between string and number.
		if o.kind == jsFalse || u.kind == jsEmpty || u.kind == jsTrue {
			return nil
		}
		if o.connectType == "bytes" && u.connectType == "bytes" {
			return nil
		}
		return []jsDiff{{typ: "TYPE_CHANGED"}}
	}

	if !jsEqualStr(o.id, u.id) {
		ds.add("", "ID_CHANGED")
	}
	if !jsEqualStr(o.title, u.title) {
		ds.add("", "TITLE_CHANGED")
	}
	if !jsEqualStr(o.description, u.description) {
		ds.add("", "DESCRIPTION_CHANGED")
	}
	if !jsEqualJSON(o.def, u.def) {
		ds.add("", "DEFAULT_CHANGED")
	}

	switch o.kind {
	case jsString:
		c.compareString(&ds, o, u)
	case jsNumber:
		c.compareNumber(&ds, o, u)
	case jsConst:
		if o.constValue != u.constValue {
			ds.add("const", "ENUM_ARRAY_CHANGED")
		}
	case jsEnum:
		c.compareEnum(&ds, o, u)
	case jsCombined:
		c.compareCombined(&ds, o, u)
	case jsNot:
		// The wrapped schemas compare the other way round.
		if sub := c.compare(u.not, o.not); c.isCompatible(sub) {
			ds.add("not", "NOT_TYPE_NARROWED")
		} else {
			ds.add("not", "NOT_TYPE_EXTENDED")
		}
	case jsObject:
		c.compareObject(&ds, o, u)
	case jsArray:
		c.compareArray(&ds, o, u)
	}
	return ds
}

func jsEqualStr(a, b *string) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func jsEqualJSON(a, b *jsonschema.Value) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.String() == b.String()
}

// jsLimit compares an optional numeric keyword; the types are for
// added, removed, increased, decreased.
func jsLimit(ds *jsDiffs, path string, o, u *jsonschema.Value, added, removed, increased, decreased string) {
	switch {
	case o == nil && u == nil:
	case o == nil:
		ds.add(path, added)
	case u == nil:
		ds.add(path, removed)
	default:
		switch cmp := jsCompareDecimal(o.Str, u.Str); {
		case cmp < 0:
			ds.add(path, increased)
		case cmp > 0:
			ds.add(path, decreased)
		}
	}
}

func (c *jsComparer) compareString(ds *jsDiffs, o, u *jsNode) {
	jsLimit(ds, "maxLength", o.maxLength, u.maxLength, "MAX_LENGTH_ADDED", "MAX_LENGTH_REMOVED", "MAX_LENGTH_INCREASED", "MAX_LENGTH_DECREASED")
	jsLimit(ds, "minLength", o.minLength, u.minLength, "MIN_LENGTH_ADDED", "MIN_LENGTH_REMOVED", "MIN_LENGTH_INCREASED", "MIN_LENGTH_DECREASED")
	switch {
	case o.pattern == nil && u.pattern != nil:
		ds.add("pattern", "PATTERN_ADDED")
	case o.pattern != nil && u.pattern == nil:
		ds.add("pattern", "PATTERN_REMOVED")
	case o.pattern != nil && *o.pattern != *u.pattern:
		ds.add("pattern", "PATTERN_CHANGED")
	}
}

func (c *jsComparer) compareNumber(ds *jsDiffs, o, u *jsNode) {
	jsLimit(ds, "maximum", o.maximum, u.maximum, "MAXIMUM_ADDED", "MAXIMUM_REMOVED", "MAXIMUM_INCREASED", "MAXIMUM_DECREASED")
	jsLimit(ds, "minimum", o.minimum, u.minimum, "MINIMUM_ADDED", "MINIMUM_REMOVED", "MINIMUM_INCREASED", "MINIMUM_DECREASED")
	jsLimit(ds, "exclusiveMaximum", o.exclMax, u.exclMax, "EXCLUSIVE_MAXIMUM_ADDED", "EXCLUSIVE_MAXIMUM_REMOVED", "EXCLUSIVE_MAXIMUM_INCREASED", "EXCLUSIVE_MAXIMUM_DECREASED")
	jsLimit(ds, "exclusiveMinimum", o.exclMin, u.exclMin, "EXCLUSIVE_MINIMUM_ADDED", "EXCLUSIVE_MINIMUM_REMOVED", "EXCLUSIVE_MINIMUM_INCREASED", "EXCLUSIVE_MINIMUM_DECREASED")
	switch om, um := o.multipleOf, u.multipleOf; {
	case om == nil && um == nil:
	case om == nil:
		ds.add("multipleOf", "MULTIPLE_OF_ADDED")
	case um == nil:
		ds.add("multipleOf", "MULTIPLE_OF_REMOVED")
	case jsCompareDecimal(om.Str, um.Str) == 0:
	case jsIsMultiple(um.Str, om.Str):
		ds.add("multipleOf", "MULTIPLE_OF_EXPANDED")
	case jsIsMultiple(om.Str, um.Str):
		ds.add("multipleOf", "MULTIPLE_OF_REDUCED")
	default:
		ds.add("multipleOf", "MULTIPLE_OF_CHANGED")
	}
	if o.requiresInteger != u.requiresInteger {
		if o.requiresInteger {
			ds.add("", "TYPE_EXTENDED")
		} else {
			ds.add("", "TYPE_NARROWED")
		}
	}
}

func (c *jsComparer) compareEnum(ds *jsDiffs, o, u *jsNode) {
	os, us := jsTypeSet(o.enumValues...), jsTypeSet(u.enumValues...)
	oInU, uInO := jsSubset(os, us), jsSubset(us, os)
	switch {
	case oInU && uInO:
	case oInU:
		ds.add("enum", "ENUM_ARRAY_EXTENDED")
	case uInO:
		ds.add("enum", "ENUM_ARRAY_NARROWED")
	default:
		ds.add("enum", "ENUM_ARRAY_CHANGED")
	}
}

func (c *jsComparer) compareCombined(ds *jsDiffs, o, u *jsNode) {
	switch {
	case o.criterion == u.criterion:
	case u.criterion == "anyOf":
		ds.add("", "COMBINED_TYPE_EXTENDED")
	case u.criterion == "oneOf" && len(o.subs) == 1:
		ds.add("", "COMBINED_TYPE_EXTENDED")
	case u.criterion == "allOf" && len(o.subs) == 1 && len(u.subs) == 1:
		ds.add("", "COMBINED_TYPE_EXTENDED")
	default:
		ds.add("", "COMBINED_TYPE_CHANGED")
		return
	}
	// Duplicate subschemas count once.
	os, us := jsDistinct(o.subs), jsDistinct(u.subs)
	switch {
	case len(os) < len(us):
		if u.criterion == "allOf" {
			ds.add("", "PRODUCT_TYPE_EXTENDED")
		} else {
			ds.add("", "SUM_TYPE_EXTENDED")
		}
	case len(os) > len(us):
		if u.criterion == "allOf" {
			ds.add("", "PRODUCT_TYPE_NARROWED")
		} else {
			ds.add("", "SUM_TYPE_NARROWED")
		}
	}
	// Compatible pairs of subschemas, then a matching of most pairs.
	edges := make([][][]jsDiff, len(os))
	for i, a := range os {
		edges[i] = make([][]jsDiff, len(us))
		for j, b := range us {
			if sub := c.compare(a, b); c.isCompatible(sub) {
				if sub == nil {
					sub = []jsDiff{}
				}
				edges[i][j] = sub
			}
		}
	}
	match := jsMaxMatching(edges, len(os), len(us))
	n := 0
	for i, j := range match {
		if j >= 0 {
			n++
			ds.addAll(o.criterion+"/"+strconv.Itoa(i), edges[i][j])
		}
	}
	if n < min(len(os), len(us)) {
		ds.add("", "COMBINED_TYPE_SUBSCHEMAS_CHANGED")
	}
}

// jsDistinct drops subschemas whose JSON is the same as an earlier one's.
func jsDistinct(subs []*jsNode) []*jsNode {
	seen := map[string]bool{}
	var out []*jsNode
	for _, s := range subs {
		k := ""
		switch {
		case s == nil:
		case s.key != "":
			k = s.key
		case s.source != nil:
			k = s.source.String()
		}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, s)
	}
	return out
}

// jsMaxMatching returns a maximum matching of the bipartite graph whose
// edges are the non-nil entries: match[i] is the j matched to i, or -1.
func jsMaxMatching(edges [][][]jsDiff, n, m int) []int {
	matchL, matchR := make([]int, n), make([]int, m)
	for i := range matchL {
		matchL[i] = -1
	}
	for j := range matchR {
		matchR[j] = -1
	}
	var try func(i int, seen []bool) bool
	try = func(i int, seen []bool) bool {
		for j := 0; j < m; j++ {
			if edges[i][j] == nil || seen[j] {
				continue
			}
			seen[j] = true
			if matchR[j] < 0 || try(matchR[j], seen) {
				matchL[i], matchR[j] = j, i
				return true
			}
		}
		return false
	}
	for i := 0; i < n; i++ {
		try(i, make([]bool, m))
	}
	return matchL
}

func (c *jsComparer) compareObject(ds *jsDiffs, o, u *jsNode) {
	// required
	for _, k := range o.propOrder {
		us, ok := u.props[k]
		if !ok {
			continue
		}
		path := "required/" + k
		oReq, uReq := jsContains(o.required, k), jsContains(u.required, k)
		switch {
		case oReq && !uReq:
			ds.add(path, "REQUIRED_ATTRIBUTE_REMOVED")
		case !oReq && uReq:
			if us != nil && us.def != nil {
				ds.add(path, "REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED")
			} else {
				ds.add(path, "REQUIRED_ATTRIBUTE_ADDED")
			}
		}
	}
	// properties
	for _, k := range jsJavaUnionOrder(o.propOrder, u.propOrder) {
		path := "properties/" + k
		os, inO := o.props[k]
		us, inU := u.props[k]
		switch {
		case !inU:
			// Only the update's content model decides whether a property
			// may go.
			if jsObjectOpen(u) {
				ds.add(path, "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL")
			} else if partial := jsObjectPartial(u, k); partial != nil {
				sub := c.compare(os, partial)
				ds.addAll(path, sub)
				if c.isCompatible(sub) {
					ds.add(path, "PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL")
				} else {
					ds.add(path, "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL")
				}
			} else if jsDeref(os).kind == jsFalse {
				ds.add(path, "PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL")
			} else {
				ds.add(path, "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL")
			}
		case !inO:
			// Only the original's content model decides whether a
			// property may come.
			required, withDefault := jsContains(u.required, k), us != nil && us.def != nil
			if jsObjectOpen(o) {
				switch {
				case jsIsEmpty(us):
					ds.add(path, "PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL")
				case required && withDefault:
					ds.add(path, "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL")
				case required:
					ds.add(path, "REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL")
				default:
					ds.add(path, "OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL")
				}
				continue
			}
			if partial := jsObjectPartial(o, k); partial != nil {
				sub := c.compare(partial, us)
				ds.addAll(path, sub)
				if c.isCompatible(sub) {
					ds.add(path, "PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL")
				} else {
					ds.add(path, "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL")
				}
			}
			switch {
			case required && withDefault:
				ds.add(path, "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL")
			case required:
				ds.add(path, "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL")
			default:
				ds.add(path, "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL")
			}
		default:
			ds.addAll(path, c.compare(os, us))
		}
	}
	// dependencies
	for _, k := range jsJavaUnionOrder(o.propDepOrder, u.propDepOrder) {
		path := "dependencies/" + k
		od, inO := o.propDeps[k]
		ud, inU := u.propDeps[k]
		switch {
		case !inU:
			ds.add(path, "DEPENDENCY_ARRAY_REMOVED")
		case !inO:
			ds.add(path, "DEPENDENCY_ARRAY_ADDED")
		default:
			os, us := jsTypeSet(od...), jsTypeSet(ud...)
			oInU, uInO := jsSubset(os, us), jsSubset(us, os)
			switch {
			case oInU && uInO:
			case oInU:
				ds.add(path, "DEPENDENCY_ARRAY_EXTENDED")
			case uInO:
				ds.add(path, "DEPENDENCY_ARRAY_NARROWED")
			default:
				ds.add(path, "DEPENDENCY_ARRAY_CHANGED")
			}
		}
	}
	for _, k := range jsJavaUnionOrder(o.schemaDepOrder, u.schemaDepOrder) {
		path := "dependencies/" + k
		os, inO := o.schemaDeps[k]
		us, inU := u.schemaDeps[k]
		switch {
		case !inU:
			ds.add(path, "DEPENDENCY_SCHEMA_REMOVED")
		case !inO:
			ds.add(path, "DEPENDENCY_SCHEMA_ADDED")
		default:
			ds.addAll(path, c.compare(os, us))
		}
	}
	// additionalProperties
	switch {
	case o.permitsAddProps != u.permitsAddProps:
		if u.permitsAddProps {
			ds.add("additionalProperties", "ADDITIONAL_PROPERTIES_ADDED")
		} else {
			ds.add("additionalProperties", "ADDITIONAL_PROPERTIES_REMOVED")
		}
	case o.addProps == nil && u.addProps != nil:
		ds.add("additionalProperties", "ADDITIONAL_PROPERTIES_NARROWED")
	case o.addProps != nil && u.addProps == nil:
		ds.add("additionalProperties", "ADDITIONAL_PROPERTIES_EXTENDED")
	default:
		ds.addAll("additionalProperties", c.compare(o.addProps, u.addProps))
	}
	c.compareUnevaluated(ds, "unevaluatedProperties", o.unevaluatedProps, u.unevaluatedProps, "UNEVALUATED_PROPERTIES_")
	jsLimit(ds, "maxProperties", o.maxProps, u.maxProps, "MAX_PROPERTIES_ADDED", "MAX_PROPERTIES_REMOVED", "MAX_PROPERTIES_INCREASED", "MAX_PROPERTIES_DECREASED")
	jsLimit(ds, "minProperties", o.minProps, u.minProps, "MIN_PROPERTIES_ADDED", "MIN_PROPERTIES_REMOVED", "MIN_PROPERTIES_INCREASED", "MIN_PROPERTIES_DECREASED")
}

func jsContains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func jsSubset(a, b map[string]bool) bool {
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

// jsIsEmpty is everit's "instanceof EmptySchema": {} and true.
func jsIsEmpty(n *jsNode) bool {
	n = jsDeref(n)
	return n != nil && (n.kind == jsEmpty || n.kind == jsTrue)
}

func jsIsFalse(n *jsNode) bool {
	n = jsDeref(n)
	return n != nil && n.kind == jsFalse
}

// jsObjectOpen is an open content model: any other property is allowed with
// any value (no additionalProperties schema or false, no
// patternProperties, no unevaluatedProperties other than true).
func jsObjectOpen(n *jsNode) bool {
	if !n.permitsAddProps || n.addProps != nil || len(n.patternProps) > 0 {
		return false
	}
	return n.unevaluatedProps == nil || jsIsEmpty(n.unevaluatedProps)
}

// jsObjectPartial is the schema a partially open content model gives a
// property it does not name: the first matching patternProperties schema,
// else the additionalProperties schema, else an unevaluatedProperties
// schema.
func jsObjectPartial(n *jsNode, key string) *jsNode {
	for _, p := range n.patternProps {
		if p.match != nil && p.match(key) {
			return p.schema
		}
	}
	if n.addProps != nil {
		return n.addProps
	}
	if n.permitsAddProps && n.unevaluatedProps != nil && !jsIsFalse(n.unevaluatedProps) && !jsIsEmpty(n.unevaluatedProps) {
		return n.unevaluatedProps
	}
	return nil
}

// compareUnevaluated compares unevaluatedProperties or unevaluatedItems;
// prefix names the difference types.
func (c *jsComparer) compareUnevaluated(ds *jsDiffs, path string, o, u *jsNode, prefix string) {
	switch {
	case o == nil && u == nil:
	case o == nil:
		if jsIsFalse(u) {
			ds.add(path, prefix+"REMOVED")
		} else {
			ds.add(path, prefix+"NARROWED")
		}
	case u == nil:
		if jsIsFalse(o) {
			ds.add(path, prefix+"ADDED")
		} else {
			ds.add(path, prefix+"EXTENDED")
		}
	case jsIsFalse(o) && !jsIsFalse(u):
		ds.add(path, prefix+"ADDED")
	case !jsIsFalse(o) && jsIsFalse(u):
		ds.add(path, prefix+"REMOVED")
	case jsIsEmpty(o) && !jsIsEmpty(u):
		ds.add(path, prefix+"NARROWED")
	case !jsIsEmpty(o) && jsIsEmpty(u):
		ds.add(path, prefix+"EXTENDED")
	default:
		ds.addAll(path, c.compare(o, u))
	}
}

// jsArrayOpen: any further item is allowed with any value.
func jsArrayOpen(n *jsNode) bool {
	if !n.permitsAddItems || n.addItems != nil {
		return false
	}
	return n.unevaluatedItems == nil || jsIsEmpty(n.unevaluatedItems)
}

// jsArrayPartial is the schema a partially open array gives further items.
func jsArrayPartial(n *jsNode) *jsNode {
	if n.addItems != nil {
		return n.addItems
	}
	if n.permitsAddItems && n.unevaluatedItems != nil && !jsIsFalse(n.unevaluatedItems) && !jsIsEmpty(n.unevaluatedItems) {
		return n.unevaluatedItems
	}
	return nil
}

func (c *jsComparer) compareArray(ds *jsDiffs, o, u *jsNode) {
	ds.addAll("items", c.compare(o.allItems, u.allItems))
	n := min(len(o.itemSchemas), len(u.itemSchemas))
	for i := 0; i < n; i++ {
		ds.addAll("items/"+strconv.Itoa(i), c.compare(o.itemSchemas[i], u.itemSchemas[i]))
	}
	for i := n; i < len(o.itemSchemas); i++ {
		path, os := "items/"+strconv.Itoa(i), o.itemSchemas[i]
		if jsArrayOpen(u) {
			ds.add(path, "ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL")
		} else if partial := jsArrayPartial(u); partial != nil {
			sub := c.compare(os, partial)
			ds.addAll(path, sub)
			if c.isCompatible(sub) {
				ds.add(path, "ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL")
			} else {
				ds.add(path, "ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL")
			}
		} else if jsIsFalse(os) {
			ds.add(path, "ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL")
		} else {
			ds.add(path, "ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL")
		}
	}
	for i := n; i < len(u.itemSchemas); i++ {
		path, us := "items/"+strconv.Itoa(i), u.itemSchemas[i]
		if jsArrayOpen(o) {
			if jsIsEmpty(us) {
				ds.add(path, "ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL")
			} else {
				ds.add(path, "ITEM_ADDED_TO_OPEN_CONTENT_MODEL")
			}
		} else if partial := jsArrayPartial(o); partial != nil {
			sub := c.compare(partial, us)
			ds.addAll(path, sub)
			if c.isCompatible(sub) {
				ds.add(path, "ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL")
			} else {
				ds.add(path, "ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL")
			}
		} else {
			ds.add(path, "ITEM_ADDED_TO_CLOSED_CONTENT_MODEL")
		}
	}
	switch {
	case o.permitsAddItems != u.permitsAddItems:
		if o.permitsAddItems {
			ds.add("additionalItems", "ADDITIONAL_ITEMS_REMOVED")
		} else {
			ds.add("additionalItems", "ADDITIONAL_ITEMS_ADDED")
		}
	case o.addItems == nil && u.addItems != nil:
		ds.add("additionalItems", "ADDITIONAL_ITEMS_NARROWED")
	case o.addItems != nil && u.addItems == nil:
		ds.add("additionalItems", "ADDITIONAL_ITEMS_EXTENDED")
	default:
		ds.addAll("additionalItems", c.compare(o.addItems, u.addItems))
	}
	c.compareUnevaluated(ds, "unevaluatedItems", o.unevaluatedItems, u.unevaluatedItems, "UNEVALUATED_ITEMS_")
	jsLimit(ds, "maxItems", o.maxItems, u.maxItems, "MAX_ITEMS_ADDED", "MAX_ITEMS_REMOVED", "MAX_ITEMS_INCREASED", "MAX_ITEMS_DECREASED")
	jsLimit(ds, "minItems", o.minItems, u.minItems, "MIN_ITEMS_ADDED", "MIN_ITEMS_REMOVED", "MIN_ITEMS_INCREASED", "MIN_ITEMS_DECREASED")
	if o.uniqueItems != u.uniqueItems {
		if o.uniqueItems {
			ds.add("uniqueItems", "UNIQUE_ITEMS_REMOVED")
		} else {
			ds.add("uniqueItems", "UNIQUE_ITEMS_ADDED")
		}
	}
	jsLimit(ds, "maxContains", o.maxContains, u.maxContains, "MAX_CONTAINS_ADDED", "MAX_CONTAINS_REMOVED", "MAX_CONTAINS_INCREASED", "MAX_CONTAINS_DECREASED")
	jsLimit(ds, "minContains", o.minContains, u.minContains, "MIN_CONTAINS_ADDED", "MIN_CONTAINS_REMOVED", "MIN_CONTAINS_INCREASED", "MIN_CONTAINS_DECREASED")
}

// jsCompareDecimal compares two JSON number literals exactly.
func jsCompareDecimal(a, b string) int {
	x, y := jsonschema.ParseDecimal(a), jsonschema.ParseDecimal(b)
	xz, yz := x.Digits == "0", y.Digits == "0"
	sign := func(neg, zero bool) int {
		switch {
		case zero:
			return 0
		case neg:
			return -1
		}
		return 1
	}
	sx, sy := sign(x.Neg, xz), sign(y.Neg, yz)
	if sx != sy || sx == 0 {
		return jsCmpInt(sx, sy)
	}
	// Same sign, both non-zero: compare magnitudes by the exponent of the
	// leading digit, then digit by digit.
	ex, ey := len(x.Digits)-1-x.Scale, len(y.Digits)-1-y.Scale
	m := 0
	if ex != ey {
		m = jsCmpInt(ex, ey)
	} else {
		dx, dy := strings.TrimRight(x.Digits, "0"), strings.TrimRight(y.Digits, "0")
		m = strings.Compare(dx, dy)
	}
	return m * sx
}

func jsCmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// jsIsMultiple reports whether a is an integer multiple of b (both non-zero
// JSON number literals).
func jsIsMultiple(a, b string) bool {
	x, y := jsonschema.ParseDecimal(a), jsonschema.ParseDecimal(b)
	if y.Digits == "0" {
		return false
	}
	dx, _ := new(big.Int).SetString(x.Digits, 10)
	dy, _ := new(big.Int).SetString(y.Digits, 10)
	if dx == nil || dy == nil {
		return false
	}
	// a/b = (dx/dy) * 10^(y.Scale-x.Scale)
	shift := y.Scale - x.Scale
	if shift > 40000 || shift < -40000 {
		return false
	}
	ten := big.NewInt(10)
	if shift >= 0 {
		dx.Mul(dx, new(big.Int).Exp(ten, big.NewInt(int64(shift)), nil))
	} else {
		dy.Mul(dy, new(big.Int).Exp(ten, big.NewInt(int64(-shift)), nil))
	}
	return new(big.Int).Mod(dx, dy).Sign() == 0
}
