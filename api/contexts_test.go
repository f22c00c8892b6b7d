package api

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// The rewrites of Confluent's ContextFilterTest, with the query each gets.
func TestContextPathRewrites(t *testing.T) {
	for _, tc := range []struct {
		method, path, query string
		want, wantQuery     string
	}{
		{"GET", "/contexts/", "", "/contexts", ""},
		{"GET", "/contexts/.test-ctx/subjects/test-subject/versions", "", "/subjects/:.test-ctx:test-subject/versions", ""},
		{"GET", "/contexts/:.:/subjects/test-subject/versions", "", "/subjects/test-subject/versions", ""},
		{"GET", "/contexts/:.:/subjects", "", "/subjects", "subjectPrefix="},
		{"GET", "/contexts/test-ctx/subjects/test-subject/versions", "", "/subjects/:.test-ctx:test-subject/versions", ""},
		{"GET", "/contexts/.test-ctx/subjects/test-subject/", "", "/subjects/:.test-ctx:test-subject", ""},
		{"GET", "/contexts/.test-ctx/schemas/ids/1/", "", "/schemas/ids/1", "subject=:.test-ctx:"},
		{"GET", "/contexts/.test-ctx/schemas/ids/1", "subject=s", "/schemas/ids/1", "subject=:.test-ctx:s"},
		{"GET", "/contexts/.test-ctx/schemas/ids/1", "subject=:.other:s", "/schemas/ids/1", ""},
		{"GET", "/contexts/:.:/schemas/", "subjectPrefix=:*:", "/schemas", "subjectPrefix=:*:"},
		{"GET", "/contexts/.test-ctx/schemas", "", "/schemas", "subjectPrefix=:.test-ctx:"},
		{"GET", "/contexts/.test-ctx/subjects", "subjectPrefix=abc&deleted=true", "/subjects", "deleted=true&subjectPrefix=:.test-ctx:abc"},
		{"GET", "/contexts/.test-ctx/subjects/:.test-ctx:test-subject/versions", "", "/subjects/:.test-ctx:test-subject/versions", ""},
		{"GET", "/contexts/.test-ctx/subjects/%3A.test-ctx%3Atest-subject/versions", "", "/subjects/%3A.test-ctx%3Atest-subject/versions", ""},
		{"GET", "/contexts/.test-ctx/subjects/slash%2Fin%2Fmiddle/", "", "/subjects/:.test-ctx:slash%2Fin%2Fmiddle", ""},
		{"GET", "/contexts/.test-ctx/config/test-subject", "", "/config/:.test-ctx:test-subject", ""},
		{"GET", "/contexts/.test-ctx/config", "", "/config/:.test-ctx:", ""},
		{"GET", "/contexts/.test-ctx/mode/test-subject", "", "/mode/:.test-ctx:test-subject", ""},
		{"GET", "/contexts/.test-ctx/mode", "", "/mode/:.test-ctx:", ""},
		{"GET", "/contexts/:.:/mode", "", "/mode", ""},
		{"GET", "/contexts/.test-ctx/dek-registry/v1/keks/test-kek", "", "/dek-registry/v1/keks/test-kek", ""},
		{"GET", "/contexts/.test-ctx/dek-registry/v1/keks/test-kek/deks/test-subject", "", "/dek-registry/v1/keks/test-kek/deks/:.test-ctx:test-subject", ""},
		{"POST", "/contexts/.test-ctx/compatibility/subjects/s/versions/latest", "", "/compatibility/subjects/:.test-ctx:s/versions/latest", ""},
		{"GET", "/contexts/.test-ctx/contexts", "", "/contexts", ""},
		{"DELETE", "/contexts/.test-ctx", "", "/contexts/:.test-ctx:", ""},
		{"DELETE", "/contexts/test-ctx", "", "/contexts/:.test-ctx:", ""},
		// Deliberately not Confluent's "/": the default context can be asked
		// for deletion, answered 42211 while it holds subjects.
		{"DELETE", "/contexts/.", "", "/contexts/.", ""},
		// The name is checked only where it is used, as Confluent's.
		{"GET", "/contexts/a:b/schemas/types", "", "/schemas/types", ""},
		{"POST", "/contexts/.test-ctx/associations", "", "/associations", "context=:.test-ctx:"},
	} {
		q, _ := url.ParseQuery(tc.query)
		path, query, err := rewriteContextPath(tc.method, tc.path, q)
		if err != nil {
			t.Errorf("%s %s: %v", tc.method, tc.path, err)
			continue
		}
		gotQuery := ""
		if query != nil {
			gotQuery, _ = url.QueryUnescape(query.Encode())
		}
		if path != tc.want || gotQuery != tc.wantQuery {
			t.Errorf("%s %s?%s: rewritten to %s?%s, want %s?%s", tc.method, tc.path, tc.query, path, gotQuery, tc.want, tc.wantQuery)
		}
	}
	if _, _, err := rewriteContextPath("GET", "/contexts/foo:bar/subjects", nil); err == nil {
		t.Error("a context name with a colon was accepted")
	}
}

