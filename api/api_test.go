package api

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/avro"
	"github.com/schemaregistry/registry/store"
)

type server struct {
	t   *testing.T
	h   http.Handler
	log *store.MemoryLog
	reg *store.Registry
}

func newServer(t *testing.T, settings ...store.Settings) *server {
	t.Helper()
	log := store.NewMemoryLog()
	var s store.Settings
	if len(settings) > 0 {
		s = settings[0]
	} else {
		s = store.Settings{ModeMutability: true, ValidateNewSchemas: true}
	}
	reg, err := store.Open(log, []formats.Format{avro.Format{}}, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &server{t: t, log: log, reg: reg, h: New(Options{Registry: reg, Version: "test", GroupID: "schema-registry", ClusterID: "embedded"})}
}

// do sends a request and returns the status, the raw body and the response.
func (s *server) do(method, path, body string, headers ...string) (int, string, http.Header) {
	s.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/vnd.schemaregistry.v1+json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	s.h.ServeHTTP(w, req)
	return w.Code, w.Body.String(), w.Header()
}

// expect asserts status and body: want is JSON compared structurally, with
// "ts" fields ignored.
func (s *server) expect(method, path, body string, status int, want string) {
	s.t.Helper()
	got, raw, _ := s.do(method, path, body)
	if got != status {
		s.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, got, status, raw)
	}
	if want == "" {
		return
	}
	var g, w any
	if err := json.Unmarshal([]byte(raw), &g); err != nil {
		s.t.Fatalf("%s %s: body %q is not JSON: %v", method, path, raw, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		s.t.Fatalf("bad want %q: %v", want, err)
	}
	dropTS(g)
	if !reflect.DeepEqual(g, w) {
		s.t.Fatalf("%s %s:\n got  %s\n want %s", method, path, raw, want)
	}
}

// dropTS drops the record timestamps of an answer, and the "deleted":false
// every Schema entity carries (TestDeletedIsAlwaysPresent checks it), so
// that wanted answers spell out only what the test is about.
func dropTS(v any) {
	switch x := v.(type) {
	case map[string]any:
		delete(x, "ts")
		if d, ok := x["deleted"].(bool); ok && !d {
			delete(x, "deleted")
		}
		for _, e := range x {
			dropTS(e)
		}
	case []any:
		for _, e := range x {
			dropTS(e)
		}
	}
}

// expectError asserts a Confluent error envelope.
func (s *server) expectError(method, path, body string, status, code int, msgPart string) {
	s.t.Helper()
	got, raw, _ := s.do(method, path, body)
	var e struct {
		ErrorCode *int   `json:"error_code"`
		Message   string `json:"message"`
	}
	if got != status || json.Unmarshal([]byte(raw), &e) != nil || e.ErrorCode == nil || *e.ErrorCode != code || !strings.Contains(e.Message, msgPart) {
		s.t.Fatalf("%s %s: got %d %s, want %d with error_code %d and message containing %q", method, path, got, raw, status, code, msgPart)
	}
}

func body(schema string, extra ...string) string {
	b, _ := json.Marshal(schema)
	out := `{"schema":` + string(b)
	for _, e := range extra {
		out += "," + e
	}
	return out + "}"
}

const (
	recordV1 = `{"type":"record","name":"User","namespace":"com.acme","fields":[{"name":"id","type":"long"}]}`
	recordV2 = `{"type":"record","name":"User","namespace":"com.acme","fields":[{"name":"id","type":"long"},{"name":"email","type":["null","string"],"default":null}]}`
	recordV3 = `{"type":"record","name":"User","namespace":"com.acme","fields":[{"name":"id","type":"long"},{"name":"name","type":"string"}]}`
)

func TestRegisterAndRead(t *testing.T) {
	s := newServer(t)
	s.expect("POST", "/subjects/users-value/versions", body(recordV1), 200,
		`{"id":1,"version":1,"guid":"`+guid(recordV1)+`","schemaType":"AVRO","schema":`+quote(recordV1)+`}`)
	// The same schema in other whitespace is the same schema: same id, same version.
	spaced := strings.ReplaceAll(recordV1, ",", ", ")
	s.expect("POST", "/subjects/users-value/versions", body(spaced), 200,
		`{"id":1,"version":1,"guid":"`+guid(recordV1)+`","schemaType":"AVRO","schema":`+quote(recordV1)+`}`)
	// Under another subject it keeps its id and gets version 1 there.
	s.expect("POST", "/subjects/other/versions", body(recordV1), 200,
		`{"id":1,"version":1,"guid":"`+guid(recordV1)+`","schemaType":"AVRO","schema":`+quote(recordV1)+`}`)
	s.expect("POST", "/subjects/users-value/versions", body(recordV2), 200,
		`{"id":2,"version":2,"guid":"`+guid(recordV2)+`","schemaType":"AVRO","schema":`+quote(recordV2)+`}`)

	s.expect("GET", "/schemas/ids/1", "", 200, `{"subject":"other","version":1,"guid":"`+guid(recordV1)+`","schemaType":"AVRO","schema":`+quote(recordV1)+`}`)
	s.expect("GET", "/schemas/ids/1?subject=users-value", "", 200, `{"subject":"users-value","version":1,"guid":"`+guid(recordV1)+`","schemaType":"AVRO","schema":`+quote(recordV1)+`}`)
	s.expect("GET", "/schemas/ids/2?fetchMaxId=true", "", 200, `{"subject":"users-value","version":2,"guid":"`+guid(recordV2)+`","schemaType":"AVRO","schema":`+quote(recordV2)+`,"maxId":2}`)
	if code, raw, _ := s.do("GET", "/schemas/ids/1/schema", ""); code != 200 || raw != recordV1 {
		t.Fatalf("raw schema by id: %d %s", code, raw)
	}
	s.expect("GET", "/schemas/ids/1/subjects", "", 200, `["other","users-value"]`)
	s.expect("GET", "/schemas/ids/1/versions", "", 200, `[{"subject":"other","version":1},{"subject":"users-value","version":1}]`)
	s.expect("GET", "/schemas/guids/"+guid(recordV2), "", 200, `{"guid":"`+guid(recordV2)+`","schemaType":"AVRO","schema":`+quote(recordV2)+`}`)
	s.expect("GET", "/schemas/guids/"+guid(recordV2)+"/ids", "", 200, `[{"context":".","id":2}]`)
	s.expect("GET", "/subjects", "", 200, `["other","users-value"]`)
	s.expect("GET", "/subjects?subjectPrefix=us", "", 200, `["users-value"]`)
	s.expect("GET", "/subjects?offset=1&limit=1", "", 200, `["users-value"]`)
	s.expect("GET", "/subjects/users-value/versions", "", 200, `[1,2]`)
	for _, v := range []string{"2", "latest", "LATEST", "-1", "%20latest%20"} {
		s.expect("GET", "/subjects/users-value/versions/"+v, "", 200,
			`{"subject":"users-value","version":2,"id":2,"guid":"`+guid(recordV2)+`","schemaType":"AVRO","schema":`+quote(recordV2)+`}`)
	}
	if code, raw, _ := s.do("GET", "/subjects/users-value/versions/1/schema", ""); code != 200 || raw != recordV1 {
		t.Fatalf("raw schema by version: %d %s", code, raw)
	}
	s.expect("POST", "/subjects/users-value", body(spaced), 200,
		`{"subject":"users-value","version":1,"id":1,"guid":"`+guid(recordV1)+`","schemaType":"AVRO","schema":`+quote(recordV1)+`}`)
	s.expect("GET", "/schemas?subjectPrefix=users", "", 200, `[
		{"subject":"users-value","version":1,"id":1,"guid":"`+guid(recordV1)+`","schemaType":"AVRO","schema":`+quote(recordV1)+`},
		{"subject":"users-value","version":2,"id":2,"guid":"`+guid(recordV2)+`","schemaType":"AVRO","schema":`+quote(recordV2)+`}]`)
	s.expect("GET", "/schemas?latestOnly=true", "", 200, `[
		{"subject":"other","version":1,"id":1,"guid":"`+guid(recordV1)+`","schemaType":"AVRO","schema":`+quote(recordV1)+`},
		{"subject":"users-value","version":2,"id":2,"guid":"`+guid(recordV2)+`","schemaType":"AVRO","schema":`+quote(recordV2)+`}]`)
	s.expect("GET", "/schemas/types", "", 200, `["AVRO"]`)
}

func guid(canonical string) string {
	return formats.IdentityOf(canonical, nil, nil, nil).GUID()
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestErrorCodes(t *testing.T) {
	s := newServer(t)
	s.expect("POST", "/subjects/s/versions", body(recordV1), 200, "")
	s.expectError("GET", "/subjects/nope/versions", "", 404, 40401, "Subject 'nope' not found.")
	s.expectError("GET", "/subjects/nope/versions/1", "", 404, 40401, "Subject 'nope' not found.")
	s.expectError("GET", "/subjects/s/versions/7", "", 404, 40402, "Version 7 not found.")
	s.expectError("GET", "/schemas/ids/99", "", 404, 40403, "Schema 99 not found")
	s.expectError("GET", "/schemas/ids/99/schema", "", 404, 40403, "Schema 99 not found")
	s.expectError("GET", "/schemas/ids/99/subjects", "", 404, 40403, "Schema 99 not found")
	s.expectError("GET", "/schemas/ids/99/versions", "", 404, 40403, "Schema 99 not found")
	s.expectError("GET", "/schemas/ids/abc", "", 404, 40403, "not found")
	s.expectError("GET", "/schemas/guids/00000000-0000-0000-0000-000000000000", "", 404, 40403, "not found")
	s.expectError("POST", "/subjects/s", body(recordV2), 404, 40403, "Schema not found")
	s.expectError("POST", "/subjects/nope", body(recordV2), 404, 40401, "Subject 'nope' not found.")
	s.expectError("POST", "/subjects/s/versions", body(recordV3), 409, 40901, `Schema being registered is incompatible with an earlier schema for subject "s", details: [{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE'`)
	s.expectError("POST", "/subjects/s/versions", body(`{"type":"record","name":"X"}`), 422, 42201, "Invalid schema")
	s.expectError("POST", "/subjects/s/versions", body(`not json`), 422, 42201, "Invalid schema")
	s.expectError("POST", "/subjects/s/versions", body(""), 422, 42201, "Empty schema")
	s.expectError("POST", "/subjects/s/versions", body(`"string"`, `"schemaType":"XML"`), 422, 42201, "Invalid schema type")
	s.expectError("POST", "/subjects/s/versions", body(`"string"`, `"references":[{"name":"a","subject":"nope","version":1}]`), 422, 42201, `No schema reference found for subject "nope" and version 1`)
	s.expectError("POST", "/subjects/s/versions", body(recordV2, `"version":5`), 422, 42201, "Version is not one more than previous version")
	s.expectError("GET", "/subjects/s/versions/0", "", 422, 42202, "The specified version '0' is not a valid version id")
	s.expectError("GET", "/subjects/s/versions/abc", "", 422, 42202, "Allowed values are between [1, 2^31-1] and the string \"latest\"")
	s.expectError("GET", "/subjects/s/versions/2147483648", "", 422, 42202, "not a valid version id")
	s.expectError("PUT", "/config", `{"compatibility":"SIDEWAYS"}`, 422, 42203, "Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive")
	s.expectError("PUT", "/mode", `{"mode":"WRITEONLY"}`, 422, 42204, "Invalid mode. Valid values are READWRITE, READONLY, IMPORT and FORWARD.")
	s.expectError("PUT", "/mode/s", `{"mode":"FORWARD"}`, 422, 42204, "Forward mode only supported on global level")
	s.expectError("PUT", "/mode", `{"mode":"IMPORT"}`, 422, 42205, "Cannot import since found existing subjects")
	s.expectError("POST", "/subjects/s/versions", body(`"int"`, `"id":7`), 422, 42205, "is not in import mode")
	s.expectError("POST", "/subjects/__GLOBAL/versions", body(`"int"`), 422, 42208, "The specified subject '__GLOBAL' is not a valid.")
	s.expectError("POST", "/subjects/a%01b/versions", body(`"int"`), 422, 42208, "is not a valid.")
	s.expectError("POST", "/subjects/s/versions", body(`"int"`, `"ruleSet":{"domainRules":[{"name":"r","type":"CEL"},{"name":"r","type":"CEL"}]}`), 422, 42210, "Found rule with duplicate name 'r'")
	s.expectError("POST", "/subjects/s/versions", body(`"int"`, `"ruleSet":{"domainRules":[{"type":"CEL"}]}`), 422, 42210, "Missing rule name")
	s.expectError("GET", "/config/s", "", 404, 40408, "Subject 's' does not have subject-level compatibility configured")
	s.expectError("GET", "/mode/s", "", 404, 40409, "Subject 's' does not have subject-level mode configured")
	s.expectError("DELETE", "/config/s", "", 404, 40401, "Subject 's' not found.")
	s.expectError("DELETE", "/mode/s", "", 404, 40401, "Subject 's' not found.")
	// Framework errors use the HTTP status as code.
	s.expectError("GET", "/no/such/path", "", 404, 404, "HTTP 404 Not Found")
	s.expectError("PATCH", "/subjects", "", 405, 405, "HTTP 405 Method Not Allowed")
	s.expectError("POST", "/subjects/s/versions", `{"schema":`, 400, 400, "")
	s.expectError("POST", "/subjects/s/versions", `{"schema":5}`, 422, 422, "")
	s.expectError("POST", "/subjects/s/versions", " ", 422, 422, "Request body is missing")
	if code, raw, _ := s.do("POST", "/subjects/s/versions", body(`"int"`), "Content-Type", "text/plain"); code != 415 || !strings.Contains(raw, `"error_code":415`) {
		t.Fatalf("text/plain body: %d %s", code, raw)
	}
	if code, raw, _ := s.do("GET", "/subjects", "", "Accept", "text/html"); code != 406 || !strings.Contains(raw, `"error_code":406`) {
		t.Fatalf("Accept text/html: %d %s", code, raw)
	}
}

func TestMediaTypesAndRequestID(t *testing.T) {
	s := newServer(t)
	for accept, want := range map[string]string{
		"":                                      "application/vnd.schemaregistry.v1+json",
		"*/*":                                   "application/vnd.schemaregistry.v1+json",
		"application/json":                      "application/json",
		"application/vnd.schemaregistry+json":   "application/vnd.schemaregistry+json",
		"application/json, application/*;q=0.1": "application/json",
		"application/vnd.schemaregistry.v1+json, application/json; q=0.9": "application/vnd.schemaregistry.v1+json",
	} {
		_, _, h := s.do("GET", "/subjects", "", "Accept", accept)
		if got := h.Get("Content-Type"); got != want {
			t.Errorf("Accept %q: Content-Type %q, want %q", accept, got, want)
		}
	}
	for _, ct := range []string{"application/json", "application/vnd.schemaregistry+json", "application/octet-stream"} {
		if code, raw, _ := s.do("POST", "/subjects/ct/versions", body(`"string"`), "Content-Type", ct); code != 200 {
			t.Errorf("Content-Type %s: %d %s", ct, code, raw)
		}
	}
	_, _, h := s.do("GET", "/", "", "X-Request-ID", "abc-123")
	if h.Get("X-Request-ID") != "abc-123" {
		t.Errorf("X-Request-ID not echoed: %q", h.Get("X-Request-ID"))
	}
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 3 {
		_, _, h = s.do("GET", "/", "")
		id := h.Get("X-Request-ID")
		if !uuid.MatchString(id) || seen[id] {
			t.Errorf("generated X-Request-ID %q is not a fresh UUIDv4 (seen: %v)", id, seen)
		}
		seen[id] = true
	}
	s.expect("GET", "/", "", 200, `{}`)
	s.expect("POST", "/", `{"a":"b"}`, 200, `{}`)
}

func TestSubjectNamesAreDecoded(t *testing.T) {
	s := newServer(t)
	for _, tc := range []struct{ path, name string }{
		{"with%20space", "with space"},
		{"caf%C3%A9", "café"},
		{"a%2Fb", "a/b"},
		{":.ctx:orders", ":.ctx:orders"},
	} {
		s.expect("POST", "/subjects/"+tc.path+"/versions", body(`"string"`), 200, "")
		s.expect("GET", "/subjects/"+tc.path+"/versions/1", "", 200,
			`{"subject":`+quote(tc.name)+`,"version":1,"id":1,"guid":"`+guid(`"string"`)+`","schemaType":"AVRO","schema":"\"string\""}`)
	}
	s.expect("GET", "/subjects", "", 200, `[":.ctx:orders","a/b","café","with space"]`)
}

func TestSoftAndHardDeletes(t *testing.T) {
	s := newServer(t)
	s.expect("POST", "/subjects/s/versions", body(recordV1), 200, "")
	s.expect("POST", "/subjects/s/versions", body(recordV2), 200, "")
	s.expectError("DELETE", "/subjects/s/versions/1?permanent=true", "", 404, 40407, "Subject 's' Version 1 was not deleted first before being permanently deleted")
	s.expect("DELETE", "/subjects/s/versions/1", "", 200, `1`)
	s.expectError("DELETE", "/subjects/s/versions/1", "", 404, 40406, "Subject 's' Version 1 was soft deleted.Set permanent=true to delete permanently")
	s.expect("GET", "/subjects/s/versions", "", 200, `[2]`)
	s.expect("GET", "/subjects/s/versions?deleted=true", "", 200, `[1,2]`)
	s.expect("GET", "/subjects/s/versions?deletedOnly=true", "", 200, `[1]`)
	s.expect("GET", "/subjects/s/versions?deletedAsNegative=true", "", 200, `[-1,2]`)
	s.expectError("GET", "/subjects/s/versions/1", "", 404, 40402, "Version 1 not found.")
	s.expect("GET", "/subjects/s/versions/1?deleted=true", "", 200,
		`{"subject":"s","version":1,"id":1,"guid":"`+guid(recordV1)+`","schemaType":"AVRO","schema":`+quote(recordV1)+`,"deleted":true}`)
	// A soft-deleted schema keeps its id.
	s.expect("GET", "/schemas/ids/1", "", 200, `{"subject":"s","version":1,"guid":"`+guid(recordV1)+`","schemaType":"AVRO","schema":`+quote(recordV1)+`,"deleted":true}`)
	s.expect("GET", "/schemas/ids/1/versions", "", 200, `[]`)
	s.expect("GET", "/schemas/ids/1/versions?deleted=true", "", 200, `[{"subject":"s","version":1}]`)
	s.expect("DELETE", "/subjects/s/versions/1?permanent=true", "", 200, `1`)
	s.expectError("GET", "/schemas/ids/1", "", 404, 40403, "Schema 1 not found")
	s.expectError("DELETE", "/subjects/s/versions/1?permanent=true", "", 404, 40402, "Version 1 not found.")

	s.expectError("DELETE", "/subjects/s?permanent=true", "", 404, 40405, "Subject 's' was not deleted first before being permanently deleted")
	s.expect("DELETE", "/subjects/s", "", 200, `[2]`)
	s.expectError("DELETE", "/subjects/s", "", 404, 40404, "Subject 's' was soft deleted.Set permanent=true to delete permanently")
	s.expect("GET", "/subjects", "", 200, `[]`)
	s.expect("GET", "/subjects?deleted=true", "", 200, `["s"]`)
	s.expect("GET", "/subjects?deletedOnly=true", "", 200, `["s"]`)
	s.expectError("GET", "/subjects/s/versions", "", 404, 40401, "Subject 's' not found.")
	// A new version after a soft delete continues the numbering.
	s.expect("POST", "/subjects/s/versions", body(recordV3), 200, `{"id":3,"version":3,"guid":"`+guid(recordV3)+`","schemaType":"AVRO","schema":`+quote(recordV3)+`}`)
	s.expect("DELETE", "/subjects/s", "", 200, `[3]`)
	s.expect("DELETE", "/subjects/s?permanent=true", "", 200, `[2,3]`)
	s.expectError("DELETE", "/subjects/s", "", 404, 40401, "Subject 's' not found.")
	s.expect("GET", "/subjects?deleted=true", "", 200, `[]`)
	// Ids are never reused.
	s.expect("POST", "/subjects/s/versions", body(`"long"`), 200, `{"id":4,"version":1,"guid":"`+guid(`"long"`)+`","schemaType":"AVRO","schema":"\"long\""}`)
}

func TestReferences(t *testing.T) {
	s := newServer(t)
	address := `{"type":"record","name":"Address","namespace":"com.acme","fields":[{"name":"street","type":"string"}]}`
	user := `{"type":"record","name":"User","namespace":"com.acme","fields":[{"name":"home","type":"Address"}]}`
	s.expect("POST", "/subjects/address/versions", body(address), 200, "")
	refs := `"references":[{"name":"com.acme.Address","subject":"address","version":-1}]`
	s.expect("POST", "/subjects/user/versions", body(user, refs), 200, "")
	// The reference is stored with its concrete version; the schema keeps the type by name.
	canonicalUser := `{"type":"record","name":"User","namespace":"com.acme","fields":[{"name":"home","type":"Address"}]}`
	storedRefs := `[{"name":"com.acme.Address","subject":"address","version":1}]`
	s.expect("GET", "/subjects/user/versions/1", "", 200, `{"subject":"user","version":1,"id":2,"guid":"`+
		formats.IdentityOf(canonicalUser, []formats.Reference{{Name: "com.acme.Address", Subject: "address", Version: 1}}, nil, nil).GUID()+
		`","schemaType":"AVRO","schema":`+quote(canonicalUser)+`,"references":`+storedRefs+`}`)
	s.expect("GET", "/subjects/address/versions/1/referencedby", "", 200, `[2]`)
	s.expectError("DELETE", "/subjects/address/versions/1", "", 422, 42206, "One or more references exist to the schema {magic=1,keytype=SCHEMA,subject=address,version=1}.")
	s.expectError("DELETE", "/subjects/address", "", 422, 42206, "One or more references exist to the schema")
	// Without the reference the type is unknown.
	s.expectError("POST", "/subjects/user2/versions", body(user), 422, 42201, "Address")
	// Once the referrer is soft-deleted the referenced version may be soft-deleted, but not hard-deleted.
	s.expect("DELETE", "/subjects/user", "", 200, `[1]`)
	s.expect("GET", "/subjects/address/versions/1/referencedby", "", 200, `[]`)
	s.expect("GET", "/subjects/address/versions/1/referencedby?deleted=true", "", 200, `[2]`)
	s.expect("DELETE", "/subjects/address/versions/1", "", 200, `1`)
	s.expectError("DELETE", "/subjects/address/versions/1?permanent=true", "", 422, 42206, "One or more references exist")
}

func TestConfigAndMode(t *testing.T) {
	s := newServer(t)
	s.expect("GET", "/config", "", 200, `{"compatibilityLevel":"BACKWARD"}`)
	s.expect("PUT", "/config", `{"compatibility":"full"}`, 200, `{"compatibility":"FULL"}`)
	s.expect("GET", "/config", "", 200, `{"compatibilityLevel":"FULL"}`)
	s.expect("PUT", "/config/s", `{"compatibility":"NONE","normalize":true}`, 200, `{"compatibility":"NONE","normalize":true}`)
	s.expect("GET", "/config/s", "", 200, `{"compatibilityLevel":"NONE","normalize":true}`)
	// Tri-state: absent keeps, null clears.
	s.expect("PUT", "/config/s", `{"validateFields":true}`, 200, `{"compatibility":"NONE","normalize":true,"validateFields":true}`)
	s.expect("PUT", "/config/s", `{"normalize":null}`, 200, `{"compatibility":"NONE","validateFields":true}`)
	s.expect("GET", "/config/other?defaultToGlobal=true", "", 200, `{"compatibilityLevel":"FULL"}`)
	s.expect("DELETE", "/config/s", "", 200, `{"compatibilityLevel":"NONE","validateFields":true}`)
	s.expectError("GET", "/config/s", "", 404, 40408, "")
	s.expect("DELETE", "/config", "", 200, `{"compatibilityLevel":"FULL"}`)
	s.expect("GET", "/config", "", 200, `{"compatibilityLevel":"BACKWARD"}`)

	s.expect("GET", "/mode", "", 200, `{"mode":"READWRITE"}`)
	s.expect("POST", "/subjects/s/versions", body(recordV1), 200, "")
	s.expect("PUT", "/mode/s", `{"mode":"readonly"}`, 200, `{"mode":"READONLY"}`)
	s.expect("GET", "/mode/s", "", 200, `{"mode":"READONLY"}`)
	s.expect("GET", "/mode/t?defaultToGlobal=true", "", 200, `{"mode":"READWRITE"}`)
	// A schema the subject already holds is answered even in READONLY mode.
	s.expect("POST", "/subjects/s/versions", body(recordV1), 200, `{"id":1,"version":1,"guid":"`+guid(recordV1)+`","schemaType":"AVRO","schema":`+quote(recordV1)+`}`)
	s.expectError("POST", "/subjects/s/versions", body(recordV2), 422, 42205, "Subject s in context . is in read-only mode")
	s.expectError("DELETE", "/subjects/s/versions/1", "", 422, 42205, "read-only mode")
	s.expectError("DELETE", "/subjects/s", "", 422, 42205, "read-only mode")
	s.expect("DELETE", "/mode/s", "", 200, `{"mode":"READONLY"}`)
	s.expect("POST", "/subjects/s/versions", body(recordV2), 200, "")

	// IMPORT mode: explicit ids and versions, no compatibility check.
	s.expect("PUT", "/mode?force=true", `{"mode":"IMPORT"}`, 200, `{"mode":"IMPORT"}`)
	s.expectError("POST", "/subjects/imp/versions", body(recordV3), 422, 42205, "is not in read-write mode")
	s.expect("POST", "/subjects/imp/versions", body(recordV3, `"id":100`, `"version":7`), 200,
		`{"id":100,"version":7,"guid":"`+guid(recordV3)+`","schemaType":"AVRO","schema":`+quote(recordV3)+`}`)
	s.expectError("POST", "/subjects/imp2/versions", body(`"bytes"`, `"id":100`), 422, 42205, "Overwrite new schema with id 100 in context . is not permitted.")
	s.expect("PUT", "/mode", `{"mode":"READWRITE"}`, 200, `{"mode":"READWRITE"}`)
	// After an import, new ids continue above the highest one.
	s.expect("POST", "/subjects/next/versions", body(`"bytes"`), 200, `{"id":101,"version":1,"guid":"`+guid(`"bytes"`)+`","schemaType":"AVRO","schema":"\"bytes\""}`)

	m := newServer(t, store.Settings{ModeMutability: false})
	m.expectError("PUT", "/mode", `{"mode":"READONLY"}`, 422, 42205, "Mode changes are not allowed")
}

func TestCompatibilityEndpoints(t *testing.T) {
	s := newServer(t)
	s.expect("POST", "/compatibility/subjects/s/versions/latest", body(recordV1), 200, `{"is_compatible":true}`)
	s.expect("POST", "/compatibility/subjects/s/versions", body(recordV1), 200, `{"is_compatible":true}`)
	s.expectError("POST", "/compatibility/subjects/s/versions/1", body(recordV1), 404, 40401, "")
	s.expect("POST", "/subjects/s/versions", body(recordV1), 200, "")
	s.expect("POST", "/compatibility/subjects/s/versions/latest", body(recordV2), 200, `{"is_compatible":true}`)
	s.expect("POST", "/compatibility/subjects/s/versions/1?verbose=true", body(recordV2), 200, `{"is_compatible":true,"messages":[]}`)
	s.expect("POST", "/compatibility/subjects/s/versions/latest", body(recordV3), 200, `{"is_compatible":false}`)
	s.expect("POST", "/compatibility/subjects/s/versions/latest?verbose=true", body(recordV3), 200, `{"is_compatible":false,"messages":[
		"{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'name' at path '/fields/1' in the new schema has no default value and is missing in the old schema', additionalInfo:'name'}",
		"{oldSchemaVersion: 1}",
		`+quote("{oldSchema: '"+recordV1+"'}")+`,
		"{validateFields: 'false', compatibility: 'BACKWARD'}"]}`)
	s.expectError("POST", "/compatibility/subjects/s/versions/9", body(recordV2), 404, 40402, "Version 9 not found.")
	s.expectError("POST", "/compatibility/subjects/s/versions/latest", body(`{"type":"bogus"}`), 422, 42201, "")
	code, raw, _ := s.do("POST", "/compatibility/subjects/s/versions/latest?verbose=true", body(`{"type":"bogus"}`))
	if code != 200 || !strings.Contains(raw, `"is_compatible":false`) || !strings.Contains(raw, "Invalid schema") {
		t.Fatalf("verbose check of an invalid schema: %d %s", code, raw)
	}
}

func TestServerMetadataAndAssociations(t *testing.T) {
	s := newServer(t)
	s.expect("GET", "/v1/metadata/id", "", 200, `{"scope":{"path":[],"clusters":{"kafka-cluster":"embedded","schema-registry-cluster":"schema-registry"}}}`)
	code, raw, _ := s.do("GET", "/v1/metadata/version", "")
	if code != 200 || !strings.Contains(raw, `"version":"test"`) {
		t.Fatalf("version: %d %s", code, raw)
	}
	s.expect("GET", "/v1/metadata/deployment", "", 200, `{"attributes":["opensource"]}`)
	s.expect("GET", "/contexts", "", 200, `["."]`)
	s.expect("GET", "/associations/resources/-/orders?resourceType=topic&associationType=value", "", 200, `[]`)
	s.expect("GET", "/associations/subjects/orders-value", "", 200, `[]`)
	s.expect("DELETE", "/contexts/.", "", 204, "")
	s.expect("POST", "/subjects/s/versions", body(`"int"`), 200, "")
	s.expectError("DELETE", "/contexts/.", "", 422, 42211, "The specified context '.' is not empty.")
}

func TestMetadataLookup(t *testing.T) {
	s := newServer(t)
	s.expect("POST", "/subjects/s/versions", body(`"int"`, `"metadata":{"properties":{"owner":"a"}}`), 200, "")
	s.expect("POST", "/subjects/s/versions", body(`"long"`, `"metadata":{"properties":{"owner":"b"}}`), 200, "")
	s.expect("PUT", "/config/s", `{"compatibility":"NONE"}`, 200, "")
	code, raw, _ := s.do("GET", "/subjects/s/metadata?key=owner&value=a", "")
	if code != 200 || !strings.Contains(raw, `"version":1`) {
		t.Fatalf("metadata lookup: %d %s", code, raw)
	}
	s.expectError("GET", "/subjects/s/metadata?key=owner&value=c", "", 404, 40403, "Schema not found")
}

// TestRecordsOnTheLog checks the bytes written to the log: keys are
// byte-identical to Confluent's.
func TestRecordsOnTheLog(t *testing.T) {
	s := newServer(t)
	s.expect("POST", "/subjects/orders-value/versions", body(`{"type": "string"}`), 200, "")
	s.expect("PUT", "/config", `{"compatibility":"NONE"}`, 200, "")
	s.expect("PUT", "/config/orders-value", `{"compatibility":"FULL"}`, 200, "")
	s.expect("PUT", "/mode/orders-value", `{"mode":"READONLY"}`, 200, "")
	s.expect("DELETE", "/mode/orders-value", "", 200, "")
	s.expect("DELETE", "/subjects/orders-value", "", 200, "")
	want := []struct{ key, value string }{
		{`{"keytype":"SCHEMA","subject":"orders-value","version":1,"magic":1}`, `{"subject":"orders-value","version":1,"id":1,"schemaType":"AVRO","schema":"\"string\"","deleted":false}`},
		{`{"keytype":"CONFIG","magic":0}`, `{"compatibilityLevel":"NONE"}`},
		{`{"keytype":"CONFIG","subject":"orders-value","magic":0}`, `{"subject":"orders-value","compatibilityLevel":"FULL"}`},
		{`{"keytype":"MODE","subject":"orders-value","magic":0}`, `{"subject":"orders-value","mode":"READONLY"}`},
		{`{"keytype":"MODE","subject":"orders-value","magic":0}`, ``},
		{`{"keytype":"DELETE_SUBJECT","subject":"orders-value","magic":0}`, `{"subject":"orders-value","version":1}`},
	}
	recs := s.log.Records()
	if len(recs) != len(want) {
		t.Fatalf("%d records, want %d", len(recs), len(want))
	}
	for i, w := range want {
		if string(recs[i].Key) != w.key || !bytes.Equal(recs[i].Value, []byte(w.value)) || (w.value == "") != (recs[i].Value == nil) {
			t.Errorf("record %d:\n got  %s => %s\n want %s => %s", i, recs[i].Key, recs[i].Value, w.key, w.value)
		}
	}
}
