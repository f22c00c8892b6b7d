package protobuf

import (
	"strconv"
	"strings"

	"github.com/bufbuild/protocompile/ast"
)

// builder turns protocompile's syntax tree into the element model, reading
// names, numbers and strings the way Wire's ProtoParser does (so that the
// printed text is Confluent's): numbers keep their spelling in option
// values, integers are read as Wire reads them, strings are unescaped with
// Wire's escape rules, option names keep their written form.
type builder struct {
	file *ast.FileNode
}

func buildFile(f *ast.FileNode) *File {
	b := builder{file: f}
	out := &File{}
	if f.Syntax != nil {
		out.Syntax = b.str(f.Syntax.Syntax)
	}
	if f.Edition != nil {
		out.Edition = b.str(f.Edition.Edition)
	}
	for _, decl := range f.Decls {
		switch d := decl.(type) {
		case *ast.PackageNode:
			out.Package = string(d.Name.AsIdentifier())
		case *ast.ImportNode:
			if d.Public != nil {
				out.PublicImports = append(out.PublicImports, b.str(d.Name))
			} else {
				out.Imports = append(out.Imports, b.str(d.Name))
			}
		case *ast.OptionNode:
			out.Options = append(out.Options, b.option(d))
		case *ast.MessageNode:
			out.Types = append(out.Types, b.message(d.Name.Val, d.Decls))
		case *ast.EnumNode:
			out.Types = append(out.Types, b.enum(d))
		case *ast.ExtendNode:
			out.Extends = append(out.Extends, b.extend(d))
		case *ast.ServiceNode:
			out.Services = append(out.Services, b.service(d))
		}
	}
	return out
}

func (b *builder) message(name string, decls []ast.MessageElement) *Message {
	m := &Message{Name: name}
	for _, decl := range decls {
		switch d := decl.(type) {
		case *ast.FieldNode:
			m.Fields = append(m.Fields, b.field(d))
		case *ast.MapFieldNode:
			m.Fields = append(m.Fields, b.mapField(d))
		case *ast.GroupNode:
			m.Groups = append(m.Groups, b.group(d))
		case *ast.OneofNode:
			m.Oneofs = append(m.Oneofs, b.oneof(d))
		case *ast.OptionNode:
			m.Options = append(m.Options, b.option(d))
		case *ast.ExtensionRangeNode:
			ext := &Extensions{}
			for _, r := range d.Ranges {
				ext.Values = append(ext.Values, b.rangeOf(r))
			}
			m.Extensions = append(m.Extensions, ext)
		case *ast.ReservedNode:
			m.Reserved = append(m.Reserved, b.reserved(d))
		case *ast.MessageNode:
			m.Nested = append(m.Nested, b.message(d.Name.Val, d.Decls))
		case *ast.EnumNode:
			m.Nested = append(m.Nested, b.enum(d))
		case *ast.ExtendNode:
			m.Extends = append(m.Extends, b.extend(d))
		}
	}
	return m
}

func (b *builder) enum(n *ast.EnumNode) *Enum {
	e := &Enum{Name: n.Name.Val}
	for _, decl := range n.Decls {
		switch d := decl.(type) {
		case *ast.OptionNode:
			e.Options = append(e.Options, b.option(d))
		case *ast.EnumValueNode:
			e.Constants = append(e.Constants, &EnumConstant{Name: d.Name.Val, Tag: b.intValue(d.Number), Options: b.compact(d.Options)})
		case *ast.ReservedNode:
			e.Reserved = append(e.Reserved, b.reserved(d))
		}
	}
	return e
}

func (b *builder) extend(n *ast.ExtendNode) *Extend {
	e := &Extend{Name: string(n.Extendee.AsIdentifier())}
	for _, decl := range n.Decls {
		if f, ok := decl.(*ast.FieldNode); ok {
			e.Fields = append(e.Fields, b.field(f))
		}
	}
	return e
}

