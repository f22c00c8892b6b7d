package protobuf

import "strings"

// TypeInfo is a message or enum known by its fully-qualified name.
type TypeInfo struct {
	Package string
	// File is the dependency (reference name or built-in path) the type
	// comes from; "" for the schema itself.
	File string
	Type Type
	// IsMap marks a synthetic map entry message (option map_entry = true),
	// with its key and value fields.
	IsMap      bool
	Key, Value *Field
}

// Local reports whether the type is declared in the schema itself.
func (t *TypeInfo) Local() bool { return t.File == "" }

// MapType is "map<K, V>" for a map entry message.
func (t *TypeInfo) MapType() string {
	return "map<" + t.Key.Type + ", " + t.Value.Type + ">"
}

// ExtendInfo is an extension field known by its fully-qualified name.
type ExtendInfo struct {
	Package  string
	File     string
	Field    *Field
	Repeated bool
}

// Index knows every message, enum and extension field a schema can refer
// to: its own, its dependencies' and the built-in files', each under the
// fully-qualified name Confluent's diff Context gives it.
type Index struct {
	// Package is the schema's own package.
	Package string
	types   map[string]*TypeInfo
	extends map[string]*ExtendInfo
}

type namedFile struct {
	name string
	file *File
}

func newIndex(main *File, deps []namedFile) *Index {
	ix := &Index{Package: main.Package, types: map[string]*TypeInfo{}, extends: map[string]*ExtendInfo{}}
	for _, d := range deps {
		ix.collect(d.name, d.file)
	}
	ix.collect("", main)
	return ix
}

func (ix *Index) collect(name string, f *File) {
	ix.collectExtends(name, f.Package, nil, f.Extends)
	ix.collectTypes(name, f.Package, nil, f.Types)
}

func qualify(pkg string, path []string) string {
	n := strings.Join(path, ".")
	if pkg != "" {
		n = pkg + "." + n
	}
	return n
}

func (ix *Index) collectTypes(file, pkg string, path []string, types []Type) {
	for _, t := range types {
		p := append(append([]string(nil), path...), t.TypeName())
		info := &TypeInfo{Package: pkg, File: file, Type: t}
		if m, ok := t.(*Message); ok {
			ix.collectExtends(file, pkg, p, m.Extends)
			if optionIsTrue(m.Options, "map_entry") {
				info.IsMap = true
				for _, f := range m.Fields {
					if f.Name == "key" && info.Key == nil {
						info.Key = f
					}
					if f.Name == "value" && info.Value == nil {
						info.Value = f
					}
				}
				// Only a valid entry can be printed back as map<K, V>.
				if info.Key == nil || info.Value == nil || !mapKeys[info.Key.Type] {
					info.IsMap = false
				}
			}
		}
		ix.types[qualify(pkg, p)] = info
		ix.collectTypes(file, pkg, p, t.NestedTypes())
	}
}

func (ix *Index) collectExtends(file, pkg string, path []string, extends []*Extend) {
	for _, e := range extends {
		for _, f := range e.Fields {
			p := append(append([]string(nil), path...), f.Name)
			ix.extends[qualify(pkg, p)] = &ExtendInfo{Package: pkg, File: file, Field: f, Repeated: f.Label == LabelRepeated}
		}
	}
}

var mapKeys = map[string]bool{
	"int32": true, "int64": true, "uint32": true, "uint64": true, "sint32": true, "sint64": true,
	"fixed32": true, "fixed64": true, "sfixed32": true, "sfixed64": true, "bool": true, "string": true,
}

// optionIsTrue reports whether the last plain option called name is true.
func optionIsTrue(opts []*Option, name string) bool {
	v := ""
	for _, o := range opts {
		if strings.TrimPrefix(o.Name, ".") == name {
			if s, ok := o.Value.(string); ok {
				v = s
			}
		}
	}
	return v == "true"
}

// Type returns the type with the given fully-qualified name (an optional
// leading dot is ignored).
func (ix *Index) Type(fullName string) *TypeInfo {
	return ix.types[strings.TrimPrefix(fullName, ".")]
}

// Extend returns the extension field with the given fully-qualified name.
func (ix *Index) Extend(fullName string) *ExtendInfo {
	return ix.extends[strings.TrimPrefix(fullName, ".")]
}

// Resolve finds the fully-qualified name (without leading dot) a type name
// written inside the given scope (package and enclosing message names)
// refers to, by Confluent's rule: a leading dot means fully qualified, else
// the name is tried under the package and scope, innermost first, then
// alone. It returns "" when nothing matches.
func (ix *Index) Resolve(pkg string, scope []string, name string) string {
	return resolve(pkg, scope, name, func(n string) bool { return ix.types[n] != nil })
}

// ResolveExtend is Resolve for extension fields.
func (ix *Index) ResolveExtend(pkg string, scope []string, name string) string {
	return resolve(pkg, scope, name, func(n string) bool { return ix.extends[n] != nil })
}

func resolve(pkg string, scope []string, name string, found func(string) bool) string {
	if strings.HasPrefix(name, ".") {
		if n := name[1:]; found(n) {
			return n
		}
		return ""
	}
	var prefix []string
	if pkg != "" {
		prefix = strings.Split(pkg, ".")
	}
	prefix = append(prefix, scope...)
	for len(prefix) > 0 {
		if n := strings.Join(prefix, ".") + "." + name; found(n) {
			return n
		}
		prefix = prefix[:len(prefix)-1]
	}
	if found(name) {
		return name
	}
	return ""
}
