package compat

import (
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/protobuf"
)

func init() { differs[formats.Protobuf] = protobufDifferences }

// The Protobuf difference types (Confluent's protobuf diff Difference.Type).
const (
	pbPackageChanged                = "PACKAGE_CHANGED"
	pbMessageAdded                  = "MESSAGE_ADDED"
	pbMessageRemoved                = "MESSAGE_REMOVED"
	pbMessageMoved                  = "MESSAGE_MOVED"
	pbEnumAdded                     = "ENUM_ADDED"
	pbEnumRemoved                   = "ENUM_REMOVED"
	pbEnumConstAdded                = "ENUM_CONST_ADDED"
	pbEnumConstChanged              = "ENUM_CONST_CHANGED"
	pbEnumConstRemoved              = "ENUM_CONST_REMOVED"
	pbFieldAdded                    = "FIELD_ADDED"
	pbFieldRemoved                  = "FIELD_REMOVED"
	pbFieldNameChanged              = "FIELD_NAME_CHANGED"
	pbFieldKindChanged              = "FIELD_KIND_CHANGED"
	pbFieldScalarKindChanged        = "FIELD_SCALAR_KIND_CHANGED"
	pbFieldNamedTypeChanged         = "FIELD_NAMED_TYPE_CHANGED"
	pbFieldNumericLabelChanged      = "FIELD_NUMERIC_LABEL_CHANGED"
	pbFieldStringOrBytesLabelChange = "FIELD_STRING_OR_BYTES_LABEL_CHANGED"
	pbRequiredFieldAdded            = "REQUIRED_FIELD_ADDED"
	pbRequiredFieldRemoved          = "REQUIRED_FIELD_REMOVED"
	pbOneofAdded                    = "ONEOF_ADDED"
	pbOneofRemoved                  = "ONEOF_REMOVED"
	pbOneofFieldAdded               = "ONEOF_FIELD_ADDED"
	pbOneofFieldRemoved             = "ONEOF_FIELD_REMOVED"
	pbOneofFieldMovedToTopLevel     = "ONEOF_FIELD_MOVED_TO_TOP_LEVEL"
	pbMultipleFieldsMovedToOneof    = "MULTIPLE_FIELDS_MOVED_TO_ONEOF"
	pbFieldMovedToExistingOneof     = "FIELD_MOVED_TO_EXISTING_ONEOF"
)

// protobufCompatible is SchemaDiff.COMPATIBLE_CHANGES: every other
// difference makes a schema incompatible.
var protobufCompatible = map[string]bool{
	pbMessageAdded: true, pbMessageMoved: true, pbEnumAdded: true, pbEnumRemoved: true,
	pbEnumConstAdded: true, pbEnumConstChanged: true, pbEnumConstRemoved: true,
	pbFieldAdded: true, pbFieldRemoved: true, pbFieldNameChanged: true,
	pbFieldStringOrBytesLabelChange: true, pbOneofAdded: true, pbOneofRemoved: true,
	pbOneofFieldAdded: true, pbOneofFieldMovedToTopLevel: true,
}

// protobufDescriptions are Confluent's description templates; the first %s
// is the reader's label, the second the writer's.
var protobufDescriptions = map[string]string{
	pbPackageChanged:             "The package at '%p' in the %s schema does not match the package in the %s schema",
	pbMessageRemoved:             "The %s schema is missing a MESSAGE type at path '%p' in the %s schema",
	pbFieldKindChanged:           "The type of a field at path '%p' in the %s schema does not match the %s schema",
	pbFieldScalarKindChanged:     "The kind of a SCALAR field at path '%p' in the %s schema does not match its kind in the %s schema",
	pbFieldNamedTypeChanged:      "The type of a MESSAGE field at path '%p' in the %s schema does not match its type in the %s schema",
	pbFieldNumericLabelChanged:   "The label for a NUMERIC field at path '%p' in the %s schema does not match its label in the %s schema",
	pbRequiredFieldAdded:         "A required field  at path '%p' in the %s schema is missing in the %s schema",
	pbRequiredFieldRemoved:       "The %s schema is missing a required field at path: '%p' in the %s schema",
	pbOneofFieldRemoved:          "The %s schema is missing a oneof field at path '%p' in the %s schema",
	pbMultipleFieldsMovedToOneof: "Multiple fields in the oneof at path '%p' in the %s schema are outside a oneof in the %s schema",
	pbFieldMovedToExistingOneof:  "A field in the oneof at path '%p' in the %s schema is outside an existing oneof in the %s schema",
}