// expectID asserts a registration's status and id.
func (s *server) expectID(path, schema string, id int) {
	s.t.Helper()
	code, raw, _ := s.do("POST", path, body(schema))
	if want := fmt.Sprintf(`"id":%d,`, id); code != 200 || !strings.Contains(raw, want) {
		s.t.Fatalf("POST %s: %d %s, want id %d", path, code, raw, id)
	}
}

// avroRecord is a distinct Avro record for each n.
func avroRecord(n int) string {
	return fmt.Sprintf(`{"type":"record","name":"R%d","fields":[{"name":"f","type":"int"}]}`, n)
}

// Confluent's RestApiContextTest.testContextPaths: clients whose URL ends in
// /contexts/.ctx1, /contexts/.ctx2 and /contexts/:.:, and one without.
func TestContextPaths(t *testing.T) {
	s := newServer(t)
	s.expect("PUT", "/config/:.__GLOBAL:", `{"compatibility":"NONE"}`, 200, `{"compatibility":"NONE"}`)
	ctx1, ctx2, dflt := "/contexts/.ctx1", "/contexts/.ctx2", "/contexts/:.:"

	s.expectError("GET", ctx1+"/subjects/testTopic1/versions", "", 404, 40401, "Subject ':.ctx1:testTopic1' not found.")
	for i := 1; i <= 10; i++ {
		s.expectID(ctx1+"/subjects/testTopic1/versions", avroRecord(i), i)
		s.expect("GET", fmt.Sprintf("%s/schemas/ids/%d/schema?subject=testTopic1", ctx1, i), "", 200, avroRecord(i))
	}
	for i := 1; i <= 10; i++ { // re-registering answers the same ids
		s.expectID(ctx1+"/subjects/testTopic1/versions", avroRecord(i), i)
	}
	for i := 1; i <= 5; i++ { // ids restart at 1 in another context; one schema, one id, in all its subjects
		for _, sub := range []string{"testTopic2A", "testTopic2B", "testTopic2C"} {
			s.expectID(ctx2+"/subjects/"+sub+"/versions", avroRecord(100+i), i)
		}
	}
	s.expectError("GET", dflt+"/schemas/ids/1", "", 404, 40403, "Schema 1 not found")
	for i := 1; i <= 2; i++ {
		s.expectID(dflt+"/subjects/testTopic3/versions", avroRecord(200+i), i)
	}

	s.expect("GET", ctx1+"/subjects/testTopic1/versions", "", 200, `[1,2,3,4,5,6,7,8,9,10]`)
	s.expect("GET", ctx2+"/subjects/testTopic2A/versions", "", 200, `[1,2,3,4,5]`)
	s.expect("GET", dflt+"/subjects/testTopic3/versions", "", 200, `[1,2]`)
	s.expect("GET", "/subjects/testTopic3/versions", "", 200, `[1,2]`)
	s.expect("GET", "/subjects/:.:testTopic3/versions", "", 200, `[1,2]`)

	s.expect("GET", ctx1+"/contexts", "", 200, `[".",".ctx1",".ctx2"]`)
	s.expect("GET", ctx1+"/subjects", "", 200, `[":.ctx1:testTopic1"]`)
	s.expect("GET", ctx2+"/subjects", "", 200, `[":.ctx2:testTopic2A",":.ctx2:testTopic2B",":.ctx2:testTopic2C"]`)
	s.expect("GET", dflt+"/subjects", "", 200, `["testTopic3"]`)
	s.expect("GET", "/subjects?subjectPrefix=", "", 200, `["testTopic3"]`)
	s.expect("GET", ctx2+"/schemas?latestOnly=true", "", 200, `[
		{"subject":":.ctx2:testTopic2A","version":5,"id":5,"guid":"`+guid(avroRecord(105))+`","schemaType":"AVRO","schema":`+quote(avroRecord(105))+`},
		{"subject":":.ctx2:testTopic2B","version":5,"id":5,"guid":"`+guid(avroRecord(105))+`","schemaType":"AVRO","schema":`+quote(avroRecord(105))+`},
		{"subject":":.ctx2:testTopic2C","version":5,"id":5,"guid":"`+guid(avroRecord(105))+`","schemaType":"AVRO","schema":`+quote(avroRecord(105))+`}]`)

	// Id 1 with an unqualified subject hint: the default context's subject
	// first, then the subject in another context.
	s.expect("GET", "/schemas/ids/1/schema?subject=testTopic3", "", 200, avroRecord(201))
	s.expect("GET", "/schemas/ids/1/schema?subject=testTopic2A", "", 200, avroRecord(101))

	s.expect("DELETE", ctx1+"/subjects/testTopic1", "", 200, `[1,2,3,4,5,6,7,8,9,10]`)
	s.expect("DELETE", ctx1+"/subjects/testTopic1?permanent=true", "", 200, `[1,2,3,4,5,6,7,8,9,10]`)
	s.expectError("GET", ctx1+"/subjects/testTopic1/versions", "", 404, 40401, "not found")

	s.expectError("DELETE", "/contexts/.ctx2", "", 422, 42211, "The specified context ':.ctx2:' is not empty.")
	tail := len(s.log.Records())
	s.expect("DELETE", "/contexts/.ctx1", "", 204, "")
	recs := s.log.Records()[tail:]
	if len(recs) != 1 || string(recs[0].Key) != `{"keytype":"CONTEXT","tenant":"default","context":".ctx1","magic":0}` || recs[0].Value != nil {
		t.Fatalf("deleting the context wrote %v, want its CONTEXT tombstone", recs)
	}
	s.expect("GET", ctx1+"/contexts", "", 200, `[".",".ctx2"]`)

	// The context comes back with its next schema, and its ids stay taken.
	s.expectID(ctx1+"/subjects/again/versions", avroRecord(300), 11)
	s.expect("GET", "/contexts", "", 200, `[".",".ctx1",".ctx2"]`)
}

