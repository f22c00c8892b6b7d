package api

import (
	"strings"
	"testing"
)

// TestIDListsTheVersionsRegisteredWithIt: /schemas/ids/{id}/versions and
// /subjects list the subject-versions registered with that id, not every
// version of the same text under other ids (IMPORT binds one text to
// several ids).
func TestIDListsTheVersionsRegisteredWithIt(t *testing.T) {
	s := newServer(t)
	// Case 2: a text registered normally in u (id 1), then imported into i
	// under an explicit id.
	s.expect("POST", "/subjects/u/versions", body(recordV1), 200, `{"id":1,"version":1,"guid":"`+guid(recordV1)+`","schemaType":"AVRO","schema":`+quote(recordV1)+`}`)
	s.expect("PUT", "/mode/i", `{"mode":"IMPORT"}`, 200, "")
	s.expect("POST", "/subjects/i/versions", body(recordV1, `"id":5`), 200, "")
	s.expect("GET", "/schemas/ids/5/versions", "", 200, `[{"subject":"i","version":1}]`)
	s.expect("GET", "/schemas/ids/5/subjects", "", 200, `["i"]`)
	s.expect("GET", "/schemas/ids/1/versions", "", 200, `[{"subject":"u","version":1}]`)
	s.expect("GET", "/schemas/ids/1/subjects", "", 200, `["u"]`)
	// Case 1: one text imported twice into one subject, under two ids.
	s.expect("PUT", "/mode/s", `{"mode":"IMPORT"}`, 200, "")
	s.expect("POST", "/subjects/s/versions", body(recordV2, `"id":10`, `"version":1`), 200, "")
	s.expect("POST", "/subjects/s/versions", body(recordV2, `"id":11`, `"version":2`), 200, "")
	s.expect("GET", "/schemas/ids/10/versions", "", 200, `[{"subject":"s","version":1}]`)
	s.expect("GET", "/schemas/ids/11/versions", "", 200, `[{"subject":"s","version":2}]`)
}

// TestDeletedIsAlwaysPresent: Confluent's Schema entities carry "deleted",
// false included (seen from Confluent 8.0.0): a subject-version, a lookup,
// a schema by id or GUID, the /schemas list. The register answer has none.
func TestDeletedIsAlwaysPresent(t *testing.T) {
	s := newServer(t)
	_, reg, _ := s.do("POST", "/subjects/s/versions", body(recordV1))
	if strings.Contains(reg, `"deleted"`) {
		t.Errorf("register answer %s has deleted", reg)
	}
	for _, p := range []string{"/subjects/s/versions/1", "/subjects/s/versions/latest?deleted=true", "/schemas/ids/1", "/schemas/guids/" + guid(recordV1), "/schemas"} {
		if _, raw, _ := s.do("GET", p, ""); !strings.Contains(raw, `"deleted":false`) {
			t.Errorf("GET %s: %s, want deleted:false", p, raw)
		}
	}
	if _, raw, _ := s.do("POST", "/subjects/s", body(recordV1)); !strings.Contains(raw, `"deleted":false`) {
		t.Errorf("lookup: %s, want deleted:false", raw)
	}
	s.expect("DELETE", "/subjects/s/versions/1", "", 200, "1")
	if _, raw, _ := s.do("GET", "/subjects/s/versions/1?deleted=true", ""); !strings.Contains(raw, `"deleted":true`) {
		t.Errorf("soft-deleted version: %s, want deleted:true", raw)
	}
}

// TestConfigAnswersEscapeAsJackson: a rule expression with > < & comes back
// as written, not as \u003e (Jackson escapes no HTML characters).
func TestConfigAnswersEscapeAsJackson(t *testing.T) {
	s := newServer(t)
	body := `{"defaultRuleSet":{"domainRules":[{"name":"r","kind":"CONDITION","type":"CEL","mode":"WRITE","expr":"size(x) > 0 && y < 2"}]}}`
	for _, method := range []string{"PUT", "GET"} {
		_, raw, _ := s.do(method, "/config/s", map[string]string{"PUT": body}[method])
		if !strings.Contains(raw, `size(x) > 0 && y < 2`) {
			t.Errorf("%s /config/s: %s", method, raw)
		}
	}
}
