// Package avro is the Avro schema type: it parses schema text with its
// references into a model that prints byte-identical to Avro Java's
// Schema.toString (the canonical text Confluent stores and hashes) and to
// Confluent's normalized form, validates field defaults as Avro Java does for
// new schemas, and gives the compatibility checker hamba/avro's parse of it.
package avro

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"

	hamba "github.com/hamba/avro/v2"

	"github.com/schemaregistry/registry/formats"
)

var primitives = map[string]bool{
	"null": true, "boolean": true, "int": true, "long": true,
	"float": true, "double": true, "bytes": true, "string": true,
}

// Reserved attribute names that are not custom properties (Avro Java).
var (
	schemaReserved = set("doc", "fields", "items", "name", "namespace", "size", "symbols", "values", "type", "aliases")
	enumReserved   = set("doc", "fields", "items", "name", "namespace", "size", "symbols", "values", "type", "aliases", "default")
	fieldReserved  = set("default", "doc", "name", "order", "type", "aliases")
)

func set(s ...string) map[string]bool {
	m := make(map[string]bool, len(s))
	for _, v := range s {
		m[v] = true
	}
	return m
}

type prop struct {
	key string
	val *node
}

// schema is one Avro schema in Avro Java's model.
type schema struct {
	typ      string // a primitive name, record, error, enum, fixed, array, map, union
	name     string // named types: simple name
	space    string // named types: namespace, "" for none
	doc      *string
	aliases  []string // full names
	fields   []*field
	symbols  []string
	enumDef  *string
	size     string // number text of a fixed size
	items    *schema
	values   *schema
	branches []*schema
	props    []prop
	ref      bool // a use by name of a named type defined elsewhere
	target   *schema
	open     bool // a record whose fields are being parsed
}

type field struct {
	name    string
	typ     *schema
	doc     *string
	def     *node
	order   string // ascending, descending, ignore
	aliases []string
	props   []prop
}

func (s *schema) full() string {
	if s.space == "" {
		return s.name
	}
	return s.space + "." + s.name
}

func (s *schema) named() bool {
	return s.typ == "record" || s.typ == "error" || s.typ == "enum" || s.typ == "fixed"
}

// parser resolves names the way Avro Java's Schema.Names does.
type parser struct {
	defined map[string]*schema
	// validate checks field defaults (Schema.Parser.setValidateDefaults).
	validate bool
}

func splitName(name, space string) (simple, ns string) {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[i+1:], name[:i]
	}
	return name, space
}

func validName(s string) error {
	if s == "" {
		return fmt.Errorf("Empty name")
	}
	for i, r := range s {
		if i == 0 && !(unicode.IsLetter(r) || r == '_') {
			return fmt.Errorf("Illegal initial character: %s", s)
		}
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_') {
			return fmt.Errorf("Illegal character in: %s", s)
		}
	}
	return nil
}

func (p *parser) lookup(name, space string) *schema {
	simple, ns := splitName(name, space)
	full := simple
	if ns != "" {
		full = ns + "." + simple
	}
	if s, ok := p.defined[full]; ok {
		return s
	}
	// Avro Java falls back to the null namespace.
	return p.defined[name]
}

func (p *parser) define(s *schema) error {
	full := s.full()
	if primitives[full] {
		return fmt.Errorf("Schemas may not be named after primitives: %s", full)
	}
	if _, ok := p.defined[full]; ok {
		return fmt.Errorf("Can't redefine: %s", full)
	}
	p.defined[full] = s
	return nil
}

func (p *parser) parse(n *node, space string) (*schema, error) {
	switch n.kind {
	case 's':
		if primitives[n.str] {
			return &schema{typ: n.str}, nil
		}
		t := p.lookup(n.str, space)
		if t == nil {
			return nil, fmt.Errorf("Undefined name: %q", n.str)
		}
		return &schema{typ: t.typ, name: t.name, space: t.space, ref: true, target: t}, nil
	case 'a':
		u := &schema{typ: "union"}
		seen := map[string]bool{}
		for _, item := range n.items {
			b, err := p.parse(item, space)
			if err != nil {
				return nil, err
			}
			if b.typ == "union" {
				return nil, fmt.Errorf("Nested union: %s", printJSON(n))
			}
			key := b.typ
			if b.named() {
				key = b.full()
			}
			if seen[key] {
				return nil, fmt.Errorf("Duplicate in union:%s", key)
			}
			seen[key] = true
			u.branches = append(u.branches, b)
		}
		return u, nil
	case 'o':
		return p.parseObject(n, space)
	}
	return nil, fmt.Errorf("Schema not yet supported: %s", printJSON(n))
}

