package test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/schemaregistry/registry/api"
	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/avro"
	"github.com/schemaregistry/registry/internal/testlog"
	"github.com/schemaregistry/registry/internal/testwait"
	"github.com/schemaregistry/registry/store"
)

// Faults between the registry and its broker, with three nodes under
// writes: the primary cut off from the broker (an iptables rule matching
// the primary's user), the broker paused (SIGSTOP) for longer than the
// session timeout, the broker restarted. Each checks what a user relies
// on: every answer within kafkastore.timeout.ms + 2 s, no acknowledged
// write lost, no id bound to two schemas in the topic itself, every node
// the same after the heal; and reports when writes resumed.

const (
	faultStoreTimeout   = 500 * time.Millisecond // kafkastore.timeout.ms
	faultSessionTimeout = 6 * time.Second        // kafkagroup.session.timeout.ms
)

// faultUIDs are the users the nodes run as, one each, so that a rule can
// match one node's packets.
var faultUIDs = []int{65531, 65532, 65533}

// startFaultCluster starts three nodes on a new topic and group, each as
// its own user when running as root (else as this user, and the partition
// test skips).
func startFaultCluster(t *testing.T, broker string) (nodes []*node, topic string) {
	t.Helper()
	suffix := strconv.FormatInt(time.Now().UnixNano(), 10)
	topic = "_schemas_fault_" + suffix
	env := []string{
		"SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS=" + broker,
		"SCHEMA_REGISTRY_KAFKASTORE_TOPIC=" + topic,
		"SCHEMA_REGISTRY_KAFKASTORE_TOPIC_REPLICATION_FACTOR=1",
		"SCHEMA_REGISTRY_SCHEMA_REGISTRY_GROUP_ID=sr-fault-" + suffix,
		"SCHEMA_REGISTRY_HOST_NAME=127.0.0.1",
		"SCHEMA_REGISTRY_KAFKAGROUP_SESSION_TIMEOUT_MS=" + strconv.Itoa(int(faultSessionTimeout.Milliseconds())),
		"SCHEMA_REGISTRY_KAFKAGROUP_HEARTBEAT_INTERVAL_MS=1000",
		"SCHEMA_REGISTRY_KAFKASTORE_TIMEOUT_MS=" + strconv.Itoa(int(faultStoreTimeout.Milliseconds())),
		"SCHEMA_REGISTRY_SCHEMA_COMPATIBILITY_LEVEL=none",
	}
	bin := binary(t)
	asRoot := os.Geteuid() == 0
	if asRoot {
		os.Chmod(filepath.Dir(bin), 0o755) // the other users run it
	}
	for i := range 3 {
		dir, err := os.MkdirTemp("", "sr-fault-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		cmd := exec.Command(bin)
		cmd.Env = append(os.Environ(), append([]string{srEnv("LISTENERS", "http://127.0.0.1:0"), srEnv("DATA_DIR", dir)}, env...)...)
		if asRoot {
			uid := faultUIDs[i]
			os.Chown(dir, uid, uid)
			os.Chmod(dir, 0o755)
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(uid)}}
			cmd.Env = append(cmd.Env, "HOME="+dir)
		}
		n := &node{cmd: cmd, logs: &testlog.Buffer{}}
		cmd.Stderr = n.logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { n.kill() })
		n.waitListening(t)
		nodes = append(nodes, n)
	}
	return nodes, topic
}

// faultAck is an acknowledged registration.
type faultAck struct {
	subject, schema string
	id              int
}

// faultRun is the outcome of writes through every node across a fault.
type faultRun struct {
	acked     []faultAck
	answers   int
	failed    map[string]int // error codes of the refused writes
	slowest   time.Duration
	slowestOn string
	resumed   time.Duration // from the fault to the first write acknowledged after it by another node than skip
}

