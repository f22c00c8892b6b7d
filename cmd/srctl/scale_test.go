package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/schemaregistry/registry/api"
	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/avro"
	"github.com/schemaregistry/registry/store"
	"github.com/schemaregistry/registry/store/file"
)

const scaleSchemas = 100_000

// fileRegistry serves a registry on the embedded log in dir, with the
// records given written to it first.
func fileRegistry(t *testing.T, dir string, recs []store.Record) string {
	t.Helper()
	if len(recs) > 0 {
		l, err := file.New(dir, file.Options{Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Open(func(store.Record) {}); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(recs); i += 1000 {
			if err := l.Append(context.Background(), recs[i:min(i+1000, len(recs))]); err != nil {
				t.Fatal(err)
			}
		}
		l.Close()
	}
	l, err := file.New(dir, file.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	reg, err := store.Open(l, []formats.Format{avro.Format{}}, store.Settings{ModeMutability: true}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(api.Options{Registry: reg, Logger: slog.New(slog.DiscardHandler)}))
	t.Cleanup(func() { srv.Close(); reg.Close() })
	return srv.URL
}

// TestExportImport100k measures export and import of 100,000 schemas
// (a subject each, about 600 bytes) on the embedded store. It runs in
// .ci/run (SR_TEST_STARTUP); the figures are logged, not asserted.
func TestExportImport100k(t *testing.T) {
	if os.Getenv("SR_TEST_STARTUP") == "" {
		t.Skip("SR_TEST_STARTUP is not set: the 100,000-schema export and import is part of .ci/run only")
	}
	recs := make([]store.Record, scaleSchemas)
	for i := range recs {
		var fields []string
		for f := 0; f < 10; f++ {
			fields = append(fields, fmt.Sprintf(`{"name":"f%d_%d","type":["null","string"],"default":null}`, i, f))
		}
		schema := fmt.Sprintf(`{"type":"record","name":"R%d","namespace":"com.acme","fields":[%s]}`, i, strings.Join(fields, ","))
		subject := fmt.Sprintf("subject-%d-value", i)
		value, _ := json.Marshal(map[string]any{"subject": subject, "version": 1, "id": i + 1, "schemaType": "AVRO", "schema": schema, "deleted": false})
		recs[i] = store.Record{Key: fmt.Appendf(nil, `{"keytype":"SCHEMA","subject":%q,"version":1,"magic":1}`, subject), Value: value}
	}
	src := fileRegistry(t, t.TempDir(), recs)
	dst := fileRegistry(t, t.TempDir(), nil)
	dir := t.TempDir()

	began := time.Now()
	srctl(t, dir, "", "--url="+src, "export", "-f", "all.jsonl").want(t, 0, fmt.Sprintf("exported %d subject-versions", scaleSchemas))
	exported := time.Since(began)
	began = time.Now()
	srctl(t, dir, "", "--url="+dst, "import", "-f", "all.jsonl", "-q").want(t, 0, fmt.Sprintf("verified: %d subject-versions", scaleSchemas))
	imported := time.Since(began)
	st, _ := os.Stat(dir + "/all.jsonl")
	t.Logf("%d schemas: export %v (%.0f MB file), import with verify %v", scaleSchemas, exported.Round(10*time.Millisecond), float64(st.Size())/1e6, imported.Round(10*time.Millisecond))
}
