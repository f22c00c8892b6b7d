package protobuf

import (
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/bufbuild/protocompile/linker"
	"github.com/bufbuild/protocompile/parser"
	"github.com/bufbuild/protocompile/reporter"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/schemaregistry/registry/formats"
)

// mainFile is the file name a schema is compiled under; it is also the name
// Confluent gives the file of format=serialized descriptors.
const mainFile = "default"

// Format parses Protobuf schemas.
type Format struct{}

// Type is PROTOBUF.
func (Format) Type() formats.SchemaType { return formats.Protobuf }

// Schema is a parsed Protobuf schema.
type Schema struct {
	file      *File
	canonical string
	deps      []formats.Dependency
	linked    linker.Result
	name      string

	indexOnce sync.Once
	index     *Index
	indexErr  error
}

// Parse parses a schema text (or a base64-encoded FileDescriptorProto) whose
// imports are resolved from deps (by reference name) and the built-in
// files. A new schema must link: unknown imports, unknown types and other
// errors are reported with file, line and column. A stored schema is only
// read, as Confluent reads it: what cannot be linked then has no
// descriptor but still prints and compares.
func (Format) Parse(text string, deps []formats.Dependency, opts formats.Options) (formats.Schema, error) {
	b, err := builtins()
	if err != nil {
		return nil, formats.Invalid("built-in files: %v", err)
	}
	sources := map[string]string{}
	for _, d := range deps {
		if _, ok := sources[d.Name]; !ok {
			sources[d.Name] = d.Schema
		}
	}
	name := mainFile
	for {
		if _, taken := sources[name]; !taken && b[name] == nil {
			break
		}
		name += "_"
	}
	s := &Schema{deps: deps, name: name}

	// A text that is not a .proto file may be a base64 FileDescriptorProto:
	// it is read as the text Confluent prints for it.
	node, perr := parseAST(name, text)
	if perr != nil {
		fd, ok := decodeDescriptor(text)
		if !ok {
			return nil, invalid(perr, name)
		}
		if node, err = parseAST(name, canonicalText(fromDescriptor(fd))); err != nil {
			return nil, invalid(err, name)
		}
	}
	s.file = buildFile(node)
	res, err := fromAST(node)
	if err != nil && opts.New {
		return nil, invalid(err, name)
	}
	if res != nil {
		linked, err := linkSafely(newCompilation(sources, opts.New, b), name, res)
		switch {
		case err != nil && opts.New:
			return nil, invalid(err, name)
		case err == nil:
			s.linked = linked
		}
	}
	if opts.Normalize {
		ix, err := s.Index()
		if err != nil {
			return nil, formats.Invalid("%v", err)
		}
		if s.canonical, err = normalizedText(s.file, ix); err != nil {
			return nil, formats.Invalid("%v", err)
		}
	} else {
		s.canonical = canonicalText(s.file)
	}
	return s, nil
}

// linkSafely links, turning a panic of the linker into an error, as
// protocompile's own Compiler does.
func linkSafely(c *compilation, name string, res parser.Result) (linked linker.Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			linked, err = nil, fmt.Errorf("the schema cannot be linked (%v)", r)
		}
	}()
	return c.link(name, res)
}

// decodeDescriptor reads text as a base64-encoded FileDescriptorProto, as
// Confluent does when the text is not a .proto file.
func decodeDescriptor(text string) (*descriptorpb.FileDescriptorProto, bool) {
	raw, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(text, "="))
	if err != nil {
		return nil, false
	}
	fd := &descriptorpb.FileDescriptorProto{}
	if err := proto.Unmarshal(raw, fd); err != nil || !plausible(fd) {
		return nil, false
	}
	return fd, true
}

var (
	identifier    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	qualifiedName = regexp.MustCompile(`^\.?[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$`)
)

