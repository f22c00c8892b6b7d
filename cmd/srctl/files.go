package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/protobuf"
)

// schemaFile is a schema read from a file, with its references.
type schemaFile struct {
	path string
	typ  formats.SchemaType
	text string
	refs []ref
}

// ref is a reference of a schema: to a local file (registered under its
// subject when needed), or to a subject-version on the registry (version
// -1 for its latest).
type ref struct {
	name, subject string
	version       int
	file          *schemaFile
}

// loadOptions say how to read schema files and find their references.
type loadOptions struct {
	typ        string   // forced schema type, else from the file
	refs       []string // NAME=PATH, NAME=SUBJECT@VERSION or PATH
	protoPaths []string // import directories of .proto files
}

// loadSchema reads a schema file and its references: the ones given, and
// a .proto file's imports, found beside it or in the import directories
// (else taken from the registry under the import path as subject, as the
// official serializers register them).
func loadSchema(path string, o loadOptions) (*schemaFile, error) {
	seen := map[string]*schemaFile{}
	f, err := load(path, o.typ, o, seen)
	if err != nil {
		return nil, err
	}
	for _, spec := range o.refs {
		r, err := parseRef(spec, o, seen)
		if err != nil {
			return nil, err
		}
		f.refs = append(f.refs, r)
	}
	return f, nil
}

func load(path, typ string, o loadOptions, seen map[string]*schemaFile) (*schemaFile, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	if f, ok := seen[abs]; ok {
		if f == nil {
			return nil, fmt.Errorf("%s: imports itself", path)
		}
		return f, nil
	}
	seen[abs] = nil
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f := &schemaFile{path: path, text: string(data)}
	if f.typ, err = schemaTypeOf(path, f.text, typ); err != nil {
		return nil, err
	}
	if f.typ != formats.Protobuf {
		if err := jsonSyntax(path, f.text); err != nil {
			return nil, err
		}
	}
	if f.typ == formats.Protobuf {
		for _, imp := range protoImports(f.text) {
			if protobuf.IsBuiltin(imp) {
				continue
			}
			r := ref{name: imp, subject: imp, version: -1}
			if found := findImport(imp, filepath.Dir(path), o.protoPaths); found != "" {
				if r.file, err = load(found, string(formats.Protobuf), o, seen); err != nil {
					return nil, err
				}
			}
			f.refs = append(f.refs, r)
		}
	}
	seen[abs] = f
	return f, nil
}

var importLine = regexp.MustCompile(`(?m)^\s*import\s+(?:public\s+|weak\s+)?"([^"]+)"\s*;`)

// protoImports lists the import paths of a .proto text.
func protoImports(text string) []string {
	var out []string
	for _, m := range importLine.FindAllStringSubmatch(text, -1) {
		out = append(out, m[1])
	}
	return out
}

// findImport finds an imported .proto beside the importing file, then in
// the import directories.
func findImport(imp, dir string, paths []string) string {
	for _, d := range append([]string{dir}, paths...) {
		p := filepath.Join(d, filepath.FromSlash(imp))
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	return ""
}

// parseRef reads a --ref: NAME=SUBJECT@VERSION (on the registry; VERSION
// may be "latest"), NAME=PATH, or PATH (named by the schema's full name
// for Avro, by the file name otherwise).
func parseRef(spec string, o loadOptions, seen map[string]*schemaFile) (ref, error) {
	name, target, named := strings.Cut(spec, "=")
	if !named {
		target = name
	}
	if subject, v, ok := strings.Cut(target, "@"); ok && named {
		if _, err := os.Stat(target); err != nil {
			version := -1
			if v != "latest" {
				n, err := strconv.Atoi(v)
				if err != nil || n < 1 {
					return ref{}, fmt.Errorf("--ref %s: version %q is neither a number nor latest", spec, v)
				}
				version = n
			}
			return ref{name: name, subject: subject, version: version}, nil
		}
	}
	f, err := load(target, "", o, seen)
	if err != nil {
		return ref{}, fmt.Errorf("--ref %s: %w", spec, err)
	}
	if !named {
		name = defaultRefName(f)
	}
	return ref{name: name, subject: name, version: -1, file: f}, nil
}

// defaultRefName names a referenced file as the official serializers name
// a reference: an Avro type by its full name, others by their file name.
func defaultRefName(f *schemaFile) string {
	if f.typ == formats.Avro {
		var s struct{ Name, Namespace string }
		if json.Unmarshal([]byte(f.text), &s) == nil && s.Name != "" {
			if strings.Contains(s.Name, ".") || s.Namespace == "" {
				return s.Name
			}
			return s.Namespace + "." + s.Name
		}
	}
	return filepath.Base(f.path)
}

// schemaTypeOf is the type given, else the file's by its extension
// (.proto, .avsc), else by its content: a JSON text that is an Avro record,
// enum, fixed, name or union is Avro, any other JSON is JSON Schema.
func schemaTypeOf(path, text, given string) (formats.SchemaType, error) {
	if given != "" {
		t, err := formats.ParseSchemaType(strings.ToUpper(given))
		if err != nil {
			return "", fmt.Errorf("--type %s: %w", given, err)
		}
		return t, nil
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".proto":
		return formats.Protobuf, nil
	case ".avsc", ".avro":
		return formats.Avro, nil
	}
	if err := jsonSyntax(path, text); err != nil {
		return "", fmt.Errorf("%w, and not a .proto file", err)
	}
	var v any
	_ = json.Unmarshal([]byte(text), &v)
	switch x := v.(type) {
	case string, []any:
		return formats.Avro, nil
	case map[string]any:
		if _, ok := x["$schema"]; ok {
			return formats.JSON, nil
		}
		switch x["type"] {
		case "record", "error", "enum", "fixed":
			return formats.Avro, nil
		}
	}
	return formats.JSON, nil
}

// lineCol turns a byte offset into a 1-based line and column.
func lineCol(text string, offset int) (int, int) {
	offset = min(max(offset, 0), len(text))
	line := strings.Count(text[:offset], "\n") + 1
	col := offset - strings.LastIndexByte(text[:offset], '\n')
	return line, col
}

// jsonSyntax names the line and column of a JSON syntax error.
func jsonSyntax(path, text string) error {
	var v any
	err := json.Unmarshal([]byte(text), &v)
	if err == nil {
		return nil
	}
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		line, col := lineCol(text, int(syn.Offset)-1) // Offset is just after the bad byte
		return fmt.Errorf("%s:%d:%d: not JSON: %v", path, line, col, err)
	}
	return fmt.Errorf("%s: not JSON: %v", path, err)
}
