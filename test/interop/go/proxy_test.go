package interop

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"
)

// startProxy builds cmd/sr-proxy and starts it in front of the broker at
// SR_TEST_KAFKA (the test skips without one), validating the values of
// topic against the registry; it returns the proxy's bootstrap address.
func startProxy(t *testing.T, topic string) string {
	t.Helper()
	broker := os.Getenv("SR_TEST_KAFKA")
	if broker == "" {
		t.Skip("SR_TEST_KAFKA (a real broker's host:port) is not set")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "sr-proxy")
	build := exec.Command("go", "build", "-o", bin, "./cmd/sr-proxy")
	build.Dir = rootDir
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the proxy: %v\n%s", err, out)
	}
	props := filepath.Join(dir, "proxy.properties")
	text := fmt.Sprintf(`proxy.listen=127.0.0.1:0
bootstrap.servers=%s
schema.registry.url=%s
topic.%s.confluent.value.schema.validation=true
`, broker, registryURL, topic)
	if err := os.WriteFile(props, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(dir, "proxy.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, props)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		logFile.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			t.Logf("--- proxy log ---\n%s", b)
		}
	})
	listening := regexp.MustCompile(`msg=listening addr=(\S+)`)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		b, _ := os.ReadFile(logPath)
		if m := listening.FindSubmatch(b); m != nil {
			return string(m[1])
		}
		if strings.Contains(string(b), "sr-proxy: ") {
			break
		}
	}
	b, _ := os.ReadFile(logPath)
	t.Fatalf("the proxy did not start:\n%s", b)
	return ""
}

// TestProxyFranzGo produces through the validating proxy with franz-go
// and its Schema Registry serde: valid records arrive; a record with an
// unknown id, another subject's id or no prefix is refused with
// INVALID_RECORD and nothing of its batch reaches the topic; a group
// consumer and the admin client work through the proxy, before and after
// a broker restart.
func TestProxyFranzGo(t *testing.T) {
	topic := fmt.Sprintf("proxy-franz-%d", time.Now().UnixNano())
	addr := startProxy(t, topic)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	newClient := func(opts ...kgo.Opt) *kgo.Client {
		cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(addr), kgo.RecordRetries(3)}, opts...)...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(cl.Close)
		return cl
	}
	adm := kadm.NewClient(newClient())
	if _, err := adm.CreateTopic(ctx, 2, 1, nil, topic); err != nil {
		t.Fatalf("creating the topic through the proxy: %v", err)
	}

	reg := newFranzClient(t)
	ss, err := reg.CreateSchema(ctx, topic+"-value", sr.Schema{Schema: orderV1, Type: sr.TypeAvro})
	if err != nil {
		t.Fatal(err)
	}
	other, err := reg.CreateSchema(ctx, topic+"-other-value", sr.Schema{Schema: addressSchema, Type: sr.TypeAvro})
	if err != nil {
		t.Fatal(err)
	}
	orders := avroSerde(ss.ID, avro.MustParse(orderV1), Order{})
	addresses := avroSerde(other.ID, avro.MustParse(addressSchema), Address{})

	producer := newClient(kgo.DefaultProduceTopic(topic), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	produce := func(values ...[]byte) error {
		recs := make([]*kgo.Record, len(values))
		for i, v := range values {
			recs[i] = &kgo.Record{Value: v, Partition: 0}
		}
		return producer.ProduceSync(ctx, recs...).FirstErr()
	}
	var sent []string
	good := func(id int64) []byte {
		b, err := orders.Encode(Order{ID: id, Item: "book"})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for i := int64(1); i <= 3; i++ {
		if err := produce(good(i)); err != nil {
			t.Fatalf("valid record %d: %v", i, err)
		}
		sent = append(sent, string(good(i)))
	}
	// A compressed batch (zstd) passes as it came: the broker checks it too.
	zproducer := newClient(kgo.DefaultProduceTopic(topic), kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerBatchCompression(kgo.ZstdCompression()))
	var batch []*kgo.Record
	for i := int64(10); i < 60; i++ {
		batch = append(batch, &kgo.Record{Value: good(i), Partition: 0})
		sent = append(sent, string(good(i)))
	}
	if err := zproducer.ProduceSync(ctx, batch...).FirstErr(); err != nil {
		t.Fatalf("a compressed batch: %v", err)
	}
	otherValue, err := addresses.Encode(Address{Street: "Main", City: "X"})
	if err != nil {
		t.Fatal(err)
	}
	unknown := append([]byte{0, 0x7f, 0xff, 0xff, 0xf0}, good(9)[5:]...)
	for name, bad := range map[string][]byte{"unknown id": unknown, "another subject's id": otherValue, "no prefix": []byte("plain text")} {
		// The bad record shares its batch with a valid one: neither may land.
		if err := produce(good(100), bad); !errors.Is(err, kerr.InvalidRecord) {
			t.Errorf("%s: %v, want INVALID_RECORD", name, err)
		}
	}

	// A group consumer through the proxy reads exactly the valid records.
	consume := func(group string, n int) []string {
		cl := newClient(kgo.ConsumerGroup(group), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
		var got []string
		for len(got) < n && ctx.Err() == nil {
			cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) { got = append(got, string(r.Value)) })
		}
		if err := cl.CommitUncommittedOffsets(ctx); err != nil {
			t.Errorf("committing through the proxy: %v", err)
		}
		return got
	}
	if got := consume("proxy-g1", len(sent)); !equalStrings(got, sent) {
		t.Fatalf("consumed %d records, want the %d valid ones", len(got), len(sent))
	}
	// The topic itself, read from the broker directly: nothing else.
	direct, err := kgo.NewClient(kgo.SeedBrokers(os.Getenv("SR_TEST_KAFKA")))
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close()
	ends, err := kadm.NewClient(direct).ListEndOffsets(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	total := int64(0)
	ends.Each(func(o kadm.ListedOffset) { total += o.Offset })
	if total != int64(len(sent)) {
		t.Errorf("the topic holds %d records, want %d", total, len(sent))
	}
	offsets, err := adm.FetchOffsets(ctx, "proxy-g1")
	if err != nil {
		t.Fatal(err)
	}
	if o, ok := offsets.Lookup(topic, 0); !ok || o.At != int64(len(sent)) {
		t.Errorf("committed offset %+v, want %d", o, len(sent))
	}

	// The broker restarts: the clients of the proxy carry on.
	script := os.Getenv("SR_TEST_KAFKA_SCRIPT")
	if script == "" {
		t.Log("SR_TEST_KAFKA_SCRIPT not set: no broker restart")
		return
	}
	restart := exec.Command(script, "restart")
	if out, err := restart.CombinedOutput(); err != nil {
		t.Fatalf("restarting the broker: %v\n%s", err, out)
	}
	if err := produce(good(4)); err != nil {
		t.Fatalf("producing after the broker restart: %v", err)
	}
	sent = append(sent, string(good(4)))
	if err := produce(good(101), []byte("plain text")); !errors.Is(err, kerr.InvalidRecord) {
		t.Errorf("after the restart, no prefix: %v", err)
	}
	if got := consume("proxy-g2", len(sent)); !equalStrings(got, sent) {
		t.Errorf("after the restart, consumed %d records, want %d", len(got), len(sent))
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
