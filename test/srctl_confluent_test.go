package test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/schemaregistry/registry/api"
	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/avro"
	"github.com/schemaregistry/registry/formats/jsonschema"
	"github.com/schemaregistry/registry/formats/protobuf"
	"github.com/schemaregistry/registry/store"
)

// TestMigrateFromConfluent: srctl migrate reads a real Confluent node
// (whose /schemas does not say which versions are soft-deleted) and writes
// it into this registry, which then answers as Confluent does.
func TestMigrateFromConfluent(t *testing.T) {
	conf, ours := migrationPair(t, "from")
	writeWorkload(t, conf.URL, "m")
	writeFixtureWorkload(t, conf.URL)
	migrate(t, conf.URL, ours.URL)
	compareMigrated(t, conf.URL, ours.URL)
}

// TestMigrateToConfluent: srctl migrate writes this registry's content
// into a real Confluent node, which then answers as this one does.
func TestMigrateToConfluent(t *testing.T) {
	conf, ours := migrationPair(t, "to")
	writeWorkload(t, ours.URL, "m")

	migrate(t, ours.URL, conf.URL)
	compareMigrated(t, ours.URL, conf.URL)

	// Rule sets: Confluent's open-source build drops them, and the
	// verification says so.
	call(t, "POST", ours.URL+"/subjects/ruled/versions", schemaBody(`{"type":"record","name":"Ruled","fields":[]}`,
		`"ruleSet":{"domainRules":[{"name":"r","kind":"CONDITION","type":"CEL","mode":"WRITE","expr":"true"}]}`), 200)
	out, err := exec.Command(srctlBinary(t), "migrate", "--from", ours.URL, "--to", conf.URL, "-q").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "ruled version 1: another schema") || !strings.Contains(string(out), "dropped its rule set") {
		t.Fatalf("migrating a rule set into Confluent: %v\n%s", err, out)
	}
}

// migrationPair starts a Confluent node on a topic of its own and serves
// an empty registry of this project on the embedded log.
func migrationPair(t *testing.T, name string) (*confluentNode, *httptest.Server) {
	t.Helper()
	home := confluentHome(t)
	broker := kafkaBroker(t)
	suffix := fmt.Sprintf("%s_%d", name, time.Now().UnixNano())
	g := mixedGroup{broker: broker, topic: "_schemas_migrate_" + suffix, group: "migrate-" + suffix}
	_, port, _ := freePorts(t)
	conf := g.startConfluent(t, home, port)
	t.Cleanup(func() { conf.stop(t) })
	fmts := []formats.Format{avro.Format{}, protobuf.Format{}, jsonschema.Format{}}
	reg, err := store.Open(fileLogWith(t, nil), fmts, store.Settings{ModeMutability: true, ValidateNewSchemas: true}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ours := httptest.NewServer(api.New(api.Options{Registry: reg, Logger: slog.New(slog.DiscardHandler)}))
	t.Cleanup(func() { ours.Close(); reg.Close() })
	return conf, ours
}

// srctlBinary builds srctl.
func srctlBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "srctl")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/srctl").CombinedOutput(); err != nil {
		t.Fatalf("building srctl: %v\n%s", err, out)
	}
	return bin
}

// migrate runs srctl migrate from one registry to another.
func migrate(t *testing.T, from, to string) {
	t.Helper()
	out, err := exec.Command(srctlBinary(t), "migrate", "--from", from, "--to", to, "-q").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "verified:") {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}

// compareMigrated compares the answers of the source and the target of a
// migration.
func compareMigrated(t *testing.T, from, to string) {
	t.Helper()
	// The records are new: their timestamps are the migration's. The id
	// fx-u registered and fx-i then imported the same text under another
	// id is the deliberate difference of the fixtures (knownDifferences,
	// README): its lists are left out, and so is the id its GUID names,
	// the last one bound to the text: the import writes subjects in
	// their order, not in the source's.
	_, body := getNoFail(from + "/subjects/fx-u/versions/1")
	var fxu struct {
		ID   int
		GUID string
	}
	json.Unmarshal([]byte(body), &fxu)
	shared := fmt.Sprintf("/schemas/ids/%d/", fxu.ID)
	noTS := func(lines []string) []string {
		var out []string
		for _, l := range lines {
			if fxu.ID == 0 || !strings.HasPrefix(l, shared) && !strings.HasPrefix(l, "/schemas/guids/"+fxu.GUID+"/") {
				out = append(out, tsField.ReplaceAllString(l, ""))
			}
		}
		return out
	}
	compareAnswers(t, noTS(snapshot(t, from)), noTS(snapshot(t, to)))
}

var tsField = regexp.MustCompile(`,?"ts":\d+`)