// writeThrough registers new schemas from six clients through the three
// nodes in turn until fault has run (it applies the fault, waits, heals)
// and writes go through again after it.
func writeThrough(t *testing.T, nodes []*node, skip int, fault func()) faultRun {
	t.Helper()
	client := &http.Client{Timeout: 60 * time.Second} // long enough to see a hang
	var (
		mu       sync.Mutex
		run      = faultRun{failed: map[string]int{}}
		perNode  = make([]int, len(nodes))
		faultAt  time.Time
		stop     = make(chan struct{})
		wg       sync.WaitGroup
		afterAck int // acknowledged after the heal
		healed   bool
	)
	for c := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				k := (c + i) % len(nodes)
				schema := fmt.Sprintf(`{"type":"record","name":"W%d_%d","fields":[{"name":"f","type":"long"}]}`, c, i)
				subject := fmt.Sprintf("w%d", c)
				b, _ := json.Marshal(map[string]string{"schema": schema})
				began := time.Now()
				resp, err := client.Post(nodes[k].URL+"/subjects/"+subject+"/versions", "application/json", strings.NewReader(string(b)))
				took := time.Since(began)
				var code int
				var body []byte
				if err == nil {
					code = resp.StatusCode
					body = make([]byte, 0, 256)
					buf := make([]byte, 4096)
					for {
						n, rerr := resp.Body.Read(buf)
						body = append(body, buf[:n]...)
						if rerr != nil {
							break
						}
					}
					resp.Body.Close()
				}
				mu.Lock()
				run.answers++
				if took > run.slowest {
					run.slowest, run.slowestOn = took, fmt.Sprintf("node %d: %d %s %v", k, code, body, err)
				}
				if code == 200 {
					var r struct{ ID int }
					json.Unmarshal(body, &r)
					run.acked = append(run.acked, faultAck{subject, schema, r.ID})
					perNode[k]++
					if !faultAt.IsZero() && k != skip && run.resumed == 0 && began.After(faultAt) {
						run.resumed = time.Since(faultAt)
					}
					if healed {
						afterAck++
					}
				} else {
					var e struct {
						ErrorCode int `json:"error_code"`
					}
					json.Unmarshal(body, &e)
					run.failed[fmt.Sprintf("%d/%d", code, e.ErrorCode)]++
				}
				mu.Unlock()
				if code != 200 {
					time.Sleep(20 * time.Millisecond)
				}
			}
		}()
	}
	stopWriters := sync.OnceFunc(func() { close(stop); wg.Wait() })
	t.Cleanup(stopWriters)
	testwait.Until(t, 30*time.Second, "writes through every node before the fault", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return perNode[0] >= 3 && perNode[1] >= 3 && perNode[2] >= 3
	})
	mu.Lock()
	faultAt = time.Now()
	mu.Unlock()
	fault()
	mu.Lock()
	healed = true
	mu.Unlock()
	testwait.Until(t, 60*time.Second, "writes through again after the heal", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return afterAck >= 30
	})
	stopWriters()
	return run
}

