package test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/schemaregistry/registry/internal/scaledata"
	"github.com/schemaregistry/registry/internal/testwait"
	"github.com/schemaregistry/registry/store"
	"github.com/schemaregistry/registry/store/file"
)

// millionRecords is the size of the large user's topic: about 100,000
// subjects of real-looking Avro schemas (internal/scaledata), 2.6 KB a
// record, 2.6 GB in all.
const millionRecords = 1_000_000

// scaleRecords is the number of records of the 1M tests; SR_TEST_SCALE_RECORDS
// changes it (to try the tests quickly).
func scaleRecords(t *testing.T) int {
	needStartup(t)
	if s := os.Getenv("SR_TEST_SCALE_RECORDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1000 {
			t.Fatalf("SR_TEST_SCALE_RECORDS=%q: want a number of at least 1000", s)
		}
		return n
	}
	return millionRecords
}

// scaleTopic is what the generator wrote, to check what the registry serves.
type scaleTopic struct {
	last      scaledata.Record // its schema copied
	subjects  int
	p50, top  int // versions per subject
	topName   string
	bytes     int64
	generated time.Duration
}

// generate passes the n records to write, in batches of about 4 MB.
func generate(n int, write func([]store.Record)) scaleTopic {
	began := time.Now()
	g := scaledata.New(n)
	var st scaleTopic
	var batch []store.Record
	size := 0
	for {
		r, ok := g.Next()
		if !ok {
			break
		}
		st.bytes += int64(len(r.Key) + len(r.Value))
		batch = append(batch, store.Record{Key: slices.Clone(r.Key), Value: slices.Clone(r.Value)})
		size += len(r.Key) + len(r.Value)
		if size >= 4<<20 {
			write(batch)
			batch, size = batch[:0], 0
		}
		st.last = r
		st.last.Schema = slices.Clone(r.Schema)
	}
	if len(batch) > 0 {
		write(batch)
	}
	st.subjects = len(g.Versions)
	vs := slices.Clone(g.Versions)
	top := slices.Index(g.Versions, slices.Max(vs))
	slices.Sort(vs)
	st.p50, st.top, st.topName = vs[len(vs)/2], vs[len(vs)-1], scaledata.SubjectName(top)
	st.generated = time.Since(began)
	return st
}

