package api

import "testing"

// Cached answers never outlive a change: every read below follows a write
// that changes it, and is asked once before the write to fill the cache.
func TestCachedAnswersFollowWrites(t *testing.T) {
	s := newServer(t)
	s.expect("POST", "/subjects/s/versions", body(recordV1), 200, "")
	v1 := `{"subject":"s","version":1,"id":1,"guid":"` + guid(recordV1) + `","schemaType":"AVRO","schema":` + quote(recordV1) + `}`
	v2 := `{"subject":"s","version":2,"id":2,"guid":"` + guid(recordV2) + `","schemaType":"AVRO","schema":` + quote(recordV2) + `}`
	s.expect("GET", "/subjects/s/versions/latest", "", 200, v1)
	s.expect("GET", "/subjects/s/versions/latest", "", 200, v1)
	s.expect("POST", "/subjects/s/versions", body(recordV2), 200, "")
	s.expect("GET", "/subjects/s/versions/latest", "", 200, v2)

	byID := `{"subject":"s","version":1,"guid":"` + guid(recordV1) + `","schemaType":"AVRO","schema":` + quote(recordV1) + `}`
	s.expect("GET", "/schemas/ids/1", "", 200, byID)
	s.expect("DELETE", "/subjects/s/versions/1", "", 200, "1")
	s.expect("GET", "/schemas/ids/1", "", 200, byID[:len(byID)-1]+`,"deleted":true}`)
	s.expect("GET", "/subjects/s/versions/1?deleted=true", "", 200, v1[:len(v1)-1]+`,"deleted":true}`)
	s.expectError("GET", "/subjects/s/versions/1", "", 404, 40402, "Version 1 not found.")
	s.expect("DELETE", "/subjects/s/versions/1?permanent=true", "", 200, "1")
	s.expectError("GET", "/schemas/ids/1", "", 404, 40403, "Schema 1 not found")
	s.expectError("GET", "/subjects/s/versions/1?deleted=true", "", 404, 40402, "")
	// The same schema registered again gets a new id, and the answers say so.
	s.expect("POST", "/subjects/t/versions", body(recordV1), 200, "")
	s.expect("GET", "/subjects/t/versions/latest", "", 200, `{"subject":"t","version":1,"id":3,"guid":"`+guid(recordV1)+`","schemaType":"AVRO","schema":`+quote(recordV1)+`}`)
}

// Lookups and re-registrations answered from the cache follow writes too.
func TestCachedPostsFollowWrites(t *testing.T) {
	s := newServer(t)
	reg := `{"id":1,"version":1,"guid":"` + guid(recordV1) + `","schemaType":"AVRO","schema":` + quote(recordV1) + `}`
	s.expect("POST", "/subjects/s/versions", body(recordV1), 200, reg)
	s.expect("POST", "/subjects/s/versions", body(recordV1), 200, reg) // existing: from the cache next time
	s.expect("POST", "/subjects/s/versions", body(recordV1), 200, reg)
	s.expect("POST", "/subjects/s", body(recordV1), 200, `{"subject":"s","version":1,"id":1,"guid":"`+guid(recordV1)+`","schemaType":"AVRO","schema":`+quote(recordV1)+`}`)
	s.expect("DELETE", "/subjects/s/versions/1", "", 200, "1")
	s.expectError("POST", "/subjects/s", body(recordV1), 404, 40401, "Subject 's' not found.")
	// The same body registers again: a new version, not the cached answer.
	s.expect("POST", "/subjects/s/versions", body(recordV1), 200, `{"id":1,"version":2,"guid":"`+guid(recordV1)+`","schemaType":"AVRO","schema":`+quote(recordV1)+`}`)
	s.expect("PUT", "/mode/s", `{"mode":"READONLY"}`, 200, "")
	s.expect("POST", "/subjects/s/versions", body(recordV1), 200, `{"id":1,"version":2,"guid":"`+guid(recordV1)+`","schemaType":"AVRO","schema":`+quote(recordV1)+`}`)
	s.expectError("POST", "/subjects/s/versions", body(recordV2), 422, 42205, "read-only")
	// Query parameters are part of the key.
	s.expectError("POST", "/subjects/s?deleted=true", body(recordV3), 404, 40403, "")
	s.expect("POST", "/subjects/s?deleted=true", body(recordV1), 200, "")
}

// TestCachedCompatibilityFollowsWrites repeats each check so that the second
// answer can come from the cache, across every kind of write that changes
// the verdict: a new version, a level change, a delete, a mode change does not
// matter but still moves the revision.
func TestCachedCompatibilityFollowsWrites(t *testing.T) {
	s := newServer(t)
	twice := func(path, req string, want string) {
		t.Helper()
		s.expect("POST", path, req, 200, want)
		s.expect("POST", path, req, 200, want)
	}
	compatible, incompatible := `{"is_compatible":true}`, `{"is_compatible":false}`
	s.expect("POST", "/subjects/s/versions", body(recordV1), 200, "")
	// recordV3 adds a field without a default: not BACKWARD compatible.
	twice("/compatibility/subjects/s/versions/latest", body(recordV3), incompatible)
	twice("/compatibility/subjects/s/versions", body(recordV2), compatible)
	s.expect("PUT", "/config/s", `{"compatibility":"NONE"}`, 200, "")
	twice("/compatibility/subjects/s/versions/latest", body(recordV3), compatible)
	s.expect("PUT", "/config/s", `{"compatibility":"FORWARD"}`, 200, "")
	twice("/compatibility/subjects/s/versions/latest", body(recordV3), compatible)
	s.expect("DELETE", "/config/s", "", 200, "")
	twice("/compatibility/subjects/s/versions/latest", body(recordV3), incompatible)
	// A new latest version that recordV3 evolves.
	s.expect("PUT", "/config/s", `{"compatibility":"NONE"}`, 200, "")
	s.expect("POST", "/subjects/s/versions", body(`{"type":"record","name":"User","namespace":"com.acme","fields":[{"name":"id","type":"long"},{"name":"name","type":"string","default":""}]}`), 200, "")
	s.expect("DELETE", "/config/s", "", 200, "")
	twice("/compatibility/subjects/s/versions/latest", body(recordV3), compatible)
	twice("/compatibility/subjects/s/versions/1", body(recordV3), incompatible)
	// Deleting the version checked against: 40402 instead of the cached verdict.
	s.expect("DELETE", "/subjects/s/versions/1", "", 200, "1")
	s.expectError("POST", "/compatibility/subjects/s/versions/1", body(recordV3), 404, 40402, "")
	// verbose is part of the key.
	twice("/compatibility/subjects/s/versions/latest?verbose=true", body(recordV3), `{"is_compatible":true,"messages":[]}`)
}
