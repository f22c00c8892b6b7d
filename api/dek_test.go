package api

import (
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/schemaregistry/registry/dek"
	"github.com/schemaregistry/registry/store"
)

func newDekServer(t *testing.T) (*server, *store.MemoryLog) {
	t.Helper()
	s := newServer(t)
	dlog := store.NewMemoryLog()
	deks, err := dek.Open(dlog, 3, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	s.h = New(Options{Registry: s.reg, Dek: deks, Version: "test"})
	return s, dlog
}

func TestDekRegistry(t *testing.T) {
	s, dlog := newDekServer(t)
	const p = "/dek-registry/v1/keks"
	kek := `{"name":"k1","kmsType":"AWS","kmsKeyId":"arn:aws:kms:eu-west-1:1:key/a","kmsProps":{"b":"2","a":"1"},"doc":"d"}`
	s.expect("POST", p, kek, 200, `{"name":"k1","kmsType":"aws-kms","kmsKeyId":"arn:aws:kms:eu-west-1:1:key/a","kmsProps":{"a":"1","b":"2"},"doc":"d","shared":false}`)
	s.expectError("POST", p, kek, 409, 40971, "Key 'k1' already exists; use a different value")
	s.expectError("POST", p, `{"name":"9bad","kmsType":"x","kmsKeyId":"y"}`, 422, 42271, "Invalid or missing value for field 'name' of key")
	s.expectError("POST", p, `{"name":"k2","kmsType":"aws-kms","kmsKeyId":"not-an-arn"}`, 422, 42271, "'kmsKeyId'")
	s.expectError("POST", p, `{"name":"k2","kmsKeyId":"y"}`, 422, 42271, "'kmsType'")
	// An unknown KMS type is taken, as Confluent takes it.
	s.expect("POST", p, `{"name":"k2","kmsType":"my-kms","kmsKeyId":"whatever"}`, 200, `{"name":"k2","kmsType":"my-kms","kmsKeyId":"whatever","kmsProps":{},"shared":false}`)
	s.expect("GET", p, "", 200, `["k1","k2"]`)
	s.expectError("GET", p+"/nope", "", 404, 40470, "Key 'nope' not found")
	// Update: only kmsProps, doc and shared.
	s.expect("PUT", p+"/k1", `{"doc":null,"kmsProps":{"c":"3"}}`, 200, `{"name":"k1","kmsType":"aws-kms","kmsKeyId":"arn:aws:kms:eu-west-1:1:key/a","kmsProps":{"c":"3"},"shared":false}`)

	// DEKs: version 1 by default; GET without a version is version 1.
	dek1 := `{"subject":"orders-value","encryptedKeyMaterial":"AAEC"}`
	s.expect("POST", p+"/k1/deks", dek1, 200, `{"kekName":"k1","subject":"orders-value","version":1,"algorithm":"AES256_GCM","encryptedKeyMaterial":"AAEC"}`)
	s.expectError("POST", p+"/k1/deks", dek1, 409, 40971, "Key 'orders-value' already exists")
	s.expect("POST", p+"/k1/deks/orders-value", `{"version":2,"encryptedKeyMaterial":"AwQF"}`, 200,
		`{"kekName":"k1","subject":"orders-value","version":2,"algorithm":"AES256_GCM","encryptedKeyMaterial":"AwQF"}`)
	s.expectError("POST", p+"/k1/deks", `{"subject":"x"}`, 422, 42271, "'encryptedKeyMaterial'")
	s.expectError("POST", p+"/nope/deks", dek1, 404, 40470, "Key 'nope' not found")
	s.expect("GET", p+"/k1/deks/orders-value", "", 200, `{"kekName":"k1","subject":"orders-value","version":1,"algorithm":"AES256_GCM","encryptedKeyMaterial":"AAEC"}`)
	s.expect("GET", p+"/k1/deks/orders-value/versions/latest", "", 200, `{"kekName":"k1","subject":"orders-value","version":2,"algorithm":"AES256_GCM","encryptedKeyMaterial":"AwQF"}`)
	s.expect("GET", p+"/k1/deks/orders-value/versions", "", 200, `[1,2]`)
	s.expectError("GET", p+"/k1/deks/orders-value/versions/0", "", 422, 42202, "The specified version '0' is not a valid version id")
	s.expect("GET", p+"/k1/deks/orders-value/versions?algorithm=AES128_GCM", "", 200, `[]`)
	s.expect("GET", p+"/k1/deks", "", 200, `["orders-value"]`)
	s.expect("GET", p+"?subjectPrefix=orders", "", 200, `["k1"]`)

	// A KEK with live DEKs is not deleted; DEKs go first, soft then for good.
	s.expectError("DELETE", p+"/k1", "", 422, 42272, "One or more references exist to the key 'k1'")
	s.expectError("DELETE", p+"/k1/deks/orders-value?permanent=true", "", 404, 40471, "was not deleted first")
	s.expect("DELETE", p+"/k1/deks/orders-value", "", 204, "")
	s.expectError("GET", p+"/k1/deks/orders-value", "", 404, 40470, "Key 'orders-value' not found")
	s.expect("GET", p+"/k1/deks/orders-value?deleted=true", "", 200, `{"kekName":"k1","subject":"orders-value","version":1,"algorithm":"AES256_GCM","encryptedKeyMaterial":"AAEC","deleted":true}`)
	s.expect("DELETE", p+"/k1", "", 204, "") // no live DEK left
	s.expectError("POST", p+"/k1/deks/orders-value/undelete", "", 404, 40472, "Key 'k1' must be undeleted first")
	s.expect("POST", p+"/k1/undelete", "", 204, "")
	s.expect("POST", p+"/k1/deks/orders-value/undelete", "", 204, "")
	s.expect("GET", p+"/k1/deks/orders-value/versions", "", 200, `[1,2]`)
	s.expect("DELETE", p+"/k1/deks/orders-value", "", 204, "")
	s.expect("DELETE", p+"/k1/deks/orders-value?permanent=true", "", 204, "")
	s.expect("DELETE", p+"/k1", "", 204, "")
	s.expect("DELETE", p+"/k1?permanent=true", "", 204, "")
	s.expectError("GET", p+"/k1?deleted=true", "", 404, 40470, "")

	// The records are Confluent's: the last ones are tombstones.
	recs := dlog.Records()
	last := recs[len(recs)-1]
	if string(last.Key) != `{"tenant":"default","name":"k1","type":"KEK"}` || last.Value != nil {
		t.Fatalf("last record %s %s", last.Key, last.Value)
	}
	if !strings.Contains(string(recs[0].Value), `"kmsProps":{"a":"1","b":"2"},"doc":"d","shared":false,"deleted":false,"type":"KEK"}`) {
		t.Fatalf("KEK value %s", recs[0].Value)
	}

	// A shared KEK: the server would need a KMS, which it does not have.
	s.expect("POST", p, `{"name":"shared","kmsType":"gcp-kms","kmsKeyId":"projects/x","shared":true}`, 200, "")
	s.expectError("POST", p+"/shared/deks", `{"subject":"s"}`, 500, 50070, "Could not generate encrypted dek for s: No KMS driver supports: gcp-kms://projects/x")
	s.expectError("POST", p+"/shared/test", "", 500, 50070, "No KMS driver supports")
	s.expectError("POST", p+"/k2/test", "", 422, 42271, "'shared'")
	// At most dek.registry.max.keys (3 here), counted as Confluent (>).
	s.expect("POST", p, `{"name":"k3","kmsType":"x","kmsKeyId":"y"}`, 200, "")
	s.expect("POST", p, `{"name":"k4","kmsType":"x","kmsKeyId":"y"}`, 200, "")
	s.expectError("POST", p, `{"name":"k5","kmsType":"x","kmsKeyId":"y"}`, 409, 40972, "A maximum of 3 keys already exist")
}

func TestDekRegistryOff(t *testing.T) {
	s := newServer(t)
	s.expectError("GET", "/dek-registry/v1/keks", "", 404, 404, "HTTP 404 Not Found")
}

// Creating keys is a write, deleting them an admin's.
func TestDekRegistryAccess(t *testing.T) {
	reg, err := store.Open(store.NewMemoryLog(), nil, store.Settings{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	deks, err := dek.Open(store.NewMemoryLog(), 0, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	auth := testAuth()
	auth.WriteSubjects = nil
	h := newAPI(Options{Registry: reg, Dek: deks, Auth: auth, Logger: slog.New(slog.DiscardHandler)}).router()
	for _, c := range []struct {
		method, path, body, user string
		status                   int
	}{
		{"POST", "/dek-registry/v1/keks", `{"name":"k","kmsType":"x","kmsKeyId":"y"}`, "alice", 403},
		{"POST", "/dek-registry/v1/keks", `{"name":"k","kmsType":"x","kmsKeyId":"y"}`, "bob", 200},
		{"GET", "/dek-registry/v1/keks/k", "", "alice", 200},
		{"DELETE", "/dek-registry/v1/keks/k", "", "bob", 403},
		{"DELETE", "/dek-registry/v1/keks/k", "", "carol", 204},
	} {
		if w := call(h, c.method, c.path, c.body, c.user, testUsers[c.user].password); w.Code != c.status {
			t.Errorf("%s %s as %s: %d %s, want %d", c.method, c.path, c.user, w.Code, w.Body, c.status)
		}
	}
}

// With the DEK registry on, an encryption rule that names only its KMS key
// is completed on registration as Confluent completes it (the KEK named
// after the key, an "arn:" key taken as aws-kms); other rules, and every
// rule with the registry off, are stored as sent.
func TestRegistrationKMSDefaults(t *testing.T) {
	const body = `{"schema":"\"string\"","ruleSet":{"domainRules":[` +
		`{"name":"enc","kind":"TRANSFORM","mode":"WRITEREAD","type":"ENCRYPT","tags":["PII"],"params":{"encrypt.kms.key.id":"arn:aws:kms:us-east-1:123:key/ab.cd"}},` +
		`{"name":"gcp","kind":"TRANSFORM","mode":"WRITEREAD","type":"ENCRYPT","params":{"encrypt.kms.key.id":"projects/p/keys/k"}},` +
		`{"name":"named","kind":"TRANSFORM","mode":"WRITEREAD","type":"ENCRYPT","params":{"encrypt.kms.key.id":"arn:x","encrypt.kek.name":"mine","encrypt.kms.type":"aws-kms"}},` +
		`{"name":"cel","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"true"}]}}`
	const want = `{"domainRules":[` +
		`{"name":"enc","kind":"TRANSFORM","mode":"WRITEREAD","type":"ENCRYPT","tags":["PII"],"params":{"encrypt.kek.name":"aws-kms-us-east-1-123-key-ab-cd","encrypt.kms.key.id":"arn:aws:kms:us-east-1:123:key/ab.cd","encrypt.kms.type":"aws-kms"}},` +
		`{"name":"gcp","kind":"TRANSFORM","mode":"WRITEREAD","type":"ENCRYPT","params":{"encrypt.kek.name":"projects-p-keys-k","encrypt.kms.key.id":"projects/p/keys/k"}},` +
		`{"name":"named","kind":"TRANSFORM","mode":"WRITEREAD","type":"ENCRYPT","params":{"encrypt.kek.name":"mine","encrypt.kms.key.id":"arn:x","encrypt.kms.type":"aws-kms"}},` +
		`{"name":"cel","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"true"}]}`
	ruleSetOf := func(s *server) string {
		t.Helper()
		code, raw, _ := s.do("POST", "/subjects/s/versions", body)
		if code != 200 {
			t.Fatalf("registration: %d %s", code, raw)
		}
		var v struct{ RuleSet json.RawMessage }
		if err := json.Unmarshal([]byte(raw), &v); err != nil {
			t.Fatal(err)
		}
		return string(v.RuleSet)
	}
	s, _ := newDekServer(t)
	if got := ruleSetOf(s); got != want {
		t.Fatalf("registration answered the rule set\n%s\nwant\n%s", got, want)
	}
	// The same request again is the same version, not a new one.
	ruleSetOf(s)
	s.expect("GET", "/subjects/s/versions", "", 200, `[1]`)
	s.expect("GET", "/subjects/s/versions/1", "", 200, "")
	if code, raw, _ := s.do("GET", "/subjects/s/versions/1", ""); code != 200 || !strings.Contains(raw, `"encrypt.kek.name":"projects-p-keys-k"`) {
		t.Fatalf("stored version: %d %s", code, raw)
	}

	if got := ruleSetOf(newServer(t)); got == want || strings.Contains(got, "projects-p-keys-k") {
		t.Fatalf("a registry without the DEK registry changed the rules: %s", got)
	}
}
