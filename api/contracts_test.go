package api

import (
	"encoding/json"
	"strings"
	"testing"
)

// registered registers and returns the answer's metadata and rule set.
func (s *server) registered(subject, body string) (id, version int, md, rs string) {
	s.t.Helper()
	code, raw, _ := s.do("POST", "/subjects/"+subject+"/versions", body)
	if code != 200 {
		s.t.Fatalf("register %s: %d %s", subject, code, raw)
	}
	var a struct {
		ID, Version       int
		Metadata, RuleSet json.RawMessage
	}
	json.Unmarshal([]byte(raw), &a)
	return a.ID, a.Version, string(a.Metadata), string(a.RuleSet)
}

func TestDataContractMerge(t *testing.T) {
	s := newServer(t)
	s.expect("PUT", "/config/s", `{"compatibility":"NONE","defaultMetadata":{"properties":{"owner":"team-a","tier":"gold"}},
		"overrideMetadata":{"properties":{"tier":"platinum"}},
		"defaultRuleSet":{"domainRules":[{"name":"a","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"default"}]},
		"overrideRuleSet":{"domainRules":[{"name":"z","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"override"}]}}`, 200, "")

	// Defaults, then the request, then the overrides.
	_, v, md, rs := s.registered("s", body(`"string"`, `"metadata":{"properties":{"owner":"team-b"},"sensitive":["x"]}`,
		`"ruleSet":{"domainRules":[{"name":"a","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"mine"},{"name":"b","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"b"}]}`))
	if v != 1 || md != `{"properties":{"owner":"team-b","tier":"platinum"},"sensitive":["x"]}` ||
		rs != `{"domainRules":[{"name":"a","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"mine"},{"name":"b","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"b"},{"name":"z","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"override"}]}` {
		t.Fatalf("v1: %d %s %s", v, md, rs)
	}
	// Re-registered without metadata: the previous version's applies, the
	// same schema, the same version.
	if _, v2, md2, _ := s.registered("s", body(`"string"`)); v2 != 1 || md2 != md {
		t.Fatalf("re-registration without metadata: version %d %s", v2, md2)
	}
	// A new schema without metadata carries the previous version's.
	_, v, md, rs = s.registered("s", body(`"int"`))
	if v != 2 || md != `{"properties":{"owner":"team-b","tier":"platinum"},"sensitive":["x"]}` || !strings.Contains(rs, `"expr":"mine"`) {
		t.Fatalf("v2: %d %s %s", v, md, rs)
	}
	// Found by metadata, as use.latest.with.metadata asks.
	s.expect("GET", "/subjects/s/metadata?key=owner&value=team-b", "", 200, "")
	code, raw, _ := s.do("GET", "/subjects/s/metadata?key=owner&value=team-b", "")
	if code != 200 || !strings.Contains(raw, `"version":2`) {
		t.Fatalf("metadata lookup: %d %s", code, raw)
	}
	// A lookup of the schema as sent (no metadata) finds the version that
	// stores it merged.
	code, raw, _ = s.do("POST", "/subjects/s", body(`"int"`))
	if code != 200 || !strings.Contains(raw, `"version":2`) {
		t.Fatalf("lookup without metadata: %d %s", code, raw)
	}
	// A version given in the request puts confluent:version in the
	// metadata; later merges keep it up to date.
	if _, v, md, _ = s.registered("s", body(`"long"`, `"version":3`)); v != 3 || !strings.Contains(md, `"confluent:version":"3"`) {
		t.Fatalf("v3: %d %s", v, md)
	}
	if _, v, md, _ = s.registered("s", body(`"double"`)); v != 4 || !strings.Contains(md, `"confluent:version":"4"`) {
		t.Fatalf("v4: %d %s", v, md)
	}
	// IMPORT stores what it is given.
	s.expect("PUT", "/mode/imp", `{"mode":"IMPORT"}`, 200, "")
	s.expect("PUT", "/config/imp", `{"defaultMetadata":{"properties":{"owner":"nobody"}}}`, 200, "")
	if _, _, md, _ := s.registered("imp", body(`"bytes"`, `"id":100`, `"version":1`)); md != "" {
		t.Fatalf("import merged: %s", md)
	}
}

// compatibilityGroup: a version is checked only against the versions with
// the same value of the group's metadata property, at every level.
func TestCompatibilityGroup(t *testing.T) {
	for _, level := range []string{"BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FULL_TRANSITIVE"} {
		t.Run(level, func(t *testing.T) {
			s := newServer(t)
			s.expect("PUT", "/config/orders", `{"compatibility":"`+level+`","compatibilityGroup":"application.major.version"}`, 200, "")
			v1 := `{"type":"record","name":"Order","fields":[{"name":"id","type":"long"}]}`
			v2 := `{"type":"record","name":"Order","fields":[{"name":"code","type":"string"}]}` // breaks v1 at every level
			major := func(n string) string { return `"metadata":{"properties":{"application.major.version":"` + n + `"}}` }
			s.registered("orders", body(v1, major("1")))
			// In the same group: refused.
			s.expectError("POST", "/subjects/orders/versions", body(v2, major("1")), 409, 40901, "incompatible")
			code, raw, _ := s.do("POST", "/compatibility/subjects/orders/versions", body(v2, major("1")))
			if code != 200 || !strings.Contains(raw, `"is_compatible":false`) {
				t.Fatalf("check in the group: %d %s", code, raw)
			}
			// A new major version starts a group of its own.
			code, raw, _ = s.do("POST", "/compatibility/subjects/orders/versions", body(v2, major("2")))
			if code != 200 || !strings.Contains(raw, `"is_compatible":true`) {
				t.Fatalf("check in a new group: %d %s", code, raw)
			}
			if _, v, _, _ := s.registered("orders", body(v2, major("2"))); v != 2 {
				t.Fatalf("a new group: version %d", v)
			}
			// Without metadata, the previous version's group applies.
			s.expectError("POST", "/subjects/orders/versions", body(v1), 409, 40901, "incompatible")
		})
	}
}

// Re-registering finds the version: after confluent:version moved on, and
// not after an override changed what would be stored.
func TestDataContractReregistration(t *testing.T) {
	s := newServer(t)
	if _, v, md, _ := s.registered("s", body(`"string"`, `"version":1`)); v != 1 || !strings.Contains(md, `"confluent:version":"1"`) {
		t.Fatalf("v1: %d %s", v, md)
	}
	for i := 0; i < 3; i++ {
		if id, v, _, _ := s.registered("s", body(`"string"`)); v != 1 || id != 1 {
			t.Fatalf("re-registration %d: id %d version %d", i, id, v)
		}
	}
	// An override set since: the schema is stored again, with it.
	s.expect("PUT", "/config/s", `{"overrideRuleSet":{"domainRules":[{"name":"enc","kind":"TRANSFORM","mode":"WRITEREAD","type":"ENCRYPT","tags":["PII"]}]}}`, 200, "")
	_, v, _, rs := s.registered("s", body(`"string"`))
	if v != 2 || !strings.Contains(rs, `"type":"ENCRYPT"`) {
		t.Fatalf("after an override: version %d %s", v, rs)
	}
	if _, v2, _, _ := s.registered("s", body(`"string"`)); v2 != 2 {
		t.Fatalf("re-registration after the override: version %d", v2)
	}
}
