package api

import (
	"encoding/base64"
	"strconv"
	"strings"
	"testing"

	hamba "github.com/hamba/avro/v2"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/hook"
)

func TestValidationEndpoint(t *testing.T) {
	s := newServer(t)
	s.h = New(Options{Registry: s.reg, Validation: hook.Settings{Value: hook.Side{Validate: true}}})
	s.expect("POST", "/subjects/orders-value/versions", body(recordV1), 200, "")
	s.expect("POST", "/subjects/payments-value/versions", body(`"string"`), 200, "")
	hs, err := hamba.ParseWithCache(recordV1, "", &hamba.SchemaCache{})
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := hamba.Marshal(hs, map[string]any{"id": int64(7)})
	rec := func(id int, p []byte) string {
		return strconv.Quote(base64.StdEncoding.EncodeToString(append(formats.AppendIDPrefix(nil, int32(id)), p...)))
	}
	batch := `{"records":[{"value":` + rec(1, payload) + `},{"value":` + rec(2, []byte{2, 'x'}) + `},{"value":"AAE="},{"key":null,"value":null},{"value":` + rec(1, payload[:0]) + `}]`
	s.expect("POST", "/validation/topics/orders", batch+`}`, 200, `{"results":[
		{"valid":true},
		{"valid":false,"side":"value","reason":"SUBJECT_MISMATCH","message":"schema 2 is not registered under subject orders-value (TopicNameStrategy)"},
		{"valid":false,"side":"value","reason":"MALFORMED","message":"wire format: short-id: 2 bytes, a schema id needs 5"},
		{"valid":true},
		{"valid":true}]}`)
	// Settings per request: deep validation, another strategy.
	code, raw, _ := s.do("POST", "/validation/topics/orders", batch+`,"confluent.payload.validation":true}`)
	if code != 200 || !containsAll(raw, `"reason":"BAD_PAYLOAD"`) {
		t.Fatalf("deep: %d %s", code, raw)
	}
	code, raw, _ = s.do("POST", "/validation/topics/orders", `{"records":[{"value":`+rec(1, payload)+`}],"confluent.value.subject.name.strategy":"io.confluent.kafka.serializers.subject.RecordNameStrategy"}`)
	if code != 200 || !containsAll(raw, `"reason":"SUBJECT_MISMATCH"`, `com.acme.User`) {
		t.Fatalf("record name strategy: %d %s", code, raw)
	}
	// Switches per request: values off, keys on (the key 0x01 is malformed).
	code, raw, _ = s.do("POST", "/validation/topics/orders", `{"records":[{"key":"AQ==","value":"AAE="}],"confluent.value.schema.validation":false}`)
	if code != 200 || raw != `{"results":[{"valid":true}]}` {
		t.Fatalf("values off: %d %s", code, raw)
	}
	code, raw, _ = s.do("POST", "/validation/topics/orders", `{"records":[{"key":"AQ==","value":"AAE="}],"confluent.key.schema.validation":true,"confluent.value.schema.validation":false}`)
	if code != 200 || !containsAll(raw, `"side":"key"`, `"reason":"MALFORMED"`) {
		t.Fatalf("keys on: %d %s", code, raw)
	}
	// A bad strategy is a 422 naming the setting.
	s.expectError("POST", "/validation/topics/orders", `{"records":[],"confluent.value.subject.name.strategy":"Nope"}`, 422, 422,
		`confluent.value.subject.name.strategy: unknown subject name strategy "Nope"`)
	s.expectError("POST", "/validation/topics/orders", `{"records":[],"confluent.key.subject.name.strategy":""}`, 422, 422,
		`confluent.key.subject.name.strategy: unknown subject name strategy ""`)
	s.expectError("POST", "/validation/topics/orders", `{"records":[{"value":"!!"}]}`, 400, 400, "")
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !stringsContains(s, p) {
			return false
		}
	}
	return true
}

func stringsContains(s, sub string) bool { return strings.Contains(s, sub) }

// A topic whose producers use a context: ids resolve in the context and
// the strategy's subject is qualified with it, by the setting or by the
// /contexts/{context}/ URL form.
func TestValidationInContext(t *testing.T) {
	s := newServer(t)
	s.h = New(Options{Registry: s.reg, Validation: hook.Settings{Value: hook.Side{Validate: true}}})
	s.expectID("/subjects/other/versions", `"string"`, 1)                     // id 1 of the default context
	s.expectID("/contexts/.prod/subjects/orders-value/versions", recordV1, 1) // id 1 of .prod
	hs, err := hamba.ParseWithCache(recordV1, "", &hamba.SchemaCache{})
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := hamba.Marshal(hs, map[string]any{"id": int64(7)})
	batch := `{"records":[{"value":"` + base64.StdEncoding.EncodeToString(append(formats.AppendIDPrefix(nil, 1), payload...)) + `"}]`
	valid := `{"results":[{"valid":true}]}`
	s.expect("POST", "/contexts/.prod/validation/topics/orders", batch+`,"confluent.payload.validation":true}`, 200, valid)
	s.expect("POST", "/validation/topics/orders", batch+`,"schema.validation.context":"prod","confluent.payload.validation":true}`, 200, valid)
	s.expect("POST", "/validation/topics/orders", batch+`,"schema.validation.context":":.prod:"}`, 200, valid)
	// Without the context, id 1 is the default context's "string", not
	// registered under orders-value.
	s.expect("POST", "/validation/topics/orders", batch+`}`, 200,
		`{"results":[{"valid":false,"side":"value","reason":"SUBJECT_MISMATCH","message":"schema 1 is not registered under subject orders-value (TopicNameStrategy)"}]}`)
	// Another context has no id 1.
	s.expect("POST", "/contexts/.dev/validation/topics/orders", batch+`}`, 200,
		`{"results":[{"valid":false,"side":"value","reason":"UNKNOWN_SCHEMA","message":"no schema has id 1 in context .dev"}]}`)
	s.expectError("POST", "/validation/topics/orders", batch+`,"schema.validation.context":"a:b"}`, 422, 422, "schema.validation.context: Context name 'a:b' cannot contain a colon")
}
