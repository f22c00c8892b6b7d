package jsonschema

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/dlclark/regexp2"
	lib "github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/schemaregistry/registry/formats"
)

// Draft is a JSON Schema specification version.
type Draft int

// The drafts a schema may declare with "$schema".
const (
	Draft4    Draft = 4
	Draft6    Draft = 6
	Draft7    Draft = 7
	Draft2019 Draft = 2019
	Draft2020 Draft = 2020
)

func (d Draft) String() string {
	switch d {
	case Draft2019:
		return "2019-09"
	case Draft2020:
		return "2020-12"
	}
	return fmt.Sprintf("draft-%02d", int(d))
}

func (d Draft) library() *lib.Draft {
	switch d {
	case Draft4:
		return lib.Draft4
	case Draft6:
		return lib.Draft6
	case Draft2019:
		return lib.Draft2019
	case Draft2020:
		return lib.Draft2020
	}
	return lib.Draft7
}

// draftOf reads the draft a "$schema" URL names. Like Confluent, an absent
// or unknown "$schema" means draft 7.
func draftOf(doc *Value) (d Draft, known bool) {
	s, ok := doc.Get("$schema").Text()
	if !ok {
		return Draft7, false
	}
	s = strings.TrimSuffix(s, "#")
	s, ok = strings.CutPrefix(s, "http://")
	if !ok {
		s, _ = strings.CutPrefix(s, "https://")
	}
	switch s {
	case "json-schema.org/draft-04/schema":
		return Draft4, true
	case "json-schema.org/draft-06/schema":
		return Draft6, true
	case "json-schema.org/draft-07/schema":
		return Draft7, true
	case "json-schema.org/draft/2019-09/schema":
		return Draft2019, true
	case "json-schema.org/draft/2020-12/schema":
		return Draft2020, true
	}
	return Draft7, false
}

// Format is the JSON Schema type.
type Format struct{}

// Type is JSON.
func (Format) Type() formats.SchemaType { return formats.JSON }

// Schema is a parsed JSON Schema with its references.
type Schema struct {
	canonical string
	root      *Value
	draft     Draft
	compiled  *lib.Schema
	// invalid is why the schema did not compile; only stored schemas
	// (parsed without Options.New) are kept in that state.
	invalid error
}

// Type is JSON.
func (s *Schema) Type() formats.SchemaType { return formats.JSON }

// Canonical is the schema as Confluent stores it: the parsed JSON printed
// compactly by Jackson, key order and numbers kept (keys sorted when
// normalized).
func (s *Schema) Canonical() string { return s.canonical }

// Root is the schema document the canonical text was printed from, with
// every "$ref" resolved (Value.Ref), into the references too.
func (s *Schema) Root() *Value { return s.root }

// Draft is the specification version the schema declares.
func (s *Schema) Draft() Draft { return s.draft }

// RecordName is the top-level "title", which Confluent's serializers use as
// the record name (empty when absent), read as Jackson's asText reads it.
func (s *Schema) RecordName() string {
	t := s.root.Get("title")
	if t == nil {
		return ""
	}
	switch t.Kind {
	case String:
		return t.Str
	case Number, Bool, Null:
		return t.String()
	}
	return ""
}

// Validate checks a JSON document against the schema.
func (s *Schema) Validate(doc []byte) error {
	if s.compiled == nil {
		return fmt.Errorf("schema cannot validate: %v", s.invalid)
	}
	v, err := ParseJSON(doc)
	if err != nil {
		return fmt.Errorf("invalid JSON: %w", err)
	}
	return s.compiled.Validate(toAny(v))
}