// Confluent's RestApiContextTest.testQualifiedSubjects: listings across
// contexts, and reads that fall back to another context for an
// unqualified subject.
func TestQualifiedSubjects(t *testing.T) {
	s := newServer(t)
	s.expect("PUT", "/config/:.__GLOBAL:", `{"compatibility":"NONE"}`, 200, "")
	subjects := map[string]int{":.ctx1:testTopic1": 3, ":.ctx2:testTopic2": 2, ":.ctx3:testTopic1": 2, "testTopic1": 1}
	n := 0
	for sub, count := range subjects {
		for i := 0; i < count; i++ {
			n++
			s.expect("POST", "/subjects/"+sub+"/versions", body(avroRecord(n)), 200, "")
		}
	}
	s.expect("GET", "/contexts", "", 200, `[".",".ctx1",".ctx2",".ctx3"]`)
	s.expect("GET", "/subjects?subjectPrefix=:.ctx1:", "", 200, `[":.ctx1:testTopic1"]`)
	s.expect("GET", "/subjects?subjectPrefix=:.ctx2:", "", 200, `[":.ctx2:testTopic2"]`)
	s.expect("GET", "/subjects?subjectPrefix=", "", 200, `["testTopic1"]`)
	s.expect("GET", "/subjects?subjectPrefix=test", "", 200, `["testTopic1"]`)
	s.expect("GET", "/subjects?subjectPrefix=:*:", "", 200, `[":.ctx1:testTopic1",":.ctx2:testTopic2",":.ctx3:testTopic1","testTopic1"]`)
	s.expect("GET", "/subjects", "", 200, `[":.ctx1:testTopic1",":.ctx2:testTopic2",":.ctx3:testTopic1","testTopic1"]`)
	s.expect("GET", "/subjects?subjectPrefix=:*:testTopic2", "", 200, `[":.ctx2:testTopic2"]`)
	for prefix, want := range map[string]int{":*:": 8, ":*:testTopic1": 6, ":*:testTopic2": 2, "": 1, ":.ctx1:": 3} {
		code, raw, _ := s.do("GET", "/schemas?subjectPrefix="+url.QueryEscape(prefix), "")
		if got := strings.Count(raw, `"subject"`); code != 200 || got != want {
			t.Errorf("/schemas?subjectPrefix=%s: %d with %d schemas, want %d", prefix, code, got, want)
		}
	}

	// testTopic2 is only in .ctx2: reads by version and by schema find it there.
	code, raw, _ := s.do("GET", "/subjects/testTopic2/versions/1/schema", "")
	if code != 200 {
		t.Fatalf("version of an unqualified subject held in a context: %d %s", code, raw)
	}
	s.expect("POST", "/subjects/testTopic2", body(raw), 200, `{"subject":":.ctx2:testTopic2","version":1,"id":1,"guid":"`+guid(raw)+`","schemaType":"AVRO","schema":`+quote(raw)+`}`)
	s.expectError("GET", "/subjects/testTopic2/versions/9", "", 404, 40401, "Subject 'testTopic2' not found.")
	s.expectError("GET", "/subjects/:.ctx1:testTopic2/versions/1", "", 404, 40401, "Subject ':.ctx1:testTopic2' not found.")
	s.expectError("POST", "/subjects/testTopic2", body(avroRecord(999)), 404, 40401, "Subject 'testTopic2' not found.")
}

