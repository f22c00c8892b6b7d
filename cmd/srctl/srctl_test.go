package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/schemaregistry/registry/api"
	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/avro"
	"github.com/schemaregistry/registry/formats/jsonschema"
	"github.com/schemaregistry/registry/formats/protobuf"
	"github.com/schemaregistry/registry/store"
)

// The tests run the built binary, as a CI pipeline would, against
// registries served in this process.

var binPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "srctl-test")
	if err != nil {
		panic(err)
	}
	binPath = filepath.Join(dir, "srctl")
	if out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building srctl: %v\n%s", err, out)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is what a run of the binary gave.
type result struct {
	code           int
	stdout, stderr string
}

// srctl runs the binary in dir with args (and stdin, when given).
func srctl(t *testing.T, dir, stdin string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binPath, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "SCHEMA_REGISTRY_URL=")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	cmd.Stdin = strings.NewReader(stdin)
	err := cmd.Run()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, out.String(), errOut.String()}
}

func (r result) want(t *testing.T, code int, contains ...string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit code %d, want %d\nstdout: %s\nstderr: %s", r.code, code, r.stdout, r.stderr)
	}
	for _, c := range contains {
		if !strings.Contains(r.stdout+r.stderr, c) {
			t.Fatalf("output lacks %q\nstdout: %s\nstderr: %s", c, r.stdout, r.stderr)
		}
	}
}

// registry is a registry served in this process.
type registry struct {
	t   *testing.T
	url string
	log *store.MemoryLog
}

func newRegistry(t *testing.T) *registry {
	t.Helper()
	log := store.NewMemoryLog()
	fmts := []formats.Format{avro.Format{}, protobuf.Format{}, jsonschema.Format{}}
	reg, err := store.Open(log, fmts, store.Settings{ModeMutability: true, ValidateNewSchemas: true}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(api.Options{Registry: reg, Logger: slog.New(slog.DiscardHandler)}))
	t.Cleanup(func() { srv.Close(); reg.Close() })
	return &registry{t: t, url: srv.URL, log: log}
}

