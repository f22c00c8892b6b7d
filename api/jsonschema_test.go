package api

import (
	"strings"
	"testing"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/avro"
	"github.com/schemaregistry/registry/formats/jsonschema"
	"github.com/schemaregistry/registry/store"
)

// newJSONServer is a test server that knows Avro and JSON Schema.
func newJSONServer(t *testing.T) *server {
	t.Helper()
	log := store.NewMemoryLog()
	reg, err := store.Open(log, []formats.Format{avro.Format{}, jsonschema.Format{}}, store.Settings{ModeMutability: true, ValidateNewSchemas: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &server{t: t, log: log, reg: reg, h: New(Options{Registry: reg})}
}

func jsonBody(schema string, extra ...string) string {
	return body(schema, append([]string{`"schemaType":"JSON"`}, extra...)...)
}

func TestJSONSchemaRegisterAndRead(t *testing.T) {
	s := newJSONServer(t)
	pretty := "{\n  \"type\": \"object\",\n  \"title\": \"Order\",\n  \"properties\": {\n    \"id\": {\"type\": \"integer\", \"maximum\": 1e6},\n    \"price\": {\"type\": \"number\", \"multipleOf\": 0.01}\n  },\n  \"required\": [\"id\"],\n  \"additionalProperties\": false\n}"
	canonical := `{"type":"object","title":"Order","properties":{"id":{"type":"integer","maximum":1E+6},"price":{"type":"number","multipleOf":0.01}},"required":["id"],"additionalProperties":false}`
	s.expect("POST", "/subjects/orders-value/versions", jsonBody(pretty), 200,
		`{"id":1,"version":1,"guid":"`+guid(canonical)+`","schemaType":"JSON","schema":`+quote(canonical)+`}`)
	// The same schema in other whitespace is the same schema.
	s.expect("POST", "/subjects/orders-value/versions", jsonBody(canonical), 200,
		`{"id":1,"version":1,"guid":"`+guid(canonical)+`","schemaType":"JSON","schema":`+quote(canonical)+`}`)
	s.expect("POST", "/subjects/orders-value", jsonBody(strings.ReplaceAll(canonical, ",", " ,\n ")), 200,
		`{"subject":"orders-value","version":1,"id":1,"guid":"`+guid(canonical)+`","schemaType":"JSON","schema":`+quote(canonical)+`}`)
	s.expect("GET", "/schemas/ids/1", "", 200, `{"subject":"orders-value","version":1,"guid":"`+guid(canonical)+`","schemaType":"JSON","schema":`+quote(canonical)+`}`)
	if code, raw, _ := s.do("GET", "/schemas/ids/1/schema", ""); code != 200 || raw != canonical {
		t.Fatalf("raw schema by id: %d %s", code, raw)
	}
	s.expect("GET", "/schemas/types", "", 200, `["JSON","AVRO"]`)
	// Key order is part of the text: another order is another schema
	// unless normalized.
	reordered := `{"title":"Order","type":"object","properties":{"id":{"type":"integer","maximum":1E+6},"price":{"type":"number","multipleOf":0.01}},"required":["id"],"additionalProperties":false}`
	s.expectError("POST", "/subjects/orders-value", jsonBody(reordered), 404, 40403, "Schema not found")
	s.expect("POST", "/subjects/sorted/versions?normalize=true", jsonBody(reordered), 200, "")
	normalized := `{"additionalProperties":false,"properties":{"id":{"maximum":1E+6,"type":"integer"},"price":{"multipleOf":0.01,"type":"number"}},"required":["id"],"title":"Order","type":"object"}`
	if code, raw, _ := s.do("GET", "/subjects/sorted/versions/1/schema", ""); code != 200 || raw != normalized {
		t.Fatalf("normalized: %d %s", code, raw)
	}
}

func TestJSONSchemaInvalid(t *testing.T) {
	s := newJSONServer(t)
	s.expectError("POST", "/subjects/bad/versions", jsonBody(`{"type":"object","properties":{"a":{"type":"strng"}}}`), 422, 42201, "Invalid schema of type JSON")
	s.expectError("POST", "/subjects/bad/versions", jsonBody(`{"type":"string","minLength":-1}`), 422, 42201, "minLength")
	s.expectError("POST", "/subjects/bad/versions", jsonBody(`{"type":`), 422, 42201, "Invalid JSON")
	s.expectError("POST", "/subjects/bad/versions", jsonBody(`["string"]`), 422, 42201, "object or a boolean")
	// A reference that was not given is not fetched.
	s.expectError("POST", "/subjects/bad/versions", jsonBody(`{"$ref":"https://example.com/address.json"}`), 422, 42201, "")
}

func TestJSONSchemaReferences(t *testing.T) {
	s := newJSONServer(t)
	address := `{"type":"object","properties":{"street":{"type":"string"},"zip":{"$ref":"#/$defs/zip"}},"$defs":{"zip":{"type":"string","pattern":"^[0-9]{5}$"}}}`
	s.expect("POST", "/subjects/address/versions", jsonBody(address), 200, "")
	user := `{"type":"object","properties":{"home":{"$ref":"address.json"},"zip":{"$ref":"address.json#/$defs/zip"}}}`
	refs := `"references":[{"name":"address.json","subject":"address","version":-1}]`
	s.expect("POST", "/subjects/user/versions", jsonBody(user, refs), 200, "")
	storedRefs := []formats.Reference{{Name: "address.json", Subject: "address", Version: 1}}
	s.expect("GET", "/subjects/user/versions/1", "", 200, `{"subject":"user","version":1,"id":2,"guid":"`+
		formats.IdentityOf(user, storedRefs, nil, nil).GUID()+`","schemaType":"JSON","schema":`+quote(user)+
		`,"references":[{"name":"address.json","subject":"address","version":1}]}`)
	s.expect("GET", "/subjects/address/versions/1/referencedby", "", 200, `[2]`)
	// Without the reference, the name does not resolve.
	s.expectError("POST", "/subjects/user2/versions", jsonBody(user), 422, 42201, "address.json")

	// Compatibility follows the reference: the referenced zip pattern
	// changes under the same name in a new version of address.
	address2 := strings.Replace(address, `^[0-9]{5}$`, `^[0-9]{5}(-[0-9]{4})?$`, 1)
	s.expect("PUT", "/config/address", `{"compatibility":"NONE"}`, 200, "")
	s.expect("POST", "/subjects/address/versions", jsonBody(address2), 200, "")
	refs2 := `"references":[{"name":"address.json","subject":"address","version":2}]`
	s.expect("POST", "/compatibility/subjects/user/versions/latest?verbose=true", jsonBody(user, refs2), 200, `{"is_compatible":false,"messages":[
		"{errorType:\"PATTERN_CHANGED\", description:\"The value at path '#/properties/zip/pattern' is different between the new and old schema'}",
		"{errorType:\"PATTERN_CHANGED\", description:\"The value at path '#/properties/home/properties/zip/pattern' is different between the new and old schema'}",
		"{oldSchemaVersion: 1}",
		`+quote("{oldSchema: '"+user+"'}")+`,
		"{validateFields: 'false', compatibility: 'BACKWARD'}"]}`)
}

func TestJSONSchemaCompatibilityPolicy(t *testing.T) {
	s := newJSONServer(t)
	v1 := `{"type":"object","properties":{"id":{"type":"integer"}}}`
	v2 := `{"type":"object","properties":{"id":{"type":"integer"},"note":{"type":"string"}}}`
	s.expect("POST", "/subjects/s/versions", jsonBody(v1), 200, "")
	// STRICT (the default): an optional property added to an open content
	// model is incompatible.
	s.expectError("POST", "/subjects/s/versions", jsonBody(v2), 409, 40901,
		`Schema being registered is incompatible with an earlier schema for subject "s", details: [{errorType:"OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", description:"The new schema has an open content model and has a property or item at path '#/properties/note' which is missing in the old schema'}`)
	s.expect("POST", "/compatibility/subjects/s/versions/latest?verbose=true", jsonBody(v2), 200, `{"is_compatible":false,"messages":[
		"{errorType:\"OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL\", description:\"The new schema has an open content model and has a property or item at path '#/properties/note' which is missing in the old schema'}",
		"{oldSchemaVersion: 1}",
		`+quote("{oldSchema: '"+v1+"'}")+`,
		"{validateFields: 'false', compatibility: 'BACKWARD'}"]}`)
	// FORWARD sees the other direction: the old schema reads the new one.
	s.expect("PUT", "/config/s", `{"compatibility":"FORWARD"}`, 200, "")
	s.expect("POST", "/compatibility/subjects/s/versions/latest?verbose=true", jsonBody(v2), 200, `{"is_compatible":true,"messages":[]}`)
	// LENIENT accepts it.
	s.expect("PUT", "/config/s", `{"compatibility":"BACKWARD","compatibilityPolicy":"LENIENT"}`, 200, "")
	s.expect("POST", "/subjects/s/versions", jsonBody(v2), 200, `{"id":2,"version":2,"guid":"`+guid(v2)+`","schemaType":"JSON","schema":`+quote(v2)+`}`)
	// Even LENIENT refuses a type change.
	v3 := `{"type":"object","properties":{"id":{"type":"string"},"note":{"type":"string"}}}`
	s.expectError("POST", "/subjects/s/versions", jsonBody(v3), 409, 40901,
		`{errorType:"TYPE_CHANGED", description:"A type at path '#/properties/id' is different between the new schema and the old schema'}`)
	// A JSON schema after an Avro one is another type.
	s.expect("POST", "/subjects/mixed/versions", body(recordV1), 200, "")
	s.expectError("POST", "/subjects/mixed/versions", jsonBody(v1), 409, 40901, "Incompatible because of different schema type")
}
