package protobuf

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// printer prints the element model as Confluent's ProtobufSchemaUtils does:
// canonically (declaration order, comments dropped, two-space indentation,
// each non-empty section preceded by a blank line) or normalized (types and
// custom option names fully qualified, imports, options, fields, constants
// and ranges sorted, option maps merged).
type printer struct {
	normalize bool
	ix        *Index
	pkg       string
	scope     []string
	err       error
}

// canonicalText is the text Confluent stores for a schema.
func canonicalText(f *File) string {
	p := &printer{}
	return p.file(f)
}

// normalizedText is Confluent's normalized form; it fails when a type or
// extendee cannot be resolved.
func normalizedText(f *File, ix *Index) (string, error) {
	p := &printer{normalize: true, ix: ix, pkg: f.Package}
	s := p.file(f)
	return s, p.err
}

func (p *printer) fail(format string, args ...any) {
	if p.err == nil {
		p.err = fmt.Errorf(format, args...)
	}
}

func (p *printer) enter(name string) func() {
	p.scope = append(p.scope, name)
	return func() { p.scope = p.scope[:len(p.scope)-1] }
}

// resolveType is ProtobufSchemaUtils.resolve: the fully-qualified name with
// a leading dot, or an error.
func (p *printer) resolveType(name string) string {
	r := p.ix.Resolve(p.pkg, p.scope, name)
	if r == "" {
		p.fail("Could not resolve type: %s", name)
		return name
	}
	return "." + r
}

// appendIndented adds each line of value indented by two spaces, after
// Java's split("\n"), which drops trailing empty lines.
func appendIndented(sb *strings.Builder, value string) {
	lines := []string{""}
	if value != "" {
		lines = strings.Split(value, "\n")
		for len(lines) > 0 && lines[len(lines)-1] == "" {
			lines = lines[:len(lines)-1]
		}
	}
	for _, l := range lines {
		sb.WriteString("  ")
		sb.WriteString(l)
		sb.WriteByte('\n')
	}
}

func (p *printer) file(f *File) string {
	var sb strings.Builder
	switch {
	case f.Edition != "":
		sb.WriteString("edition = \"" + f.Edition + "\";\n")
	case f.Syntax != "" && (!p.normalize || f.Syntax == "proto3"):
		sb.WriteString("syntax = \"" + f.Syntax + "\";\n")
	}
	if f.Package != "" {
		sb.WriteString("package " + f.Package + ";\n")
	}
	if len(f.Imports) > 0 || len(f.PublicImports) > 0 {
		sb.WriteByte('\n')
		for _, imp := range p.sortedDistinct(f.Imports) {
			sb.WriteString("import \"" + quoteIfNeeded(imp) + "\";\n")
		}
		for _, imp := range p.sortedDistinct(f.PublicImports) {
			sb.WriteString("import public \"" + quoteIfNeeded(imp) + "\";\n")
		}
	}
	if opts := p.filterOptions(f.Options); len(opts) > 0 {
		sb.WriteByte('\n')
		for _, o := range opts {
			sb.WriteString(p.optionDecl(o))
		}
	}
	if types := p.filterTypes(f.Types); len(types) > 0 {
		sb.WriteByte('\n')
		p.types(&sb, types, false)
	}
	if len(f.Extends) > 0 {
		sb.WriteByte('\n')
		for _, e := range p.extends(f.Extends) {
			sb.WriteString(p.extend(e))
		}
	}
	if len(f.Services) > 0 {
		sb.WriteByte('\n')
		for _, s := range f.Services {
			sb.WriteString(p.service(s))
		}
	}
	return sb.String()
}

func (p *printer) sortedDistinct(list []string) []string {
	if !p.normalize {
		return list
	}
	out := append([]string(nil), list...)
	sort.SliceStable(out, func(i, j int) bool { return javaLess(out[i], out[j]) })
	dedup := out[:0]
	for i, s := range out {
		if i == 0 || s != out[i-1] {
			dedup = append(dedup, s)
		}
	}
	return dedup
}