// ProtobufDifference is one difference between two Protobuf schemas, at a
// path like "#/Message/2" or "#/Message/oneofName/3".
type ProtobufDifference struct {
	Type string
	Path string
}

// Message renders the difference as Confluent does.
func (d ProtobufDifference) Message(readerLabel, writerLabel string) string {
	desc := protobufDescriptions[d.Type]
	desc = strings.Replace(desc, "%s", readerLabel, 1)
	desc = strings.Replace(desc, "%s", writerLabel, 1)
	desc = strings.Replace(desc, "%p", d.Path, 1)
	return `{errorType:"` + d.Type + `", description:"` + desc + `"}`
}

// protobufDifferences reports the incompatible differences of a reader
// schema reading data written with a writer schema: Confluent's
// SchemaDiff.compare(original=writer, update=reader).
func protobufDifferences(reader, writer formats.Schema, readerLabel, writerLabel string, _ Options) []string {
	diffs, err := ProtobufDiff(writer.(*protobuf.Schema), reader.(*protobuf.Schema))
	if err != nil {
		return []string{"Unexpected exception during compatibility check: " + err.Error()}
	}
	var out []string
	for _, d := range diffs {
		if !protobufCompatible[d.Type] {
			out = append(out, d.Message(readerLabel, writerLabel))
		}
	}
	return out
}

// ProtobufDiff lists every difference from original to update, in
// Confluent's order.
func ProtobufDiff(original, update *protobuf.Schema) ([]ProtobufDifference, error) {
	oi, err := original.Index()
	if err != nil {
		return nil, err
	}
	ui, err := update.Index()
	if err != nil {
		return nil, err
	}
	c := &pbContext{orig: oi, upd: ui, origPkg: oi.Package, updPkg: ui.Package, schemas: map[*protobuf.Message]bool{}}
	of, uf := original.File(), update.File()
	if of.Package != uf.Package {
		c.add(pbPackageChanged)
	}
	c.compareTypes(of.Types, uf.Types)
	return c.diffs, nil
}

// pbContext is Confluent's diff Context: the two type indexes, the current
// path (for messages) and name scope (for resolving type names).
type pbContext struct {
	orig, upd       *protobuf.Index
	origPkg, updPkg string
	path            []string
	names           []string
	schemas         map[*protobuf.Message]bool
	diffs           []ProtobufDifference
}

func (c *pbContext) add(typ string) {
	c.diffs = append(c.diffs, ProtobufDifference{Type: typ, Path: "#/" + strings.Join(c.path, "/")})
}

func (c *pbContext) enterPath(p string) func() {
	c.path = append(c.path, p)
	return func() { c.path = c.path[:len(c.path)-1] }
}

func (c *pbContext) enterName(n string) func() {
	c.path = append(c.path, n)
	c.names = append(c.names, n)
	return func() {
		c.path = c.path[:len(c.path)-1]
		c.names = c.names[:len(c.names)-1]
	}
}

func (c *pbContext) resolve(name string, original bool) string {
	if original {
		return c.orig.Resolve(c.origPkg, c.names, name)
	}
	return c.upd.Resolve(c.updPkg, c.names, name)
}

func (c *pbContext) typeInfo(name string, original bool) *protobuf.TypeInfo {
	full := c.resolve(name, original)
	if full == "" {
		return nil
	}
	if original {
		return c.orig.Type(full)
	}
	return c.upd.Type(full)
}

func (c *pbContext) compatible() bool {
	for _, d := range c.diffs {
		if !protobufCompatible[d.Type] {
			return false
		}
	}
	return true
}

// sub is Context.getSubcontext: same indexes and guard, no differences.
func (c *pbContext) sub() *pbContext {
	s := &pbContext{orig: c.orig, upd: c.upd, origPkg: c.origPkg, updPkg: c.updPkg, schemas: map[*protobuf.Message]bool{}}
	for m := range c.schemas {
		s.schemas[m] = true
	}
	s.path = append([]string(nil), c.path...)
	s.names = append([]string(nil), c.names...)
	return s
}

func pbSplitTypes(types []protobuf.Type) (msgNames []string, msgs map[string]*protobuf.Message, index map[string]int, enumNames []string, enums map[string]*protobuf.Enum) {
	msgs, index, enums = map[string]*protobuf.Message{}, map[string]int{}, map[string]*protobuf.Enum{}
	i := 0
	for _, t := range types {
		switch x := t.(type) {
		case *protobuf.Message:
			if _, ok := msgs[x.Name]; !ok {
				msgNames = append(msgNames, x.Name)
			}
			msgs[x.Name] = x
			index[x.Name] = i
			i++
		case *protobuf.Enum:
			if _, ok := enums[x.Name]; !ok {
				enumNames = append(enumNames, x.Name)
			}
			enums[x.Name] = x
		}
	}
	return
}

