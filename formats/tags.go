package formats

// Schema tags (Confluent's SchemaTags): tags written inline in a schema's
// text ("confluent:tags" on an Avro record or field), named by entity.

// Entity types of a tagged element.
const (
	EntityRecord = "sr_record"
	EntityField  = "sr_field"
)

// SchemaEntity names an element of a schema: a record by its full name, a
// field by its record's full name and its own name.
type SchemaEntity struct {
	EntityPath string `json:"entityPath"`
	EntityType string `json:"entityType"`
}

// SchemaTags are the tags of one element.
type SchemaTags struct {
	SchemaEntity SchemaEntity `json:"schemaEntity"`
	Tags         []string     `json:"tags"`
}

// Tagged is a schema whose elements carry inline tags.
type Tagged interface {
	// WithTags returns the schema's text with tags added to and removed
	// from its elements (added first, as Confluent's copy does); an entity
	// the schema lacks is an invalid-schema error.
	WithTags(add, remove []SchemaTags) (string, error)
	// Tags lists the tagged elements with their tags, in Confluent's order
	// (inlineTaggedEntities).
	Tags() []SchemaTags
}

// TagsFound keeps the tagged elements that carry one of the tags asked for
// ("*" for any): Confluent's findTags.
func TagsFound(all []SchemaTags, find []string) []SchemaTags {
	any := false
	want := map[string]bool{}
	for _, t := range find {
		any = any || t == "*"
		want[t] = true
	}
	var out []SchemaTags
	for _, st := range all {
		if any {
			out = append(out, st)
			continue
		}
		for _, t := range st.Tags {
			if want[t] {
				out = append(out, st)
				break
			}
		}
	}
	return out
}
