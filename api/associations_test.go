package api

import (
	"encoding/json"
	"strings"
	"testing"
)

// The association tests follow Confluent's RestApiAssociationTest: the
// codes and messages of its rules, and what the serializers read.

const avroV1 = `{"type":"record","name":"Order","fields":[{"name":"id","type":"long"}]}`

func schemaReq(text string) string {
	b, _ := json.Marshal(text)
	return `{"schema":` + string(b) + `}`
}

func (s *server) register(subject, text string) {
	s.t.Helper()
	s.expect("POST", "/subjects/"+subject+"/versions", schemaReq(text), 200, "")
}

// assocs reads an association list and drops the fields that vary (guid,
// timestamps), failing when they are missing.
func (s *server) assocs(path string) []map[string]any {
	s.t.Helper()
	code, raw, _ := s.do("GET", path, "")
	if code != 200 {
		s.t.Fatalf("GET %s: %d %s", path, code, raw)
	}
	var list []map[string]any
	if err := json.Unmarshal([]byte(raw), &list); err != nil {
		s.t.Fatalf("GET %s: %s: %v", path, raw, err)
	}
	for _, a := range list {
		for _, f := range []string{"guid", "createTs", "updateTs"} {
			if a[f] == nil || a[f] == "" {
				s.t.Fatalf("GET %s: association without %s: %s", path, f, raw)
			}
			delete(a, f)
		}
	}
	return list
}

func (s *server) expectAssocs(path, want string) {
	s.t.Helper()
	got, _ := json.Marshal(s.assocs(path))
	var w any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		s.t.Fatal(err)
	}
	wb, _ := json.Marshal(w)
	if string(got) != string(wb) {
		s.t.Fatalf("GET %s:\n got  %s\n want %s", path, got, wb)
	}
}

