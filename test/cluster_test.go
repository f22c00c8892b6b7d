package test

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/schemaregistry/registry/internal/testwait"
)

// kafkaBroker returns the bootstrap address of the real broker the Kafka
// suite runs against (.ci/run starts one with test/kafka/kafka.sh), or skips.
func kafkaBroker(t *testing.T) string {
	b := os.Getenv("SR_TEST_KAFKA")
	if b == "" {
		t.Skip("SR_TEST_KAFKA is not set: no real Kafka broker (start one with test/kafka/kafka.sh start)")
	}
	return b
}

// cluster starts n registry processes on one new topic and group.
func startCluster(t *testing.T, broker string, n int, extra ...string) (nodes []*node, env []string) {
	t.Helper()
	suffix := fmt.Sprintf("%d", time.Now().UnixNano())
	env = append([]string{
		"SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS=" + broker,
		"SCHEMA_REGISTRY_KAFKASTORE_TOPIC=_schemas_" + suffix,
		"SCHEMA_REGISTRY_KAFKASTORE_TOPIC_REPLICATION_FACTOR=1",
		"SCHEMA_REGISTRY_SCHEMA_REGISTRY_GROUP_ID=sr-" + suffix,
		"SCHEMA_REGISTRY_HOST_NAME=127.0.0.1",
		"SCHEMA_REGISTRY_KAFKAGROUP_SESSION_TIMEOUT_MS=6000",
		"SCHEMA_REGISTRY_KAFKAGROUP_HEARTBEAT_INTERVAL_MS=1000",
		"SCHEMA_REGISTRY_KAFKASTORE_TIMEOUT_MS=5000",
		"SCHEMA_REGISTRY_SCHEMA_COMPATIBILITY_LEVEL=none",
	}, extra...)
	for i := 0; i < n; i++ {
		nodes = append(nodes, start(t, t.TempDir(), env...)) // advertising the port it bound
	}
	return nodes, env
}

// primaryOf waits until every node agrees on a primary and returns its index.
func primaryOf(t *testing.T, nodes []*node, timeout time.Duration) int {
	t.Helper()
	p := -1
	testwait.Until(t, timeout, "the nodes to agree on a primary", func() bool {
		agreed := ""
		for _, n := range nodes {
			if n == nil {
				continue
			}
			code, body := getNoFail(n.URL + "/health/ready")
			var h struct{ Primary string }
			if code != 200 || json.Unmarshal([]byte(body), &h) != nil {
				return false
			}
			if agreed == "" {
				agreed = h.Primary
			} else if agreed != h.Primary {
				return false
			}
		}
		for i, n := range nodes {
			if n != nil && agreed != "" && agreed == n.URL {
				p = i
				return true
			}
		}
		return false
	})
	return p
}

func getNoFail(url string) (int, string) {
	resp, err := httpClient.Get(url)
	if err != nil {
		return 0, ""
	}
	defer resp.Body.Close()
	b := new(strings.Builder)
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp.StatusCode, b.String()
}

