package test

import (
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/schemaregistry/registry/internal/testlog"
	"github.com/schemaregistry/registry/internal/testwait"
)

// The mixed-group test: a node of Confluent Schema Registry, built from its
// public source (see "Beside a Confluent node" in the README), and nodes of
// this registry in one election group on one `_schemas` topic.

// confluentHome returns CONFLUENT_HOME, a Confluent Schema Registry build
// whose lib/ holds its runtime jars, or skips saying so.
func confluentHome(t *testing.T) string {
	home := os.Getenv("CONFLUENT_HOME")
	if home == "" {
		t.Skip("CONFLUENT_HOME is not set: no Confluent Schema Registry build to run beside this one")
	}
	if jars, _ := filepath.Glob(filepath.Join(home, "lib", "*.jar")); len(jars) == 0 {
		t.Fatalf("CONFLUENT_HOME=%s has no lib/*.jar", home)
	}
	return home
}

// member is a node of the mixed group, of either registry.
type member interface {
	url() string
	stop(t *testing.T) // graceful: SIGTERM, then waits
	kill()             // SIGKILL
}

// confluentNode is a running Confluent Schema Registry.
type confluentNode struct {
	cmd  *exec.Cmd
	URL  string
	logs testlog.Buffer // its standard output and error
}

func (c *confluentNode) url() string { return c.URL }

func (c *confluentNode) Logs() string { return c.logs.String() }

func (c *confluentNode) stop(t *testing.T) { stopProcess(t, c.cmd) }
func (c *confluentNode) kill()             { c.cmd.Process.Kill(); c.cmd.Wait() }

func (n *node) url() string       { return n.URL }
func (n *node) stop(t *testing.T) { stopProcess(t, n.cmd) }

// stopProcess sends SIGTERM and waits for the process to end.
func stopProcess(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("%s did not stop within 60 s of SIGTERM", cmd.Path)
	}
}

// mixedGroup is the topic and group both registries share.
type mixedGroup struct {
	broker, topic, group string
}

// startConfluent runs Confluent Schema Registry on port and waits until it
// answers.
func (g mixedGroup) startConfluent(t *testing.T, home string, port int, extra ...string) *confluentNode {
	t.Helper()
	props := filepath.Join(t.TempDir(), "confluent.properties")
	os.WriteFile(props, []byte(strings.Join(append([]string{
		fmt.Sprintf("listeners=http://127.0.0.1:%d", port),
		"host.name=127.0.0.1",
		"kafkastore.bootstrap.servers=PLAINTEXT://" + g.broker,
		"kafkastore.topic=" + g.topic,
		"kafkastore.topic.replication.factor=1",
		"kafkastore.timeout.ms=5000",
		"schema.registry.group.id=" + g.group,
		"kafkagroup.session.timeout.ms=6000",
		"kafkagroup.heartbeat.interval.ms=1000",
	}, extra...), "\n")+"\n"), 0o600)
	cmd := exec.Command("java", "-Xmx512M", "-cp", filepath.Join(home, "lib", "*"),
		"io.confluent.kafka.schemaregistry.rest.SchemaRegistryMain", props)
	c := &confluentNode{cmd: cmd, URL: fmt.Sprintf("http://127.0.0.1:%d", port)}
	cmd.Stdout, cmd.Stderr = &c.logs, &c.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if c.cmd.ProcessState == nil {
			c.kill()
		}
		if t.Failed() {
			t.Logf("Confluent node %s logged:\n%s", c.URL, tail(c.Logs(), 60))
		}
	})
	testwait.UntilDetail(t, 90*time.Second, "the Confluent node to answer at "+c.URL, func() (bool, string) {
		code, _ := getNoFail(c.URL + "/subjects")
		return code == 200, tail(c.Logs(), 20)
	})
	return c
}

// startOurs runs this registry on port in the group.
func (g mixedGroup) startOurs(t *testing.T, port int) *node {
	t.Helper()
	return start(t, t.TempDir(),
		srEnv("LISTENERS", fmt.Sprintf("http://127.0.0.1:%d", port)),
		srEnv("HOST_NAME", "127.0.0.1"),
		srEnv("KAFKASTORE_BOOTSTRAP_SERVERS", g.broker),
		srEnv("KAFKASTORE_TOPIC", g.topic),
		srEnv("KAFKASTORE_TOPIC_REPLICATION_FACTOR", "1"),
		srEnv("KAFKASTORE_TIMEOUT_MS", "5000"),
		srEnv("SCHEMA_REGISTRY_GROUP_ID", g.group),
		srEnv("KAFKAGROUP_SESSION_TIMEOUT_MS", "6000"),
		srEnv("KAFKAGROUP_HEARTBEAT_INTERVAL_MS", "1000"))
}