func (b *builder) service(n *ast.ServiceNode) *Service {
	s := &Service{Name: n.Name.Val}
	for _, decl := range n.Decls {
		switch d := decl.(type) {
		case *ast.OptionNode:
			s.Options = append(s.Options, b.option(d))
		case *ast.RPCNode:
			r := &RPC{
				Name:              d.Name.Val,
				RequestType:       string(d.Input.MessageType.AsIdentifier()),
				ResponseType:      string(d.Output.MessageType.AsIdentifier()),
				RequestStreaming:  d.Input.Stream != nil,
				ResponseStreaming: d.Output.Stream != nil,
			}
			for _, rd := range d.Decls {
				if o, ok := rd.(*ast.OptionNode); ok {
					r.Options = append(r.Options, b.option(o))
				}
			}
			s.RPCs = append(s.RPCs, r)
		}
	}
	return s
}

func label(l ast.FieldLabel) string {
	if l.KeywordNode == nil {
		return ""
	}
	return l.Val
}

func (b *builder) field(n *ast.FieldNode) *Field {
	f := &Field{Label: label(n.Label), Type: string(n.FldType.AsIdentifier()), Name: n.Name.Val, Tag: b.uint(n.Tag)}
	b.fieldOptions(f, b.compact(n.Options))
	return f
}

func (b *builder) mapField(n *ast.MapFieldNode) *Field {
	typ := "map<" + n.MapType.KeyType.Val + ", " + string(n.MapType.ValueType.AsIdentifier()) + ">"
	f := &Field{Type: typ, Name: n.Name.Val, Tag: b.uint(n.Tag)}
	b.fieldOptions(f, b.compact(n.Options))
	return f
}

// fieldOptions takes the default and json_name pseudo-options out, as Wire
// does (the last one of each wins).
func (b *builder) fieldOptions(f *Field, opts []*Option) {
	for _, o := range opts {
		switch o.Name {
		case "default":
			v := optionText(o)
			f.Default = &v
		case "json_name":
			v := optionText(o)
			f.JSONName = &v
		default:
			f.Options = append(f.Options, o)
		}
	}
}

// optionText is Wire's value.toString() of a top-level option value.
func optionText(o *Option) string {
	if s, ok := o.Value.(string); ok {
		return s
	}
	return (&printer{}).value(o.Value)
}

func (b *builder) group(n *ast.GroupNode) *Group {
	g := &Group{Label: label(n.Label), Name: n.Name.Val, Tag: b.uint(n.Tag)}
	for _, decl := range n.Decls {
		switch d := decl.(type) {
		case *ast.FieldNode:
			g.Fields = append(g.Fields, b.field(d))
		case *ast.MapFieldNode:
			g.Fields = append(g.Fields, b.mapField(d))
		}
	}
	return g
}

func (b *builder) oneof(n *ast.OneofNode) *Oneof {
	o := &Oneof{Name: n.Name.Val}
	for _, decl := range n.Decls {
		switch d := decl.(type) {
		case *ast.OptionNode:
			o.Options = append(o.Options, b.option(d))
		case *ast.FieldNode:
			o.Fields = append(o.Fields, b.field(d))
		case *ast.GroupNode:
			o.Groups = append(o.Groups, b.group(d))
		}
	}
	return o
}

func (b *builder) reserved(n *ast.ReservedNode) *Reserved {
	r := &Reserved{}
	for _, rg := range n.Ranges {
		r.Values = append(r.Values, ReservedValue{Range: b.rangeOf(rg)})
	}
	for _, name := range n.Names {
		r.Values = append(r.Values, ReservedValue{Name: b.str(name), IsName: true})
	}
	for _, id := range n.Identifiers {
		r.Values = append(r.Values, ReservedValue{Name: id.Val, IsName: true})
	}
	return r
}

func (b *builder) rangeOf(n *ast.RangeNode) Range {
	start := b.intValue(n.StartVal)
	switch {
	case n.Max != nil:
		return Range{Start: start, End: MaxTag}
	case n.EndVal != nil:
		return Range{Start: start, End: b.intValue(n.EndVal)}
	}
	return Range{Start: start, End: start, Single: true}
}