func TestContextPrefixFilter(t *testing.T) {
	s := newServer(t)
	for i, sub := range []string{":.prod:a", ":.prod-eu:b", ":.staging:c", ":.dev:d", ":.alpha:e"} {
		s.expectID("/subjects/"+sub+"/versions", avroRecord(i), 1)
	}
	s.expect("GET", "/contexts", "", 200, `[".",".alpha",".dev",".prod",".prod-eu",".staging"]`)
	s.expect("GET", "/contexts?contextPrefix=.prod", "", 200, `[".prod",".prod-eu"]`)
	s.expect("GET", "/contexts?contextPrefix=.prod-eu", "", 200, `[".prod-eu"]`)
	s.expect("GET", "/contexts?contextPrefix=.s", "", 200, `[".staging"]`)
	s.expect("GET", "/contexts?contextPrefix=.nonexistent", "", 200, `[]`)
	s.expect("GET", "/contexts?contextPrefix=.PROD", "", 200, `[]`)
	s.expect("GET", "/contexts?contextPrefix=", "", 200, `[".",".alpha",".dev",".prod",".prod-eu",".staging"]`)
	s.expect("GET", "/contexts?contextPrefix=.&offset=2&limit=2", "", 200, `[".dev",".prod"]`)
	s.expect("GET", "/contexts?contextPrefix=.a&limit=1", "", 200, `[".alpha"]`)
}

func TestContextSettingsThroughPaths(t *testing.T) {
	s := newServer(t)
	s.expect("PUT", "/config", `{"compatibility":"NONE"}`, 200, "")
	s.expect("PUT", "/contexts/.c/config", `{"compatibility":"FULL"}`, 200, `{"compatibility":"FULL"}`)
	s.expect("GET", "/config/:.c:", "", 200, `{"compatibilityLevel":"FULL"}`)
	s.expect("GET", "/contexts/.c/config/s?defaultToGlobal=true", "", 200, `{"compatibilityLevel":"FULL"}`)
	// The default context's global config does not reach another context.
	s.expect("GET", "/contexts/.other/config/s?defaultToGlobal=true", "", 200, `{"compatibilityLevel":"BACKWARD"}`)
	s.expect("PUT", "/contexts/.c/mode", `{"mode":"READONLY"}`, 200, `{"mode":"READONLY"}`)
	s.expectError("POST", "/contexts/.c/subjects/s/versions", body(avroRecord(1)), 422, 42205, "")
	s.expectID("/subjects/s/versions", avroRecord(1), 1)
	s.expect("DELETE", "/contexts/c/mode", "", 200, `{"mode":"READONLY"}`)
	s.expectID("/contexts/c/subjects/s/versions", avroRecord(1), 1)
}