// plausible rejects descriptors whose names or numbers could not be
// printed as a .proto file: such bytes are not taken for a schema.
func plausible(fd *descriptorpb.FileDescriptorProto) bool {
	ok := fd.Package == nil || qualifiedName.MatchString(fd.GetPackage())
	for _, i := range append(append([]int32(nil), fd.GetPublicDependency()...), fd.GetWeakDependency()...) {
		ok = ok && i >= 0 && int(i) < len(fd.GetDependency())
	}
	field := func(f *descriptorpb.FieldDescriptorProto, extension bool) {
		ok = ok && identifier.MatchString(f.GetName()) && f.GetNumber() > 0 && f.GetNumber() <= MaxTag &&
			(f.Extendee != nil) == extension && (!extension || qualifiedName.MatchString(f.GetExtendee()))
		if f.TypeName != nil {
			ok = ok && qualifiedName.MatchString(f.GetTypeName())
		} else {
			t := f.GetType()
			ok = ok && f.Type != nil && t != descriptorpb.FieldDescriptorProto_TYPE_MESSAGE &&
				t != descriptorpb.FieldDescriptorProto_TYPE_ENUM && t != descriptorpb.FieldDescriptorProto_TYPE_GROUP &&
				scalars[strings.ToLower(strings.TrimPrefix(t.String(), "TYPE_"))]
		}
	}
	enum := func(e *descriptorpb.EnumDescriptorProto) {
		ok = ok && identifier.MatchString(e.GetName())
		for _, v := range e.GetValue() {
			ok = ok && identifier.MatchString(v.GetName())
		}
		for _, n := range e.GetReservedName() {
			ok = ok && identifier.MatchString(n)
		}
		for _, r := range e.GetReservedRange() {
			ok = ok && r.GetStart() <= r.GetEnd()
		}
	}
	var message func(m *descriptorpb.DescriptorProto)
	message = func(m *descriptorpb.DescriptorProto) {
		ok = ok && identifier.MatchString(m.GetName())
		for _, f := range m.GetField() {
			field(f, false)
			ok = ok && (f.OneofIndex == nil || (f.GetOneofIndex() >= 0 && int(f.GetOneofIndex()) < len(m.GetOneofDecl())))
		}
		for _, f := range m.GetExtension() {
			field(f, true)
		}
		for _, o := range m.GetOneofDecl() {
			ok = ok && identifier.MatchString(o.GetName())
		}
		for _, n := range m.GetNestedType() {
			message(n)
		}
		for _, e := range m.GetEnumType() {
			enum(e)
		}
		for _, r := range m.GetReservedRange() {
			ok = ok && r.GetStart() > 0 && r.GetStart() < r.GetEnd()
		}
		for _, n := range m.GetReservedName() {
			ok = ok && identifier.MatchString(n)
		}
		for _, r := range m.GetExtensionRange() {
			ok = ok && r.GetStart() > 0 && r.GetStart() < r.GetEnd()
		}
	}
	for _, m := range fd.GetMessageType() {
		message(m)
	}
	for _, e := range fd.GetEnumType() {
		enum(e)
	}
	for _, f := range fd.GetExtension() {
		field(f, true)
	}
	for _, sv := range fd.GetService() {
		ok = ok && identifier.MatchString(sv.GetName())
		for _, m := range sv.GetMethod() {
			ok = ok && identifier.MatchString(m.GetName()) && qualifiedName.MatchString(m.GetInputType()) && qualifiedName.MatchString(m.GetOutputType())
		}
	}
	return ok
}

// invalid wraps a compile error in formats.ErrInvalid, naming the schema's
// own file "schema" in positions.
func invalid(err error, name string) error {
	rename := func(msg string) string {
		re := regexp.MustCompile(`(^|[\s(])` + regexp.QuoteMeta(name) + `:(\d)`)
		return re.ReplaceAllString(msg, "${1}schema:${2}")
	}
	var ewp reporter.ErrorWithPos
	if errors.As(err, &ewp) {
		pos := ewp.GetPosition()
		file := pos.Filename
		if file == name {
			file = "schema"
		}
		msg := rename(ewp.Unwrap().Error())
		if pos.Line > 0 {
			return formats.Invalid("%s:%d:%d: %s", file, pos.Line, pos.Col, msg)
		}
		return formats.Invalid("%s: %s", file, msg)
	}
	msg := err.Error()
	if strings.HasPrefix(msg, name+":") {
		msg = "schema:" + msg[len(name)+1:]
	}
	return formats.Invalid("%s", rename(msg))
}

// Type is PROTOBUF.
func (*Schema) Type() formats.SchemaType { return formats.Protobuf }

// Canonical is the text stored and served: Confluent's printer output, or
// its normalized form when asked.
func (s *Schema) Canonical() string { return s.canonical }

// File is the element model of the schema (shared; do not modify).
func (s *Schema) File() *File { return s.file }

// Index knows the types of the schema, its dependencies and the built-in
// files, for resolving type names.
func (s *Schema) Index() (*Index, error) {
	s.indexOnce.Do(func() {
		b, err := builtins()
		if err != nil {
			s.indexErr = err
			return
		}
		var files []namedFile
		shadowed := map[string]bool{}
		for _, d := range s.deps {
			shadowed[d.Name] = true
		}
		for name, bf := range b {
			if !shadowed[name] {
				files = append(files, namedFile{name, bf.elem})
			}
		}
		for _, d := range s.deps {
			f, err := elementOf(d.Name, d.Schema)
			if err != nil {
				continue // a stored dependency Confluent could read but we cannot
			}
			files = append(files, namedFile{d.Name, f})
		}
		s.index = newIndex(s.file, files)
	})
	return s.index, s.indexErr
}

// elementOf reads a dependency's text into the element model.
func elementOf(name, text string) (*File, error) {
	node, err := parseAST(name, text)
	if err != nil {
		fd, ok := decodeDescriptor(text)
		if !ok {
			return nil, err
		}
		return fromDescriptor(fd), nil
	}
	return buildFile(node), nil
}

// Descriptor is the linked file, or nil for a stored schema that could not
// be linked.
func (s *Schema) Descriptor() protoreflect.FileDescriptor {
	if s.linked == nil {
		return nil
	}
	return s.linked
}