func (b *builder) raw(n ast.Node) string {
	return b.file.NodeInfo(n).RawText()
}

// uint reads a field number as Wire does: hexadecimal after 0x, else
// decimal (leading zeros are not octal).
func (b *builder) uint(n *ast.UintLiteralNode) int {
	if n == nil {
		return 0
	}
	return wireInt(b.raw(n), int64(n.Val))
}

func (b *builder) intValue(n ast.IntValueNode) int {
	switch v := n.(type) {
	case *ast.UintLiteralNode:
		return b.uint(v)
	case *ast.NegativeIntLiteralNode:
		return -wireInt(b.raw(v.Uint), int64(v.Uint.Val))
	}
	i, _ := n.AsInt64()
	return int(i)
}

func wireInt(raw string, fallback int64) int {
	base, digits := 10, raw
	if strings.HasPrefix(raw, "0x") || strings.HasPrefix(raw, "0X") {
		base, digits = 16, raw[2:]
	}
	v, err := strconv.ParseInt(digits, base, 32)
	if err != nil {
		return int(fallback)
	}
	return int(v)
}

// str decodes a string literal (adjacent literals concatenated) with Wire's
// escapes.
func (b *builder) str(n ast.StringValueNode) string {
	switch s := n.(type) {
	case *ast.StringLiteralNode:
		return wireUnquote(b.raw(s))
	case *ast.CompoundStringLiteralNode:
		var sb strings.Builder
		for _, c := range s.Children() {
			if lit, ok := c.(*ast.StringLiteralNode); ok {
				sb.WriteString(wireUnquote(b.raw(lit)))
			}
		}
		return sb.String()
	}
	return n.AsString()
}

// wireUnquote decodes one quoted literal as Wire's SyntaxReader does:
// \a \b \f \n \r \t \v, \x with up to two hex digits, up to three octal
// digits, and any other escaped character stands for itself.
func wireUnquote(raw string) string {
	if len(raw) < 2 {
		return raw
	}
	rs := []rune(raw[1 : len(raw)-1])
	out := make([]rune, 0, len(rs))
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		if c != '\\' || i+1 >= len(rs) {
			out = append(out, c)
			continue
		}
		i++
		c = rs[i]
		switch c {
		case 'a':
			c = 7
		case 'b':
			c = 8
		case 'f':
			c = 12
		case 'n':
			c = '\n'
		case 'r':
			c = '\r'
		case 't':
			c = '\t'
		case 'v':
			c = 11
		case 'x', 'X':
			v, n := numericEscape(rs[i+1:], 16, 2)
			if n > 0 {
				c = rune(v)
				i += n
			}
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v, n := numericEscape(rs[i:], 8, 3)
			c = rune(v)
			i += n - 1
		}
		out = append(out, c)
	}
	return string(out)
}

func numericEscape(rs []rune, base, max int) (int, int) {
	v, n := 0, 0
	for n < max && n < len(rs) {
		d := hexDigit(rs[n])
		if d < 0 || d >= base {
			break
		}
		v = v*base + d
		n++
	}
	return v, n
}

func hexDigit(c rune) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func (b *builder) compact(n *ast.CompactOptionsNode) []*Option {
	var out []*Option
	for _, o := range n.GetElements() {
		out = append(out, b.option(o))
	}
	return out
}