func optText(n *node, key string) (*string, error) {
	v := n.get(key)
	if v == nil || v.kind == 'z' {
		return nil, nil
	}
	s, ok := v.text()
	if !ok {
		return nil, fmt.Errorf("%s must be a string: %s", key, printJSON(n))
	}
	return &s, nil
}

func (p *parser) parseObject(n *node, space string) (*schema, error) {
	typ, ok := n.get("type").text()
	if !ok {
		return nil, fmt.Errorf("No type: %s", printJSON(n))
	}
	var s *schema
	reserved := schemaReserved
	switch typ {
	case "record", "error", "enum", "fixed":
		nameText, ok := n.get("name").text()
		if !ok {
			return nil, fmt.Errorf("No name in schema: %s", printJSON(n))
		}
		ns := space
		if v, err := optText(n, "namespace"); err != nil {
			return nil, err
		} else if v != nil {
			ns = *v
		}
		simple, ns := splitName(nameText, ns)
		if err := validName(simple); err != nil {
			return nil, err
		}
		if ns != "" {
			for _, part := range strings.Split(ns, ".") {
				if err := validName(part); err != nil {
					return nil, fmt.Errorf("Invalid namespace %q: %v", ns, err)
				}
			}
		}
		s = &schema{typ: typ, name: simple, space: ns}
		doc, err := optText(n, "doc")
		if err != nil {
			return nil, err
		}
		s.doc = doc
		if err := p.define(s); err != nil {
			return nil, err
		}
		switch typ {
		case "record", "error":
			fs := n.get("fields")
			if fs == nil || fs.kind != 'a' {
				return nil, fmt.Errorf("Record has no fields: %s", printJSON(n))
			}
			s.open = true
			for _, fn := range fs.items {
				f, err := p.parseField(fn, ns)
				if err != nil {
					return nil, err
				}
				s.fields = append(s.fields, f)
			}
			s.open = false
			// Avro Java sets the fields once all are parsed (and their
			// defaults checked).
			names := make(map[string]bool, len(s.fields))
			for _, f := range s.fields {
				if names[f.name] {
					return nil, fmt.Errorf("Duplicate field %s in record %s", f.name, s.full())
				}
				names[f.name] = true
			}
		case "enum":
			reserved = enumReserved
			sy := n.get("symbols")
			if sy == nil || sy.kind != 'a' {
				return nil, fmt.Errorf("Enum has no symbols: %s", printJSON(n))
			}
			seen := map[string]bool{}
			for _, it := range sy.items {
				t, ok := it.text()
				if !ok {
					return nil, fmt.Errorf("Enum symbol not a string: %s", printJSON(it))
				}
				if err := validName(t); err != nil {
					return nil, err
				}
				if seen[t] {
					return nil, fmt.Errorf("Duplicate enum symbol: %s", t)
				}
				seen[t] = true
				s.symbols = append(s.symbols, t)
			}
			d, err := optText(n, "default")
			if err != nil {
				return nil, err
			}
			if d != nil && !seen[*d] {
				return nil, fmt.Errorf("The Enum Default: %s is not in the enum symbol set: %v", *d, s.symbols)
			}
			s.enumDef = d
		case "fixed":
			sz := n.get("size")
			if sz == nil || sz.kind != 'n' || strings.ContainsAny(sz.str, ".eE-") || len(sz.str) > 10 {
				return nil, fmt.Errorf("Invalid or no size: %s", printJSON(n))
			}
			s.size = sz.str
		}
		// Then (after the fields, symbols or size) the aliases.
		if a := n.get("aliases"); a != nil && a.kind != 'z' {
			if a.kind != 'a' {
				return nil, fmt.Errorf("aliases not an array: %s", printJSON(n))
			}
			for _, it := range a.items {
				t, ok := it.text()
				if !ok {
					return nil, fmt.Errorf("alias not a string: %s", printJSON(it))
				}
				as, ans := splitName(t, ns)
				// Avro Java checks the alias's name (Schema.Name); we do
				// for new schemas.
				if p.validate {
					if err := validName(as); err != nil {
						return nil, err
					}
				}
				if ans != "" {
					as = ans + "." + as
				}
				s.aliases = appendUnique(s.aliases, as)
			}
		}
	case "array":
		it := n.get("items")
		if it == nil {
			return nil, fmt.Errorf("Array has no items type: %s", printJSON(n))
		}
		items, err := p.parse(it, space)
		if err != nil {
			return nil, err
		}
		s = &schema{typ: "array", items: items}
	case "map":
		v := n.get("values")
		if v == nil {
			return nil, fmt.Errorf("Map has no values type: %s", printJSON(n))
		}
		values, err := p.parse(v, space)
		if err != nil {
			return nil, err
		}
		s = &schema{typ: "map", values: values}
	default:
		if primitives[typ] {
			s = &schema{typ: typ}
			break
		}
		t := p.lookup(typ, space)
		if t == nil {
			return nil, fmt.Errorf("Type not supported: %s", typ)
		}
		return &schema{typ: t.typ, name: t.name, space: t.space, ref: true, target: t}, nil
	}
	for i, k := range n.keys {
		if !reserved[k] {
			s.props = append(s.props, prop{k, n.vals[i]})
		}
	}
	return s, nil
}

