package interopcgo

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/serde"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/serde/avrov2"
)

// startProxy builds cmd/sr-proxy and starts it in front of the broker at
// SR_TEST_KAFKA, validating the values of topic against the registry at
// registryURL; it returns the proxy's bootstrap address.
func startProxy(t *testing.T, registryURL, topic string) string {
	t.Helper()
	dir := t.TempDir()
	root, _ := filepath.Abs("../../..")
	bin := filepath.Join(dir, "sr-proxy")
	build := exec.Command("go", "build", "-o", bin, "./cmd/sr-proxy")
	build.Dir, build.Env = root, append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the proxy: %v\n%s", err, out)
	}
	props := filepath.Join(dir, "proxy.properties")
	text := fmt.Sprintf("proxy.listen=127.0.0.1:0\nbootstrap.servers=%s\nschema.registry.url=%s\ntopic.%s.confluent.value.schema.validation=true\n",
		os.Getenv("SR_TEST_KAFKA"), registryURL, topic)
	if err := os.WriteFile(props, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(dir, "proxy.log")
	logFile, _ := os.Create(logPath)
	cmd := exec.Command(bin, props)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait(); logFile.Close() })
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

type Order struct {
	ID   int64  `avro:"id"`
	Item string `avro:"item"`
}

type Address struct {
	Street string `avro:"street"`
}

// TestProxyConfluentKafkaGo produces through the validating proxy with
// confluent-kafka-go (librdkafka) and its Avro serializer, which registers
// the schemas on this registry: valid records arrive, refused ones fail
// delivery with INVALID_RECORD, and the admin client and a group consumer
// work through the proxy.
func TestProxyConfluentKafkaGo(t *testing.T) {
	if os.Getenv("SR_TEST_KAFKA") == "" {
		t.Skip("SR_TEST_KAFKA (a real broker's host:port) is not set")
	}
	url := startRegistry(t)
	topic := fmt.Sprintf("proxy-cgo-%d", time.Now().UnixNano())
	addr := startProxy(t, url, topic)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	admin, err := kafka.NewAdminClient(&kafka.ConfigMap{"bootstrap.servers": addr})
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	res, err := admin.CreateTopics(ctx, []kafka.TopicSpecification{{Topic: topic, NumPartitions: 1, ReplicationFactor: 1}})
	if err != nil || res[0].Error.Code() != kafka.ErrNoError {
		t.Fatalf("creating the topic through the proxy: %v %v", err, res)
	}

	client, err := schemaregistry.NewClient(schemaregistry.NewConfig(url))
	if err != nil {
		t.Fatal(err)
	}
	// The serializer configures every executor of the global rule registry:
	// the field-level encryption test leaves one there, configured for its
	// own registry.
	serde.GlobalRuleRegistry().Clear()
	ser, err := avrov2.NewSerializer(client, serde.ValueSerde, avrov2.NewSerializerConfig())
	if err != nil {
		t.Fatal(err)
	}
	good, err := ser.Serialize(topic, &Order{ID: 1, Item: "book"})
	if err != nil {
		t.Fatal(err)
	}
	// Another subject's id: the serializer registers Address under the
	// subject of another topic.
	otherID, err := ser.Serialize(topic+"-other", &Address{Street: "Main"})
	if err != nil {
		t.Fatal(err)
	}
	unknown := append([]byte{0, 0x7f, 0xff, 0xff, 0xf0}, good[5:]...)

	producer, err := kafka.NewProducer(&kafka.ConfigMap{"bootstrap.servers": addr, "linger.ms": 0})
	if err != nil {
		t.Fatal(err)
	}
	defer producer.Close()
	deliver := func(value []byte) kafka.ErrorCode {
		ch := make(chan kafka.Event, 1)
		if err := producer.Produce(&kafka.Message{TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: kafka.PartitionAny}, Value: value}, ch); err != nil {
			t.Fatal(err)
		}
		select {
		case e := <-ch:
			m := e.(*kafka.Message)
			if m.TopicPartition.Error == nil {
				return kafka.ErrNoError
			}
			return m.TopicPartition.Error.(kafka.Error).Code()
		case <-ctx.Done():
			t.Fatal("no delivery report")
			return 0
		}
	}
	if code := deliver(good); code != kafka.ErrNoError {
		t.Fatalf("valid record: %v", code)
	}
	for name, bad := range map[string][]byte{"unknown id": unknown, "another subject's id": otherID, "no prefix": []byte("plain text")} {
		if code := deliver(bad); code != kafka.ErrInvalidRecord {
			t.Errorf("%s: delivery %v, want INVALID_RECORD", name, code)
		}
	}
	if code := deliver(good); code != kafka.ErrNoError {
		t.Fatalf("valid record after refusals: %v", code)
	}

	consumer, err := kafka.NewConsumer(&kafka.ConfigMap{"bootstrap.servers": addr, "group.id": "proxy-cgo", "auto.offset.reset": "earliest"})
	if err != nil {
		t.Fatal(err)
	}
	defer consumer.Close()
	if err := consumer.Subscribe(topic, nil); err != nil {
		t.Fatal(err)
	}
	var got [][]byte
	for len(got) < 2 && ctx.Err() == nil {
		m, err := consumer.ReadMessage(time.Second)
		if err != nil {
			if err.(kafka.Error).IsTimeout() {
				continue
			}
			t.Fatal(err)
		}
		got = append(got, m.Value)
	}
	if len(got) != 2 || string(got[0]) != string(good) || string(got[1]) != string(good) {
		t.Fatalf("consumed %q, want the two valid records", got)
	}
	// Nothing else: the partition ends after them.
	if _, high, err := consumer.QueryWatermarkOffsets(topic, 0, 30_000); err != nil || high != 2 {
		t.Errorf("the topic ends at offset %d (%v), want 2: a refused record reached it", high, err)
	}
	if _, err := consumer.Commit(); err != nil {
		t.Errorf("committing through the proxy: %v", err)
	}
}