// option reads an option as Wire's OptionReader does: "(a.b).c.d = v" is
// the parenthesized option "a.b" holding the nested option "c" holding
// "d = v"; a plain dotted name stays one name.
func (b *builder) option(n *ast.OptionNode) *Option {
	parts := n.Name.Parts
	var names []string
	parenthesized := parts[0].IsExtension()
	if parenthesized {
		names = append(names, string(parts[0].Name.AsIdentifier()))
		for _, p := range parts[1:] {
			names = append(names, string(p.Name.AsIdentifier()))
		}
	} else {
		var plain []string
		i := 0
		for ; i < len(parts) && !parts[i].IsExtension(); i++ {
			plain = append(plain, string(parts[i].Name.AsIdentifier()))
		}
		names = append(names, strings.Join(plain, "."))
		for _, p := range parts[i:] {
			names = append(names, string(p.Name.AsIdentifier()))
		}
	}
	kind, value := b.topValue(n.Val)
	for i := len(names) - 1; i >= 1; i-- {
		value = &Option{Name: names[i], Kind: kind, Value: value}
		kind = KindOption
	}
	return &Option{Name: names[0], Kind: kind, Value: value, Parenthesized: parenthesized}
}

func (b *builder) topValue(n ast.ValueNode) (OptionKind, any) {
	switch v := n.(type) {
	case ast.StringValueNode:
		return KindString, b.str(v)
	case *ast.MessageLiteralNode:
		return KindMap, b.messageLiteral(v)
	case *ast.ArrayLiteralNode:
		return KindList, b.list(v)
	}
	p := b.primitive(n)
	return p.Kind, p.Text
}

// primitive classifies a scalar as Wire does: a word starting with a digit
// or '-' is a number, true/false a boolean, any other word an enum.
func (b *builder) primitive(n ast.ValueNode) Primitive {
	var text string
	switch v := n.(type) {
	case *ast.UintLiteralNode, *ast.FloatLiteralNode:
		text = b.raw(v)
	case *ast.SpecialFloatLiteralNode:
		text = v.KeywordNode.Val
	case *ast.NegativeIntLiteralNode:
		text = "-" + b.raw(v.Uint)
	case *ast.SignedFloatLiteralNode:
		text = b.raw(v.Sign) + b.floatText(v.Float)
	case ast.IdentValueNode:
		text = string(v.AsIdentifier())
	default:
		text = b.raw(n)
	}
	switch {
	case text == "true" || text == "false":
		return Primitive{Kind: KindBoolean, Text: text}
	case text != "" && (text[0] == '-' || (text[0] >= '0' && text[0] <= '9')):
		return Primitive{Kind: KindNumber, Text: text}
	}
	return Primitive{Kind: KindEnum, Text: text}
}

func (b *builder) floatText(n ast.FloatValueNode) string {
	if s, ok := n.(*ast.SpecialFloatLiteralNode); ok {
		return s.KeywordNode.Val
	}
	return b.raw(n)
}

func (b *builder) mapValue(n ast.ValueNode) any {
	switch v := n.(type) {
	case ast.StringValueNode:
		return b.str(v)
	case *ast.MessageLiteralNode:
		return b.messageLiteral(v)
	case *ast.ArrayLiteralNode:
		return b.list(v)
	}
	return b.primitive(n)
}

func (b *builder) list(n *ast.ArrayLiteralNode) []any {
	out := []any{}
	for _, e := range n.Elements {
		out = append(out, b.mapValue(e))
	}
	return out
}

// messageLiteral reads a message literal as Wire's readMap: a key given
// more than once collects its values in a list.
func (b *builder) messageLiteral(n *ast.MessageLiteralNode) *OptionMap {
	m := newOptionMap()
	for _, f := range n.Elements {
		key := string(f.Name.Name.AsIdentifier())
		if f.Name.IsAnyTypeReference() {
			key = "[" + string(f.Name.URLPrefix.AsIdentifier()) + "/" + key + "]"
		} else if f.Name.IsExtension() {
			key = "[" + key + "]"
		}
		value := b.mapValue(f.Val)
		prev, ok := m.Get(key)
		switch {
		case !ok:
			m.set(key, value)
		default:
			list, isList := prev.([]any)
			if !isList {
				list = []any{prev}
			} else {
				list = append([]any(nil), list...)
			}
			if vl, ok := value.([]any); ok {
				list = append(list, vl...)
			} else {
				list = append(list, value)
			}
			m.set(key, list)
		}
	}
	return m
}