func TestAssociationsWeak(t *testing.T) {
	s := newServer(t)
	s.register("orders-k", `"string"`)
	s.register("orders-contract", avroV1)
	weak := `{"resourceName":"orders","resourceNamespace":"lkc-1","resourceId":"id-orders","associations":[` +
		`{"subject":"orders-k","associationType":"key"},{"subject":"orders-contract"}]}`

	// A dry run without the topic's id checks and writes nothing.
	s.expect("POST", "/associations?dryRun=true", strings.Replace(weak, `"resourceId":"id-orders",`, "", 1), 200,
		`{"resourceName":"orders","resourceNamespace":"lkc-1","resourceType":"topic"}`)
	s.expect("GET", "/associations/resources/id-orders", "", 200, `[]`)

	s.expect("POST", "/associations", weak, 200, `{"resourceName":"orders","resourceNamespace":"lkc-1","resourceId":"id-orders","resourceType":"topic",`+
		`"associations":[{"subject":"orders-k","associationType":"key","lifecycle":"WEAK"},{"subject":"orders-contract","associationType":"value","lifecycle":"WEAK"}]}`)
	both := `[{"subject":"orders-k","resourceName":"orders","resourceNamespace":"lkc-1","resourceId":"id-orders","resourceType":"topic","associationType":"key","lifecycle":"WEAK"},` +
		`{"subject":"orders-contract","resourceName":"orders","resourceNamespace":"lkc-1","resourceId":"id-orders","resourceType":"topic","associationType":"value","lifecycle":"WEAK"}]`
	s.expectAssocs("/associations/resources/id-orders", both)
	s.expectAssocs("/associations/resources/-/orders", both)
	s.expectAssocs("/associations/resources/lkc-1/orders", both)
	s.expectAssocs("/associations/resources/lkc-1/-", both)
	s.expectAssocs("/associations/resources/lkc-2/orders", `[]`)
	s.expectAssocs("/associations/resources/-/payments", `[]`)
	// What a serializer asks for the value subject of topic orders.
	s.expectAssocs("/associations/resources/-/orders?resourceType=topic&associationType=value",
		`[{"subject":"orders-contract","resourceName":"orders","resourceNamespace":"lkc-1","resourceId":"id-orders","resourceType":"topic","associationType":"value","lifecycle":"WEAK"}]`)
	s.expectAssocs("/associations/subjects/orders-k", `[{"subject":"orders-k","resourceName":"orders","resourceNamespace":"lkc-1","resourceId":"id-orders","resourceType":"topic","associationType":"key","lifecycle":"WEAK"}]`)
	s.expectAssocs("/associations/resources/id-orders?lifecycle=STRONG", `[]`)
	s.expectAssocs("/associations/resources/id-orders?limit=1&offset=1", `[{"subject":"orders-contract","resourceName":"orders","resourceNamespace":"lkc-1","resourceId":"id-orders","resourceType":"topic","associationType":"value","lifecycle":"WEAK"}]`)
	s.expectError("GET", "/associations/resources/id-orders?lifecycle=strong", "", 404, 404, "HTTP 404 Not Found")

	// The same request again writes nothing and answers no association.
	s.expect("POST", "/associations", weak, 200, `{"resourceName":"orders","resourceNamespace":"lkc-1","resourceId":"id-orders","resourceType":"topic"}`)
	// An associated subject is not deleted, nor its last live version.
	s.expectError("DELETE", "/subjects/orders-contract", "", 409, 40904, "An association already exists for subject 'orders-contract'")
	s.expectError("DELETE", "/subjects/orders-contract/versions/1", "", 409, 40907, "No active (non-deleted) version exists for subject 'orders-contract'")
	// WEAK cannot become STRONG.
	s.expectError("PUT", "/associations/resources/id-orders", `{"resourceName":"orders","resourceNamespace":"lkc-1","associations":[{"associationType":"key","lifecycle":"STRONG"}]}`,
		422, 42212, "The association specified an invalid value for property: 'frozen', detail: association with lifecycle of STRONG cannot be frozen=false")
	s.expectError("PUT", "/associations/resources/id-orders", `{"resourceName":"orders","resourceNamespace":"lkc-1","associations":[{"associationType":"key","lifecycle":"STRONG","frozen":true}]}`,
		422, 42212, "frozen attribute of association cannot be changed")
	s.expectError("PUT", "/associations/resources/id-orders", `{"resourceName":"orders","resourceNamespace":"lkc-1","associations":[{"subject":"other","associationType":"key","lifecycle":"WEAK"}]}`,
		422, 42212, "subject of association cannot be changed from 'orders-k' to 'other'")
	s.expectError("PUT", "/associations/resources/id-orders", `{"resourceName":"orders","resourceNamespace":"lkc-1","resourceId":"x","associations":[{"associationType":"key"}]}`,
		422, 42212, "Resource ID in the path parameter does not match the resource ID in the request body")
	// The same association by PUT: nothing changes.
	s.expect("PUT", "/associations/resources/id-orders", `{"resourceName":"orders","resourceNamespace":"lkc-1","associations":[{"associationType":"key","lifecycle":"WEAK"}]}`, 200,
		`{"resourceName":"orders","resourceNamespace":"lkc-1","resourceId":"id-orders","resourceType":"topic"}`)

	// Deleting WEAK associations leaves their subjects, with or without
	// cascade.
	s.expect("DELETE", "/associations/resources/id-orders?associationType=key", "", 204, "")
	s.expect("DELETE", "/associations/resources/id-orders?cascadeLifecycle=true", "", 204, "")
	s.expectError("DELETE", "/associations/resources/id-orders", "", 404, 40410, "Association for 'id-orders' not found.")
	s.expect("GET", "/subjects", "", 200, `["orders-contract","orders-k"]`)
	s.expect("DELETE", "/subjects/orders-contract", "", 200, `[1]`)
}