// Parse parses schema text with its resolved references. References are
// found by name: a "$ref" to a dependency's name (resolved against the
// schema's base URI) is that dependency, and a fragment points into it. A
// new schema (Options.New) must be valid against its draft's meta-schema
// and every "$ref" must resolve; a stored one is kept even when it is not,
// so that history never blocks evolution.
func (Format) Parse(text string, deps []formats.Dependency, opts formats.Options) (formats.Schema, error) {
	root, err := ParseJSON([]byte(text))
	if err != nil {
		return nil, formats.Invalid("Invalid JSON: %v", err)
	}
	if root.Kind != Object && root.Kind != Bool {
		return nil, formats.Invalid("a JSON Schema must be an object or a boolean")
	}
	if opts.Normalize {
		root = sorted(root)
	}
	s := &Schema{root: root, canonical: root.String()}
	s.draft, _ = draftOf(root)

	rootURL, _ := url.Parse(baseURL)
	base := rootURL
	idKey := "$id"
	if s.draft == Draft4 {
		idKey = "id"
	}
	if id, ok := root.Get(idKey).Text(); ok && root.Get("$ref") == nil {
		if u, err := rootURL.Parse(id); err == nil {
			base = u
		}
	}
	res := newResolver(s.draft)
	res.addDocument(rootURL, root)
	type resource struct {
		url string
		doc *Value
	}
	var resources []resource
	for _, d := range deps {
		dv, err := ParseJSON([]byte(d.Schema))
		if err != nil {
			return nil, formats.Invalid("reference %q is not valid JSON: %v", d.Name, err)
		}
		u, err := base.Parse(d.Name)
		if err != nil {
			if !opts.New {
				continue
			}
			return nil, formats.Invalid("reference name %q is not a valid URI: %v", d.Name, err)
		}
		u.Fragment, u.RawFragment = "", ""
		if _, taken := res.resources[keyOf(u)]; taken {
			continue
		}
		res.addDocument(u, dv)
		resources = append(resources, resource{keyOf(u), dv})
	}
	res.resolveAll()

	c := lib.NewCompiler()
	c.DefaultDraft(lib.Draft7)
	c.UseLoader(refuseLoader{})
	c.UseRegexpEngine(compileRegexp)
	err = c.AddResource(baseURL, libDoc(root))
	for _, r := range resources {
		if err == nil {
			err = c.AddResource(r.url, libDoc(r.doc))
		}
	}
	if err == nil {
		s.compiled, err = c.Compile(baseURL)
	}
	if err != nil {
		s.compiled = nil
		s.invalid = errors.New(describe(err))
		if opts.New {
			return nil, formats.Invalid("%s", s.invalid)
		}
	}
	return s, nil
}

// libDoc is the document the validator library compiles: as parsed, except
// that an unknown "$schema" is dropped, since Confluent reads such schemas
// as draft 7 rather than fetching the meta-schema.
func libDoc(v *Value) any {
	doc := toAny(v)
	if m, ok := doc.(map[string]any); ok {
		if _, known := draftOf(v); !known {
			if _, isString := m["$schema"].(string); isString {
				delete(m, "$schema")
			}
		}
	}
	return doc
}

// describe turns a library error into one line naming the schema as the
// user knows it.
func describe(err error) string {
	msg := err.Error()
	msg = strings.ReplaceAll(msg, `"`+baseURL+`#"`, "the schema")
	msg = strings.ReplaceAll(msg, `"`+baseURL+`"`, "the schema")
	msg = strings.ReplaceAll(msg, baseURL, "")
	msg = strings.Join(strings.Fields(msg), " ")
	return msg
}

// refuseLoader loads nothing: the schema and its references are all there
// is. Meta-schemas come from the library itself.
type refuseLoader struct{}

func (refuseLoader) Load(u string) (any, error) {
	return nil, fmt.Errorf("%s is not a registered reference (no file or network loading)", u)
}

// compileRegexp compiles a "pattern" with Go's RE2 engine when it can (linear
// time), else as an ECMAScript regular expression (look-around and
// back-references, which Java accepts too), with a match time limit.
func compileRegexp(s string) (lib.Regexp, error) {
	if re, err := regexp.Compile(s); err == nil {
		return re, nil
	}
	re, err := regexp2.Compile(s, regexp2.ECMAScript)
	if err != nil {
		return nil, err
	}
	re.MatchTimeout = time.Second
	return (*ecmaRegexp)(re), nil
}

type ecmaRegexp regexp2.Regexp

func (re *ecmaRegexp) MatchString(s string) bool {
	ok, err := (*regexp2.Regexp)(re).MatchString(s)
	return err == nil && ok
}

func (re *ecmaRegexp) String() string { return (*regexp2.Regexp)(re).String() }

// CompileRegexp compiles a pattern the way schemas' patterns are compiled;
// compat uses it for patternProperties.
func CompileRegexp(s string) (interface{ MatchString(string) bool }, error) {
	return compileRegexp(s)
}
