package protobuf

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync"

	"github.com/bufbuild/protocompile/ast"
	"github.com/bufbuild/protocompile/linker"
	"github.com/bufbuild/protocompile/options"
	"github.com/bufbuild/protocompile/parser"
	"github.com/bufbuild/protocompile/reporter"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	// The standard imports (google/protobuf/*.proto) come from the
	// generated code protocompile links in; make that explicit.
	_ "github.com/bufbuild/protocompile"
)

//go:embed builtin
var builtinFS embed.FS

// builtin is a file schemas may import without a reference.
type builtin struct {
	file linker.File
	elem *File
}

var (
	builtinsOnce sync.Once
	builtinFiles map[string]*builtin
	builtinErr   error
)

// builtins returns the built-in files: google/protobuf/* from the Go
// protobuf runtime, google/type/* and confluent/* compiled from the
// sources embedded in the binary.
func builtins() (map[string]*builtin, error) {
	builtinsOnce.Do(func() {
		files := map[string]*builtin{}
		protoregistry.GlobalFiles.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
			if strings.HasPrefix(fd.Path(), "google/protobuf/") {
				lf, err := linker.NewFileRecursive(fd)
				if err != nil {
					builtinErr = err
					return false
				}
				files[fd.Path()] = &builtin{file: lf, elem: fromDescriptor(protodesc.ToFileDescriptorProto(fd))}
			}
			return true
		})
		if builtinErr != nil {
			return
		}
		sources := map[string]string{}
		builtinErr = fs.WalkDir(builtinFS, "builtin", func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := builtinFS.ReadFile(path)
			sources[strings.TrimPrefix(path, "builtin/")] = string(b)
			return err
		})
		if builtinErr != nil {
			return
		}
		c := newCompilation(sources, true, files)
		for name := range sources {
			lf, err := c.file(name, nil)
			if err != nil {
				builtinErr = fmt.Errorf("built-in %s: %w", name, err)
				return
			}
			files[name] = &builtin{file: lf, elem: fromDescriptor(protodesc.ToFileDescriptorProto(lf))}
		}
		builtinFiles = files
	})
	return builtinFiles, builtinErr
}

// IsBuiltin reports whether path is a file every schema may import without
// a reference (google/protobuf/*, google/type/*, confluent/...).
func IsBuiltin(path string) bool {
	b, err := builtins()
	return err == nil && b[path] != nil
}

// compilation links one schema with its dependencies. Dependencies are the
// texts of the referenced schemas by reference name (the import path);
// other imports must be built-in files.
type compilation struct {
	sources  map[string]string
	strict   bool
	builtins map[string]*builtin
	sym      *linker.Symbols
	done     map[string]linker.File
	active   []string
}

func newCompilation(sources map[string]string, strict bool, b map[string]*builtin) *compilation {
	return &compilation{sources: sources, strict: strict, builtins: b, sym: &linker.Symbols{}, done: map[string]linker.File{}}
}

// errorCollector reports the first error and stops, except for what
// Confluent accepts: the explicit map_entry option its own printer emits
// for schemas registered as descriptors, and custom options (or extension
// fields in option values) whose extension is not known, which it keeps as
// written.
type errorCollector struct {
	first error
}

func tolerated(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "map_entry option should not be set explicitly") ||
		strings.Contains(msg, "unknown extension ") || strings.Contains(msg, "invalid extension: ")
}

func (e *errorCollector) handler() *reporter.Handler {
	return reporter.NewHandler(reporter.NewReporter(func(err reporter.ErrorWithPos) error {
		if tolerated(err) {
			return nil
		}
		if e.first == nil {
			e.first = err
		}
		return err
	}, nil))
}

// parseAST parses text as the file name; syntax errors carry positions.
// A panic of the parser (protocompile v0.14.1 has one on some malformed
// string literals) is a syntax error too.
func parseAST(name, text string) (node *ast.FileNode, err error) {
	defer func() {
		if r := recover(); r != nil {
			node, err = nil, fmt.Errorf("%s: syntax error: unreadable text (%v)", name, r)
		}
	}()
	var ec errorCollector
	node, err = parser.Parse(name, strings.NewReader(text), ec.handler())
	if ec.first != nil {
		return nil, ec.first
	}
	if err != nil && !errors.Is(err, reporter.ErrInvalidSource) {
		return nil, err
	}
	return node, nil
}