// types prints messages first, then enums, each in declaration order.
func (p *printer) types(sb *strings.Builder, types []Type, indent bool) {
	emit := func(s string) {
		if indent {
			appendIndented(sb, s)
		} else {
			sb.WriteString(s)
		}
	}
	for _, t := range types {
		if m, ok := t.(*Message); ok {
			leave := p.enter(m.Name)
			emit(p.message(m))
			leave()
		}
	}
	for _, t := range types {
		if e, ok := t.(*Enum); ok {
			leave := p.enter(e.Name)
			emit(p.enum(e))
			leave()
		}
	}
}

// filterTypes drops synthetic map entry messages when normalizing.
func (p *printer) filterTypes(types []Type) []Type {
	if !p.normalize {
		return types
	}
	var out []Type
	for _, t := range types {
		if _, ok := t.(*Message); ok {
			if r := p.ix.Resolve(p.pkg, p.scope, t.TypeName()); r != "" && p.ix.Type(r).IsMap {
				continue
			}
		}
		out = append(out, t)
	}
	return out
}

func (p *printer) service(s *Service) string {
	var sb strings.Builder
	sb.WriteString("service " + s.Name + " {")
	if opts := p.filterOptions(s.Options); len(opts) > 0 {
		sb.WriteByte('\n')
		for _, o := range opts {
			appendIndented(&sb, p.optionDecl(o))
		}
	}
	if len(s.RPCs) > 0 {
		sb.WriteByte('\n')
		for _, r := range s.RPCs {
			appendIndented(&sb, p.rpc(r))
		}
	}
	sb.WriteString("}\n")
	return sb.String()
}

func (p *printer) rpc(r *RPC) string {
	var sb strings.Builder
	sb.WriteString("rpc " + r.Name + " (")
	if r.RequestStreaming {
		sb.WriteString("stream ")
	}
	req, resp := r.RequestType, r.ResponseType
	if p.normalize {
		req, resp = p.resolveType(req), p.resolveType(resp)
	}
	sb.WriteString(req + ") returns (")
	if r.ResponseStreaming {
		sb.WriteString("stream ")
	}
	sb.WriteString(resp + ")")
	if opts := p.filterOptions(r.Options); len(opts) > 0 {
		sb.WriteString(" {\n")
		for _, o := range opts {
			appendIndented(&sb, p.optionDecl(o))
		}
		sb.WriteByte('}')
	}
	sb.WriteString(";\n")
	return sb.String()
}

func (p *printer) enum(e *Enum) string {
	var sb strings.Builder
	sb.WriteString("enum " + e.Name + " {")
	if len(e.Reserved) > 0 {
		sb.WriteByte('\n')
		for _, r := range p.reserved(e.Reserved) {
			appendIndented(&sb, p.reservedDecl(r))
		}
	}
	if len(e.Reserved) == 0 && (len(e.Options) > 0 || len(e.Constants) > 0) {
		sb.WriteByte('\n')
	}
	for _, o := range p.filterOptions(e.Options) {
		appendIndented(&sb, p.optionDecl(o))
	}
	consts := e.Constants
	if p.normalize {
		consts = append([]*EnumConstant(nil), consts...)
		sort.SliceStable(consts, func(i, j int) bool {
			if consts[i].Tag != consts[j].Tag {
				return consts[i].Tag < consts[j].Tag
			}
			return javaLess(consts[i].Name, consts[j].Name)
		})
	}
	for _, c := range consts {
		s := c.Name + " = " + strconv.Itoa(c.Tag)
		if opts := p.filterOptions(c.Options); len(opts) > 0 {
			s += " " + p.optionList(optionValues(opts))
		}
		appendIndented(&sb, s+";\n")
	}
	sb.WriteString("}\n")
	return sb.String()
}