func TestAssociationsStrong(t *testing.T) {
	s := newServer(t)
	create := `{"resourceName":"topic1","resourceNamespace":"lkc-1","resourceId":"t1","associations":[{"schema":` + schemaReq(avroV1) + `}]}`
	code, raw, _ := s.do("POST", "/associations", create)
	if code != 200 {
		t.Fatalf("create: %d %s", code, raw)
	}
	var res struct {
		Associations []struct {
			Subject, AssociationType, Lifecycle string
			Frozen                              *bool
			Schema                              struct {
				Subject string
				ID      int
				Version int
				Schema  string
			}
		}
	}
	json.Unmarshal([]byte(raw), &res)
	if len(res.Associations) != 1 || res.Associations[0].Subject != ":.lkc-1:topic1-value" || res.Associations[0].Lifecycle != "STRONG" ||
		res.Associations[0].Frozen != nil || res.Associations[0].Schema.ID != 1 || res.Associations[0].Schema.Version != 1 {
		t.Fatalf("create answered %s", raw)
	}
	// The schema is registered in the namespace's context.
	s.expect("GET", "/subjects/:.lkc-1:topic1-value/versions", "", 200, `[1]`)
	s.expectAssocs("/associations/resources/t1", `[{"subject":":.lkc-1:topic1-value","resourceName":"topic1","resourceNamespace":"lkc-1","resourceId":"t1","resourceType":"topic","associationType":"value","lifecycle":"STRONG"}]`)
	// A retry is the same association: nothing more written.
	s.expect("POST", "/associations", create, 200, `{"resourceName":"topic1","resourceNamespace":"lkc-1","resourceId":"t1","resourceType":"topic"}`)
	s.expect("GET", "/subjects/:.lkc-1:topic1-value/versions", "", 200, `[1]`)
	// Another schema under the same association, by create: 40903; by an
	// upsert it is a new version of the topic's subject.
	v2 := `{"type":"record","name":"Order","fields":[{"name":"id","type":"long"},{"name":"n","type":"int","default":0}]}`
	s.expectError("POST", "/associations", `{"resourceName":"topic1","resourceNamespace":"lkc-1","resourceId":"t1","associations":[{"schema":`+schemaReq(v2)+`}]}`,
		409, 40903, "An association of type 'value' already exists for resource 'topic1'")
	code, raw, _ = s.do("PUT", "/associations/resources/t1", `{"resourceName":"topic1","resourceNamespace":"lkc-1","associations":[{"schema":`+schemaReq(v2)+`}]}`)
	if code != 200 || strings.Contains(raw, `"associations"`) {
		t.Fatalf("upsert with a schema: %d %s", code, raw)
	}
	s.expect("GET", "/subjects/:.lkc-1:topic1-value/versions", "", 200, `[1,2]`)

	// STRONG subjects are the topic's own.
	s.expectError("POST", "/subjects/other/versions", `{"schema":"{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"o\",\"type\":\"Order\"}]}","references":[{"name":"Order","subject":":.lkc-1:topic1-value","version":1}]}`,
		422, 42205, "Subject ':.lkc-1:topic1-value' has a strong association and cannot be referenced")
	s.expectError("POST", "/associations", `{"resourceName":"topic2","resourceNamespace":"lkc-1","resourceId":"t2","associations":[{"subject":":.lkc-1:topic1-value"}]}`,
		409, 40905, "A strong association already exists for subject ':.lkc-1:topic1-value'")
	s.expectError("DELETE", "/subjects/:.lkc-1:topic1-value", "", 409, 40904, "An association already exists for subject ':.lkc-1:topic1-value'")
	// Frozen: changes refused, delete only with cascade, which deletes the
	// subject for good.
	s.expectError("PUT", "/associations/resources/t1", `{"resourceName":"topic1","resourceNamespace":"lkc-1","associations":[{"lifecycle":"WEAK"}]}`,
		422, 42212, "WEAK associations cannot use subject ':.lkc-1:topic1-value'")
	s.expectError("PUT", "/associations/resources/t1", `{"resourceName":"topic1","resourceNamespace":"lkc-1","associations":[{"frozen":false}]}`,
		422, 42212, "association with lifecycle of STRONG cannot be frozen=false")
	s.expectError("DELETE", "/associations/resources/t1", "", 409, 40908, "The association of type  'value' is frozen for subject ':.lkc-1:topic1-value'")
	s.expect("DELETE", "/associations/resources/t1?cascadeLifecycle=true&dryRun=true", "", 204, "")
	s.expect("GET", "/subjects/:.lkc-1:topic1-value/versions", "", 200, `[1,2]`)
	s.expect("DELETE", "/associations/resources/t1?cascadeLifecycle=true", "", 204, "")
	s.expect("GET", "/associations/resources/t1", "", 200, `[]`)
	s.expectError("GET", "/subjects/:.lkc-1:topic1-value/versions?deleted=true", "", 404, 40401, "")
}