func TestInvalidContextNames(t *testing.T) {
	s := newServer(t)
	s.expectError("GET", "/contexts/foo:bar/subjects", "", 400, 400, "Context name 'foo:bar' cannot contain a colon")
	s.expectError("DELETE", "/contexts/a:b", "", 400, 400, "Context name 'a:b' cannot contain a colon")
	s.expectError("POST", "/subjects/__GLOBAL/versions", body(avroRecord(1)), 422, 42208, "")
	s.expectError("POST", "/subjects/:.c:__EMPTY/versions", body(avroRecord(1)), 422, 42208, "")
	s.expect("GET", "/subjects", "", 200, `[]`)
	if n := len(s.log.Records()); n != 0 {
		t.Fatalf("refused requests wrote %d records", n)
	}
	// A qualifier without its dot is no qualifier: a subject of the
	// default context, as QualifiedSubject reads it.
	s.expectID("/subjects/:ctx:s/versions", avroRecord(1), 1)
	s.expect("GET", "/subjects?subjectPrefix=", "", 200, `[":ctx:s"]`)
	s.expect("GET", "/contexts", "", 200, `["."]`)
}

// Confluent's AliasFilter: a subject whose own config names an alias
// serves the alias, in its context when the alias is unqualified.
func TestSubjectAliases(t *testing.T) {
	s := newServer(t)
	s.expectID("/subjects/target/versions", avroRecord(1), 1)
	s.expect("PUT", "/config/orders-value", `{"alias":"target"}`, 200, `{"alias":"target"}`)
	s.expect("GET", "/subjects/orders-value/versions", "", 200, `[1]`)
	s.expect("GET", "/subjects/orders-value/versions/latest", "", 200,
		`{"subject":"target","version":1,"id":1,"guid":"`+guid(avroRecord(1))+`","schemaType":"AVRO","schema":`+quote(avroRecord(1))+`}`)
	s.expect("POST", "/subjects/orders-value", body(avroRecord(1)), 200,
		`{"subject":"target","version":1,"id":1,"guid":"`+guid(avroRecord(1))+`","schemaType":"AVRO","schema":`+quote(avroRecord(1))+`}`)
	s.expect("GET", "/schemas/ids/1/versions?subject=orders-value", "", 200, `[{"subject":"target","version":1}]`)
	// Writes through the alias land on the target.
	s.expect("PUT", "/config/target", `{"compatibility":"NONE"}`, 200, "")
	s.expectID("/subjects/orders-value/versions", avroRecord(2), 2)
	s.expect("GET", "/subjects/target/versions", "", 200, `[1,2]`)
	s.expect("GET", "/subjects", "", 200, `["target"]`)

	// In a context, through the URL form: the alias is in the same context.
	s.expectID("/subjects/:.c:t/versions", avroRecord(3), 1)
	s.expect("PUT", "/contexts/.c/config/a", `{"alias":"t"}`, 200, "")
	s.expect("GET", "/contexts/.c/subjects/a/versions", "", 200, `[1]`)
	s.expect("GET", "/subjects/:.c:a/versions/1/schema", "", 200, avroRecord(3))
	// The config itself is still the alias subject's.
	s.expect("GET", "/config/orders-value", "", 200, `{"alias":"target","compatibilityLevel":"BACKWARD"}`)
	s.expect("DELETE", "/config/orders-value", "", 200, "")
	s.expectError("GET", "/subjects/orders-value/versions", "", 404, 40401, "Subject 'orders-value' not found.")
}

