package protobuf

import (
	"strconv"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/types/descriptorpb"
)

// fromDescriptor builds the element model of a FileDescriptorProto the way
// Confluent's ProtobufSchema.toProtoFile does: messages before enums, map
// entries as nested messages with option map_entry, only the standard
// options (custom options of an unregistered descriptor are not known),
// json_name whenever the descriptor sets it, groups as plain fields.
func fromDescriptor(fd *descriptorpb.FileDescriptorProto) *File {
	f := &File{Package: fd.GetPackage()}
	switch fd.GetSyntax() {
	case "proto2", "proto3":
		f.Syntax = fd.GetSyntax()
	}
	proto3 := fd.GetSyntax() == "proto3"
	for _, m := range fd.GetMessageType() {
		f.Types = append(f.Types, fromMessage(m, proto3))
	}
	for _, e := range fd.GetEnumType() {
		f.Types = append(f.Types, fromEnum(e))
	}
	for _, s := range fd.GetService() {
		f.Services = append(f.Services, fromService(s))
	}
	public := map[int32]bool{}
	for _, i := range fd.GetPublicDependency() {
		public[i] = true
	}
	for i, d := range fd.GetDependency() {
		if public[int32(i)] {
			f.PublicImports = append(f.PublicImports, d)
		} else {
			f.Imports = append(f.Imports, d)
		}
	}
	if o := fd.GetOptions(); o != nil {
		var opts []*Option
		str := func(name string, has bool, v string) {
			if has {
				opts = append(opts, &Option{Name: name, Kind: KindString, Value: v})
			}
		}
		boolean := func(name string, v *bool) {
			if v != nil {
				opts = append(opts, &Option{Name: name, Kind: KindBoolean, Value: strconv.FormatBool(*v)})
			}
		}
		str("java_package", o.JavaPackage != nil, o.GetJavaPackage())
		str("java_outer_classname", o.JavaOuterClassname != nil, o.GetJavaOuterClassname())
		boolean("java_multiple_files", o.JavaMultipleFiles)
		boolean("java_generate_equals_and_hash", o.JavaGenerateEqualsAndHash)
		boolean("java_string_check_utf8", o.JavaStringCheckUtf8)
		if o.OptimizeFor != nil {
			opts = append(opts, &Option{Name: "optimize_for", Kind: KindEnum, Value: o.GetOptimizeFor().String()})
		}
		str("go_package", o.GoPackage != nil, o.GetGoPackage())
		boolean("cc_generic_services", o.CcGenericServices)
		boolean("java_generic_services", o.JavaGenericServices)
		boolean("py_generic_services", o.PyGenericServices)
		boolean("php_generic_services", unknownBool(o.ProtoReflect().GetUnknown(), 42))
		boolean("deprecated", o.Deprecated)
		boolean("cc_enable_arenas", o.CcEnableArenas)
		str("objc_class_prefix", o.ObjcClassPrefix != nil, o.GetObjcClassPrefix())
		str("csharp_namespace", o.CsharpNamespace != nil, o.GetCsharpNamespace())
		str("swift_prefix", o.SwiftPrefix != nil, o.GetSwiftPrefix())
		str("php_class_prefix", o.PhpClassPrefix != nil, o.GetPhpClassPrefix())
		str("php_namespace", o.PhpNamespace != nil, o.GetPhpNamespace())
		str("php_metadata_namespace", o.PhpMetadataNamespace != nil, o.GetPhpMetadataNamespace())
		str("ruby_package", o.RubyPackage != nil, o.GetRubyPackage())
		f.Options = opts
	}
	f.Extends = fromExtensions(fd.GetExtension(), proto3)
	return f
}

func fromExtensions(fields []*descriptorpb.FieldDescriptorProto, proto3 bool) []*Extend {
	var out []*Extend
	byName := map[string]*Extend{}
	for _, fd := range fields {
		e := byName[fd.GetExtendee()]
		if e == nil {
			e = &Extend{Name: fd.GetExtendee()}
			byName[fd.GetExtendee()] = e
			out = append(out, e)
		}
		e.Fields = append(e.Fields, fromField(fd, proto3, false))
	}
	return out
}

func boolOption(name string, v *bool) []*Option {
	if v == nil {
		return nil
	}
	return []*Option{{Name: name, Kind: KindBoolean, Value: strconv.FormatBool(*v)}}
}

func fromMessage(d *descriptorpb.DescriptorProto, proto3 bool) *Message {
	m := &Message{Name: d.GetName()}
	oneofs := make([]*Oneof, len(d.GetOneofDecl()))
	for i, o := range d.GetOneofDecl() {
		oneofs[i] = &Oneof{Name: o.GetName()}
	}
	for _, fd := range d.GetField() {
		if fd.OneofIndex != nil && !fd.GetProto3Optional() && int(fd.GetOneofIndex()) < len(oneofs) {
			o := oneofs[fd.GetOneofIndex()]
			o.Fields = append(o.Fields, fromField(fd, proto3, true))
		} else {
			m.Fields = append(m.Fields, fromField(fd, proto3, false))
		}
	}
	for _, o := range oneofs {
		if len(o.Fields) > 0 {
			m.Oneofs = append(m.Oneofs, o)
		}
	}
	for _, n := range d.GetNestedType() {
		m.Nested = append(m.Nested, fromMessage(n, proto3))
	}
	for _, e := range d.GetEnumType() {
		m.Nested = append(m.Nested, fromEnum(e))
	}
	for _, r := range d.GetReservedRange() {
		m.Reserved = append(m.Reserved, &Reserved{Values: []ReservedValue{{Range: exclusiveRange(r.GetStart(), r.GetEnd())}}})
	}
	for _, n := range d.GetReservedName() {
		m.Reserved = append(m.Reserved, &Reserved{Values: []ReservedValue{{Name: n, IsName: true}}})
	}
	for _, r := range d.GetExtensionRange() {
		m.Extensions = append(m.Extensions, &Extensions{Values: []Range{exclusiveRange(r.GetStart(), r.GetEnd())}})
	}
	if o := d.GetOptions(); o != nil {
		m.Options = append(m.Options, boolOption("no_standard_descriptor_accessor", o.NoStandardDescriptorAccessor)...)
		m.Options = append(m.Options, boolOption("deprecated", o.Deprecated)...)
		m.Options = append(m.Options, boolOption("map_entry", o.MapEntry)...)
	}
	m.Extends = fromExtensions(d.GetExtension(), proto3)
	return m
}

