package protobuf

// The element model: a schema as Confluent's registry sees it, before any
// linking. Names and types are kept as written (a field type may be
// "Foo", "pkg.Foo" or ".pkg.Foo"); comments are gone. The printer and the
// compatibility rules work on this model only.

// Labels of a field; the empty label is no label (proto3 singular, map
// fields, oneof members).
const (
	LabelOptional = "optional"
	LabelRequired = "required"
	LabelRepeated = "repeated"
)

// MaxTag is the largest field number; a range ending there prints as "max".
const MaxTag = 536870911

// File is one .proto file.
type File struct {
	// Syntax is "proto2", "proto3", or "" when the file declares none.
	Syntax string
	// Edition is set instead of Syntax for an edition file ("2023").
	Edition       string
	Package       string
	Imports       []string
	PublicImports []string
	Options       []*Option
	// Types are the top-level messages and enums in declaration order.
	Types    []Type
	Extends  []*Extend
	Services []*Service
}

// Type is a *Message or an *Enum.
type Type interface {
	TypeName() string
	NestedTypes() []Type
	TypeOptions() []*Option
}

// Message is a message declaration.
type Message struct {
	Name       string
	Options    []*Option
	Reserved   []*Reserved
	Fields     []*Field // fields outside oneofs, in declaration order
	Oneofs     []*Oneof
	Groups     []*Group
	Extensions []*Extensions
	Extends    []*Extend
	Nested     []Type
}

// TypeName is the simple name.
func (m *Message) TypeName() string { return m.Name }

// NestedTypes are the nested messages and enums in declaration order.
func (m *Message) NestedTypes() []Type { return m.Nested }

// TypeOptions are the message options.
func (m *Message) TypeOptions() []*Option { return m.Options }

// Enum is an enum declaration.
type Enum struct {
	Name      string
	Options   []*Option
	Reserved  []*Reserved
	Constants []*EnumConstant
}

// TypeName is the simple name.
func (e *Enum) TypeName() string { return e.Name }

// NestedTypes is empty: enums nest nothing.
func (e *Enum) NestedTypes() []Type { return nil }

// TypeOptions are the enum options.
func (e *Enum) TypeOptions() []*Option { return e.Options }

// EnumConstant is one enum value.
type EnumConstant struct {
	Name    string
	Tag     int
	Options []*Option
}

// Field is a field of a message, a oneof, a group or an extend block.
type Field struct {
	Label string
	// Type as written: a scalar name, "map<K, V>", or a (qualified) name.
	Type string
	Name string
	Tag  int
	// Default and JSONName are the pseudo-options, taken out of Options.
	Default  *string
	JSONName *string
	Options  []*Option
}

// Oneof is a oneof block.
type Oneof struct {
	Name    string
	Options []*Option
	Fields  []*Field
	Groups  []*Group
}

// Group is a proto2 group field.
type Group struct {
	Label  string
	Name   string
	Tag    int
	Fields []*Field
}

// Range is a number or a range of numbers in a reserved or extensions
// statement. Single is a lone number ("5", not "5 to 5").
type Range struct {
	Start, End int
	Single     bool
}

// ReservedValue is a reserved name or number range.
type ReservedValue struct {
	Name   string // set for a reserved name
	IsName bool
	Range  Range
}

// Reserved is one reserved statement.
type Reserved struct {
	Values []ReservedValue
}

// Extensions is one extensions statement.
type Extensions struct {
	Values []Range
}

// Extend is an extend block; Name is the extendee as written.
type Extend struct {
	Name   string
	Fields []*Field
}

// Service is a service declaration.
type Service struct {
	Name    string
	Options []*Option
	RPCs    []*RPC
}

// RPC is a method of a service.
type RPC struct {
	Name              string
	RequestType       string
	ResponseType      string
	RequestStreaming  bool
	ResponseStreaming bool
	Options           []*Option
}

// OptionKind is the kind of an option value, as Wire names it.
type OptionKind int

// The option kinds.
const (
	KindString OptionKind = iota
	KindBoolean
	KindNumber
	KindEnum
	KindMap
	KindList
	KindOption
)

// Option is an option. Its Value depends on Kind: string for String
// (decoded), Boolean, Number and Enum (the text as written); *Option for
// Option (a nested field name: "(a).b = 1" is Option "a" holding "b");
// *OptionMap for Map; []any for List.
type Option struct {
	Name          string
	Kind          OptionKind
	Value         any
	Parenthesized bool
}

// Primitive is a boolean, number or enum inside an option map or list.
type Primitive struct {
	Kind OptionKind
	Text string
}

// OptionMap is a message literal: keys in order, each value a string, a
// Primitive, an *OptionMap or a []any of those.
type OptionMap struct {
	Keys   []string
	Values map[string]any
}

// Get returns the value under key.
func (m *OptionMap) Get(key string) (any, bool) {
	v, ok := m.Values[key]
	return v, ok
}

func newOptionMap() *OptionMap { return &OptionMap{Values: map[string]any{}} }

func (m *OptionMap) set(key string, v any) {
	if _, ok := m.Values[key]; !ok {
		m.Keys = append(m.Keys, key)
	}
	m.Values[key] = v
}