func (p *printer) message(m *Message) string {
	var sb strings.Builder
	sb.WriteString("message " + m.Name + " {")
	if len(m.Reserved) > 0 {
		sb.WriteByte('\n')
		for _, r := range p.reserved(m.Reserved) {
			appendIndented(&sb, p.reservedDecl(r))
		}
	}
	if opts := p.filterOptions(m.Options); len(opts) > 0 {
		sb.WriteByte('\n')
		for _, o := range opts {
			appendIndented(&sb, p.optionDecl(o))
		}
	}
	if len(m.Fields) > 0 {
		sb.WriteByte('\n')
		for _, f := range p.byTag(m.Fields) {
			appendIndented(&sb, p.field(f))
		}
	}
	if len(m.Oneofs) > 0 {
		sb.WriteByte('\n')
		for _, o := range p.oneofs(m.Oneofs) {
			appendIndented(&sb, p.oneof(o))
		}
	}
	if len(m.Groups) > 0 {
		sb.WriteByte('\n')
		for _, g := range p.groups(m.Groups) {
			appendIndented(&sb, p.group(g))
		}
	}
	if len(m.Extensions) > 0 {
		sb.WriteByte('\n')
		for _, e := range p.extensions(m.Extensions) {
			appendIndented(&sb, p.extensionsDecl(e))
		}
	}
	if len(m.Extends) > 0 {
		sb.WriteByte('\n')
		for _, e := range p.extends(m.Extends) {
			appendIndented(&sb, p.extend(e))
		}
	}
	if types := p.filterTypes(m.Nested); len(types) > 0 {
		sb.WriteByte('\n')
		p.types(&sb, types, true)
	}
	sb.WriteString("}\n")
	return sb.String()
}

func (p *printer) byTag(fields []*Field) []*Field {
	if !p.normalize {
		return fields
	}
	out := append([]*Field(nil), fields...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Tag < out[j].Tag })
	return out
}

func (p *printer) oneofs(list []*Oneof) []*Oneof {
	if !p.normalize {
		return list
	}
	var out []*Oneof
	for _, o := range list {
		if len(o.Fields) == 0 {
			continue
		}
		c := *o
		c.Fields = p.byTag(o.Fields)
		out = append(out, &c)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Fields[0].Tag < out[j].Fields[0].Tag })
	return out
}

func (p *printer) groups(list []*Group) []*Group {
	if !p.normalize {
		return list
	}
	out := append([]*Group(nil), list...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Tag < out[j].Tag })
	return out
}

func (p *printer) oneof(o *Oneof) string {
	var sb strings.Builder
	sb.WriteString("oneof " + o.Name + " {")
	if opts := p.filterOptions(o.Options); len(opts) > 0 {
		sb.WriteByte('\n')
		for _, op := range opts {
			appendIndented(&sb, p.optionDecl(op))
		}
	}
	if len(o.Fields) > 0 {
		sb.WriteByte('\n')
		for _, f := range o.Fields {
			appendIndented(&sb, p.field(f))
		}
	}
	if len(o.Groups) > 0 {
		sb.WriteByte('\n')
		for _, g := range p.groups(o.Groups) {
			appendIndented(&sb, p.group(g))
		}
	}
	sb.WriteString("}\n")
	return sb.String()
}

func (p *printer) group(g *Group) string {
	var sb strings.Builder
	if g.Label != "" {
		sb.WriteString(g.Label + " ")
	}
	sb.WriteString("group " + g.Name + " = " + strconv.Itoa(g.Tag) + " {")
	if len(g.Fields) > 0 {
		sb.WriteByte('\n')
		for _, f := range p.byTag(g.Fields) {
			appendIndented(&sb, p.field(f))
		}
	}
	sb.WriteString("}\n")
	return sb.String()
}