func exclusiveRange(start, end int32) Range {
	if start == end-1 {
		return Range{Start: int(start), End: int(start), Single: true}
	}
	return Range{Start: int(start), End: int(end - 1)}
}

func fromEnum(d *descriptorpb.EnumDescriptorProto) *Enum {
	e := &Enum{Name: d.GetName()}
	for _, v := range d.GetValue() {
		c := &EnumConstant{Name: v.GetName(), Tag: int(v.GetNumber())}
		if o := v.GetOptions(); o != nil {
			c.Options = boolOption("deprecated", o.Deprecated)
		}
		e.Constants = append(e.Constants, c)
	}
	for _, r := range d.GetReservedRange() {
		rg := Range{Start: int(r.GetStart()), End: int(r.GetEnd())}
		rg.Single = rg.Start == rg.End
		e.Reserved = append(e.Reserved, &Reserved{Values: []ReservedValue{{Range: rg}}})
	}
	for _, n := range d.GetReservedName() {
		e.Reserved = append(e.Reserved, &Reserved{Values: []ReservedValue{{Name: n, IsName: true}}})
	}
	if o := d.GetOptions(); o != nil {
		e.Options = append(e.Options, boolOption("allow_alias", o.AllowAlias)...)
		e.Options = append(e.Options, boolOption("deprecated", o.Deprecated)...)
	}
	return e
}

func fromService(d *descriptorpb.ServiceDescriptorProto) *Service {
	s := &Service{Name: d.GetName()}
	for _, m := range d.GetMethod() {
		r := &RPC{Name: m.GetName(), RequestType: m.GetInputType(), ResponseType: m.GetOutputType(),
			RequestStreaming: m.GetClientStreaming(), ResponseStreaming: m.GetServerStreaming()}
		if o := m.GetOptions(); o != nil {
			r.Options = boolOption("deprecated", o.Deprecated)
			if o.IdempotencyLevel != nil {
				r.Options = append(r.Options, &Option{Name: "idempotency_level", Kind: KindEnum, Value: o.GetIdempotencyLevel().String()})
			}
		}
		s.RPCs = append(s.RPCs, r)
	}
	if o := d.GetOptions(); o != nil {
		s.Options = boolOption("deprecated", o.Deprecated)
	}
	return s
}

func fromField(fd *descriptorpb.FieldDescriptorProto, proto3, inOneof bool) *Field {
	f := &Field{Name: fd.GetName(), Tag: int(fd.GetNumber())}
	if fd.TypeName != nil {
		f.Type = fd.GetTypeName()
	} else {
		f.Type = strings.ToLower(strings.TrimPrefix(fd.GetType().String(), "TYPE_"))
	}
	if !inOneof {
		switch {
		case fd.GetProto3Optional():
			f.Label = LabelOptional
		case fd.GetLabel() == descriptorpb.FieldDescriptorProto_LABEL_REPEATED:
			f.Label = LabelRepeated
		case proto3:
		case fd.GetLabel() == descriptorpb.FieldDescriptorProto_LABEL_REQUIRED:
			f.Label = LabelRequired
		default:
			f.Label = LabelOptional
		}
	}
	if o := fd.GetOptions(); o != nil {
		if o.Ctype != nil {
			f.Options = append(f.Options, &Option{Name: "ctype", Kind: KindEnum, Value: o.GetCtype().String()})
		}
		f.Options = append(f.Options, boolOption("packed", o.Packed)...)
		if o.Jstype != nil {
			f.Options = append(f.Options, &Option{Name: "jstype", Kind: KindEnum, Value: o.GetJstype().String()})
		}
		f.Options = append(f.Options, boolOption("deprecated", o.Deprecated)...)
	}
	if fd.JsonName != nil {
		v := fd.GetJsonName()
		f.JSONName = &v
	}
	if !proto3 && fd.DefaultValue != nil {
		v := fd.GetDefaultValue()
		f.Default = &v
	}
	return f
}

// unknownBool reads a bool field the descriptor no longer declares
// (php_generic_services was removed from descriptor.proto).
func unknownBool(raw []byte, num protowire.Number) *bool {
	var out *bool
	for len(raw) > 0 {
		n, typ, l := protowire.ConsumeTag(raw)
		if l < 0 {
			return out
		}
		raw = raw[l:]
		if n == num && typ == protowire.VarintType {
			v, m := protowire.ConsumeVarint(raw)
			if m < 0 {
				return out
			}
			b := v != 0
			out = &b
			raw = raw[m:]
			continue
		}
		m := protowire.ConsumeFieldValue(n, typ, raw)
		if m < 0 {
			return out
		}
		raw = raw[m:]
	}
	return out
}