// FileDescriptorProto is the serialized descriptor of the schema's file
// (format=serialized, base64-encoded by the API).
func (s *Schema) FileDescriptorProto() ([]byte, error) {
	if s.linked == nil {
		return nil, errors.New("schema has no descriptor: it could not be linked")
	}
	fd := protodesc.ToFileDescriptorProto(s.linked)
	fd.Name = proto.String(mainFile)
	fd.SourceCodeInfo = nil
	explicit := map[string]bool{}
	explicitJSONNames("", s.file.Types, explicit)
	clearJSONNames("", fd.GetMessageType(), explicit)
	for _, f := range fd.GetExtension() {
		f.JsonName = nil
	}
	return proto.MarshalOptions{Deterministic: true}.Marshal(fd)
}

// explicitJSONNames collects the message-relative paths of the fields that
// set json_name: Confluent's descriptors carry json_name only for those.
func explicitJSONNames(prefix string, types []Type, out map[string]bool) {
	for _, m := range messagesOf(types) {
		p := prefix + m.Name + "."
		fields := append([]*Field(nil), m.Fields...)
		for _, o := range m.Oneofs {
			fields = append(fields, o.Fields...)
		}
		for _, f := range fields {
			if f.JSONName != nil {
				out[p+f.Name] = true
			}
		}
		explicitJSONNames(p, m.Nested, out)
	}
}

func clearJSONNames(prefix string, msgs []*descriptorpb.DescriptorProto, explicit map[string]bool) {
	for _, m := range msgs {
		p := prefix + m.GetName() + "."
		for _, f := range m.GetField() {
			if !explicit[p+f.GetName()] {
				f.JsonName = nil
			}
		}
		for _, f := range m.GetExtension() {
			f.JsonName = nil
		}
		clearJSONNames(p, m.GetNestedType(), explicit)
	}
}

func (s *Schema) qualify(name string) string {
	if s.file.Package == "" {
		return name
	}
	return s.file.Package + "." + name
}

// MessageNames are the fully-qualified names of all messages, nested ones
// included, in declaration order (each message before its nested ones).
func (s *Schema) MessageNames() []string {
	var out []string
	var walk func(prefix string, types []Type)
	walk = func(prefix string, types []Type) {
		for _, t := range types {
			if m, ok := t.(*Message); ok {
				name := prefix + m.Name
				out = append(out, s.qualify(name))
				walk(name+".", m.Nested)
			}
		}
	}
	walk("", s.file.Types)
	return out
}

func messagesOf(types []Type) []*Message {
	var out []*Message
	for _, t := range types {
		if m, ok := t.(*Message); ok {
			out = append(out, m)
		}
	}
	return out
}

// MessageIndexes is the message-index path of a message, the one Confluent's
// serializers write after the schema id (ProtobufSchema.toMessageIndexes):
// its position among the messages of the file, then among the messages
// nested in it, and so on. Enums are not counted. The name is fully
// qualified; a name relative to the package is accepted too.
func (s *Schema) MessageIndexes(fullName string) ([]int, error) {
	name := strings.TrimPrefix(fullName, ".")
	if s.file.Package != "" && strings.HasPrefix(name, s.file.Package+".") {
		name = name[len(s.file.Package)+1:]
	}
	var out []int
	types := s.file.Types
	for _, part := range strings.Split(name, ".") {
		found := false
		for i, m := range messagesOf(types) {
			if m.Name == part {
				out = append(out, i)
				types = m.Nested
				found = true
				break
			}
		}
		if !found {
			return nil, fmt.Errorf("no message %s in the schema", fullName)
		}
	}
	return out, nil
}

// MessageName is the fully-qualified name of the message at an index path;
// an empty path means the first message, as on the wire.
func (s *Schema) MessageName(indexes []int) (string, error) {
	if len(indexes) == 0 {
		indexes = []int{0}
	}
	types := s.file.Types
	var parts []string
	for _, i := range indexes {
		msgs := messagesOf(types)
		if i < 0 || i >= len(msgs) {
			return "", fmt.Errorf("invalid message indexes: %v", indexes)
		}
		parts = append(parts, msgs[i].Name)
		types = msgs[i].Nested
	}
	return s.qualify(strings.Join(parts, ".")), nil
}

// RecordName is the name RecordNameStrategy uses: the full name of the
// first message, else of the first enum, else "".
func (s *Schema) RecordName() string {
	for _, t := range s.file.Types {
		if _, ok := t.(*Message); ok {
			return s.qualify(t.TypeName())
		}
	}
	for _, t := range s.file.Types {
		return s.qualify(t.TypeName())
	}
	return ""
}

// Formatted serves format=serialized: the base64 FileDescriptorProto that
// Confluent's Protobuf clients read schemas as.
func (s *Schema) Formatted(format string) (string, bool, error) {
	if !strings.EqualFold(format, "serialized") {
		return "", false, nil
	}
	b, err := s.FileDescriptorProto()
	if err != nil {
		return "", false, err
	}
	return base64.StdEncoding.EncodeToString(b), true, nil
}