func appendUnique(list []string, v string) []string {
	for _, x := range list {
		if x == v {
			return list
		}
	}
	return append(list, v)
}

func (p *parser) parseField(n *node, space string) (*field, error) {
	if n.kind != 'o' {
		return nil, fmt.Errorf("Field not an object: %s", printJSON(n))
	}
	name, ok := n.get("name").text()
	if !ok {
		return nil, fmt.Errorf("No field name: %s", printJSON(n))
	}
	if err := validName(name); err != nil {
		return nil, err
	}
	tn := n.get("type")
	if tn == nil {
		return nil, fmt.Errorf("No field type: %s", printJSON(n))
	}
	t, err := p.parse(tn, space)
	if err != nil {
		return nil, err
	}
	f := &field{name: name, typ: t, order: "ascending"}
	if f.doc, err = optText(n, "doc"); err != nil {
		return nil, err
	}
	if o, err := optText(n, "order"); err != nil {
		return nil, err
	} else if o != nil {
		switch strings.ToLower(*o) {
		case "ascending", "descending", "ignore":
			f.order = strings.ToLower(*o)
		default:
			return nil, fmt.Errorf("No enum constant for order %q", *o)
		}
	}
	if d := n.get("default"); d != nil {
		// Avro Java turns a textual default of a float or double field into
		// a double (Double.parseDouble, which throws on other text).
		if t.typ == "float" || t.typ == "double" {
			if d.kind == 's' {
				v, err := javaParseDouble(d.str)
				if err == nil {
					d = &node{kind: 'n', str: javaDouble(v)}
				} else if p.validate {
					// Stored schemas keep the text (they were accepted once).
					return nil, err
				}
			}
		}
		// Then checks it (Schema.validateDefault), when asked.
		if p.validate {
			ok, err := validDefault(t, d)
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, fmt.Errorf("Invalid default for field %s: %s not a %s", name, printJSON(d), canonical(t, nil))
			}
		}
		f.def = d
	}
	if a := n.get("aliases"); a != nil && a.kind != 'z' {
		if a.kind != 'a' {
			return nil, fmt.Errorf("aliases not an array: %s", printJSON(n))
		}
		for _, it := range a.items {
			t, ok := it.text()
			if !ok {
				return nil, fmt.Errorf("alias not a string: %s", printJSON(it))
			}
			f.aliases = appendUnique(f.aliases, t)
		}
	}
	for i, k := range n.keys {
		if !fieldReserved[k] {
			f.props = append(f.props, prop{k, n.vals[i]})
		}
	}
	return f, nil
}