func TestAssociationsRules(t *testing.T) {
	s := newServer(t)
	s.register("subject1", `"string"`)
	res := func(extra string) string {
		return `{"resourceName":"topic1","resourceNamespace":"default","resourceId":"id1","associations":[` + extra + `]}`
	}
	cases := []struct {
		body   string
		status int
		code   int
		msg    string
	}{
		{`{"resourceNamespace":"default","resourceId":"x","associations":[{"subject":"subject1"}]}`, 422, 42212, "property: 'resourceName', detail: cannot be null or empty"},
		{`{"resourceName":"a.b","resourceNamespace":"default","resourceId":"x","associations":[{"subject":"subject1"}]}`, 422, 42212, "property: 'resourceName', detail: illegal character '.'"},
		{`{"resourceName":"a","resourceNamespace":"default","associations":[{"subject":"subject1"}]}`, 422, 42212, "property: 'resourceId', detail: cannot be null or empty"},
		{`{"resourceName":"a","resourceNamespace":"default","resourceId":"x","resourceType":"table","associations":[{"subject":"subject1"}]}`, 422, 42212, "property: 'resourceType', detail: must be 'topic'"},
		{`{"resourceName":"a","resourceNamespace":"default","resourceId":"x"}`, 422, 42212, "property: 'associations', detail: cannot be null or empty"},
		{res(`{"subject":"subject1","associationType":"both"}`), 422, 42212, "must be either 'key' or 'value'"},
		{res(`{"subject":"subject1"},{"subject":"subject1","associationType":"value"}`), 422, 42212, "may only appear once per request, but 'value' appears more than once"},
		{res(`{}`), 422, 42212, "property: 'subject', detail: must be provided for WEAK associations"},
		{res(`{"subject":":.default:topic1-value"}`), 422, 42212, "WEAK associations cannot use subject ':.default:topic1-value'"},
		{res(`{"subject":"subject1","frozen":true}`), 422, 42212, "association with lifecycle of WEAK cannot be frozen=true"},
		{res(`{"lifecycle":"STRONG","frozen":true}`), 422, 42212, "schema must be provided when creating a frozen association"},
		{res(`{"lifecycle":"WEAK","schema":{"schema":"\"int\""}}`), 422, 42212, "cannot be WEAK when schema is provided"},
		{res(`{"frozen":false,"schema":{"schema":"\"int\""}}`), 422, 42212, "cannot be false when a schema is provided"},
		{res(`{"subject":"subject1","lifecycle":"weak"}`), 400, 400, "LifecyclePolicy"},
		{res(`{"subject":"nothing-here"}`), 409, 40907, "No active (non-deleted) version exists for subject 'nothing-here'"},
		{res(`{"associationType":"key","subject":"subject1"},{"schema":{"schema":"\"int\""}}`), 422, 42212, "all associations for a resource must have the same lifecycle, but got key=WEAK, value=STRONG"},
		{res(`{"schema":{"schema":"{\"type\":\"bogus\"}"}}`), 422, 42201, ""},
		{`not json`, 400, 400, ""},
	}
	for _, c := range cases {
		s.expectError("POST", "/associations", c.body, c.status, c.code, c.msg)
	}
	// Nothing of the refused requests was written.
	s.expect("GET", "/associations/resources/-/-", "", 200, `[]`)
	s.expect("GET", "/subjects?subjectPrefix=:*:", "", 200, `["subject1"]`)

	// A STRONG association needs a subject no one else holds or refers to,
	// and empty (or holding just the same schema as version 1).
	s.expect("POST", "/associations", res(`{"subject":"subject1"}`), 200, "")
	strong := func(topic, extra string) string {
		return `{"resourceName":"` + topic + `","resourceNamespace":"default","resourceId":"id-` + topic + `","associations":[` + extra + `]}`
	}
	s.register(":.default:held-value", `"string"`)
	s.expect("POST", "/associations", `{"resourceName":"other","resourceNamespace":"default","resourceId":"o","associations":[{"subject":":.default:held-value"}]}`, 200, "")
	s.expectError("POST", "/associations", strong("held", `{"schema":{"schema":"\"string\""}}`), 409, 40904, "An association already exists for subject ':.default:held-value'")
	s.register(":.default:full-value", `"string"`)
	s.register(":.default:full-value", `"string"`)
	s.expect("PUT", "/config/:.default:full-value", `{"compatibility":"NONE"}`, 200, "")
	s.register(":.default:full-value", `"int"`)
	s.expectError("POST", "/associations", strong("full", `{"schema":{"schema":"\"long\""}}`), 422, 42212, "cannot create a frozen association when schemas already exist in the subject")
	s.register(":.default:refd-value", `{"type":"record","name":"Refd","fields":[]}`)
	s.expect("POST", "/subjects/referrer/versions", `{"schema":"{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"x\",\"type\":\"Refd\"}]}","references":[{"name":"Refd","subject":":.default:refd-value","version":1}]}`, 200, "")
	s.expectError("POST", "/associations", strong("refd", `{"schema":{"schema":"{\"type\":\"record\",\"name\":\"Refd\",\"fields\":[]}"}}`), 422, 42206, "One or more references exist to the schema :.default:refd-value.")
	// Same schema as the subject's only version: taken.
	s.register(":.default:same-value", `"string"`)
	s.expect("POST", "/associations", strong("same", `{"schema":{"schema":"\"string\""}}`), 200, "")
	s.expect("GET", "/subjects/:.default:same-value/versions", "", 200, `[1]`)
}