func TestStartup1MEmbedded(t *testing.T) {
	n := scaleRecords(t)
	dir := t.TempDir()
	log, err := file.New(dir, file.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := log.Open(func(store.Record) {}); err != nil {
		t.Fatal(err)
	}
	topic := generate(n, func(batch []store.Record) {
		if err := log.Append(context.Background(), batch); err != nil {
			t.Fatal(err)
		}
	})
	log.Close()
	measureScale(t, topic, dir)
}

func TestStartup1MKafka(t *testing.T) {
	n := scaleRecords(t)
	broker := kafkaBroker(t)
	name := fmt.Sprintf("_schemas_1m_%d", time.Now().UnixNano())
	cl, err := kgo.NewClient(kgo.SeedBrokers(broker), kgo.DefaultProduceTopic(name),
		kgo.ProducerBatchMaxBytes(1<<20), kgo.ProducerBatchCompression(kgo.NoCompression()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	compact := "compact"
	adm := kadm.NewClient(cl)
	if _, err := adm.CreateTopic(context.Background(), 1, 1, map[string]*string{"cleanup.policy": &compact}, name); err != nil {
		t.Fatal(err)
	}
	defer adm.DeleteTopics(context.Background(), name)
	ctx := context.Background()
	topic := generate(n, func(batch []store.Record) {
		recs := make([]*kgo.Record, len(batch))
		for i, r := range batch {
			recs[i] = &kgo.Record{Key: r.Key, Value: r.Value}
		}
		if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
			t.Fatal(err)
		}
	})
	measureScale(t, topic, t.TempDir(),
		"SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS="+broker,
		"SCHEMA_REGISTRY_KAFKASTORE_TOPIC="+name,
		"SCHEMA_REGISTRY_KAFKASTORE_TOPIC_REPLICATION_FACTOR=1",
		"SCHEMA_REGISTRY_SCHEMA_REGISTRY_GROUP_ID=startup-"+name,
		"SCHEMA_REGISTRY_HOST_NAME=127.0.0.1")
}

// measureScale starts the binary on the written topic and reports how long
// it takes to be ready, its resident memory then and its peak, and checks
// that it serves what was written.
func measureScale(t *testing.T, topic scaleTopic, dataDir string, env ...string) {
	t.Helper()
	t.Logf("generated %d records (%.2f GB) in %v: %d subjects, versions per subject p50 %d, max %d (%s)",
		topic.last.ID, float64(topic.bytes)/1e9, topic.generated.Round(time.Millisecond), topic.subjects, topic.p50, topic.top, topic.topName)
	binary(t)
	began := time.Now()
	n := launch(t, nil, append([]string{srEnv("LISTENERS", "http://127.0.0.1:0"), srEnv("DATA_DIR", dataDir)}, env...)...)
	n.startWait = 5 * time.Minute
	n.waitListening(t)
	testwait.UntilDetail(t, 5*time.Minute-time.Since(began), "/health/ready to answer 200", func() (bool, string) {
		code, _ := getNoFail(n.URL + "/health/ready")
		return code == 200, n.Logs()
	})
	ready := time.Since(began)
	pid := n.cmd.Process.Pid
	t.Logf("ready after %v with %d schema records; RSS %s, peak %s; CPU %s", ready.Round(time.Millisecond), topic.last.ID,
		procStatus(pid, "VmRSS"), procStatus(pid, "VmHWM"), procCPU(pid))

	last := topic.last
	code, body := getNoFail(fmt.Sprintf("%s/schemas/ids/%d", n.URL, last.ID))
	var served struct{ Schema string }
	json.Unmarshal([]byte(body), &served)
	if code != 200 || served.Schema != string(last.Schema) {
		t.Fatalf("the last schema (id %d) not served: %d %.300s", last.ID, code, body)
	}
	code, body = getNoFail(fmt.Sprintf("%s/subjects/%s/versions/latest", n.URL, last.Subject))
	if code != 200 || !strings.Contains(body, fmt.Sprintf(`"id":%d`, last.ID)) {
		t.Fatalf("latest of %s: %d %.300s", last.Subject, code, body)
	}
	code, body = getNoFail(fmt.Sprintf("%s/subjects/%s/versions", n.URL, topic.topName))
	if want := fmt.Sprintf(",%d]", topic.top); code != 200 || !strings.HasSuffix(body, want) {
		t.Fatalf("versions of %s: %d %.300s, want %d versions", topic.topName, code, body, topic.top)
	}
	code, body = getNoFail(n.URL + "/subjects?limit=100")
	if code != 200 || strings.Count(body, `"`) != 200 {
		t.Fatalf("first page of subjects: %d %.300s", code, body)
	}
}

// procStatus is a size line of /proc/pid/status in MiB.
func procStatus(pid int, field string) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, field+":") {
			kb, _ := strconv.Atoi(strings.Fields(line)[1])
			return fmt.Sprintf("%.0f MiB", float64(kb)/1024)
		}
	}
	return "unknown"
}

// procCPU is the CPU time a process used so far (user and system).
func procCPU(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return "unknown"
	}
	// The fields after the command's closing parenthesis; utime and stime
	// are the 14th and 15th of the line, in clock ticks (100 a second).
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	if len(f) < 13 {
		return "unknown"
	}
	user, _ := strconv.Atoi(f[11])
	sys, _ := strconv.Atoi(f[12])
	return fmt.Sprintf("%.1f s (user %.1f, system %.1f)", float64(user+sys)/100, float64(user)/100, float64(sys)/100)
}