// A reference without a context is in its referrer's; referenceFormat=
// qualified writes it so, and format=resolved inlines the referenced types.
func TestContextReferences(t *testing.T) {
	s := newServer(t)
	user := `{"type":"record","name":"User","fields":[{"name":"id","type":"long"}]}`
	order := `{"type":"record","name":"Order","fields":[{"name":"user","type":"User"}]}`
	resolved := `{"type":"record","name":"Order","fields":[{"name":"user","type":` + user + `}]}`
	refs := `"references":[{"name":"User","subject":"users","version":1}]`
	s.expectID("/contexts/.c/subjects/users/versions", user, 1)
	code, raw, _ := s.do("POST", "/contexts/.c/subjects/order/versions", body(order, refs))
	if code != 200 || !strings.Contains(raw, `"id":2,`) {
		t.Fatalf("register with a reference in a context: %d %s", code, raw)
	}
	// Without the context the reference does not resolve.
	s.expectError("POST", "/subjects/order/versions", body(order, refs), 422, 42201, "")
	g := guid(order) // the GUID covers the references too
	_, raw, _ = s.do("GET", "/subjects/:.c:order/versions/1", "")
	var v struct{ GUID string }
	json.Unmarshal([]byte(raw), &v)
	if v.GUID == "" || v.GUID == g {
		t.Fatalf("GUID of a schema with references: %s", raw)
	}
	g = v.GUID
	s.expect("GET", "/subjects/:.c:order/versions/1", "", 200,
		`{"subject":":.c:order","version":1,"id":2,"guid":"`+g+`","schemaType":"AVRO","references":[{"name":"User","subject":"users","version":1}],"schema":`+quote(order)+`}`)
	s.expect("GET", "/subjects/:.c:order/versions/1?referenceFormat=qualified", "", 200,
		`{"subject":":.c:order","version":1,"id":2,"guid":"`+g+`","schemaType":"AVRO","references":[{"name":"User","subject":":.c:users","version":1}],"schema":`+quote(order)+`}`)
	s.expect("GET", "/contexts/.c/schemas/ids/2?referenceFormat=qualified&format=resolved", "", 200,
		`{"subject":":.c:order","version":1,"guid":"`+g+`","schemaType":"AVRO","references":[{"name":"User","subject":":.c:users","version":1}],"schema":`+quote(resolved)+`}`)
	s.expect("GET", "/subjects/:.c:order/versions/1?format=resolved", "", 200,
		`{"subject":":.c:order","version":1,"id":2,"guid":"`+g+`","schemaType":"AVRO","references":[{"name":"User","subject":"users","version":1}],"schema":`+quote(resolved)+`}`)
	// Only "resolved" exactly is a format; others serve the stored text.
	s.expect("GET", "/subjects/:.c:order/versions/1?format=RESOLVED", "", 200,
		`{"subject":":.c:order","version":1,"id":2,"guid":"`+g+`","schemaType":"AVRO","references":[{"name":"User","subject":"users","version":1}],"schema":`+quote(order)+`}`)
}

// The migration path: a context in IMPORT mode takes a source registry's
// ids as they are, apart from the default context's.
func TestImportIntoContext(t *testing.T) {
	s := newServer(t)
	s.expectID("/subjects/local/versions", avroRecord(1), 1)
	// The default context's subjects do not keep a context from IMPORT.
	s.expect("PUT", "/contexts/.src/mode", `{"mode":"IMPORT"}`, 200, `{"mode":"IMPORT"}`)
	s.expect("GET", "/mode/:.src:", "", 200, `{"mode":"IMPORT"}`)
	s.expect("GET", "/mode", "", 200, `{"mode":"READWRITE"}`)
	imp := func(subject string, n, id, version int) (int, string) {
		code, raw, _ := s.do("POST", "/contexts/.src/subjects/"+subject+"/versions",
			body(avroRecord(n), fmt.Sprintf(`"id":%d`, id), fmt.Sprintf(`"version":%d`, version)))
		return code, raw
	}
	if code, raw := imp("orders-value", 10, 100, 1); code != 200 || !strings.Contains(raw, `"id":100,`) {
		t.Fatalf("import: %d %s", code, raw)
	}
	if code, raw := imp("orders-value", 11, 7, 2); code != 200 || !strings.Contains(raw, `"id":7,`) {
		t.Fatalf("import: %d %s", code, raw)
	}
	if code, raw := imp("copy", 10, 100, 1); code != 200 || !strings.Contains(raw, `"id":100,`) {
		t.Fatalf("import of the same schema under its id: %d %s", code, raw)
	}
	// An id of the context bound to another schema stays refused.
	if code, raw := imp("other", 12, 100, 1); code != 422 || !strings.Contains(raw, `42205`) {
		t.Fatalf("import binding an id twice: %d %s", code, raw)
	}
	s.expectError("GET", "/schemas/ids/100", "", 404, 40403, "Schema 100 not found")
	s.expect("GET", "/contexts/.src/schemas/ids/100/schema", "", 200, avroRecord(10))
	s.expect("GET", "/contexts/.src/subjects/orders-value/versions", "", 200, `[1,2]`)

	// Back to READWRITE: new ids continue after the highest imported.
	s.expect("PUT", "/contexts/.src/mode", `{"mode":"READWRITE"}`, 200, "")
	s.expect("PUT", "/config/:.src:", `{"compatibility":"NONE"}`, 200, "")
	s.expectID("/contexts/.src/subjects/orders-value/versions", avroRecord(13), 101)
	s.expectID("/subjects/local/versions", avroRecord(1), 1)
	// A context holding subjects cannot go to IMPORT again.
	s.expectError("PUT", "/contexts/.src/mode", `{"mode":"IMPORT"}`, 422, 42205, "Cannot import since found existing subjects")
}