// do sends a request and returns the status and body.
func (r *registry) do(method, path, body string) (int, string) {
	r.t.Helper()
	req, err := http.NewRequest(method, r.url+path, strings.NewReader(body))
	if err != nil {
		r.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/vnd.schemaregistry.v1+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// must sends a request that must succeed.
func (r *registry) must(method, path, body string) string {
	r.t.Helper()
	code, out := r.do(method, path, body)
	if code != 200 && code != 204 {
		r.t.Fatalf("%s %s: %d %s", method, path, code, out)
	}
	return out
}

// schemaBody is a registration body.
func schemaBody(schema string, extra ...string) string {
	b, _ := json.Marshal(schema)
	return "{" + strings.Join(append([]string{`"schema":` + string(b)}, extra...), ",") + "}"
}

// files writes files into a new directory and returns it.
func files(t *testing.T, kv ...string) string {
	t.Helper()
	dir := t.TempDir()
	for i := 0; i+1 < len(kv); i += 2 {
		p := filepath.Join(dir, kv[i])
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(kv[i+1]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const (
	userV1 = `{"type":"record","name":"User","namespace":"com.acme","fields":[
  {"name":"id","type":"long"}
]}`
	userV2 = `{"type":"record","name":"User","namespace":"com.acme","fields":[
  {"name":"id","type":"long"},
  {"name":"email","type":["null","string"],"default":null}
]}`
	userBad = `{"type":"record","name":"User","namespace":"com.acme","fields":[
  {"name":"id","type":"long"},
  {"name":"name","type":"string"}
]}`
)

func TestCheckLocal(t *testing.T) {
	dir := files(t, "v1.avsc", userV1, "v2.avsc", userV2, "bad.avsc", userBad, "broken.avsc", `{"type":"record","name":"User","fields":[{"name":"id","type":"lon"}]}`,
		"notjson.json", "{\n  \"type\": \"record\",\n  oops\n}", "notjson.avsc", "{\"type\":\n\"record\",,}")
	srctl(t, dir, "", "check", "--local", "v1.avsc", "v2.avsc").want(t, 0, "v2.avsc: compatible (BACKWARD)")
	r := srctl(t, dir, "", "check", "--local", "v1.avsc", "bad.avsc")
	r.want(t, 1, "bad.avsc: INCOMPATIBLE (BACKWARD)",
		"{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'name' at path '/fields/1' in the new schema has no default value and is missing in the old schema', additionalInfo:'name'}",
		"{oldSchemaVersion: 1}", "{validateFields: 'false', compatibility: 'BACKWARD'}")
	// FORWARD accepts what BACKWARD refuses here; transitive levels read
	// every OLD file.
	srctl(t, dir, "", "check", "--local", "--level", "forward", "v1.avsc", "bad.avsc").want(t, 0, "compatible (FORWARD)")
	srctl(t, dir, "", "check", "--local", "--level", "FULL_TRANSITIVE", "bad.avsc", "v1.avsc", "v2.avsc").want(t, 1, "INCOMPATIBLE (FULL_TRANSITIVE)", "The field 'name' at path '/fields/1' in the old schema has no default value")
	srctl(t, dir, "", "check", "--local", "--level", "FULL", "bad.avsc", "v1.avsc", "v2.avsc").want(t, 0, "compatible (FULL)")
	// Broken inputs are errors (2), named.
	srctl(t, dir, "", "check", "--local", "v1.avsc", "broken.avsc").want(t, 2, "broken.avsc", "lon")
	srctl(t, dir, "", "check", "--local", "v1.avsc", "notjson.json").want(t, 2, "notjson.json:3:")
	srctl(t, dir, "", "check", "--local", "v1.avsc", "notjson.avsc").want(t, 2, "notjson.avsc:2:10: not JSON")
	srctl(t, dir, "", "check", "--local", "v1.avsc", "missing.avsc").want(t, 2, "missing.avsc")
	srctl(t, dir, "", "check", "--local", "v1.avsc").want(t, 2, "at least two files")
	srctl(t, dir, "", "check", "--local", "--level", "SIDEWAYS", "v1.avsc", "v2.avsc").want(t, 2, "--level")
	// JSON output.
	r = srctl(t, dir, "", "check", "--local", "-o", "json", "v1.avsc", "bad.avsc")
	r.want(t, 1)
	var out []checkResult
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || len(out) != 1 || out[0].Compatible || out[0].Where != "local" || len(out[0].Messages) != 4 {
		t.Fatalf("json output: %v %s", err, r.stdout)
	}
}

func TestValidate(t *testing.T) {
	dir := files(t, "ok.avsc", userV1, "bad.avsc", `{"type":"record","name":"X","fields":[{"name":"a","type":"int","default":"x"}]}`,
		"p/a.proto", "syntax = \"proto3\";\npackage p;\nimport \"p/b.proto\";\nmessage A { B b = 1; }\n",
		"p/b.proto", "syntax = \"proto3\";\npackage p;\nmessage B { string s = 1; }\n",
		"lonely.proto", "syntax = \"proto3\";\nimport \"nowhere.proto\";\nmessage A { int32 x = 1; }\n")
	srctl(t, dir, "", "validate", "ok.avsc", "p/a.proto", "-I", ".").want(t, 0, "ok.avsc: valid", "p/a.proto: valid")
	srctl(t, dir, "", "validate", "ok.avsc", "bad.avsc").want(t, 1, "bad.avsc: INVALID")
	srctl(t, dir, "", "validate", "lonely.proto").want(t, 1, "lonely.proto: INVALID", "nowhere.proto")
}

func TestCheckAgainstRegistry(t *testing.T) {
	reg := newRegistry(t)
	reg.must("POST", "/subjects/users-value/versions", schemaBody(userV1))
	reg.must("POST", "/subjects/address/versions", schemaBody(`{"type":"record","name":"Address","namespace":"com.acme","fields":[{"name":"city","type":"string"}]}`))
	dir := files(t, "v2.avsc", userV2, "bad.avsc", userBad,
		"order.avsc", `{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"to","type":"com.acme.Address"}]}`,
		"common.proto", "syntax = \"proto3\";\npackage acme;\nmessage Money { int64 cents = 1; }\n",
		"pay.proto", "syntax = \"proto3\";\npackage acme;\nimport \"common.proto\";\nmessage Payment {\n  Money amount = 1;\n}\n",
		"subjects.yaml", "subjects:\n  users-value: v2.avsc\n  orders-value:\n    file: order.avsc\n    references:\n      - {name: com.acme.Address, subject: address, version: latest}\n")
	url := "--url=" + reg.url
	// The registry's own verdict.
	srctl(t, dir, "", url, "check", "--subject", "users-value", "v2.avsc").want(t, 0, "users-value (v2.avsc): compatible (BACKWARD)")
	r := srctl(t, dir, "", url, "check", "--subject", "users-value", "bad.avsc", "-o", "json")
	r.want(t, 1, `"checkedBy": "registry"`, "READER_FIELD_MISSING_DEFAULT_VALUE")
	// --level: checked here against the registry's versions.
	srctl(t, dir, "", url, "check", "--subject", "users-value", "--level", "FORWARD", "bad.avsc", "-o", "json").want(t, 0, `"checkedBy": "local"`, `"level": "FORWARD"`)
	// The subject's configured level applies.
	reg.must("PUT", "/config/users-value", `{"compatibility":"NONE"}`)
	srctl(t, dir, "", url, "check", "--subject", "users-value", "bad.avsc").want(t, 0, "compatible")
	reg.must("DELETE", "/config/users-value", "")
	// A config file, with a reference on the registry.
	srctl(t, dir, "", url, "check", "--config", "subjects.yaml").want(t, 0, "orders-value (order.avsc): compatible", "users-value (v2.avsc): compatible")
	// A .proto whose import is only local: checked here, the import with it.
	srctl(t, dir, "", url, "check", "--subject", "payments-value", "pay.proto", "-o", "json").want(t, 0, `"checkedBy": "local"`)
	// Registered, the import is on the registry: the registry's verdict.
	srctl(t, dir, "", url, "register", "--subject", "payments-value", "pay.proto").want(t, 0, "payments-value: version 1, id 4")
	reg.must("GET", "/subjects/common.proto/versions/1", "")
	srctl(t, dir, "", url, "check", "--subject", "payments-value", "pay.proto", "-o", "json").want(t, 0, `"checkedBy": "registry"`)
	// Errors: no registry given, a registry that is down.
	srctl(t, dir, "", "check", "--subject", "users-value", "v2.avsc").want(t, 2, "no registry URL")
	srctl(t, dir, "", "--url=http://127.0.0.1:1", "--retries=1", "check", "--subject", "users-value", "v2.avsc").want(t, 2, "unreachable after 2 attempts")
}

// The GitHub Actions annotations of a failing check, each on the line its
// message points at.
func TestGitHubOutput(t *testing.T) {
	dir := files(t, "v1.avsc", userV1, "bad.avsc", userBad,
		"v1.json", `{"type":"object","properties":{"a":{"type":"string","maxLength":10}},"additionalProperties":false}`,
		"v2.json", "{\n  \"type\": \"object\",\n  \"properties\": {\n    \"a\": {\n      \"type\": \"string\",\n      \"maxLength\": 5\n    }\n  },\n  \"additionalProperties\": false\n}",
		"v1.proto", "syntax = \"proto3\";\npackage p;\nmessage M {\n  string a = 1;\n  int32 b = 2;\n}\n",
		"v2.proto", "syntax = \"proto3\";\npackage p;\nmessage M {\n  string a = 1;\n  string b = 2;\n}\n")
	var got strings.Builder
	for i, pair := range [][2]string{{"v1.avsc", "bad.avsc"}, {"v1.json", "v2.json"}, {"v1.proto", "v2.proto"}, {"v1.avsc", "v1.avsc"}} {
		r := srctl(t, dir, "", "check", "--local", "-o", "github", pair[0], pair[1])
		r.want(t, map[bool]int{true: 0, false: 1}[i == 3])
		got.WriteString(r.stdout)
	}
	srctl(t, dir, "", "check", "--local", "-o", "yaml", "v1.avsc", "v1.avsc").want(t, 2, "--output yaml")
	golden := filepath.Join("testdata", "github.golden")
	if os.Getenv("SRCTL_UPDATE_GOLDEN") != "" {
		if err := os.WriteFile(golden, []byte(got.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != string(want) {
		t.Fatalf("GitHub output differs from %s (SRCTL_UPDATE_GOLDEN=1 rewrites it):\n%s", golden, got.String())
	}
}

func TestCommands(t *testing.T) {
	reg := newRegistry(t)
	dir := files(t, "v1.avsc", userV1, "v2.avsc", userV2)
	url := "--url=" + reg.url
	srctl(t, dir, "", url, "register", "--subject", "users-value", "v1.avsc").want(t, 0, "users-value: version 1, id 1")
	srctl(t, dir, "", url, "register", "--subject", "users-value", "v2.avsc", "-o", "json").want(t, 0, `"version": 2`, `"id": 2`)
	// get: the text, or the whole answer.
	r := srctl(t, dir, "", url, "get", "users-value", "--version", "1")
	r.want(t, 0)
	if strings.TrimSpace(r.stdout) != `{"type":"record","name":"User","namespace":"com.acme","fields":[{"name":"id","type":"long"}]}` {
		t.Fatalf("get: %q", r.stdout)
	}
	srctl(t, dir, "", url, "get", "--id", "2", "-o", "json").want(t, 0, `email`, `"version": 2`)
	srctl(t, dir, "", url, "get", "nope").want(t, 2, "Subject 'nope' not found", "40401")
	// download.
	srctl(t, dir, "", url, "download", "--dir", "out", "--all-versions").want(t, 0, filepath.Join("out", "users-value-v2.avsc"))
	if b, err := os.ReadFile(filepath.Join(dir, "out", "users-value-v1.avsc")); err != nil || !strings.Contains(string(b), `"name":"User"`) {
		t.Fatalf("downloaded: %v %s", err, b)
	}
	srctl(t, dir, "", url, "download", "--dir", "ids", "--ids", "2").want(t, 0, filepath.Join("ids", "id-2.avsc"))
	if b, err := os.ReadFile(filepath.Join(dir, "ids", "id-2.avsc")); err != nil || !strings.Contains(string(b), `"email"`) {
		t.Fatalf("downloaded by id: %v %s", err, b)
	}
	// diff of two registry versions: verdicts per level and a text diff.
	r = srctl(t, dir, "", url, "diff", "users-value@1", "users-value@2")
	r.want(t, 1, "BACKWARD: compatible", "FORWARD: compatible", "FULL: compatible", "--- users-value@1", "+++ users-value@2")
	srctl(t, dir, "", "diff", "v1.avsc", "v1.avsc").want(t, 0, "(the same text)")
	pdir := files(t, "a.proto", "syntax = \"proto3\";\nmessage M { string a = 1; }\n", "b.proto", "syntax = \"proto3\";\nmessage M {\n  int32 a = 1;\n  string b = 2;\n}\n")
	srctl(t, pdir, "", "diff", "a.proto", "b.proto").want(t, 1, "FIELD_SCALAR_KIND_CHANGED #/M/1 (incompatible)", "FIELD_ADDED #/M/2 (compatible)",
		"BACKWARD: INCOMPATIBLE", "+  string b = 2;")
	// config and mode.
	srctl(t, dir, "", url, "config", "set", "users-value", "--level", "full").want(t, 0, `"compatibility": "FULL"`)
	srctl(t, dir, "", url, "config", "get", "users-value").want(t, 0, `"compatibilityLevel": "FULL"`)
	srctl(t, dir, "", url, "config", "delete", "users-value").want(t, 0)
	srctl(t, dir, "", url, "config", "get", "users-value").want(t, 2, "40408")
	srctl(t, dir, "", url, "mode", "set", "--mode", "readonly").want(t, 0, `"mode": "READONLY"`)
	srctl(t, dir, "", url, "register", "--subject", "other", "v1.avsc").want(t, 2, "42205")
	srctl(t, dir, "", url, "mode", "set", "--mode", "READWRITE").want(t, 0)
	// delete asks first; a refusal deletes nothing.
	srctl(t, dir, "n\n", url, "delete", "users-value", "--version", "1").want(t, 2, "not confirmed")
	reg.must("GET", "/subjects/users-value/versions/1", "")
	srctl(t, dir, "y\n", url, "delete", "users-value", "--version", "1").want(t, 0, "deleted version 1 of users-value")
	if code, _ := reg.do("GET", "/subjects/users-value/versions/1", ""); code != 404 {
		t.Fatalf("version 1 still served: %d", code)
	}
	srctl(t, dir, "", url, "delete", "users-value", "--permanent", "--yes").want(t, 0, "permanently")
	if code, body := reg.do("GET", "/subjects?deleted=true", ""); code != 200 || body != "[]" {
		t.Fatalf("subjects after a permanent delete: %d %s", code, body)
	}
}

// source fills a registry with what an export must carry: contexts,
// references, a soft-deleted version, an imported id far from the others,
// metadata, configs and modes.
func source(t *testing.T) *registry {
	reg := newRegistry(t)
	reg.must("POST", "/subjects/users-value/versions", schemaBody(userV1))
	reg.must("POST", "/subjects/users-value/versions", schemaBody(userV2, `"metadata":{"properties":{"owner":"team-a"}}`))
	reg.must("POST", "/subjects/address/versions", schemaBody(`{"type":"record","name":"Address","fields":[{"name":"city","type":"string"}]}`))
	reg.must("POST", "/subjects/orders-value/versions", schemaBody(`{"type":"record","name":"Order","fields":[{"name":"to","type":"Address"}]}`,
		`"references":[{"name":"Address","subject":"address","version":1}]`))
	reg.must("POST", "/subjects/:.eu:users-value/versions", schemaBody(userV2))
	reg.must("POST", "/subjects/:.eu:proto/versions", schemaBody("syntax = \"proto3\";\nmessage M { string a = 1; }\n", `"schemaType":"PROTOBUF"`))
	reg.must("POST", "/subjects/gone/versions", schemaBody(`"string"`))
	reg.must("DELETE", "/subjects/users-value/versions/1", "")
	reg.must("PUT", "/mode/imported", `{"mode":"IMPORT"}`)
	reg.must("POST", "/subjects/imported/versions", schemaBody(`"bytes"`, `"id":5000`, `"version":1`))
	reg.must("PUT", "/mode/imported", `{"mode":"READWRITE"}`)
	reg.must("PUT", "/config/orders-value", `{"compatibility":"FULL"}`)
	reg.must("PUT", "/config/:.eu:", `{"compatibility":"NONE"}`)
	reg.must("PUT", "/mode/address", `{"mode":"READONLY"}`)
	return reg
}

// snapshot reads what a registry serves, for comparing two.
func snapshot(t *testing.T, reg *registry) string {
	t.Helper()
	var b strings.Builder
	get := func(path string) string {
		code, body := reg.do("GET", path, "")
		var v any
		if json.Unmarshal([]byte(body), &v) == nil {
			dropTS(v)
			out, _ := json.Marshal(v)
			body = string(out)
		}
		fmt.Fprintf(&b, "%s -> %d %s\n", path, code, body)
		return body
	}
	var subjects []string
	json.Unmarshal([]byte(get("/subjects?deleted=true")), &subjects)
	get("/contexts")
	get("/config")
	get("/config/:.eu:")
	get("/mode")
	get("/mode/:.eu:")
	for _, s := range subjects {
		var versions []int
		json.Unmarshal([]byte(get("/subjects/"+s+"/versions?deleted=true")), &versions)
		get("/config/" + s)
		get("/mode/" + s)
		for _, v := range versions {
			var sv struct{ ID int }
			json.Unmarshal([]byte(get(fmt.Sprintf("/subjects/%s/versions/%d?deleted=true", s, v))), &sv)
			get(fmt.Sprintf("/schemas/ids/%d?subject=%s", sv.ID, s))
		}
	}
	return b.String()
}

func dropTS(v any) {
	switch x := v.(type) {
	case map[string]any:
		delete(x, "ts")
		for _, e := range x {
			dropTS(e)
		}
	case []any:
		for _, e := range x {
			dropTS(e)
		}
	}
}

func TestExportImport(t *testing.T) {
	src, dst := source(t), newRegistry(t)
	dir := t.TempDir()
	srctl(t, dir, "", "--url="+src.url, "export", "-f", "backup.jsonl").want(t, 0, "exported 8 subject-versions")
	srctl(t, dir, "", "--url="+dst.url, "import", "-f", "backup.jsonl", "--dry-run").want(t, 0, "would write 8 of 8")
	if n := len(dst.log.Records()); n != 0 {
		t.Fatalf("a dry run wrote %d records", n)
	}
	srctl(t, dir, "", "--url="+dst.url, "import", "-f", "backup.jsonl", "-q").want(t, 0, "verified: 8 subject-versions")
	if a, b := snapshot(t, src), snapshot(t, dst); a != b {
		t.Fatalf("the import answers differently:\n--- source\n%s\n--- target\n%s", a, b)
	}
	// Again: everything is there, nothing to write.
	srctl(t, dir, "", "--url="+dst.url, "import", "-f", "backup.jsonl", "-q").want(t, 0, "resuming: 8 of 8", "wrote 0 subject-versions")

	// A target holding another schema under an exported id: refused, the
	// conflicts listed, nothing written.
	other := newRegistry(t)
	other.must("POST", "/subjects/elsewhere/versions", schemaBody(`"double"`))
	before := len(other.log.Records())
	srctl(t, dir, "", "--url="+other.url, "import", "-f", "backup.jsonl", "--allow-non-empty").want(t, 2, "conflict: id 1: bound to another schema in the target (elsewhere version 1)", "nothing was written")
	srctl(t, dir, "", "--url="+other.url, "import", "-f", "backup.jsonl").want(t, 2, "nothing was written")
	if n := len(other.log.Records()); n != before {
		t.Fatalf("a refused import wrote %d records", n-before)
	}
	// A broken export file is named with its line.
	os.WriteFile(filepath.Join(dir, "broken.jsonl"), []byte("{\"kind\":\"header\",\"format\":\"srctl-export/1\"}\n{\"kind\":\"schema\",\"subject\":\"s\"}\n"), 0o644)
	srctl(t, dir, "", "--url="+dst.url, "import", "-f", "broken.jsonl").want(t, 2, "broken.jsonl:2:")
}

func TestMigrateResumed(t *testing.T) {
	src, dst := source(t), newRegistry(t)
	dir := t.TempDir()
	args := []string{"migrate", "--from", src.url, "--to", dst.url, "-q"}
	// Interrupted after three writes.
	srctl(t, dir, "", append(args, "--stop-after", "3")...).want(t, 2, "3 written; IMPORT mode is left on the default context, :.eu: until an import ends")
	// Resumed: it ends as an uninterrupted one would.
	srctl(t, dir, "", args...).want(t, 0, "resuming: 3 of 8", "verified: 8 subject-versions")
	if a, b := snapshot(t, src), snapshot(t, dst); a != b {
		t.Fatalf("the resumed migration answers differently:\n--- source\n%s\n--- target\n%s", a, b)
	}
}

func TestMigrateIntoContext(t *testing.T) {
	src, dst := source(t), newRegistry(t)
	dst.must("POST", "/subjects/local/versions", schemaBody(`"double"`)) // id 1 of the target's default context
	dir := t.TempDir()
	srctl(t, dir, "", "migrate", "--from", src.url, "--to", dst.url, "--context", ".src", "--dry-run").want(t, 0, ":.src:users-value version 2 id 2")
	srctl(t, dir, "", "migrate", "--from", src.url, "--to", dst.url, "--context", ".src", "--allow-non-empty", "-q").want(t, 0, "verified: 8 subject-versions")
	// The source's ids, in the context; the target's own untouched.
	dst.must("GET", "/subjects/:.src:orders-value/versions/1", "")
	if _, body := dst.do("GET", "/schemas/ids/1?subject=:.src:", ""); !strings.Contains(body, `com.acme`) {
		t.Fatalf("id 1 in .src: %s", body)
	}
	if _, body := dst.do("GET", "/schemas/ids/1", ""); !strings.Contains(body, `double`) {
		t.Fatalf("id 1 of the target's default context: %s", body)
	}
	if _, body := dst.do("GET", "/schemas/ids/5000/schema?subject=:.src:imported", ""); body != `"bytes"` {
		t.Fatalf("imported id: %s", body)
	}
}

// Credentials from a flag, the environment or a client properties file.
func TestAuthentication(t *testing.T) {
	log := store.NewMemoryLog()
	reg, err := store.Open(log, []formats.Format{avro.Format{}}, store.Settings{ModeMutability: true}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	auth := &api.Auth{Realm: "SchemaRegistry", AdmittedRoles: []string{"admin"}, AdminRoles: []string{"admin"},
		Basic: func(user, password string) ([]string, bool) {
			return []string{"admin"}, user == "ops" && password == "s3cret"
		}}
	srv := httptest.NewServer(api.New(api.Options{Registry: reg, Auth: auth, Logger: slog.New(slog.DiscardHandler)}))
	t.Cleanup(func() { srv.Close(); reg.Close() })
	dir := files(t, "v1.avsc", userV1, "client.properties", "schema.registry.url="+srv.URL+"\nbasic.auth.credentials.source=USER_INFO\nbasic.auth.user.info=ops:s3cret\n")

	srctl(t, dir, "", "--url="+srv.URL, "mode", "get").want(t, 2, "401")
	srctl(t, dir, "", "--url="+srv.URL, "--user=ops:wrong", "mode", "get").want(t, 2, "401")
	srctl(t, dir, "", "--url="+srv.URL, "--user=ops:s3cret", "mode", "get").want(t, 0, `"mode": "READWRITE"`)
	srctl(t, dir, "", "--client-config=client.properties", "register", "--subject", "s", "v1.avsc").want(t, 0, "s: version 1, id 1")
	cmd := exec.Command(binPath, "--url="+srv.URL, "get", "s")
	cmd.Env = append(os.Environ(), "SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO=ops:s3cret")
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), `"name":"User"`) {
		t.Fatalf("credentials from the environment: %v %s", err, out)
	}
	// A bearer token goes in the Authorization header: this server takes
	// Basic only, and says so.
	srctl(t, dir, "", "--url="+srv.URL, "--token=abc", "mode", "get").want(t, 2, "401")
}

// An import stopped between a version's registration and its delete
// deletes it when resumed.
func TestResumeDeletes(t *testing.T) {
	src, dst := newRegistry(t), newRegistry(t)
	src.must("PUT", "/config/s", `{"compatibility":"NONE"}`)
	src.must("POST", "/subjects/s/versions", schemaBody(`"string"`))
	src.must("POST", "/subjects/s/versions", schemaBody(`"int"`))
	src.must("DELETE", "/subjects/s/versions/1", "")
	dir := t.TempDir()
	args := []string{"migrate", "--from", src.url, "--to", dst.url, "-q"}
	srctl(t, dir, "", append(args, "--stop-after", "1")...).want(t, 2, "1 written")
	dst.must("GET", "/subjects/s/versions/1", "") // registered, not yet deleted
	srctl(t, dir, "", args...).want(t, 0, "resuming: 1 of 2", "verified: 2 subject-versions")
	if code, _ := dst.do("GET", "/subjects/s/versions/1", ""); code != 404 {
		t.Fatalf("version 1 is live after the resumed import: %d", code)
	}
	if a, b := snapshot(t, src), snapshot(t, dst); a != b {
		t.Fatalf("the resumed migration answers differently:\n--- source\n%s\n--- target\n%s", a, b)
	}
}

// A second migration catches up with the source, through subjects that
// have a mode of their own.
func TestMigrateCatchUp(t *testing.T) {
	src, dst := source(t), newRegistry(t)
	dir := t.TempDir()
	args := []string{"migrate", "--from", src.url, "--to", dst.url, "-q"}
	srctl(t, dir, "", args...).want(t, 0, "verified: 8 subject-versions")
	src.must("PUT", "/mode/address", `{"mode":"READWRITE"}`)
	src.must("POST", "/subjects/address/versions", schemaBody(`{"type":"record","name":"Address","fields":[{"name":"city","type":"string"},{"name":"zip","type":["null","string"],"default":null}]}`))
	src.must("PUT", "/mode/address", `{"mode":"READONLY"}`)
	srctl(t, dir, "", args...).want(t, 0, "resuming: 8 of 9", "verified: 9 subject-versions")
	if a, b := snapshot(t, src), snapshot(t, dst); a != b {
		t.Fatalf("the catch-up answers differently:\n--- source\n%s\n--- target\n%s", a, b)
	}
}