func resolved(s *schema) *schema {
	if s.ref {
		return s.target
	}
	return s
}

func printJSON(n *node) string {
	var w writer
	w.tree(n)
	return w.String()
}

// Schema is a parsed Avro schema.
type Schema struct {
	canonical string
	root      *schema
	hambaText string    // Avro Java's form, which hamba reads
	depTexts  []string  // the same for the dependencies, in order
	deps      []*schema // the dependencies, in order

	hambaOnce sync.Once
	hamba     hamba.Schema
	hambaFail error
}

// hambaErr parses the schema with hamba/avro once, with its dependencies in
// a fresh cache (never hamba's global one), from the canonical text: the same
// schema in the spelling hamba expects (e.g. a lower-case field order).
//
// hamba checks field defaults by its own rules, which are not Avro Java's
// (it wants the first branch of a union, an enum symbol, a code point below
// 256 in bytes, ...): when it refuses the text, it gets it again with every
// default replaced by one it accepts. The compatibility checker only asks
// which fields have a default.
func (s *Schema) hambaErr() error {
	s.hambaOnce.Do(func() {
		if s.hasDefaults() && s.hasHugeFixed() {
			s.hambaFail = fmt.Errorf("a fixed type larger than %d bytes with field defaults is not checked", maxHambaFixed)
			return
		}
		s.hamba, s.hambaFail = hambaParseAll(s.depTexts, s.hambaText)
		if s.hambaFail == nil || !s.hasDefaults() {
			return
		}
		printed := map[string]bool{}
		deps := make([]string, len(s.deps))
		for i, d := range s.deps {
			deps[i] = canonicalText(d, printed, true)
			if d.named() {
				printed[d.full()] = true
			}
		}
		if h, err := hambaParseAll(deps, canonicalText(s.root, printed, true)); err == nil {
			s.hamba, s.hambaFail = h, nil
		}
	})
	return s.hambaFail
}

func hambaParseAll(deps []string, text string) (hamba.Schema, error) {
	cache := &hamba.SchemaCache{}
	for _, d := range deps {
		if _, err := hambaParse(d, cache); err != nil {
			return nil, fmt.Errorf("reference: %v", err)
		}
	}
	return hambaParse(text, cache)
}

// hasDefaults reports whether the schema or a dependency has a field default.
func (s *Schema) hasDefaults() bool {
	return s.anyType(func(t *schema) bool {
		for _, f := range t.fields {
			if f.def != nil {
				return true
			}
		}
		return false
	})
}

// maxHambaFixed is the largest fixed size given to hamba, which allocates a
// fixed's size when it reads a default (a size of 400,000,000 cost 762 MB).
const maxHambaFixed = 1 << 20

// hasHugeFixed reports whether the schema or a dependency has a fixed type
// larger than maxHambaFixed.
func (s *Schema) hasHugeFixed() bool {
	return s.anyType(func(t *schema) bool {
		if t.typ != "fixed" {
			return false
		}
		n, err := strconv.ParseInt(t.size, 10, 64)
		return err != nil || n > maxHambaFixed
	})
}

// anyType reports whether pred holds for a type of the schema or of a
// dependency, each visited once.
func (s *Schema) anyType(pred func(*schema) bool) bool {
	seen := map[*schema]bool{}
	var walk func(*schema) bool
	walk = func(t *schema) bool {
		t = resolved(t)
		if seen[t] {
			return false
		}
		seen[t] = true
		if pred(t) {
			return true
		}
		for _, f := range t.fields {
			if walk(f.typ) {
				return true
			}
		}
		for _, b := range t.branches {
			if walk(b) {
				return true
			}
		}
		return (t.items != nil && walk(t.items)) || (t.values != nil && walk(t.values))
	}
	for _, d := range s.deps {
		if walk(d) {
			return true
		}
	}
	return walk(s.root)
}

// Type is AVRO.
func (*Schema) Type() formats.SchemaType { return formats.Avro }