func tail(s string, lines int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(l) > lines {
		l = l[len(l)-lines:]
	}
	return strings.Join(l, "\n")
}

// primaryAmong waits until our node names a primary on /health/ready that
// is one of members, and returns it: Confluent's nodes do not tell, ours
// follows the same election.
func primaryAmong(t *testing.T, ours *node, members []member, timeout time.Duration) member {
	t.Helper()
	var found member
	testwait.UntilDetail(t, timeout, "the group to elect a primary", func() (bool, string) {
		code, body := getNoFail(ours.URL + "/health/ready")
		var h struct{ Primary string }
		if code != 200 || json.Unmarshal([]byte(body), &h) != nil || h.Primary == "" {
			return false, fmt.Sprintf("%d %s", code, body)
		}
		for _, m := range members {
			if m.url() == h.Primary {
				found = m
				return true, ""
			}
		}
		return false, "primary " + h.Primary + " is not a member"
	})
	return found
}

// freePorts returns three free ports of five digits, ascending: their URLs
// sort as the ports do.
func freePorts(t *testing.T) (low, mid, high int) {
	t.Helper()
	for range 50 {
		base := 20000 + rand.IntN(9000)
		ok := true
		for _, p := range []int{base, base + 100, base + 200} {
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
			if err != nil {
				ok = false
				break
			}
			l.Close()
		}
		if ok {
			return base, base + 100, base + 200
		}
	}
	t.Fatal("no free ports")
	return
}