// A batch: items answer 207 each with its result or error; a failing item
// leaves the others.
func TestAssociationsBatch(t *testing.T) {
	s := newServer(t)
	s.register("shared", `"string"`)
	body := `{"requests":[` +
		`{"resourceName":"t1","resourceNamespace":"ns","resourceId":"i1","associations":[{"opType":"CREATE","schema":` + schemaReq(avroV1) + `}]},` +
		`{"resourceName":"t2","resourceNamespace":"ns","resourceId":"i2","associations":[{"opType":"CREATE","subject":"shared","associationType":"key"},{"opType":"CREATE","subject":"nothing"}]},` +
		`{"resourceName":"t3","resourceNamespace":"ns","resourceId":"i3","associations":[{"opType":"UPSERT","subject":"shared"}]}]}`
	code, raw, _ := s.do("POST", "/associations:batchMutate", body)
	if code != 207 {
		t.Fatalf("batchMutate: %d %s", code, raw)
	}
	var out struct {
		Results []struct {
			Error *struct {
				ErrorCode int `json:"error_code"`
				Message   string
			}
			Result *struct {
				ResourceID   string
				Associations []struct {
					Subject, AssociationType, Lifecycle string
					Schema                              *struct{ ID int }
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(raw), &out); err != nil || len(out.Results) != 3 {
		t.Fatalf("batchMutate answered %s", raw)
	}
	r0, r1, r2 := out.Results[0], out.Results[1], out.Results[2]
	if r0.Result == nil || len(r0.Result.Associations) != 1 || r0.Result.Associations[0].Schema == nil || r0.Result.Associations[0].Lifecycle != "STRONG" {
		t.Fatalf("item 1: %s", raw)
	}
	if r1.Error == nil || r1.Error.ErrorCode != 40907 || !strings.Contains(r1.Error.Message, "'nothing'") {
		t.Fatalf("item 2: %s", raw)
	}
	if r2.Result == nil || len(r2.Result.Associations) != 1 || r2.Result.Associations[0].Subject != "shared" || r2.Result.Associations[0].Lifecycle != "WEAK" {
		t.Fatalf("item 3: %s", raw)
	}
	s.expect("GET", "/associations/resources/i2", "", 200, `[]`) // nothing of the failed item
	// DELETE in a batch; a type twice in an item is refused as a whole.
	s.expect("POST", "/associations:batchMutate", `{"requests":[{"resourceName":"t3","resourceNamespace":"ns","resourceId":"i3","associations":[{"opType":"UPSERT","subject":"shared","associationType":"key"},{"opType":"DELETE","associationType":"key"}]}]}`, 207,
		`{"results":[{"error":{"error_code":42212,"message":"The association specified an invalid value for property: 'associationType', detail: may only appear once per request, but 'key' appears more than once"}}]}`)
	s.expect("POST", "/associations:batchMutate", `{"requests":[{"resourceName":"t3","resourceNamespace":"ns","resourceId":"i3","associations":[{"opType":"DELETE"}]}]}`, 207,
		`{"results":[{"result":{"resourceName":"t3","resourceNamespace":"ns","resourceId":"i3","resourceType":"topic"}}]}`)
	s.expectError("POST", "/associations:batchMutate", `{"requests":[{"resourceName":"t3","resourceNamespace":"ns","resourceId":"i3","associations":[{"subject":"x"}]}]}`, 400, 400, "opType")
	s.expectError("POST", "/associations:batchMutate", `{"requests":[]}`, 422, 42212, "property: 'requests', detail: cannot be null or empty")

	// batchGet: by id, by name, with schemas, unknown.
	code, raw, _ = s.do("POST", "/associations:batchGet?includeSchemas=true", `{"requests":[{"resourceId":"i1"},{"resourceName":"t1","resourceNamespace":"ns"},{"resourceId":"none"},{}]}`)
	if code != 207 {
		t.Fatalf("batchGet: %d %s", code, raw)
	}
	for _, want := range []string{`"resourceId":"i1","resourceType":"topic","associations":[{"subject":":.ns:t1-value","associationType":"value","lifecycle":"STRONG","schema":{"subject":":.ns:t1-value","version":1,"id":1`,
		`{"result":{"resourceId":"none","resourceType":"topic"}}`,
		`{"error":{"error_code":500,"message":"Error while getting associations: property: resourceId; detail: either resourceId or resourceName must be specified"}}`} {
		if !strings.Contains(raw, want) {
			t.Fatalf("batchGet answered %s\nwithout %s", raw, want)
		}
	}
	if strings.Count(raw, `"subject":":.ns:t1-value","associationType"`) != 2 {
		t.Fatalf("batchGet by id and by name: %s", raw)
	}
}

// GET /schemas filters subject-versions by their subject's associations
// and lists them on each (Confluent's ExtendedSchema).
func TestSchemasAssociationFilters(t *testing.T) {
	s := newServer(t)
	s.register("weak-subject", `"string"`)
	s.expect("PUT", "/config/weak-subject", `{"compatibility":"NONE"}`, 200, "")
	s.register("weak-subject", `"int"`)
	s.register("plain", `"long"`)
	s.expect("POST", "/associations", `{"resourceName":"t1","resourceNamespace":"ns","resourceId":"i1","associations":[{"subject":"weak-subject"}]}`, 200, "")
	s.expect("POST", "/associations", `{"resourceName":"t2","resourceNamespace":"ns","resourceId":"i2","associations":[{"associationType":"key","schema":{"schema":"\"bytes\""}}]}`, 200, "")
	rows := func(query string) string {
		t.Helper()
		code, raw, _ := s.do("GET", "/schemas?subjectPrefix=:*:&"+query, "")
		if code != 200 {
			t.Fatalf("GET /schemas?%s: %d %s", query, code, raw)
		}
		var list []struct {
			Subject      string
			Version      int
			Associations []struct{ Lifecycle, AssociationType string }
		}
		json.Unmarshal([]byte(raw), &list)
		var out []string
		for _, r := range list {
			row := r.Subject + "/" + string(rune('0'+r.Version))
			for _, a := range r.Associations {
				row += ":" + a.AssociationType + "=" + a.Lifecycle
			}
			out = append(out, row)
		}
		return strings.Join(out, " ")
	}
	for query, want := range map[string]string{
		"":                                   ":.ns:t2-key/1 plain/1 weak-subject/1 weak-subject/2",
		"lifecycle=WEAK":                     "weak-subject/1:value=WEAK weak-subject/2:value=WEAK",
		"lifecycle=STRONG":                   ":.ns:t2-key/1:key=STRONG",
		"lifecycle=NONE":                     "plain/1",
		"lifecycle=WEAK&lifecycle=NONE":      "plain/1 weak-subject/1:value=WEAK weak-subject/2:value=WEAK",
		"associationType=key":                ":.ns:t2-key/1:key=STRONG",
		"resourceType=topic&latestOnly=true": ":.ns:t2-key/1:key=STRONG weak-subject/2:value=WEAK",
		"resourceType=":                      "",
		"associationType=value&limit=1":      "weak-subject/1:value=WEAK",
	} {
		if got := rows(query); got != want {
			t.Errorf("GET /schemas?%s:\n got  %s\n want %s", query, got, want)
		}
	}
	s.expectError("GET", "/schemas?lifecycle=weak", "", 404, 404, "")
}

// Through a context's URL, an association's unqualified subjects are in
// that context, and the by-subject read is the context's subject.
func TestAssociationsInContextURL(t *testing.T) {
	s := newServer(t)
	s.register(":.team:orders-contract", `"string"`)
	s.expect("POST", "/contexts/.team/associations", `{"resourceName":"orders","resourceNamespace":"ns","resourceId":"i","associations":[{"subject":"orders-contract"}]}`, 200,
		`{"resourceName":"orders","resourceNamespace":"ns","resourceId":"i","resourceType":"topic","associations":[{"subject":":.team:orders-contract","associationType":"value","lifecycle":"WEAK"}]}`)
	s.expectAssocs("/contexts/.team/associations/subjects/orders-contract",
		`[{"subject":":.team:orders-contract","resourceName":"orders","resourceNamespace":"ns","resourceId":"i","resourceType":"topic","associationType":"value","lifecycle":"WEAK"}]`)
	s.expect("GET", "/associations/subjects/orders-contract", "", 200, `[]`)
	// The context parameter directly; a form without ":." is ignored.
	s.register("plain", `"string"`)
	s.expectError("POST", "/associations?context=.team", `{"resourceName":"o2","resourceNamespace":"ns","resourceId":"i2","associations":[{"subject":"nothing"}]}`, 409, 40907, "'nothing'")
	s.expect("POST", "/associations?context=team", `{"resourceName":"o2","resourceNamespace":"ns","resourceId":"i2","associations":[{"subject":"plain"}]}`, 200, "")
	// A default-context qualifier is the plain subject.
	s.expect("POST", "/associations", `{"resourceName":"o3","resourceNamespace":"ns","resourceId":"i3","associations":[{"subject":":.:plain"}]}`, 200,
		`{"resourceName":"o3","resourceNamespace":"ns","resourceId":"i3","resourceType":"topic","associations":[{"subject":"plain","associationType":"value","lifecycle":"WEAK"}]}`)
	// A lifecycle Confluent's JSON reader refuses fails the whole request.
	s.expectError("POST", "/associations:batchMutate", `{"requests":[{"resourceName":"o4","resourceNamespace":"ns","resourceId":"i4","associations":[{"opType":"UPSERT","subject":"plain","lifecycle":"weak"}]}]}`, 400, 400, "LifecyclePolicy")
	s.expectError("POST", "/associations:batchGet", `{"requests":[{"resourceId":"i4","lifecycle":"strong"}]}`, 400, 400, "LifecyclePolicy")
	s.expectError("POST", "/associations", `{"resourceNamespace":"ns","associations":[{"subject":"plain","lifecycle":"x"}]}`, 400, 400, "LifecyclePolicy")
}

// associations.enable=false: the routes answer 404 (serializers fall back
// to their strategy), and stored associations still guard their subjects.
func TestAssociationsOff(t *testing.T) {
	s := newServer(t)
	s.register("orders-contract", `"string"`)
	s.expect("POST", "/associations", `{"resourceName":"orders","resourceNamespace":"ns","resourceId":"i","associations":[{"subject":"orders-contract"}]}`, 200, "")
	s.h = New(Options{Registry: s.reg, Version: "test", NoAssociations: true})
	s.expectError("GET", "/associations/resources/-/orders?resourceType=topic&associationType=value", "", 404, 404, "HTTP 404 Not Found")
	s.expectError("POST", "/associations", `{}`, 404, 404, "HTTP 404 Not Found")
	s.expectError("DELETE", "/subjects/orders-contract", "", 409, 40904, "")
}

// An association's inline schema takes the tag edits of a registration.
func TestAssociationInlineSchemaTags(t *testing.T) {
	s := newServer(t)
	body := `{"resourceName":"people","resourceNamespace":"ns","resourceId":"p","associations":[{"schema":{"schema":"{\"type\":\"record\",\"name\":\"P\",\"fields\":[{\"name\":\"ssn\",\"type\":\"string\"}]}",` +
		`"schemaTagsToAdd":[{"schemaEntity":{"entityPath":"P.ssn","entityType":"sr_field"},"tags":["PII"]}]}}]}`
	s.expect("POST", "/associations", body, 200, "")
	if _, raw, _ := s.do("GET", "/subjects/:.ns:people-value/versions/1/schema", ""); raw != `{"type":"record","name":"P","fields":[{"name":"ssn","type":"string","confluent:tags":["PII"]}]}` {
		t.Fatalf("stored: %s", raw)
	}
	s.expectError("POST", "/associations?dryRun=true", strings.Replace(body, "P.ssn", "P.nope", 1), 422, 42201, "No matching path 'P.nope'")
}