// Canonical is the text stored and served: Avro Java's Schema.toString, or the
// normalized form when asked.
func (s *Schema) Canonical() string { return s.canonical }

// Hamba is hamba/avro's parse of the same schema, for compatibility checks,
// made on first use. It is nil for a schema that hamba refuses for another
// reason than its defaults.
func (s *Schema) Hamba() hamba.Schema {
	s.hambaErr()
	return s.hamba
}

// RecordName is the full name of the top-level named type ("" for others).
func (s *Schema) RecordName() string {
	if s.root.named() {
		return s.root.full()
	}
	return ""
}

// Format parses Avro schemas.
type Format struct{}

// Type is AVRO.
func (Format) Type() formats.SchemaType { return formats.Avro }

// Parse parses an Avro schema text whose named types from references are
// given as dependencies (their own dependencies first). New schemas (and their
// dependencies, parsed by the same Avro Java parser) get their field defaults
// checked.
func (Format) Parse(text string, deps []formats.Dependency, opts formats.Options) (formats.Schema, error) {
	p := &parser{defined: map[string]*schema{}, validate: opts.New}
	printed := map[string]bool{}
	depTexts := make([]string, 0, len(deps))
	depRoots := make([]*schema, 0, len(deps))
	for _, d := range deps {
		n, err := parseJSON([]byte(d.Schema))
		if err != nil {
			return nil, formats.Invalid("reference %q: %v", d.Name, err)
		}
		ds, err := p.parse(n, "")
		if err != nil {
			return nil, formats.Invalid("reference %q: %v", d.Name, err)
		}
		depTexts = append(depTexts, canonical(ds, printed))
		depRoots = append(depRoots, ds)
		// Avro Java prints by name the top-level types of the references.
		if ds.named() {
			printed[ds.full()] = true
		}
	}
	n, err := parseJSON([]byte(text))
	if err != nil {
		return nil, formats.Invalid("%v", err)
	}
	root, err := p.parse(n, "")
	if err != nil {
		return nil, formats.Invalid("%v", err)
	}
	text = canonical(root, printed)
	out := &Schema{root: root, canonical: text, hambaText: text, depTexts: depTexts, deps: depRoots}
	if opts.New && out.hambaMayRefuse() {
		// What hamba refuses, and Avro Java accepts, for another reason than
		// the defaults (which we check above) stays refused, as when hamba
		// validated every new schema: the compatibility checker needs its
		// model.
		if err := out.hambaErr(); err != nil {
			return nil, formats.Invalid("%v", err)
		}
	}
	if opts.Normalize {
		out.canonical = normalized(root, printed)
	}
	return out, nil
}

// hambaParse parses with hamba/avro, turning its panics on odd input (seen
// with an empty union and a default) into errors.
func hambaParse(text string, cache *hamba.SchemaCache) (s hamba.Schema, err error) {
	defer func() {
		if p := recover(); p != nil {
			s, err = nil, fmt.Errorf("unsupported schema: %v", p)
		}
	}()
	return hamba.ParseWithCache(text, "", cache)
}

// canonical prints the schema as Avro Java's Schema.toString(refs, false).
func canonical(root *schema, printed map[string]bool) string {
	return canonicalText(root, printed, false)
}

// canonicalText is canonical, with the field defaults replaced by values
// hamba accepts when stub is set.
func canonicalText(root *schema, printed map[string]bool, stub bool) string {
	known := make(map[string]bool, len(printed))
	for k := range printed {
		known[k] = true
	}
	w := writer{stub: stub}
	writeCanonical(&w, root, known, "")
	return w.String()
}

func qualified(s *schema, space string) string {
	if s.space != "" && s.space == space && !primitives[s.name] {
		return s.name
	}
	return s.full()
}