// extends regroups extend blocks by resolved extendee when normalizing.
func (p *printer) extends(list []*Extend) []*Extend {
	if !p.normalize {
		return list
	}
	var out []*Extend
	byName := map[string]*Extend{}
	for _, e := range list {
		name := p.resolveType(e.Name)
		for _, f := range e.Fields {
			g := byName[name]
			if g == nil {
				g = &Extend{Name: name}
				byName[name] = g
				out = append(out, g)
			}
			g.Fields = append(g.Fields, f)
		}
	}
	return out
}

func (p *printer) extend(e *Extend) string {
	var sb strings.Builder
	sb.WriteString("extend " + e.Name + " {")
	if len(e.Fields) > 0 {
		sb.WriteByte('\n')
		for _, f := range p.byTag(e.Fields) {
			appendIndented(&sb, p.field(f))
		}
	}
	sb.WriteString("}\n")
	return sb.String()
}

var scalars = map[string]bool{
	"bool": true, "bytes": true, "double": true, "float": true, "fixed32": true, "fixed64": true,
	"int32": true, "int64": true, "sfixed32": true, "sfixed64": true, "sint32": true, "sint64": true,
	"string": true, "uint32": true, "uint64": true,
}

// IsScalar reports whether a field type is a scalar (enums are not).
func IsScalar(typ string) bool { return scalars[typ] }

// MapKeyValue splits "map<K, V>" into its key and value types.
func MapKeyValue(typ string) (key, value string, ok bool) {
	if !strings.HasPrefix(typ, "map<") || !strings.HasSuffix(typ, ">") {
		return "", "", false
	}
	inner := typ[4 : len(typ)-1]
	i := strings.IndexByte(inner, ',')
	if i < 0 {
		return "", "", false
	}
	return strings.TrimSpace(inner[:i]), strings.TrimSpace(inner[i+1:]), true
}

func (p *printer) field(f *Field) string {
	var sb strings.Builder
	lbl, typ := f.Label, f.Type
	if p.normalize {
		if _, _, isMap := MapKeyValue(typ); !IsScalar(typ) && !isMap {
			typ = p.resolveType(typ)
			if info := p.ix.Type(typ); info != nil && info.IsMap {
				typ = info.MapType()
			}
		}
		if k, v, isMap := MapKeyValue(typ); isMap {
			if r := p.ix.Resolve(p.pkg, p.scope, v); r != "" {
				typ = "map<" + k + ", ." + r + ">"
			}
			lbl = ""
		}
	}
	if lbl != "" {
		sb.WriteString(lbl + " ")
	}
	sb.WriteString(typ + " " + f.Name + " = " + strconv.Itoa(f.Tag))
	opts := append([]*Option(nil), f.Options...)
	if f.Default != nil {
		opts = append(opts, &Option{Name: "default", Kind: defaultKind(typ, *f.Default), Value: *f.Default})
	}
	if f.JSONName != nil {
		opts = append(opts, &Option{Name: "json_name", Kind: KindString, Value: *f.JSONName})
	}
	if opts = p.filterOptions(opts); len(opts) > 0 {
		sb.WriteString(" " + p.optionList(optionValues(opts)))
	}
	sb.WriteString(";\n")
	return sb.String()
}

// plainWord matches the values that read back as one token: a number, an
// identifier, or -inf/-nan.
var plainWord = regexp.MustCompile(`^(-?((0|[1-9][0-9]*)(\.[0-9]*)?([eE][+-]?[0-9]+)?|\.[0-9]+([eE][+-]?[0-9]+)?|0[0-7]+|0[xX][0-9a-fA-F]+|inf|nan)|[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*)$`)

// defaultKind is ProtobufSchemaUtils.toKind of the field type: strings are
// quoted, booleans, numbers and enums (and, as Confluent does, bytes) are
// not. A value that would not read back as one word is quoted anyway, so
// that the text stays parsable (Confluent would print it bare).
func defaultKind(typ, value string) OptionKind {
	simple := typ
	if i := strings.LastIndexByte(simple, '.'); i >= 0 {
		simple = simple[i+1:]
	}
	kind := KindEnum
	switch simple {
	case "bool":
		kind = KindBoolean
	case "string":
		return KindString
	case "bytes", "double", "float", "fixed32", "fixed64", "int32", "int64", "sfixed32", "sfixed64",
		"sint32", "sint64", "uint32", "uint64":
		kind = KindNumber
	}
	if !plainWord.MatchString(value) {
		return KindString
	}
	return kind
}