// checkAfterFault checks what a user relies on after a fault: every
// acknowledged id served with its schema by every node, the same subjects
// and versions everywhere, no id bound to two schemas among the topic's
// committed records; it logs the aborted ones.
func checkAfterFault(t *testing.T, broker, topic string, nodes []*node, run faultRun) {
	t.Helper()
	byID := map[int]string{}
	for _, a := range run.acked {
		if s, ok := byID[a.id]; ok && s != a.schema {
			t.Errorf("id %d acknowledged for two schemas:\n%s\n%s", a.id, s, a.schema)
		}
		byID[a.id] = a.schema
	}
	for i, n := range nodes {
		testwait.UntilDetail(t, 30*time.Second, fmt.Sprintf("node %d to serve the %d acknowledged ids", i, len(byID)), func() (bool, string) {
			for id, schema := range byID {
				code, body := getNoFail(fmt.Sprintf("%s/schemas/ids/%d", n.URL, id))
				var r struct{ Schema string }
				json.Unmarshal([]byte(body), &r)
				if code != 200 || r.Schema != schema {
					return false, fmt.Sprintf("id %d -> %d %s, want %s", id, code, body, schema)
				}
			}
			return true, ""
		})
	}
	state := func(n *node) string {
		_, subjects := getNoFail(n.URL + "/subjects?deleted=true")
		var names []string
		json.Unmarshal([]byte(subjects), &names)
		var b strings.Builder
		for _, s := range names {
			_, versions := getNoFail(n.URL + "/subjects/" + s + "/versions?deleted=true")
			fmt.Fprintf(&b, "%s %s\n", s, versions)
		}
		return b.String()
	}
	testwait.UntilDetail(t, 30*time.Second, "every node to hold the same subjects and versions", func() (bool, string) {
		first := state(nodes[0])
		for i, n := range nodes[1:] {
			if s := state(n); s != first {
				return false, fmt.Sprintf("node 0:\n%s\nnode %d:\n%s", first, i+1, s)
			}
		}
		return true, ""
	})
	committed, aborted, recs := topicBindings(t, broker, topic)
	if len(committed) > 0 {
		t.Errorf("the topic's committed records bind %d ids to two schemas: %v", len(committed), committed)
	}
	// The topic's records, replayed by a registry of their own (on a log
	// holding them as written), give the nodes' state.
	reg, err := store.Open(store.NewMemoryLog(recs...), []formats.Format{avro.Format{}}, store.Settings{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	replay := httptest.NewServer(api.New(api.Options{Registry: reg, Logger: slog.New(slog.DiscardHandler)}))
	defer replay.Close()
	if got, want := state(&node{URL: replay.URL}), state(nodes[0]); got != want {
		t.Errorf("the topic replayed gives another state than the nodes':\n%s\nnodes:\n%s", got, want)
	}
	for id, schema := range byID {
		code, body := getNoFail(fmt.Sprintf("%s/schemas/ids/%d", replay.URL, id))
		var r struct{ Schema string }
		json.Unmarshal([]byte(body), &r)
		if code != 200 || r.Schema != schema {
			t.Errorf("replayed topic: id %d -> %d %s, want %s", id, code, body, schema)
			break
		}
	}
	t.Logf("ids bound twice in the topic: %d among committed records, %d counting aborted ones (which no transactional reader applies)", len(committed), len(aborted))
}

// topicBindings reads the topic twice, committed records only and every
// record, and returns the ids bound to two schemas in each reading, and the
// committed records (markers left out).
func topicBindings(t *testing.T, broker, topic string) (committed, all []int, recs []store.Record) {
	t.Helper()
	read := func(level kgo.IsolationLevel) []int {
		cl, err := kgo.NewClient(kgo.SeedBrokers(broker), kgo.ConsumeTopics(topic),
			kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchIsolationLevel(level), kgo.KeepControlRecords())
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Close()
		ends, err := kadm.NewClient(cl).ListEndOffsets(context.Background(), topic)
		if err != nil {
			t.Fatal(err)
		}
		end := ends[topic][0].Offset
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		schemaOf := map[int]string{}
		var twice []int
		var last int64 = -1
		for last < end-1 && ctx.Err() == nil {
			fs := cl.PollFetches(ctx)
			fs.EachRecord(func(r *kgo.Record) {
				last = r.Offset
				if r.Attrs.IsControl() {
					return
				}
				if level == kgo.ReadCommitted() {
					recs = append(recs, store.Record{Key: r.Key, Value: r.Value, Timestamp: r.Timestamp.UnixMilli()})
				}
				var k struct{ Keytype string }
				if json.Unmarshal(r.Key, &k) != nil || k.Keytype != "SCHEMA" || r.Value == nil {
					return
				}
				var v struct {
					ID     int
					Schema string
				}
				json.Unmarshal(r.Value, &v)
				if s, ok := schemaOf[v.ID]; ok && s != v.Schema {
					twice = append(twice, v.ID)
				}
				schemaOf[v.ID] = v.Schema
			})
		}
		if last < end-1 {
			t.Fatalf("reading %s: reached offset %d of %d", topic, last, end)
		}
		sort.Ints(twice)
		return twice
	}
	committed = read(kgo.ReadCommitted())
	return committed, read(kgo.ReadUncommitted()), recs
}

// TestPartitionedPrimary cuts the primary off from the broker for 20 s (its
// packets to the broker dropped by an iptables rule matching its user;
// clients still reach it) while six clients register through all three
// nodes.
func TestPartitionedPrimary(t *testing.T) {
	broker := kafkaBroker(t)
	skip := t.Skip
	if os.Getenv("SR_REQUIRE_FAULTS") != "" { // .ci/run: the fault tests must run
		skip = t.Fatal
	}
	if os.Geteuid() != 0 {
		skip("not root: cannot run the nodes as other users nor add iptables rules")
	}
	if _, err := exec.LookPath("iptables"); err != nil {
		skip("iptables is not installed")
	}
	_, port, _ := strings.Cut(broker, ":")
	nodes, topic := startFaultCluster(t, broker)
	p := primaryOf(t, nodes, 30*time.Second)
	rule := []string{"OUTPUT", "-p", "tcp", "-m", "owner", "--uid-owner", strconv.Itoa(faultUIDs[p]), "--dport", port, "-j", "DROP"}
	t.Logf("primary is node %d (%s, uid %d)", p, nodes[p].URL, faultUIDs[p])
	var heal func()
	heal = func() { exec.Command("iptables", append([]string{"-D"}, rule...)...).Run() }
	t.Cleanup(heal)
	run := writeThrough(t, nodes, p, func() {
		if out, err := exec.Command("iptables", append([]string{"-A"}, rule...)...).CombinedOutput(); err != nil {
			t.Fatalf("iptables: %v %s", err, out)
		}
		time.Sleep(20 * time.Second)
		heal()
	})
	t.Logf("%d answers, %d acknowledged, refused %v; slowest %v (%s); writes through the survivors resumed %v after the cut",
		run.answers, len(run.acked), run.failed, run.slowest.Round(time.Millisecond), run.slowestOn, run.resumed.Round(time.Millisecond))
	if limit := faultStoreTimeout + 2*time.Second; run.slowest > limit {
		t.Errorf("an answer took %v, more than kafkastore.timeout.ms + 2 s (%v): %s", run.slowest, limit, run.slowestOn)
	}
	if limit := faultSessionTimeout + 2*time.Second; run.resumed == 0 || run.resumed > limit {
		t.Errorf("writes through the survivors resumed after %v, not within the session timeout + 2 s (%v)", run.resumed, limit)
	}
	checkAfterFault(t, broker, topic, nodes, run)
}

// brokerPID is the broker's process id, from test/kafka/kafka.sh's data
// directory.
func brokerPID(t *testing.T) int {
	t.Helper()
	dir := os.Getenv("KAFKA_DATA")
	if dir == "" {
		dir = "/tmp/sr-kafka-data"
	}
	b, err := os.ReadFile(filepath.Join(dir, "broker.pid"))
	if err != nil {
		t.Skipf("no broker pid file (KAFKA_DATA=%s): %v", dir, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// TestBrokerPaused stops the broker's JVM (SIGSTOP) for 10 s, longer than
// the session timeout, under writes through three nodes.
func TestBrokerPaused(t *testing.T) {
	broker := kafkaBroker(t)
	pid := brokerPID(t)
	nodes, topic := startFaultCluster(t, broker)
	p := primaryOf(t, nodes, 30*time.Second)
	t.Cleanup(func() { syscall.Kill(pid, syscall.SIGCONT) })
	run := writeThrough(t, nodes, -1, func() {
		if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		time.Sleep(faultSessionTimeout + 4*time.Second)
		syscall.Kill(pid, syscall.SIGCONT)
	})
	t.Logf("primary was node %d; %d answers, %d acknowledged, refused %v; slowest %v (%s); first write acknowledged %v after the pause began",
		p, run.answers, len(run.acked), run.failed, run.slowest.Round(time.Millisecond), run.slowestOn, run.resumed.Round(time.Millisecond))
	if limit := faultStoreTimeout + 2*time.Second; run.slowest > limit {
		t.Errorf("an answer took %v, more than kafkastore.timeout.ms + 2 s (%v): %s", run.slowest, limit, run.slowestOn)
	}
	checkAfterFault(t, broker, topic, nodes, run)
}

// TestBrokerRestartUnderWrites restarts the broker under writes through
// three nodes.
func TestBrokerRestartUnderWrites(t *testing.T) {
	broker := kafkaBroker(t)
	script := os.Getenv("SR_TEST_KAFKA_SCRIPT")
	if script == "" {
		t.Skip("SR_TEST_KAFKA_SCRIPT (test/kafka/kafka.sh) is not set: cannot restart the broker")
	}
	nodes, topic := startFaultCluster(t, broker)
	primaryOf(t, nodes, 30*time.Second)
	run := writeThrough(t, nodes, -1, func() {
		if out, err := exec.Command(script, "restart").CombinedOutput(); err != nil {
			t.Fatalf("restart: %v: %s", err, out)
		}
	})
	t.Logf("%d answers, %d acknowledged, refused %v; slowest %v (%s); first write acknowledged %v after the restart began",
		run.answers, len(run.acked), run.failed, run.slowest.Round(time.Millisecond), run.slowestOn, run.resumed.Round(time.Millisecond))
	if limit := faultStoreTimeout + 2*time.Second; run.slowest > limit {
		t.Errorf("an answer took %v, more than kafkastore.timeout.ms + 2 s (%v): %s", run.slowest, limit, run.slowestOn)
	}
	checkAfterFault(t, broker, topic, nodes, run)
}