// TestClusterSurvivesPrimaryKill: three nodes on one topic, a client
// registering through all of them while the primary is killed with -9.
func TestClusterSurvivesPrimaryKill(t *testing.T) {
	broker := kafkaBroker(t)
	nodes, _ := startCluster(t, broker, 3)
	p := primaryOf(t, nodes, 30*time.Second)
	t.Logf("primary is node %d (%s)", p, nodes[p].URL)

	type ack struct {
		subject, schema string
		id              int
	}
	var (
		mu      sync.Mutex
		acked   []ack
		oks     [6]int // acknowledged registrations per client, before the kill
		oksNew  [6]int // and after it
		failed  int
		stop    = make(chan struct{})
		wg      sync.WaitGroup
		killed  time.Time
		resumed time.Time
	)
	for c := 0; c < 6; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				n := nodes[(c+i)%3] // the killed node's requests fail until the client moves on
				// Before the kill, some schemas are shared between clients so
				// ids are reused; after it every schema is new, so that a
				// success proves a primary took the write.
				mu.Lock()
				afterKill := !killed.IsZero()
				mu.Unlock()
				schema := fmt.Sprintf(`{"type":"record","name":"R%d","fields":[{"name":"f","type":"long"}]}`, rand.IntN(400))
				if afterKill {
					schema = fmt.Sprintf(`{"type":"record","name":"N%d_%d","fields":[{"name":"f","type":"long"}]}`, c, i)
				}
				subject := fmt.Sprintf("s%d", c)
				b, _ := json.Marshal(map[string]string{"schema": schema})
				code, body, err := post(n.URL+"/subjects/"+subject+"/versions", "application/json", string(b))
				if err != nil || code != 200 {
					mu.Lock()
					failed++
					mu.Unlock()
					time.Sleep(50 * time.Millisecond)
					continue
				}
				var r struct{ ID int }
				json.Unmarshal([]byte(body), &r)
				mu.Lock()
				acked = append(acked, ack{subject, schema, r.ID})
				if !afterKill {
					oks[c]++
				} else {
					oksNew[c]++
				}
				if afterKill && resumed.IsZero() {
					resumed = time.Now()
				}
				mu.Unlock()
			}
		}(c)
	}
	stopWriters := sync.OnceFunc(func() { close(stop); wg.Wait() })
	t.Cleanup(stopWriters) // if a wait below fails
	// every reports whether each client has n registrations in counts.
	every := func(counts *[6]int, n int) func() bool {
		return func() bool {
			mu.Lock()
			defer mu.Unlock()
			return slices.Min(counts[:]) >= n
		}
	}
	// The kill comes once registrations go through every node: ten for each
	// client, which moves to the next node at each request.
	testwait.Until(t, 30*time.Second, "ten registrations from every client before the kill", every(&oks, 10))
	mu.Lock()
	killed = time.Now()
	mu.Unlock()
	nodes[p].kill()
	// Writes resume within 15 s of the kill, and every client gets
	// through the surviving nodes again.
	testwait.Until(t, 15*time.Second, "writes to resume after the kill", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return !resumed.IsZero()
	})
	testwait.Until(t, 15*time.Second, "three registrations from every client after the kill", every(&oksNew, 3))
	stopWriters()
	if resumed.IsZero() || resumed.Sub(killed) > 15*time.Second {
		t.Fatalf("writes did not resume within 15 s of the kill (resumed %v after)", resumed.Sub(killed))
	}
	t.Logf("%d registrations acknowledged, %d refused or failed, writes resumed %v after the kill", len(acked), failed, resumed.Sub(killed).Round(time.Millisecond))

	// Every acknowledged id resolves to its schema on every surviving node,
	// and no id names two schemas.
	byID := map[int]string{}
	for _, a := range acked {
		if s, ok := byID[a.id]; ok && s != a.schema {
			t.Fatalf("id %d acknowledged for two schemas:\n%s\n%s", a.id, s, a.schema)
		}
		byID[a.id] = a.schema
	}
	for i, n := range nodes {
		if i == p {
			continue
		}
		pending := maps.Clone(byID)
		testwait.UntilDetail(t, 10*time.Second, fmt.Sprintf("node %d to serve every acknowledged id", i), func() (bool, string) {
			for id, schema := range pending {
				code, body := getNoFail(fmt.Sprintf("%s/schemas/ids/%d", n.URL, id))
				var r struct{ Schema string }
				json.Unmarshal([]byte(body), &r)
				if code != 200 || r.Schema != schema {
					return false, fmt.Sprintf("id %d -> %d %s, want %s", id, code, body, schema)
				}
				delete(pending, id)
			}
			return true, ""
		})
	}
}

// TestBrokerRestart: restarting the broker stalls writes, not reads, and
// writes come back without restarting any registry.
func TestBrokerRestart(t *testing.T) {
	broker := kafkaBroker(t)
	script := os.Getenv("SR_TEST_KAFKA_SCRIPT")
	if script == "" {
		t.Skip("SR_TEST_KAFKA_SCRIPT (test/kafka/kafka.sh) is not set: cannot restart the broker")
	}
	nodes, _ := startCluster(t, broker, 2)
	primaryOf(t, nodes, 30*time.Second)
	code, body, _ := post(nodes[0].URL+"/subjects/r/versions", "application/json", `{"schema":"\"string\""}`)
	if code != 200 {
		t.Fatalf("register: %d %s", code, body)
	}
	// Followers apply the record when their reader gets it: wait for both.
	for _, n := range nodes {
		testwait.Until(t, 10*time.Second, n.URL+" to serve id 1", func() bool {
			code, _ := getNoFail(n.URL + "/schemas/ids/1")
			return code == 200
		})
	}
	restarted := make(chan error, 1)
	go func() {
		out, err := exec.Command(script, "restart").CombinedOutput()
		if err != nil {
			err = fmt.Errorf("%v: %s", err, out)
		}
		restarted <- err
	}()
	// Reads keep working on every node while the broker is away.
	readsOK := 0
	for waiting := true; waiting; {
		select {
		case err := <-restarted:
			if err != nil {
				t.Fatal(err)
			}
			waiting = false
		default:
			for _, n := range nodes {
				if code, _ := getNoFail(n.URL + "/schemas/ids/1"); code != 200 {
					t.Fatalf("read failed during the broker restart: %d", code)
				}
				readsOK++
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	// Writes come back.
	i := 0
	testwait.UntilDetail(t, 60*time.Second, "writes to come back after the broker restart", func() (bool, string) {
		code, body, _ := post(nodes[i%2].URL+"/subjects/r/versions", "application/json", fmt.Sprintf(`{"schema":"{\"type\":\"fixed\",\"name\":\"F%d\",\"size\":1}"}`, i))
		i++
		return code == 200, fmt.Sprintf("%d %s", code, body)
	})
	t.Logf("%d reads served during the broker restart", readsOK)
}