// quoteIfNeeded escapes a name printed between double quotes (an import
// path, a reserved name) only when it holds a character that would end or
// break the literal; Confluent prints these names as they are.
func quoteIfNeeded(s string) string {
	if strings.ContainsAny(s, "\"\\\n\r\x00") || !utf8.ValidString(s) {
		return escapeChars(s)
	}
	return s
}

func optionValues(opts []*Option) []any {
	out := make([]any, len(opts))
	for i, o := range opts {
		out[i] = o
	}
	return out
}

// reserved flattens and sorts reserved statements when normalizing.
func (p *printer) reserved(list []*Reserved) []*Reserved {
	if !p.normalize {
		return list
	}
	var out []*Reserved
	for _, r := range list {
		for _, v := range r.Values {
			out = append(out, &Reserved{Values: []ReservedValue{v}})
		}
	}
	key := func(v ReservedValue) (int, string) {
		if v.IsName {
			return 1<<31 - 1, v.Name
		}
		if v.Range.Single {
			return v.Range.Start, strconv.Itoa(v.Range.Start)
		}
		return v.Range.Start, strconv.Itoa(v.Range.Start) + ".." + strconv.Itoa(v.Range.End)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a1, a2 := key(out[i].Values[0])
		b1, b2 := key(out[j].Values[0])
		if a1 != b1 {
			return a1 < b1
		}
		return javaLess(a2, b2)
	})
	return out
}

func (p *printer) extensions(list []*Extensions) []*Extensions {
	if !p.normalize {
		return list
	}
	var out []*Extensions
	for _, e := range list {
		for _, v := range e.Values {
			out = append(out, &Extensions{Values: []Range{v}})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Values[0].Start < out[j].Values[0].Start })
	return out
}

func (p *printer) rangeText(r Range) string {
	if r.Single || (p.normalize && r.Start == r.End) {
		return strconv.Itoa(r.Start)
	}
	end := "max"
	if r.End < MaxTag {
		end = strconv.Itoa(r.End)
	}
	return strconv.Itoa(r.Start) + " to " + end
}

func (p *printer) reservedDecl(r *Reserved) string {
	parts := make([]string, len(r.Values))
	for i, v := range r.Values {
		if v.IsName {
			parts[i] = "\"" + quoteIfNeeded(v.Name) + "\""
		} else {
			parts[i] = p.rangeText(v.Range)
		}
	}
	return "reserved " + strings.Join(parts, ", ") + ";\n"
}

func (p *printer) extensionsDecl(e *Extensions) string {
	parts := make([]string, len(e.Values))
	for i, v := range e.Values {
		parts[i] = p.rangeText(v)
	}
	return "extensions " + strings.Join(parts, ", ") + ";\n"
}

// Options.

func (p *printer) optionDecl(o *Option) string {
	return "option " + p.option(o) + ";\n"
}

func (p *printer) option(o *Option) string {
	var sb strings.Builder
	if o.Parenthesized {
		sb.WriteString("(" + o.Name + ")")
	} else {
		sb.WriteString(o.Name)
	}
	switch o.Kind {
	case KindString:
		sb.WriteString(" = \"" + escapeChars(fmt.Sprint(o.Value)) + "\"")
	case KindBoolean, KindEnum:
		sb.WriteString(" = " + fmt.Sprint(o.Value))
	case KindNumber:
		sb.WriteString(" = " + p.number(fmt.Sprint(o.Value)))
	case KindOption:
		sb.WriteString(".")
		if inner, ok := o.Value.(*Option); ok {
			sb.WriteString(p.option(inner))
		}
	case KindMap:
		sb.WriteString(" = {\n")
		if m, ok := o.Value.(*OptionMap); ok {
			p.optionMap(&sb, m)
		}
		sb.WriteByte('}')
	case KindList:
		list, _ := o.Value.([]any)
		sb.WriteString(" = " + p.optionList(list))
	}
	return sb.String()
}

