package store

import "testing"

// Keys are written byte for byte as Confluent's Jackson writes them:
// compaction treats other bytes as another key.
func TestKeyBytes(t *testing.T) {
	for _, tc := range []struct {
		key  recordKey
		want string
	}{
		{recordKey{Type: keySchema, Subject: "orders-value", Version: 3}, `{"keytype":"SCHEMA","subject":"orders-value","version":3,"magic":1}`},
		{recordKey{Type: keyConfig}, `{"keytype":"CONFIG","magic":0}`},
		{recordKey{Type: keyMode, Subject: "s"}, `{"keytype":"MODE","subject":"s","magic":0}`},
		{recordKey{Type: keyNoop}, `{"keytype":"NOOP","magic":0}`},
		{recordKey{Type: keyDeleteSubject, Subject: "s"}, `{"keytype":"DELETE_SUBJECT","subject":"s","magic":0}`},
		{recordKey{Type: keyClearSubject}, `{"keytype":"CLEAR_SUBJECT","magic":0}`},
		// As Confluent 8.0.0 wrote it (test/testdata/confluent-8.0.0).
		{recordKey{Type: keyContext, Subject: ".ctx1"}, `{"keytype":"CONTEXT","tenant":"default","context":".ctx1","magic":0}`},
		// Jackson writes these characters as they are, unlike encoding/json.
		{recordKey{Type: keySchema, Subject: "a<b>&c\u2028d", Version: 1}, "{\"keytype\":\"SCHEMA\",\"subject\":\"a<b>&c\u2028d\",\"version\":1,\"magic\":1}"},
	} {
		if got := string(tc.key.bytes()); got != tc.want {
			t.Errorf("got  %s\nwant %s", got, tc.want)
		}
	}
}

// TestContextRecordBytes: the CONTEXT record of a new context, as Confluent
// 8.0.0 wrote it (test/testdata/confluent-8.0.0/schemas.jsonl).
func TestContextRecordBytes(t *testing.T) {
	rec := contextRecord(".ctx1")
	if k, v := string(rec.Key), string(rec.Value); k != `{"keytype":"CONTEXT","tenant":"default","context":".ctx1","magic":0}` || v != `{"tenant":"default","context":".ctx1"}` {
		t.Errorf("CONTEXT record %s = %s", k, v)
	}
}