func writeCanonical(w *writer, s *schema, known map[string]bool, space string) {
	if s.ref {
		s = s.target
	}
	if s.named() {
		if known[s.full()] {
			w.str(qualified(s, space))
			return
		}
		known[s.full()] = true
	}
	first := true
	switch s.typ {
	case "union":
		w.WriteByte('[')
		for i, b := range s.branches {
			if i > 0 {
				w.WriteByte(',')
			}
			writeCanonical(w, b, known, space)
		}
		w.WriteByte(']')
		return
	case "record", "error", "enum", "fixed":
		w.WriteByte('{')
		w.key(&first, "type")
		w.str(s.typ)
		w.key(&first, "name")
		w.str(s.name)
		if s.space != space {
			w.key(&first, "namespace")
			w.str(s.space)
		}
		if s.doc != nil {
			w.key(&first, "doc")
			w.str(*s.doc)
		}
		if s.open {
			// Avro Java prints a record whose fields are being parsed (in a
			// message about a default) without fields, properties or
			// aliases: it has none yet.
			w.WriteByte('}')
			return
		}
		switch s.typ {
		case "record", "error":
			w.key(&first, "fields")
			w.WriteByte('[')
			for i, f := range s.fields {
				if i > 0 {
					w.WriteByte(',')
				}
				writeField(w, f, known, s.space)
			}
			w.WriteByte(']')
		case "enum":
			w.key(&first, "symbols")
			w.WriteByte('[')
			for i, sym := range s.symbols {
				if i > 0 {
					w.WriteByte(',')
				}
				w.str(sym)
			}
			w.WriteByte(']')
			if s.enumDef != nil {
				w.key(&first, "default")
				w.str(*s.enumDef)
			}
		case "fixed":
			w.key(&first, "size")
			w.WriteString(s.size)
		}
		writeProps(w, &first, s.props)
		if len(s.aliases) > 0 {
			w.key(&first, "aliases")
			w.WriteByte('[')
			for i, a := range s.aliases {
				if i > 0 {
					w.WriteByte(',')
				}
				as, ans := splitName(a, "")
				if ans == s.space && ans != "" {
					w.str(as)
				} else {
					w.str(a)
				}
			}
			w.WriteByte(']')
		}
		w.WriteByte('}')
	case "array", "map":
		w.WriteByte('{')
		w.key(&first, "type")
		w.str(s.typ)
		if s.typ == "array" {
			w.key(&first, "items")
			writeCanonical(w, s.items, known, space)
		} else {
			w.key(&first, "values")
			writeCanonical(w, s.values, known, space)
		}
		writeProps(w, &first, s.props)
		w.WriteByte('}')
	default:
		if len(s.props) == 0 {
			w.str(s.typ)
			return
		}
		w.WriteByte('{')
		w.key(&first, "type")
		w.str(s.typ)
		writeProps(w, &first, s.props)
		w.WriteByte('}')
	}
}

func writeProps(w *writer, first *bool, props []prop) {
	for _, p := range props {
		w.key(first, p.key)
		w.tree(p.val)
	}
}

func writeField(w *writer, f *field, known map[string]bool, space string) {
	first := true
	w.WriteByte('{')
	w.key(&first, "name")
	w.str(f.name)
	w.key(&first, "type")
	writeCanonical(w, f.typ, known, space)
	if f.doc != nil {
		w.key(&first, "doc")
		w.str(*f.doc)
	}
	if f.def != nil {
		w.key(&first, "default")
		if w.stub {
			writeStub(w, f.typ, map[*schema]bool{})
		} else {
			w.tree(f.def)
		}
	}
	if f.order != "ascending" {
		w.key(&first, "order")
		w.str(f.order)
	}
	if len(f.aliases) > 0 {
		w.key(&first, "aliases")
		w.WriteByte('[')
		for i, a := range f.aliases {
			if i > 0 {
				w.WriteByte(',')
			}
			w.str(a)
		}
		w.WriteByte(']')
	}
	writeProps(w, &first, f.props)
	w.WriteByte('}')
}

// normalized prints Confluent's normalized form: full names only, a fixed
// key order, sorted aliases and custom properties.
func normalized(root *schema, printed map[string]bool) string {
	known := make(map[string]bool, len(printed))
	for k := range printed {
		known[k] = true
	}
	var w writer
	writeNormalized(&w, root, known)
	return w.String()
}

func sortedProps(props []prop) []prop {
	c := append([]prop(nil), props...)
	sort.SliceStable(c, func(i, j int) bool { return c[i].key < c[j].key })
	return c
}