// compareTypes is SchemaDiff.compareTypeElements; names are visited in
// the order of Java's HashSet, so that differences come out in Confluent's
// order.
func (c *pbContext) compareTypes(original, update []protobuf.Type) {
	on, om, oi, oen, oe := pbSplitTypes(original)
	un, um, ui, uen, ue := pbSplitTypes(update)
	for _, name := range pbHashSetOrder(on, un, pbStringHash) {
		leave := c.enterName(name)
		o, u := om[name], um[name]
		switch {
		case u == nil:
			if t := c.typeInfo(name, true); t != nil && !t.IsMap {
				c.add(pbMessageRemoved)
			}
		case o == nil:
			if t := c.typeInfo(name, false); t != nil && !t.IsMap {
				c.add(pbMessageAdded)
			}
		default:
			c.compareMessages(o, u)
			if oi[name] != ui[name] {
				c.add(pbMessageMoved)
			}
		}
		leave()
	}
	for _, name := range pbHashSetOrder(oen, uen, pbStringHash) {
		leave := c.enterName(name)
		o, u := oe[name], ue[name]
		switch {
		case u == nil:
			c.add(pbEnumRemoved)
		case o == nil:
			c.add(pbEnumAdded)
		default:
			c.compareEnums(o, u)
		}
		leave()
	}
}

func (c *pbContext) compareEnums(original, update *protobuf.Enum) {
	ob, ub := map[int]*protobuf.EnumConstant{}, map[int]*protobuf.EnumConstant{}
	var ot, ut []int
	for _, k := range original.Constants {
		if _, ok := ob[k.Tag]; !ok {
			ot = append(ot, k.Tag)
		}
		ob[k.Tag] = k
	}
	for _, k := range update.Constants {
		if _, ok := ub[k.Tag]; !ok {
			ut = append(ut, k.Tag)
		}
		ub[k.Tag] = k
	}
	for _, tag := range pbHashSetOrder(ot, ut, func(i int) int32 { return int32(i) }) {
		leave := c.enterPath(strconv.Itoa(tag))
		o, u := ob[tag], ub[tag]
		switch {
		case u == nil:
			c.add(pbEnumConstRemoved)
		case o == nil:
			c.add(pbEnumConstAdded)
		case o.Name != u.Name:
			c.add(pbEnumConstChanged)
		}
		leave()
	}
}

type pbFieldIndex struct {
	byTag   map[int]*protobuf.Field
	oneofOf map[int]string
	oneofs  map[string]*protobuf.Oneof
}

func pbCollectFields(m *protobuf.Message) pbFieldIndex {
	x := pbFieldIndex{byTag: map[int]*protobuf.Field{}, oneofOf: map[int]string{}, oneofs: map[string]*protobuf.Oneof{}}
	for _, f := range m.Fields {
		x.byTag[f.Tag] = f
	}
	for _, o := range m.Oneofs {
		x.oneofs[o.Name] = o
		for _, f := range o.Fields {
			x.byTag[f.Tag] = f
			x.oneofOf[f.Tag] = o.Name
		}
	}
	return x
}

// compareMessages is MessageSchemaDiff.compare: fields are compared by tag
// across the whole message, whatever oneof holds them.
func (c *pbContext) compareMessages(original, update *protobuf.Message) {
	if !c.schemas[original] {
		c.schemas[original] = true
		c.compareFields(original, update)
		delete(c.schemas, original)
	}
	c.compareTypes(original.Nested, update.Nested)
}

