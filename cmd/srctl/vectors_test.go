package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/schemaregistry/registry/internal/testvectors"
)

// vectorCase is a case of Confluent's Protobuf or JSON Schema diff
// examples, the two schemas as text, with the .proto files they import.
type vectorCase struct {
	name              string
	typ, ext          string
	original, update  string
	origDeps, updDeps map[string]string
}

func vectorCases(t *testing.T) []vectorCase {
	var out []vectorCase
	type dep struct{ Name, Dependency string }
	var proto []struct {
		Description string
		Original    string `json:"original_schema"`
		Update      string `json:"update_schema"`
		OrigDeps    []dep  `json:"original_dependencies"`
		UpdDeps     []dep  `json:"update_dependencies"`
	}
	if err := json.Unmarshal(testvectors.Read(t, "Confluent Protobuf diff examples (srctl)", "confluent/protobuf-diff-schema-examples.json"), &proto); err != nil {
		t.Fatal(err)
	}
	deps := func(ds []dep) map[string]string {
		m := map[string]string{}
		for _, d := range ds {
			m[d.Name] = d.Dependency
		}
		return m
	}
	for _, c := range proto {
		out = append(out, vectorCase{"proto " + c.Description, "PROTOBUF", ".proto", c.Original, c.Update, deps(c.OrigDeps), deps(c.UpdDeps)})
	}
	var js []struct {
		Description string
		Original    json.RawMessage `json:"original_schema"`
		Update      json.RawMessage `json:"update_schema"`
	}
	if err := json.Unmarshal(testvectors.Read(t, "Confluent JSON Schema diff examples (srctl)", "confluent/json-schema-diff-schema-examples.json"), &js); err != nil {
		t.Fatal(err)
	}
	for _, c := range js {
		out = append(out, vectorCase{name: "json " + c.Description, typ: "JSON", ext: ".json", original: string(c.Original), update: string(c.Update)})
	}
	return out
}

// TestOfflineCheckAgreesWithServer: on every case of the shared vectors,
// check --local gives the verdict and the messages the registry gives.
func TestOfflineCheckAgreesWithServer(t *testing.T) {
	cases := vectorCases(t)
	if len(cases) != 54+104 {
		t.Fatalf("%d cases, want 158", len(cases))
	}
	reg := newRegistry(t)
	reg.must("PUT", "/config", `{"compatibility":"NONE"}`) // the dependencies' subjects take any text
	compatible, compared := 0, 0
	for i, c := range cases {
		dir := t.TempDir()
		write := func(sub string, main string, deps map[string]string) string {
			for name, text := range deps {
				p := filepath.Join(dir, sub, name)
				os.MkdirAll(filepath.Dir(p), 0o755)
				os.WriteFile(p, []byte(text), 0o644)
			}
			p := filepath.Join(dir, sub, "schema"+c.ext)
			os.MkdirAll(filepath.Dir(p), 0o755)
			os.WriteFile(p, []byte(main), 0o644)
			return filepath.Join(sub, "schema"+c.ext)
		}
		oldFile, newFile := write("old", c.original, c.origDeps), write("new", c.update, c.updDeps)
		r := srctl(t, dir, "", "check", "--local", "--type", c.typ, "-o", "json", oldFile, newFile)
		var cli []checkResult
		if err := json.Unmarshal([]byte(r.stdout), &cli); err != nil || len(cli) != 1 {
			t.Errorf("%s: srctl answered %d %s %s", c.name, r.code, r.stdout, r.stderr)
			continue
		}

		// The registry: the dependencies, the original, then the check.
		subject := fmt.Sprintf("case-%d", i)
		refs := func(deps map[string]string) string {
			var rs []string
			for name, text := range deps {
				dep := subject + "-" + name
				reg.must("POST", "/subjects/"+dep+"/versions", schemaBody(text, `"schemaType":"PROTOBUF"`))
				_, latest := reg.do("GET", "/subjects/"+dep+"/versions/latest", "")
				var v struct{ Version int }
				json.Unmarshal([]byte(latest), &v)
				rs = append(rs, fmt.Sprintf(`{"name":%q,"subject":%q,"version":%d}`, name, dep, v.Version))
			}
			return `"references":[` + strings.Join(rs, ",") + `]`
		}
		code, out := reg.do("POST", "/subjects/"+subject+"/versions", schemaBody(c.original, `"schemaType":"`+c.typ+`"`, refs(c.origDeps)))
		if code != 200 {
			if cli[0].Error == "" {
				t.Errorf("%s: the registry refuses the original (%d %s), srctl checked it: %+v", c.name, code, out, cli[0])
			}
			continue
		}
		reg.must("PUT", "/config/"+subject, `{"compatibility":"BACKWARD"}`)
		code, out = reg.do("POST", "/compatibility/subjects/"+subject+"/versions?verbose=true", schemaBody(c.update, `"schemaType":"`+c.typ+`"`, refs(c.updDeps)))
		var server struct {
			Is       bool     `json:"is_compatible"`
			Messages []string `json:"messages"`
		}
		if code != 200 {
			if cli[0].Error == "" {
				t.Errorf("%s: the registry refuses the update (%d %s), srctl checked it: %+v", c.name, code, out, cli[0])
			}
			continue
		}
		json.Unmarshal([]byte(out), &server)
		if cli[0].Error != "" || cli[0].Compatible != server.Is || !reflect.DeepEqual(cli[0].Messages, server.Messages) && len(server.Messages)+len(cli[0].Messages) > 0 {
			t.Errorf("%s:\n  srctl:    %+v\n  registry: %+v", c.name, cli[0], server)
		}
		compared++
		if server.Is {
			compatible++
		}
	}
	// Every case has a verdict on both sides (none refused by both).
	if compared != len(cases) {
		t.Errorf("%d of %d cases compared", compared, len(cases))
	}
	t.Logf("%d cases, %d compatible, srctl and the registry agreeing", len(cases), compatible)
}
