package api

import "testing"

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