// call sends a request with a JSON body and wants a status. A request
// that meets a primary just moving (50003, 50004, a refused connection) is
// sent again for a while, as clients do.
func call(t *testing.T, method, url, body string, want int) string {
	t.Helper()
	var code int
	var out string
	testwait.UntilDetail(t, 30*time.Second, method+" "+url, func() (bool, string) {
		req, _ := http.NewRequest(method, url, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/vnd.schemaregistry.v1+json")
		}
		resp, err := httpClient.Do(req)
		if err != nil {
			return false, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		code, out = resp.StatusCode, string(b)
		return code < 500, fmt.Sprintf("%d %s", code, out)
	})
	if code != want {
		t.Fatalf("%s %s %s: %d %s, want %d", method, url, body, code, out, want)
	}
	return out
}

func schemaBody(schema string, extra ...string) string {
	b, _ := json.Marshal(schema)
	return `{"schema":` + string(b) + strings.Join(append([]string{""}, extra...), ",") + `}`
}

// writeWorkload writes through url what a registry's users write: the
// three formats, references, evolutions, configs and modes, soft and hard
// deletes. tag keeps subjects apart between calls.
func writeWorkload(t *testing.T, url, tag string) {
	t.Helper()
	s := func(name string) string { return url + "/subjects/" + tag + "-" + name }
	avro1 := `{"type":"record","name":"User` + tag + `","fields":[{"name":"id","type":"long"}]}`
	avro2 := `{"type":"record","name":"User` + tag + `","fields":[{"name":"id","type":"long"},{"name":"email","type":["null","string"],"default":null}]}`
	call(t, "POST", s("users")+"/versions", schemaBody(avro1), 200)
	call(t, "POST", s("users")+"/versions", schemaBody(avro2), 200)
	call(t, "POST", s("users-copy")+"/versions", schemaBody(avro1), 200) // same id
	call(t, "POST", s("order")+"/versions", schemaBody(`{"type":"record","name":"Order`+tag+`","fields":[{"name":"user","type":"User`+tag+`"}]}`,
		`"references":[{"name":"User`+tag+`","subject":"`+tag+`-users","version":1}]`), 200)
	call(t, "POST", s("proto")+"/versions", schemaBody(`syntax = "proto3"; package p`+tag+`; message M { string a = 1; }`, `"schemaType":"PROTOBUF"`), 200)
	call(t, "POST", s("json")+"/versions", schemaBody(`{"type":"object","properties":{"a":{"type":"string"}}}`, `"schemaType":"JSON"`), 200)
	call(t, "PUT", url+"/config/"+tag+"-users", `{"compatibility":"FULL"}`, 200)
	call(t, "PUT", url+"/mode/"+tag+"-json", `{"mode":"READONLY"}`, 200)
	// A config with metadata. Not with rule sets: Confluent's open-source
	// build drops them (an Enterprise feature), this registry keeps them.
	call(t, "PUT", url+"/config/"+tag+"-proto", `{"compatibility":"FORWARD","defaultMetadata":{"properties":{"owner":"team-`+tag+`"}}}`, 200)
	// A Confluent follower checks a delete against its own copy first, which
	// a write it forwarded reaches a little later: wait as a client would.
	seen(t, s("users-copy")+"/versions/1")
	call(t, "DELETE", s("users-copy")+"/versions/1", "", 200)
	call(t, "POST", s("gone")+"/versions", schemaBody(`"int"`), 200)
	seen(t, s("gone")+"/versions/1")
	call(t, "DELETE", s("gone"), "", 200)
	seen(t, s("gone")+"/versions/1?deleted=true", `"deleted":true`)
	call(t, "DELETE", s("gone")+"?permanent=true", "", 200)
	// A context of its own: an id space starting at 1, its CONTEXT record.
	inContext := url + "/subjects/:.ctx-" + tag + ":in-context/versions"
	if out := call(t, "POST", inContext, schemaBody(avro1), 200); !strings.Contains(out, `"id":1`) {
		t.Fatalf("first schema of a context: %s, want id 1", out)
	}
	if out := call(t, "POST", inContext, schemaBody(avro2), 200); !strings.Contains(out, `"id":2`) {
		t.Fatalf("second schema of a context: %s, want id 2", out)
	}
	call(t, "PUT", url+"/mode/"+tag+"-imported", `{"mode":"IMPORT"}`, 200)
	id := 100000 + int(crc32.ChecksumIEEE([]byte(tag))%100000) // apart per tag, the same each run
	call(t, "POST", s("imported")+"/versions", schemaBody(`{"type":"fixed","name":"F`+tag+`","size":4}`, fmt.Sprintf(`"id":%d`, id), `"version":3`), 200)
}

// seen waits until a node answers a read with 200 (and the wanted text).
func seen(t *testing.T, url string, want ...string) {
	t.Helper()
	testwait.UntilDetail(t, 10*time.Second, "GET "+url, func() (bool, string) {
		code, body := getNoFail(url)
		return code == 200 && (len(want) == 0 || strings.Contains(body, want[0])), fmt.Sprintf("%d %s", code, body)
	})
}

// snapshot reads every subject, version, id, config and mode of a registry
// through its REST API, one line per answer.
func snapshot(t *testing.T, url string) []string {
	t.Helper()
	var lines []string
	read := func(path string) string {
		code, body := getNoFail(url + path)
		var v any
		if json.Unmarshal([]byte(body), &v) == nil {
			b, _ := json.Marshal(unordered(path, v)) // keys sorted
			body = string(b)
		}
		lines = append(lines, fmt.Sprintf("%s -> %d %s", path, code, body))
		return body
	}
	var subjects []string
	json.Unmarshal([]byte(read("/subjects?deleted=true")), &subjects)
	read("/subjects")
	read("/config")
	read("/mode")
	read("/schemas/types")
	read("/contexts")
	read("/subjects?subjectPrefix=:*:")
	read("/subjects?subjectPrefix=")
	read("/subjects?subjectPrefix=:.ctx2:&deleted=true")
	read("/contexts/.ctx2/subjects")
	read("/contexts/.ctx2/config")
	read("/config/:.ctx2:")
	read("/schemas?subjectPrefix=:*:&deleted=true")
	ids, guids := map[int]bool{}, map[string]bool{}
	for _, sub := range subjects {
		var versions []int
		json.Unmarshal([]byte(read("/subjects/"+sub+"/versions?deleted=true")), &versions)
		read("/config/" + sub)
		read("/mode/" + sub)
		for _, v := range versions {
			var sv struct {
				ID   int
				GUID string
			}
			answer := read(fmt.Sprintf("/subjects/%s/versions/%d?deleted=true", sub, v))
			json.Unmarshal([]byte(answer), &sv)
			if strings.Contains(answer, `"references"`) {
				read(fmt.Sprintf("/subjects/%s/versions/%d?format=resolved&deleted=true", sub, v))
				read(fmt.Sprintf("/subjects/%s/versions/%d?referenceFormat=qualified&deleted=true", sub, v))
				read(fmt.Sprintf("/schemas/ids/%d?format=resolved&subject=%s", sv.ID, sub))
			}
			read(fmt.Sprintf("/subjects/%s/versions/%d/referencedby?deleted=true", sub, v))
			// The id as seen from its subject: contexts resolve ids by it.
			read(fmt.Sprintf("/schemas/ids/%d?subject=%s", sv.ID, sub))
			read(fmt.Sprintf("/schemas/ids/%d/versions?deleted=true&subject=%s", sv.ID, sub))
			if ctx := contextPart(sub); ctx != "" {
				read(fmt.Sprintf("/schemas/ids/%d?subject=%s", sv.ID, ctx))
				read(fmt.Sprintf("/contexts/%s/schemas/ids/%d", strings.Trim(ctx, ":"), sv.ID))
			}
			ids[sv.ID] = true
			if sv.GUID != "" {
				guids[sv.GUID] = true
			}
		}
	}
	sorted := slices.Sorted(func(yield func(int) bool) {
		for id := range ids {
			if !yield(id) {
				return
			}
		}
	})
	for _, guid := range slices.Sorted(maps.Keys(guids)) {
		read("/schemas/guids/" + guid + "/ids")
	}
	for _, id := range sorted {
		read(fmt.Sprintf("/schemas/ids/%d", id))
		read(fmt.Sprintf("/schemas/ids/%d/versions?deleted=true", id))
		read(fmt.Sprintf("/schemas/ids/%d/subjects?deleted=true", id))
	}
	return lines
}

// contextPart is the ":.name:" of a qualified subject, "" otherwise.
func contextPart(subject string) string {
	if !strings.HasPrefix(subject, ":.") {
		return ""
	}
	end := strings.IndexByte(subject[2:], ':')
	if end < 0 {
		return ""
	}
	return subject[:end+3]
}

// unordered takes out of an answer what the two registries order or pick
// differently on purpose (README, "Where this registry answers
// differently"), and compares the rest:
//   - the subject-versions of an id come sorted here and in Confluent's hash
//     map order there, so they are compared sorted; of the subject-versions
//     holding an id, /schemas/ids/{id} names one, a live one here and the
//     first of its hash map there, so that name is left out;
//   - /schemas entries carry deleted and ts here, not in Confluent 8.0.0;
//   - a format=resolved answer keeps the stored schema's GUID here, as
//     Confluent after 8.0.0 does, and gives the formatted text's in 8.0.0.
func unordered(path string, v any) any {
	p, query, _ := strings.Cut(path, "?")
	if m, ok := v.(map[string]any); ok && strings.Contains(query, "format=resolved") {
		delete(m, "guid")
	}
	if p == "/schemas" {
		if list, ok := v.([]any); ok {
			for _, e := range list {
				if m, ok := e.(map[string]any); ok {
					delete(m, "deleted")
					delete(m, "ts")
				}
			}
		}
		return v
	}
	if !strings.HasPrefix(p, "/schemas/ids/") {
		return v
	}
	switch x := v.(type) {
	case []any:
		slices.SortFunc(x, func(a, b any) int {
			ja, _ := json.Marshal(a)
			jb, _ := json.Marshal(b)
			return strings.Compare(string(ja), string(jb))
		})
	case map[string]any:
		if _, ok := x["schema"]; ok {
			delete(x, "subject")
			delete(x, "version")
			delete(x, "deleted")
			delete(x, "ts")
		}
	}
	return v
}

// sameRegistry compares the snapshots of two nodes, waiting for the second
// to have applied what the first holds.
func sameRegistry(t *testing.T, a, b member) int {
	t.Helper()
	var sa []string
	testwait.UntilDetail(t, 30*time.Second, "both nodes to hold the same registry", func() (bool, string) {
		sa = snapshot(t, a.url())
		sb := snapshot(t, b.url())
		var diff []string
		for i := range max(len(sa), len(sb)) {
			var la, lb string
			if i < len(sa) {
				la = sa[i]
			}
			if i < len(sb) {
				lb = sb[i]
			}
			if la != lb && knownDifference(la) == "" { // deliberate differences (fixtures_test.go)
				diff = append(diff, "  "+a.url()+": "+la+"\n  "+b.url()+": "+lb)
			}
		}
		if len(diff) > 10 {
			diff = diff[:10]
		}
		return len(diff) == 0, strings.Join(diff, "\n")
	})
	return len(sa)
}

// TestMixedGroupWithConfluent: one Confluent node and this registry's
// nodes in one group, on one topic: joining, replay, forwarding both ways,
// the primary moving both ways by graceful stops and kill -9, writes
// through both, and the same registry read from both.
func TestMixedGroupWithConfluent(t *testing.T) {
	home := confluentHome(t)
	broker := kafkaBroker(t)
	suffix := fmt.Sprintf("%d", time.Now().UnixNano())
	g := mixedGroup{broker: broker, topic: "_schemas_mixed_" + suffix, group: "mixed-" + suffix}
	low, mid, high := freePorts(t)

	// Confluent first, alone: it creates the topic and takes writes.
	began := time.Now()
	conf := g.startConfluent(t, home, mid)
	t.Logf("Confluent node ready in %v", time.Since(began).Round(time.Millisecond))
	writeWorkload(t, conf.URL, "c1")

	// Ours joins as a follower (Confluent's URL is the smaller), replays
	// what Confluent wrote, and forwards its writes to it.
	began = time.Now()
	ours := g.startOurs(t, high)
	t.Logf("our node (follower) ready in %v", time.Since(began).Round(time.Millisecond))
	members := []member{conf, ours}
	if p := primaryAmong(t, ours, members, 30*time.Second); p != member(conf) {
		t.Fatalf("primary %s, want the Confluent node %s", p.url(), conf.URL)
	}
	lines := sameRegistry(t, conf, ours)
	t.Logf("after the replay: %d answers equal on both nodes", lines)
	writeWorkload(t, ours.URL, "o1") // forwarded to Confluent
	sameRegistry(t, conf, ours)

	// Confluent stops gracefully: ours becomes primary and takes writes.
	conf.stop(t)
	stopped := time.Now()
	if p := primaryAmong(t, ours, []member{ours}, 30*time.Second); p != member(ours) {
		t.Fatal("our node did not become primary")
	}
	writeWorkload(t, ours.URL, "o2")
	t.Logf("Confluent stopped: our node primary and writing %v later", time.Since(stopped).Round(time.Millisecond))

	// Confluent comes back: it reads what ours wrote and is primary again.
	conf = g.startConfluent(t, home, mid)
	members = []member{conf, ours}
	if p := primaryAmong(t, ours, members, 30*time.Second); p != member(conf) {
		t.Fatalf("primary %s, want the Confluent node back", p.url())
	}
	sameRegistry(t, conf, ours)
	writeWorkload(t, ours.URL, "o3")
	writeWorkload(t, conf.URL, "c2")

	// kill -9 of the Confluent primary.
	conf.kill()
	killed := time.Now()
	primaryAmong(t, ours, []member{ours}, 30*time.Second)
	writeWorkload(t, ours.URL, "o4")
	t.Logf("Confluent killed: our node primary and writing %v later", time.Since(killed).Round(time.Millisecond))

	// Ours with the smaller URL, beside a Confluent follower, which
	// forwards its writes to ours.
	conf = g.startConfluent(t, home, mid)
	ours.stop(t)
	ours = g.startOurs(t, low)
	members = []member{conf, ours}
	if p := primaryAmong(t, ours, members, 30*time.Second); p != member(ours) {
		t.Fatalf("primary %s, want our node on the smaller URL", p.url())
	}
	writeWorkload(t, conf.URL, "c3") // forwarded by Confluent to ours
	sameRegistry(t, conf, ours)

	// Our primary stops gracefully: Confluent takes over; back, ours is
	// primary again; killed, Confluent takes over again.
	ours.stop(t)
	waitConfluentWrites(t, conf, "c4")
	ours = g.startOurs(t, low)
	members = []member{conf, ours}
	if p := primaryAmong(t, ours, members, 30*time.Second); p != member(ours) {
		t.Fatalf("primary %s, want our node back", p.url())
	}
	writeWorkload(t, conf.URL, "c5")
	ours.kill()
	waitConfluentWrites(t, conf, "c6")

	// A last follower of ours reads the whole registry as Confluent does.
	ours = g.startOurs(t, high)
	lines = sameRegistry(t, conf, ours)
	t.Logf("at the end: %d answers equal on both nodes", lines)
}

// waitConfluentWrites waits until the Confluent node takes writes itself
// (it became primary) and writes the workload through it.
func waitConfluentWrites(t *testing.T, conf *confluentNode, tag string) {
	t.Helper()
	began := time.Now()
	writeWorkload(t, conf.URL, tag) // retried until a primary takes it
	t.Logf("writes through Confluent went through %v after our primary left", time.Since(began).Round(time.Millisecond))
}
