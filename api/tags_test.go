package api

import (
	"encoding/json"
	"strings"
	"testing"
)

// Schema tags: POST /subjects/{s}/versions/{v}/tags registers a new version
// with the tags in its text; findTags reads them; registrations edit and
// propagate them.
func TestSchemaTags(t *testing.T) {
	s := newServer(t)
	s.register("s", `{"type":"record","name":"myrecord","fields":[{"name":"f1","type":"string"}]}`)
	code, raw, _ := s.do("POST", "/subjects/s/versions/1/tags", `{"newVersion":2,"tagsToAdd":[{"schemaEntity":{"entityPath":"myrecord","entityType":"sr_record"},"tags":["TAG1","TAG2"]},`+
		`{"schemaEntity":{"entityPath":"myrecord.f1","entityType":"sr_field"},"tags":["PII"]}]}`)
	if code != 200 {
		t.Fatalf("tags: %d %s", code, raw)
	}
	var res struct {
		ID, Version int
		Schema      string
		Metadata    struct{ Properties map[string]string }
	}
	json.Unmarshal([]byte(raw), &res)
	const tagged = `{"type":"record","name":"myrecord","fields":[{"name":"f1","type":"string","confluent:tags":["PII"]}],"confluent:tags":["TAG1","TAG2"]}`
	if res.ID != 2 || res.Version != 2 || res.Schema != tagged || res.Metadata.Properties["confluent:version"] != "2" {
		t.Fatalf("tags answered %s", raw)
	}
	s.expect("GET", "/subjects/s/versions/latest?findTags=PII", "", 200, `{"subject":"s","version":2,"id":2,"guid":"`+guidOfAnswer(t, s, "/subjects/s/versions/2")+`","schemaType":"AVRO",`+
		`"metadata":{"properties":{"confluent:version":"2"}},"schema":`+quote(tagged)+`,"schemaTags":[{"schemaEntity":{"entityPath":"myrecord.f1","entityType":"sr_field"},"tags":["PII"]}]}`)
	code, raw, _ = s.do("GET", "/schemas/ids/2?findTags=*", "")
	if code != 200 || !strings.Contains(raw, `"schemaTags":[{"schemaEntity":{"entityPath":"myrecord","entityType":"sr_record"},"tags":["TAG1","TAG2"]},{"schemaEntity":{"entityPath":"myrecord.f1","entityType":"sr_field"},"tags":["PII"]}]`) {
		t.Fatalf("findTags=*: %d %s", code, raw)
	}
	if _, raw, _ = s.do("GET", "/schemas/ids/2", ""); strings.Contains(raw, "schemaTags") {
		t.Fatalf("schemaTags without findTags: %s", raw)
	}
	// Remove one tag: a third version.
	s.expect("POST", "/subjects/s/versions/latest/tags", `{"tagsToRemove":[{"schemaEntity":{"entityPath":"myrecord","entityType":"sr_record"},"tags":["TAG2"]}]}`, 200, "")
	s.expect("GET", "/subjects/s/versions", "", 200, `[1,2,3]`)
	if _, raw, _ = s.do("GET", "/subjects/s/versions/3/schema", ""); !strings.Contains(raw, `"confluent:tags":["TAG1"]`) || strings.Contains(raw, "TAG2") {
		t.Fatalf("version 3: %s", raw)
	}
	// Errors.
	s.expectError("POST", "/subjects/s/versions/1/tags", `{"tagsToAdd":[{"schemaEntity":{"entityPath":"nope.f","entityType":"sr_field"},"tags":["X"]}]}`, 422, 42201, "No matching path 'nope.f' found in the schema")
	s.expectError("POST", "/subjects/s/versions/9/tags", `{}`, 404, 40402, "")
	s.expectError("POST", "/subjects/none/versions/1/tags", `{}`, 404, 40401, "")
	s.expectError("POST", "/subjects/s/versions/1/tags", `{"ruleSet":{"domainRules":[]},"rulesToRemove":["x"]}`, 422, 42210, "ruleSet should be omitted if specifying rulesToMerge or rulesToRemove")

	// Registrations: tags added by the request, then carried to the next
	// version by propagateSchemaTags.
	s.expect("PUT", "/config/t", `{"compatibility":"NONE"}`, 200, "")
	s.expect("POST", "/subjects/t/versions", `{"schema":"{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}",`+
		`"schemaTagsToAdd":[{"schemaEntity":{"entityPath":"R.a","entityType":"sr_field"},"tags":["PII"]}]}`, 200, "")
	s.expect("POST", "/subjects/t/versions", `{"schema":"{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"b\",\"type\":\"int\",\"default\":0}]}","propagateSchemaTags":true}`, 200, "")
	if _, raw, _ = s.do("GET", "/subjects/t/versions/2/schema", ""); raw != `{"type":"record","name":"R","fields":[{"name":"a","type":"int","confluent:tags":["PII"]},{"name":"b","type":"int","default":0}]}` {
		t.Fatalf("propagated: %s", raw)
	}
	// A subject's own context only: an unqualified subject is not found in
	// another context's.
	s.register(":.ctx:foo", `{"type":"record","name":"S","fields":[{"name":"z","type":"int","confluent:tags":["PII"]}]}`)
	s.expectError("POST", "/subjects/foo/versions/1/tags", `{"tagsToAdd":[{"schemaEntity":{"entityPath":"S","entityType":"sr_record"},"tags":["X"]}]}`, 404, 40401, "")
	s.expect("POST", "/subjects/foo/versions", `{"schema":"{\"type\":\"record\",\"name\":\"T\",\"fields\":[]}","propagateSchemaTags":true}`, 200, "")
	newProtobufServer(t).expectError("POST", "/subjects/p/versions", `{"schemaType":"PROTOBUF","schema":"syntax = \"proto3\"; message M { int32 a = 1; }","schemaTagsToAdd":[{"schemaEntity":{"entityPath":"M.a","entityType":"sr_field"},"tags":["PII"]}]}`,
		422, 42201, "schema tags are not supported")
}

func guidOfAnswer(t *testing.T, s *server, path string) string {
	t.Helper()
	_, raw, _ := s.do("GET", path, "")
	var v struct{ GUID string }
	json.Unmarshal([]byte(raw), &v)
	return v.GUID
}