func (c *pbContext) compareFields(original, update *protobuf.Message) {
	o, u := pbCollectFields(original), pbCollectFields(update)
	deleted := map[string]bool{}
	for name, oneof := range o.oneofs {
		if _, ok := u.oneofs[name]; ok {
			continue
		}
		survives := false
		for _, f := range oneof.Fields {
			if u.byTag[f.Tag] != nil {
				survives = true
				break
			}
		}
		if !survives {
			deleted[name] = true
		}
	}
	// Previously independent fields now mutually exclusive.
	for _, oneof := range update.Oneofs {
		leave := c.enterPath(oneof.Name)
		groups := map[string]bool{}
		movedIn := 0
		for _, f := range oneof.Fields {
			if name, ok := o.oneofOf[f.Tag]; ok {
				groups["oneof:"+name] = true
			} else if o.byTag[f.Tag] != nil {
				groups["field:"+strconv.Itoa(f.Tag)] = true
				movedIn++
			}
		}
		if len(groups) > 1 {
			if movedIn > 1 {
				c.add(pbMultipleFieldsMovedToOneof)
			} else {
				c.add(pbFieldMovedToExistingOneof)
			}
		}
		leave()
	}
	var all []string
	seen := map[string]bool{}
	for _, m := range []map[string]*protobuf.Oneof{o.oneofs, u.oneofs} {
		for name := range m {
			if !seen[name] {
				seen[name] = true
				all = append(all, name)
			}
		}
	}
	sort.Slice(all, func(i, j int) bool { return pbJavaLess(all[i], all[j]) })
	for _, name := range all {
		leave := c.enterPath(name)
		if u.oneofs[name] == nil {
			c.add(pbOneofRemoved)
		} else if o.oneofs[name] == nil {
			c.add(pbOneofAdded)
		}
		leave()
	}
	var tags []int
	for t := range o.byTag {
		tags = append(tags, t)
	}
	for t := range u.byTag {
		if o.byTag[t] == nil {
			tags = append(tags, t)
		}
	}
	sort.Ints(tags)
	for _, tag := range tags {
		of, uf := o.byTag[tag], u.byTag[tag]
		oo, inO := o.oneofOf[tag]
		uo, inU := u.oneofOf[tag]
		t := strconv.Itoa(tag)
		switch {
		case uf == nil:
			if inO {
				if !deleted[oo] {
					c.atOneof(oo, t, pbOneofFieldRemoved)
				}
			} else if of.Label == protobuf.LabelRequired {
				c.atOneof("", t, pbRequiredFieldRemoved)
			} else {
				c.atOneof("", t, pbFieldRemoved)
			}
		case of == nil:
			switch {
			case inU:
				c.atOneof(uo, t, pbOneofFieldAdded)
			case uf.Label == protobuf.LabelRequired:
				c.atOneof("", t, pbRequiredFieldAdded)
			default:
				c.atOneof("", t, pbFieldAdded)
			}
		default:
			if inO && !inU {
				c.atOneof("", t, pbOneofFieldMovedToTopLevel)
			}
			var leaveOneof func()
			if inU {
				leaveOneof = c.enterPath(uo)
			}
			leave := c.enterPath(t)
			c.compareField(of, uf)
			leave()
			if leaveOneof != nil {
				leaveOneof()
			}
		}
	}
}

func (c *pbContext) atOneof(oneof, tag, typ string) {
	if oneof != "" {
		defer c.enterPath(oneof)()
	}
	defer c.enterPath(tag)()
	c.add(typ)
}

// compareField is FieldSchemaDiff.compare.
func (c *pbContext) compareField(original, update *protobuf.Field) {
	if original.Name != update.Name {
		c.add(pbFieldNameChanged)
	}
	c.compareLabelsAndTypes(original.Label, update.Label, original.Type, update.Type)
}

const (
	pbKindScalar  = "SCALAR"
	pbKindMap     = "MAP"
	pbKindMessage = "MESSAGE"
)

func (c *pbContext) kind(typ string, original bool) string {
	if protobuf.IsScalar(typ) {
		return pbKindScalar
	}
	if _, _, ok := protobuf.MapKeyValue(typ); ok {
		return pbKindMap
	}
	if t := c.typeInfo(typ, original); t != nil {
		if _, ok := t.Type.(*protobuf.Enum); ok {
			return pbKindScalar
		}
	}
	return pbKindMessage
}

func (c *pbContext) compareLabelsAndTypes(ol, ul, ot, ut string) {
	if t := c.typeInfo(ot, true); t != nil && t.IsMap {
		ot = t.MapType()
	}
	if t := c.typeInfo(ut, false); t != nil && t.IsMap {
		ut = t.MapType()
	}
	ok, uk := c.kind(ot, true), c.kind(ut, false)
	if ok != uk {
		c.add(pbFieldKindChanged)
		return
	}
	switch ok {
	case pbKindScalar:
		c.compareScalars(ol, ul, ot, ut)
	case pbKindMessage:
		c.compareMessageTypes(ot, ut)
	case pbKindMap:
		ok1, ov, _ := protobuf.MapKeyValue(ot)
		uk1, uv, _ := protobuf.MapKeyValue(ut)
		c.compareLabelsAndTypes("", "", ok1, uk1)
		c.compareLabelsAndTypes("", "", ov, uv)
	}
}