// optionList is appendOptions: one value inline in brackets, more on lines
// of their own.
func (p *printer) optionList(list []any) string {
	if len(list) == 1 {
		return "[" + p.value(list[0]) + "]"
	}
	var sb strings.Builder
	sb.WriteString("[\n")
	for i, v := range list {
		s := p.value(v)
		if i < len(list)-1 {
			s += ","
		}
		appendIndented(&sb, s)
	}
	sb.WriteByte(']')
	return sb.String()
}

func (p *printer) optionMap(sb *strings.Builder, m *OptionMap) {
	keys := m.Keys
	values := m.Values
	if p.normalize {
		values = map[string]any{}
		keys = nil
		for _, k := range m.Keys {
			v := m.Values[k]
			if l, ok := v.([]any); ok && len(l) == 0 {
				continue
			}
			if strings.HasPrefix(k, "[") && strings.HasSuffix(k, "]") {
				if r := p.ix.ResolveExtend(p.pkg, p.scope, k[1:len(k)-1]); r != "" {
					k = "[" + r + "]"
				}
			}
			if _, dup := values[k]; dup {
				continue
			}
			values[k] = v
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return javaLess(keys[i], keys[j]) })
	}
	for i, k := range keys {
		s := k + ": " + p.value(values[k])
		if i < len(keys)-1 {
			s += ","
		}
		appendIndented(sb, s)
	}
}

// value is formatOptionMapOrListValue.
func (p *printer) value(v any) string {
	switch x := v.(type) {
	case string:
		return "\"" + escapeChars(x) + "\""
	case *OptionMap:
		var sb strings.Builder
		sb.WriteString("{\n")
		p.optionMap(&sb, x)
		sb.WriteByte('}')
		return sb.String()
	case []any:
		if p.normalize && len(x) == 1 {
			return p.value(x[0])
		}
		var sb strings.Builder
		sb.WriteString("[\n")
		for i, e := range x {
			s := p.value(e)
			if i < len(x)-1 {
				s += ","
			}
			appendIndented(&sb, s)
		}
		sb.WriteByte(']')
		return sb.String()
	case Primitive:
		if x.Kind == KindNumber {
			return p.number(x.Text)
		}
		return x.Text
	case *Option:
		return p.option(x)
	}
	return fmt.Sprint(v)
}

func (p *printer) number(text string) string {
	if !p.normalize {
		return text
	}
	if s, ok := javaNumber(text); ok {
		return s
	}
	return text
}

// filterOptions qualifies, sorts and merges options when normalizing.
func (p *printer) filterOptions(opts []*Option) []*Option {
	if !p.normalize || len(opts) == 0 {
		return opts
	}
	mapped := make([]*Option, len(opts))
	for i, o := range opts {
		mapped[i] = o
		if o.Parenthesized {
			if r := p.ix.ResolveExtend(p.pkg, p.scope, o.Name); r != "" {
				mapped[i] = transform(&Option{Name: r, Kind: o.Kind, Value: o.Value, Parenthesized: true})
			}
		}
	}
	sort.SliceStable(mapped, func(i, j int) bool { return javaLess(mapped[i].Name, mapped[j].Name) })
	var out []*Option
	for i := 0; i < len(mapped); {
		j := i
		for j < len(mapped) && mapped[j].Name == mapped[i].Name {
			j++
		}
		group := mapped[i:j]
		if info := p.ix.Extend(group[0].Name); info != nil && !info.Repeated {
			merged := group[0]
			for _, o := range group[1:] {
				merged = merge(merged, o)
			}
			out = append(out, merged)
		} else {
			out = append(out, group...)
		}
		i = j
	}
	return out
}