func writeStrings(w *writer, first *bool, key string, list []string) {
	if len(list) == 0 {
		return
	}
	c := append([]string(nil), list...)
	sort.Strings(c)
	w.key(first, key)
	w.WriteByte('[')
	for i, s := range c {
		if i > 0 {
			w.WriteByte(',')
		}
		w.str(s)
	}
	w.WriteByte(']')
}

func writeNormalized(w *writer, s *schema, known map[string]bool) {
	if s.ref {
		s = s.target
	}
	if s.named() {
		if known[s.full()] {
			w.str(s.full())
			return
		}
		known[s.full()] = true
	}
	first := true
	switch s.typ {
	case "union":
		w.WriteByte('[')
		for i, b := range s.branches {
			if i > 0 {
				w.WriteByte(',')
			}
			writeNormalized(w, b, known)
		}
		w.WriteByte(']')
		return
	case "record", "error", "enum", "fixed":
		w.WriteByte('{')
		w.key(&first, "name")
		w.str(s.full())
		w.key(&first, "type")
		w.str(s.typ)
		switch s.typ {
		case "enum":
			w.key(&first, "symbols")
			w.WriteByte('[')
			for i, sym := range s.symbols {
				if i > 0 {
					w.WriteByte(',')
				}
				w.str(sym)
			}
			w.WriteByte(']')
		case "fixed":
			w.key(&first, "size")
			w.WriteString(s.size)
		default:
			w.key(&first, "fields")
			w.WriteByte('[')
			for i, f := range s.fields {
				if i > 0 {
					w.WriteByte(',')
				}
				fw := true
				w.WriteByte('{')
				w.key(&fw, "name")
				w.str(f.name)
				w.key(&fw, "type")
				writeNormalized(w, f.typ, known)
				if f.order != "ascending" {
					w.key(&fw, "order")
					w.str(f.order)
				}
				if f.doc != nil {
					w.key(&fw, "doc")
					w.str(*f.doc)
				}
				writeStrings(w, &fw, "aliases", f.aliases)
				if f.def != nil {
					w.key(&fw, "default")
					w.tree(f.def)
				}
				writeProps(w, &fw, sortedProps(f.props))
				w.WriteByte('}')
			}
			w.WriteByte(']')
		}
		if s.doc != nil {
			w.key(&first, "doc")
			w.str(*s.doc)
		}
		writeStrings(w, &first, "aliases", s.aliases)
		if s.enumDef != nil {
			w.key(&first, "default")
			w.str(*s.enumDef)
		}
		writeProps(w, &first, sortedProps(s.props))
		w.WriteByte('}')
	case "array", "map":
		w.WriteByte('{')
		w.key(&first, "type")
		w.str(s.typ)
		if s.typ == "array" {
			w.key(&first, "items")
			writeNormalized(w, s.items, known)
		} else {
			w.key(&first, "values")
			writeNormalized(w, s.values, known)
		}
		writeProps(w, &first, sortedProps(s.props))
		w.WriteByte('}')
	default:
		if len(s.props) == 0 {
			w.str(s.typ)
			return
		}
		w.WriteByte('{')
		w.key(&first, "type")
		w.str(s.typ)
		// The logical type first, then its parameters, then the rest sorted.
		rest := sortedProps(s.props)
		for _, k := range []string{"logicalType", "precision", "scale"} {
			for i, p := range rest {
				if p.key == k {
					w.key(&first, k)
					w.tree(p.val)
					rest = append(rest[:i:i], rest[i+1:]...)
					break
				}
			}
		}
		writeProps(w, &first, rest)
		w.WriteByte('}')
	}
}

// Formatted serves the schema in another format on reads: "resolved" is
// the schema with the named types of its references written out where
// first used (Avro Java's Schema.toString(), Confluent's RESOLVED format).
// Other formats are the stored text, as Confluent serves them.
func (s *Schema) Formatted(format string) (string, bool, error) {
	if format != "resolved" { // Confluent's Format.get: the exact symbol
		return "", false, nil
	}
	return canonical(s.root, nil), true, nil
}
