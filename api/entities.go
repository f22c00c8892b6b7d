package api

import (
	"encoding/json"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/store"
)

// schemaJSON is Confluent's Schema entity (a subject-version), also used for
// the register response and the by-id SchemaString (8.x shapes: schemaType
// always present).
type schemaJSON struct {
	Subject    string              `json:"subject,omitempty"`
	Version    int                 `json:"version,omitempty"`
	ID         int                 `json:"id,omitempty"`
	GUID       string              `json:"guid,omitempty"`
	SchemaType formats.SchemaType  `json:"schemaType,omitempty"`
	References []formats.Reference `json:"references,omitempty"`
	Metadata   *formats.Metadata   `json:"metadata,omitempty"`
	RuleSet    *formats.RuleSet    `json:"ruleSet,omitempty"`
	Schema     string              `json:"schema"`
	// SchemaTags are the tagged elements ?findTags asks for.
	SchemaTags []formats.SchemaTags `json:"schemaTags,omitempty"`
	MaxID      int                  `json:"maxId,omitempty"`
	TS         int64                `json:"ts,omitempty"`
	// Deleted is always present, false included, as Confluent's Schema
	// entity has it (a Boolean under NON_EMPTY).
	Deleted *bool `json:"deleted,omitempty"`
	// Associations are listed by GET /schemas with association filters
	// (Confluent's ExtendedSchema).
	Associations []associationJSON `json:"associations,omitempty"`
}

func toSchemaJSON(v store.SchemaVersion) schemaJSON {
	return schemaJSON{Subject: v.Subject, Version: v.Version, ID: v.ID, GUID: v.GUID, SchemaType: v.SchemaType,
		References: v.References, Metadata: v.Metadata, RuleSet: v.RuleSet, Schema: v.Schema,
		TS: v.Timestamp, Deleted: &v.Deleted, Associations: toAssociationJSON(v.Associations)}
}

// registerJSON is Confluent's RegisterSchemaResponse (8.x: the whole
// registered schema, id first).
type registerJSON struct {
	ID         int                 `json:"id"`
	Version    int                 `json:"version,omitempty"`
	GUID       string              `json:"guid,omitempty"`
	SchemaType formats.SchemaType  `json:"schemaType,omitempty"`
	References []formats.Reference `json:"references,omitempty"`
	Metadata   *formats.Metadata   `json:"metadata,omitempty"`
	RuleSet    *formats.RuleSet    `json:"ruleSet,omitempty"`
	Schema     string              `json:"schema"`
	TS         int64               `json:"ts,omitempty"`
}

// compatibilityJSON is Confluent's CompatibilityCheckResponse.
type compatibilityJSON struct {
	IsCompatible bool      `json:"is_compatible"`
	Messages     *[]string `json:"messages,omitempty"` // present, maybe empty, when verbose

}

type modeJSON struct {
	Mode string `json:"mode"`
}

// configUpdateJSON renders a config in the ConfigUpdateRequest shape that
// PUT /config answers: the level is named "compatibility".
func configUpdateJSON(c store.Config) map[string]json.RawMessage {
	b := encodeJSON(c) // as Jackson writes: no HTML escapes (">" stays ">")
	m := map[string]json.RawMessage{}
	_ = json.Unmarshal(b, &m)
	if l, ok := m["compatibilityLevel"]; ok {
		delete(m, "compatibilityLevel")
		m["compatibility"] = l
	}
	return m
}

type serverClusterID struct {
	Scope struct {
		Path     []string          `json:"path"`
		Clusters map[string]string `json:"clusters"`
	} `json:"scope"`
}