// transform turns "(a).b.c = v" into "(a) = {b: {c: v}}".
func transform(o *Option) *Option {
	if o.Kind != KindOption {
		return o
	}
	return &Option{Name: o.Name, Kind: KindMap, Value: transformMap(o), Parenthesized: o.Parenthesized}
}

func transformMap(o *Option) *OptionMap {
	m := newOptionMap()
	inner, ok := o.Value.(*Option)
	if !ok {
		return m
	}
	var v any = inner.Value
	switch inner.Kind {
	case KindBoolean, KindEnum, KindNumber:
		v = Primitive{Kind: inner.Kind, Text: fmt.Sprint(inner.Value)}
	case KindOption:
		v = transformMap(inner)
	}
	m.set(inner.Name, v)
	return m
}

// merge combines two settings of one non-repeated option message.
func merge(existing, replacement *Option) *Option {
	replacement = transform(replacement)
	em, ok1 := existing.Value.(*OptionMap)
	rm, ok2 := replacement.Value.(*OptionMap)
	if existing.Kind != KindMap || replacement.Kind != KindMap || !ok1 || !ok2 {
		return replacement
	}
	merged := newOptionMap()
	for _, k := range em.Keys {
		merged.set(k, em.Values[k])
	}
	for _, k := range rm.Keys {
		v2 := rm.Values[k]
		v1, ok := merged.Get(k)
		if !ok {
			merged.set(k, v2)
			continue
		}
		var set []any
		add := func(v any) {
			for _, s := range set {
				if valuesEqual(s, v) {
					return
				}
			}
			set = append(set, v)
		}
		for _, v := range []any{v1, v2} {
			if l, ok := v.([]any); ok {
				for _, e := range l {
					add(e)
				}
			} else {
				add(v)
			}
		}
		if set == nil {
			set = []any{}
		}
		merged.set(k, set)
	}
	return &Option{Name: replacement.Name, Kind: KindMap, Value: merged, Parenthesized: replacement.Parenthesized}
}

func valuesEqual(a, b any) bool {
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		return ok && x == y
	case Primitive:
		y, ok := b.(Primitive)
		return ok && x == y
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !valuesEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case *OptionMap:
		y, ok := b.(*OptionMap)
		if !ok || len(x.Values) != len(y.Values) {
			return false
		}
		for k, v := range x.Values {
			w, ok := y.Values[k]
			if !ok || !valuesEqual(v, w) {
				return false
			}
		}
		return true
	}
	return false
}

// escapeChars is ProtobufSchemaUtils.escapeChars, except that a NUL is
// written as \000: the raw character would make the text unparsable.
func escapeChars(s string) string {
	var sb strings.Builder
	for _, c := range s {
		switch c {
		case 7:
			sb.WriteString(`\a`)
		case 8:
			sb.WriteString(`\b`)
		case 12:
			sb.WriteString(`\f`)
		case '\n':
			sb.WriteString(`\n`)
		case '\r':
			sb.WriteString(`\r`)
		case '\t':
			sb.WriteString(`\t`)
		case 11:
			sb.WriteString(`\v`)
		case '\\':
			sb.WriteString(`\\`)
		case '\'':
			sb.WriteString(`\'`)
		case '"':
			sb.WriteString(`\"`)
		case 0:
			sb.WriteString(`\000`)
		default:
			sb.WriteRune(c)
		}
	}
	return sb.String()
}

// javaLess orders strings as Java's String.compareTo does (UTF-16 code
// units), which differs from Go's byte order only beyond the BMP.
func javaLess(a, b string) bool {
	if isASCII(a) && isASCII(b) {
		return a < b
	}
	ua, ub := utf16.Encode([]rune(a)), utf16.Encode([]rune(b))
	for i := 0; i < len(ua) && i < len(ub); i++ {
		if ua[i] != ub[i] {
			return ua[i] < ub[i]
		}
	}
	return len(ua) < len(ub)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