// scalarKind groups the scalars whose values stay readable across a type
// change (the proto3 "updating a message type" rules).
func (c *pbContext) scalarKind(typ string, original bool) string {
	if t := c.typeInfo(typ, original); t != nil {
		if _, ok := t.Type.(*protobuf.Enum); ok {
			return "GENERAL_NUMBER"
		}
	}
	switch typ {
	case "int32", "int64", "uint32", "uint64", "bool":
		return "GENERAL_NUMBER"
	case "sint32", "sint64":
		return "SIGNED_NUMBER"
	case "string", "bytes":
		return "STRING_OR_BYTES"
	case "fixed32", "sfixed32":
		return "FIXED32"
	case "fixed64", "sfixed64":
		return "FIXED64"
	case "float":
		return "FLOAT"
	case "double":
		return "DOUBLE"
	}
	return "ANY"
}

func (c *pbContext) compareScalars(ol, ul, ot, ut string) {
	ok, uk := c.scalarKind(ot, true), c.scalarKind(ut, false)
	if ok != uk {
		c.add(pbFieldScalarKindChanged)
		return
	}
	if ol == "" || ul == "" || ol == ul {
		return
	}
	switch ok {
	case "GENERAL_NUMBER", "SIGNED_NUMBER", "FIXED32", "FIXED64", "FLOAT", "DOUBLE":
		c.add(pbFieldNumericLabelChanged)
	case "STRING_OR_BYTES":
		c.add(pbFieldStringOrBytesLabelChange)
	}
}

func pbLocalName(full string, t *protobuf.TypeInfo) string {
	if strings.HasPrefix(full, t.Package+".") {
		return full[len(t.Package)+1:]
	}
	return full
}

// compareMessageTypes compares message-typed fields by their
// package-relative names, and, unless both types are the schemas' own, the
// messages themselves: an incompatible referenced message makes the field
// type incompatible.
func (c *pbContext) compareMessageTypes(ot, ut string) {
	of, uf := c.resolve(ot, true), c.resolve(ut, false)
	if of == "" || uf == "" {
		if ot != ut {
			c.add(pbFieldNamedTypeChanged)
		}
		return
	}
	oti, uti := c.typeInfo(of, true), c.typeInfo(uf, false)
	if oti == nil || uti == nil {
		return
	}
	ol, ul := pbLocalName(of, oti), pbLocalName(uf, uti)
	if ol != ul {
		c.add(pbFieldNamedTypeChanged)
		return
	}
	if oti.Local() && uti.Local() {
		return
	}
	om, ok1 := oti.Type.(*protobuf.Message)
	um, ok2 := uti.Type.(*protobuf.Message)
	if !ok1 || !ok2 {
		return
	}
	s := c.sub()
	s.origPkg, s.updPkg = oti.Package, uti.Package
	s.path = strings.Split(ol, ".")
	s.names = strings.Split(ol, ".")
	s.compareMessages(om, um)
	c.diffs = append(c.diffs, s.diffs...)
	if !s.compatible() {
		c.add(pbFieldNamedTypeChanged)
	}
}

// pbHashSetOrder is the iteration order of Java's
// new HashSet<>(original) followed by addAll(update), for keys given in
// their declaration order: by hash bucket of the final table, then by
// insertion.
func pbHashSetOrder[K comparable](original, update []K, hash func(K) int32) []K {
	capacity := pbTableSizeFor(max(int(float32(len(original))/0.75)+1, 16))
	threshold := int(float32(capacity) * 0.75)
	keys := append([]K(nil), original...)
	seen := map[K]bool{}
	for _, k := range original {
		seen[k] = true
	}
	size := len(original)
	for _, k := range update {
		if seen[k] {
			continue
		}
		seen[k] = true
		keys = append(keys, k)
		if size++; size > threshold {
			capacity *= 2
			threshold *= 2
		}
	}
	bucket := func(k K) int {
		h := uint32(hash(k))
		return int((h ^ h>>16) & uint32(capacity-1))
	}
	sort.SliceStable(keys, func(i, j int) bool { return bucket(keys[i]) < bucket(keys[j]) })
	return keys
}

func pbTableSizeFor(n int) int {
	c := 1
	for c < n {
		c <<= 1
	}
	return c
}

// pbStringHash is Java's String.hashCode.
func pbStringHash(s string) int32 {
	var h int32
	for _, u := range utf16.Encode([]rune(s)) {
		h = 31*h + int32(u)
	}
	return h
}

func pbJavaLess(a, b string) bool {
	ua, ub := utf16.Encode([]rune(a)), utf16.Encode([]rune(b))
	for i := 0; i < len(ua) && i < len(ub); i++ {
		if ua[i] != ub[i] {
			return ua[i] < ub[i]
		}
	}
	return len(ua) < len(ub)
}
