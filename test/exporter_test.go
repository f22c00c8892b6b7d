package test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/schemaregistry/registry/internal/testwait"
)

// TestExporterSurvivesPrimaryKill: two nodes on Kafka export to an
// embedded registry; the primary is killed with -9 mid-export, the other
// becomes primary and continues, and the destination ends with every id,
// version and deleted flag of the source.
func TestExporterSurvivesPrimaryKill(t *testing.T) {
	broker := kafkaBroker(t)
	dest := start(t, t.TempDir())
	suffix := fmt.Sprintf("%d", time.Now().UnixNano())
	nodes, _ := startCluster(t, broker, 2,
		srEnv("EXPORTER_CONFIG_TOPIC", "_exporter_configs_"+suffix),
		srEnv("EXPORTER_STATE_TOPIC", "_exporter_states_"+suffix),
		srEnv("PASSWORD_ENCODER_SECRET", "shared-secret"))
	p := primaryOf(t, nodes, 30*time.Second)
	other := nodes[1-p]

	send := func(n *node, method, path, body string) (int, string) {
		req, _ := http.NewRequest(method, n.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/vnd.schemaregistry.v1+json")
		resp, err := httpClient.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	// must retries a write until a primary takes it (during the failover
	// the survivor answers 50004 or 5xx for a while).
	must := func(method, path, body string) {
		t.Helper()
		testwait.UntilDetail(t, 60*time.Second, method+" "+path, func() (bool, string) {
			code, b := send(other, method, path, body)
			return code == 200 || code == 204, fmt.Sprintf("%d %s", code, b)
		})
	}
	schema := func(i int) string {
		return fmt.Sprintf(`{"schema":"{\"type\":\"record\",\"name\":\"r%d\",\"fields\":[{\"name\":\"f\",\"type\":\"string\"}]}"}`, i)
	}
	for i := 0; i < 30; i++ {
		must("POST", fmt.Sprintf("/subjects/s%d/versions", i%7), schema(i))
	}
	must("POST", "/exporters", `{"name":"dr","contextType":"CUSTOM","context":".dr","config":{"schema.registry.url":"`+dest.URL+`"}}`)
	testwait.UntilDetail(t, 30*time.Second, "the export to start", func() (bool, string) {
		code, b := get(t, dest.URL+"/subjects/:.dr:s0/versions/1")
		return code == 200, b
	})
	nodes[p].kill()
	t.Logf("killed the primary, node %d", p)
	for i := 30; i < 60; i++ {
		must("POST", fmt.Sprintf("/subjects/s%d/versions", i%7), schema(i))
	}
	must("DELETE", "/subjects/s1/versions/2", "")
	must("DELETE", "/subjects/s2/versions/1", "")
	must("DELETE", "/subjects/s2/versions/1?permanent=true", "")

	type sv struct {
		ID      int
		Deleted bool
	}
	read := func(n *node, prefix string) map[string]sv {
		code, b := get(t, n.URL+"/schemas?deleted=true&subjectPrefix="+prefix)
		if code != 200 {
			t.Fatalf("GET /schemas: %d %s", code, b)
		}
		var list []struct {
			Subject string
			Version int
			ID      int
			Deleted bool
		}
		if err := json.Unmarshal([]byte(b), &list); err != nil {
			t.Fatal(err)
		}
		out := map[string]sv{}
		for _, e := range list {
			out[fmt.Sprintf("%s/%d", strings.TrimPrefix(e.Subject, ":.dr:"), e.Version)] = sv{e.ID, e.Deleted}
		}
		return out
	}
	want := read(other, "")
	if len(want) != 59 { // 60 versions, one deleted for good
		t.Fatalf("the source holds %d versions, want 59", len(want))
	}
	testwait.UntilDetail(t, 60*time.Second, "the destination to hold the source's versions, ids and deleted flags", func() (bool, string) {
		got := read(dest, ":.dr:")
		if fmt.Sprint(got) == fmt.Sprint(want) {
			return true, ""
		}
		return false, fmt.Sprintf("source %v\ndestination %v", want, got)
	})
	testwait.UntilDetail(t, 30*time.Second, "the survivor's exporter to be RUNNING", func() (bool, string) {
		code, b := get(t, other.URL+"/exporters/dr/status")
		return code == 200 && strings.Contains(b, `"RUNNING"`), b
	})
}
