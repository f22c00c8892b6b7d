package avro

import (
	"slices"
	"strings"

	"github.com/schemaregistry/registry/formats"
)

const tagsProp = "confluent:tags"

// WithTags edits the "confluent:tags" of records and fields as Confluent's
// AvroSchema.copy(tagsToAdd, tagsToRemove) does, on the canonical text: an
// element's tags keep their order, new ones go last, an element left with
// none loses the property.
func (s *Schema) WithTags(add, remove []formats.SchemaTags) (string, error) {
	root, err := parseJSON([]byte(s.canonical))
	if err != nil {
		return "", formats.Invalid("%v", err)
	}
	var order []formats.SchemaEntity
	adds, removes := map[formats.SchemaEntity][]string{}, map[formats.SchemaEntity][]string{}
	for _, list := range []struct {
		tags []formats.SchemaTags
		into map[formats.SchemaEntity][]string
	}{{add, adds}, {remove, removes}} {
		for _, st := range list.tags {
			if _, seen := adds[st.SchemaEntity]; !seen {
				if _, seen := removes[st.SchemaEntity]; !seen {
					order = append(order, st.SchemaEntity)
				}
			}
			list.into[st.SchemaEntity] = append(list.into[st.SchemaEntity], st.Tags...)
		}
	}
	for _, e := range order {
		n, err := findEntity(root, e)
		if err != nil {
			return "", err
		}
		tags := inlineTags(n)
		for _, t := range adds[e] {
			if !slices.Contains(tags, t) {
				tags = append(tags, t)
			}
		}
		tags = slices.DeleteFunc(tags, func(t string) bool { return slices.Contains(removes[e], t) })
		setTags(n, tags)
	}
	var w writer
	w.tree(root)
	return w.String(), nil
}

func inlineTags(n *node) []string {
	var out []string
	if arr := n.get(tagsProp); arr != nil && arr.kind == 'a' {
		for _, t := range arr.items {
			if s, ok := t.text(); ok && !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	return out
}

func setTags(n *node, tags []string) {
	i := slices.Index(n.keys, tagsProp)
	if len(tags) == 0 {
		if i >= 0 {
			n.keys = slices.Delete(n.keys, i, i+1)
			n.vals = slices.Delete(n.vals, i, i+1)
		}
		return
	}
	arr := &node{kind: 'a'}
	for _, t := range tags {
		arr.items = append(arr.items, &node{kind: 's', str: t})
	}
	if i >= 0 {
		n.vals[i] = arr
		return
	}
	n.keys = append(n.keys, tagsProp)
	n.vals = append(n.vals, arr)
}

// findEntity is Confluent's AvroSchemaUtils.findMatchingEntity: a breadth
// first search for the record (by name, and by namespace when the path
// has one: the root's, which nested records are compared with as Confluent
// does) or the field of one.
func findEntity(root *node, e formats.SchemaEntity) (*node, error) {
	ids := strings.Split(e.EntityPath, ".")
	var ns, record, field string
	if e.EntityType == formats.EntityRecord {
		ns, record = strings.Join(ids[:len(ids)-1], "."), ids[len(ids)-1]
	} else if len(ids) >= 2 {
		ns, record, field = strings.Join(ids[:len(ids)-2], "."), ids[len(ids)-2], ids[len(ids)-1]
	} else {
		return nil, formats.Invalid("No matching path '%s' found in the schema", e.EntityPath)
	}
	rootNS, _ := root.get("namespace").text()
	queue := []*node{root}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		if n == nil {
			continue
		}
		typ := n.get("type")
		if typ == nil {
			queue = append(queue, n.items...) // a union
			continue
		}
		t, _ := typ.text()
		switch t {
		case "record":
			name, _ := n.get("name").text()
			if (ns == "" || ns == rootNS) && name == record {
				if e.EntityType == formats.EntityRecord {
					return n, nil
				}
				if fields := n.get("fields"); fields != nil {
					for _, f := range fields.items {
						if fn, _ := f.get("name").text(); fn == field {
							return f, nil
						}
					}
				}
			} else if fields := n.get("fields"); fields != nil {
				queue = append(queue, fields.items...)
			}
		case "array":
			queue = append(queue, n.get("items"))
		case "map":
			queue = append(queue, n.get("values"))
		default:
			if typ.kind == 'o' || typ.kind == 'a' {
				queue = append(queue, typ)
			}
		}
	}
	return nil, formats.Invalid("No matching path '%s' found in the schema", e.EntityPath)
}

// Tags lists the tagged records and fields as Confluent's
// inlineTaggedEntities does: records by full name, each once, depth first.
func (s *Schema) Tags() []formats.SchemaTags {
	var out []formats.SchemaTags
	seen := map[string]bool{}
	var walk func(t *schema)
	walk = func(t *schema) {
		if t != nil && t.ref {
			t = t.target
		}
		if t == nil {
			return
		}
		switch t.typ {
		case "union":
			for _, b := range t.branches {
				walk(b)
			}
		case "array":
			walk(t.items)
		case "map":
			walk(t.values)
		case "record", "error":
			full := t.full()
			if seen[full] {
				return
			}
			seen[full] = true
			if tags := propTags(t.props); len(tags) > 0 {
				out = append(out, formats.SchemaTags{SchemaEntity: formats.SchemaEntity{EntityPath: full, EntityType: formats.EntityRecord}, Tags: tags})
			}
			for _, f := range t.fields {
				if tags := propTags(f.props); len(tags) > 0 {
					out = append(out, formats.SchemaTags{SchemaEntity: formats.SchemaEntity{EntityPath: full + "." + f.name, EntityType: formats.EntityField}, Tags: tags})
				}
				walk(f.typ)
			}
		}
	}
	walk(s.root)
	return out
}

func propTags(props []prop) []string {
	for _, p := range props {
		if p.key == tagsProp {
			return inlineTags(&node{kind: 'o', keys: []string{tagsProp}, vals: []*node{p.val}})
		}
	}
	return nil
}