// fromAST builds the descriptor proto of a parsed file and validates it.
func fromAST(node *ast.FileNode) (res parser.Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, fmt.Errorf("%s: invalid file (%v)", node.Name(), r)
		}
	}()
	var ec errorCollector
	res, err = parser.ResultFromAST(node, true, ec.handler())
	if ec.first != nil {
		return nil, ec.first
	}
	if err != nil && !errors.Is(err, reporter.ErrInvalidSource) {
		return nil, err
	}
	return res, nil
}

// file compiles the dependency or built-in file called name, imported from
// the position given.
func (c *compilation) file(name string, from ast.SourceSpan) (linker.File, error) {
	if f := c.done[name]; f != nil {
		return f, nil
	}
	for i, a := range c.active {
		if a == name {
			return nil, importError(from, fmt.Errorf("cycle found in imports: %s", quoteChain(append(c.active[i:], name))))
		}
	}
	text, ok := c.sources[name]
	if !ok {
		if b := c.builtins[name]; b != nil {
			return b.file, nil
		}
		return nil, importError(from, fmt.Errorf("import %q not found: it is neither a reference of the schema nor a built-in file", name))
	}
	node, err := parseAST(name, text)
	if err != nil {
		return nil, err
	}
	res, err := fromAST(node)
	if err != nil {
		return nil, err
	}
	return c.link(name, res)
}

func quoteChain(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, " -> ")
}

func importError(from ast.SourceSpan, err error) error {
	if from == nil {
		return err
	}
	return reporter.Error(from, err)
}

func importSpan(res parser.Result, dep string) ast.SourceSpan {
	root := res.AST()
	if root == nil {
		return nil
	}
	for _, decl := range root.Decls {
		if imp, ok := decl.(*ast.ImportNode); ok && imp.Name.AsString() == dep {
			return root.NodeInfo(imp.Name)
		}
	}
	return nil
}

// link links a parsed file against its imports, then interprets its
// options leniently: unknown custom options are kept as written, as
// Confluent keeps them.
func (c *compilation) link(name string, res parser.Result) (linker.Result, error) {
	c.active = append(c.active, name)
	var deps linker.Files
	for _, imp := range res.FileDescriptorProto().GetDependency() {
		f, err := c.file(imp, importSpan(res, imp))
		if err != nil {
			c.active = c.active[:len(c.active)-1]
			return nil, err
		}
		deps = append(deps, f)
	}
	c.active = c.active[:len(c.active)-1]
	var ec errorCollector
	linked, err := linker.Link(res, deps, c.sym, ec.handler())
	if ec.first != nil {
		return nil, ec.first
	}
	if err != nil && !errors.Is(err, reporter.ErrInvalidSource) {
		return nil, err
	}
	if interpretLeniently(linked) {
		var ec2 errorCollector
		if err := linked.ValidateOptions(ec2.handler(), c.sym); ec2.first != nil || (err != nil && !errors.Is(err, reporter.ErrInvalidSource)) {
			if ec2.first != nil {
				return nil, ec2.first
			}
			return nil, err
		}
	}
	linked.RemoveAST()
	c.done[name] = linked
	return linked, nil
}

// interpretLeniently interprets the options of a linked file, ignoring
// what cannot be interpreted (unknown custom options, as Confluent does).
// protocompile v0.14.1 can panic on a message literal naming an unknown
// field; the options then stay partly uninterpreted, which is what the
// lenient mode means anyway, and the post-interpretation checks are
// skipped. It reports whether interpretation completed.
func interpretLeniently(linked linker.Result) (done bool) {
	defer func() {
		if recover() != nil {
			done = false
		}
	}()
	_, err := options.InterpretOptionsLenient(linked)
	return err == nil
}
