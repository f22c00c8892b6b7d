package api

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/schemaregistry/registry/store"
)

// TestSchemaSearchDefaultLimit: /schemas and referencedby answer
// schema.search.default.limit items when no limit is asked, and also when
// the limit asked is above schema.search.max.limit (Confluent's
// normalizeLimit); a limit within the max is kept.
func TestSchemaSearchDefaultLimit(t *testing.T) {
	s := newServer(t, store.Settings{ModeMutability: true, ValidateNewSchemas: true,
		SchemaSearch: store.Limits{Default: 2, Max: 4}})
	s.expect("POST", "/subjects/base/versions", body(`{"type":"record","name":"Base","fields":[]}`), 200, "")
	ref := `"references":[{"name":"Base","subject":"base","version":1}]`
	for i := range 6 {
		s.expect("POST", fmt.Sprintf("/subjects/s%d/versions", i), body(fmt.Sprintf(`{"type":"record","name":"R%d","fields":[{"name":"b","type":"Base"}]}`, i), ref), 200, "")
	}
	count := func(path string) int {
		t.Helper()
		status, raw, _ := s.do("GET", path, "")
		var list []json.RawMessage
		if status != 200 || json.Unmarshal([]byte(raw), &list) != nil {
			t.Fatalf("GET %s: %d %s", path, status, raw)
		}
		return len(list)
	}
	for path, want := range map[string]int{
		"/schemas":                               2, // the default, not the max
		"/schemas?limit=3":                       3,
		"/schemas?limit=4":                       4,
		"/schemas?limit=50":                      2, // above the max: the default
		"/schemas?limit=-1":                      2,
		"/subjects/base/versions/1/referencedby": 2,
		"/subjects/base/versions/1/referencedby?limit=50": 2,
		"/subjects/base/versions/1/referencedby?limit=3":  3,
		"/subjects":         7, // subjects have no limit unless set
		"/subjects?limit=5": 5,
	} {
		if got := count(path); got != want {
			t.Errorf("GET %s: %d items, want %d", path, got, want)
		}
	}
}

// TestValidateNewSchemasConfig: a config's validateNewSchemas decides
// whether a new schema is validated strictly (an Avro default of the wrong
// type is refused), over schema.validate.new.schemas, for registrations and
// compatibility checks (Confluent's isSchemaNewSchemaValidationEnabled).
func TestValidateNewSchemasConfig(t *testing.T) {
	badDefault := body(`{"type":"record","name":"R","fields":[{"name":"a","type":"int","default":"x"}]}`)
	t.Run("subject config off, server on", func(t *testing.T) {
		s := newServer(t)
		s.expectError("POST", "/subjects/strict/versions", badDefault, 422, store.CodeInvalidSchema, "")
		// id -1 is no id (Confluent's clients send it): validated as new.
		s.expectError("POST", "/subjects/strict/versions", body(`{"type":"record","name":"R","fields":[{"name":"a","type":"int","default":"x"}]}`, `"id":-1`), 422, store.CodeInvalidSchema, "")
		s.expect("PUT", "/config/lenient", `{"validateNewSchemas":false}`, 200, "")
		s.expect("POST", "/compatibility/subjects/lenient/versions?verbose=true", badDefault, 200, `{"is_compatible":true,"messages":[]}`)
		s.expect("POST", "/subjects/lenient/versions", badDefault, 200, "")
	})
	t.Run("global config off, server on", func(t *testing.T) {
		s := newServer(t)
		s.expect("PUT", "/config", `{"validateNewSchemas":false}`, 200, "")
		s.expect("POST", "/subjects/any/versions", badDefault, 200, "")
	})
	t.Run("subject config on, server off", func(t *testing.T) {
		s := newServer(t, store.Settings{ModeMutability: true, ValidateNewSchemas: false})
		s.expect("POST", "/subjects/lenient/versions", badDefault, 200, "")
		s.expect("PUT", "/config/strict", `{"validateNewSchemas":true}`, 200, "")
		s.expectError("POST", "/subjects/strict/versions", badDefault, 422, store.CodeInvalidSchema, "")
	})
}
