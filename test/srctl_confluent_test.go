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
	home := confluentHome(t)
	broker := kafkaBroker(t)
	suffix := fmt.Sprintf("%d", time.Now().UnixNano())
	g := mixedGroup{broker: broker, topic: "_schemas_migrate_" + suffix, group: "migrate-" + suffix}
	_, port, _ := freePorts(t)
	conf := g.startConfluent(t, home, port)
	defer conf.stop(t)
	writeWorkload(t, conf.URL, "m")
	writeFixtureWorkload(t, conf.URL)

	fmts := []formats.Format{avro.Format{}, protobuf.Format{}, jsonschema.Format{}}
	reg, err := store.Open(fileLogWith(t, nil), fmts, store.Settings{ModeMutability: true, ValidateNewSchemas: true}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	ours := httptest.NewServer(api.New(api.Options{Registry: reg, Logger: slog.New(slog.DiscardHandler)}))
	defer ours.Close()

	bin := filepath.Join(t.TempDir(), "srctl")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/srctl").CombinedOutput(); err != nil {
		t.Fatalf("building srctl: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "migrate", "--from", conf.URL, "--to", ours.URL, "-q").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "verified:") {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	t.Logf("%s", out)
	// The records are new: their timestamps are the migration's. The id
	// fx-u registered and fx-i then imported the same text under another
	// id is the deliberate difference of the fixtures (knownDifferences,
	// README): its lists are left out, and so is the id its GUID names,
	// the last one bound to the text: the import writes subjects in
	// their order, not in the source's.
	_, body := getNoFail(conf.URL + "/subjects/fx-u/versions/1")
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
	compareAnswers(t, noTS(snapshot(t, conf.URL)), noTS(snapshot(t, ours.URL)))
}

var tsField = regexp.MustCompile(`,?"ts":\d+`)
