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
		"notjson.json", "{\n  \"type\": \"record\",\n  oops\n}")
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
