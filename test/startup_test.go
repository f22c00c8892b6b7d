package test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/schemaregistry/registry/internal/testwait"
	"github.com/schemaregistry/registry/store"
	"github.com/schemaregistry/registry/store/file"
)

const startupRecords = 100_000

// startupRecord is the i-th SCHEMA record: a distinct Avro record of about
// 2 KB under its own subject, in Confluent's key and value format. Its 40
// fields repeat one pattern, so its text compresses far better (12x) than
// real schemas do.
func startupRecord(i int) (key, value []byte) {
	return startupRecordWith(i, startupFields(i))
}

func startupFields(i int) []string {
	fields := make([]string, 40)
	for f := range fields {
		fields[f] = fmt.Sprintf(`{"name":"field_%d_%d","type":["null","string"],"default":null}`, i, f)
	}
	return fields
}

// startupWords are the words of variedRecord's names and docs.
var startupWords = strings.Fields(`account address amount balance batch billing campaign card cart
	category channel city click code country coupon created currency customer date delivery
	device discount email event expiry failure fee id invoice item key label language latitude
	level limit line locale longitude merchant message method name note number offer order
	origin owner page partner payment phone plan platform price product quantity rate reason
	referrer refund region score session shipment sku source status step store street tax
	tenant text token total tracking type unit updated user value vendor version warehouse zone`)

// variedRecord is the i-th SCHEMA record with about 2.5 KB of fields whose
// names, types and docs vary as in real schemas (the text compresses about
// 3x, like real .avsc files, instead of 12x).
func variedRecord(i int) (key, value []byte) {
	rng := rand.New(rand.NewPCG(uint64(i), 7))
	word := func() string { return startupWords[rng.IntN(len(startupWords))] }
	types := []string{`"string"`, `"long"`, `"int"`, `"double"`, `"boolean"`, `["null","string"]`,
		`{"type":"long","logicalType":"timestamp-millis"}`, `{"type":"array","items":"string"}`}
	var fields []string
	for size := 0; size < 2400; {
		doc := make([]string, 4+rng.IntN(8))
		for w := range doc {
			doc[w] = word()
		}
		f := fmt.Sprintf(`{"name":"%s_%s_%d","type":%s,"doc":"%s"}`, word(), word(), len(fields), types[rng.IntN(len(types))], strings.Join(doc, " "))
		fields = append(fields, f)
		size += len(f)
	}
	return startupRecordWith(i, fields)
}

func startupRecordWith(i int, fields []string) (key, value []byte) {
	return schemaRecord(fmt.Sprintf("subject-%d-value", i), i+1, i, fields)
}

// schemaRecord is a SCHEMA record binding id to the i-th record schema of
// those fields under subject.
func schemaRecord(subject string, id, i int, fields []string) (key, value []byte) {
	schema := fmt.Sprintf(`{"type":"record","name":"R%d","namespace":"com.acme","fields":[%s]}`, i, strings.Join(fields, ","))
	key = fmt.Appendf(nil, `{"keytype":"SCHEMA","subject":%q,"version":1,"magic":1}`, subject)
	value, _ = json.Marshal(map[string]any{"subject": subject, "version": 1, "id": id, "schemaType": "AVRO", "schema": schema, "deleted": false})
	return key, value
}

// Contexts at scale: startupContexts contexts of startupPerContext
// subjects each, every context's ids from 1, as Confluent writes them.
const (
	startupContexts   = 1000
	startupPerContext = 100
)

// contextRecord is the j-th record of such a topic: each context's
// CONTEXT record, then its SCHEMA records.
func contextRecord(j int) (key, value []byte) {
	c, k := j/(startupPerContext+1), j%(startupPerContext+1)
	ctx := fmt.Sprintf(".ctx-%d", c)
	if k == 0 {
		return fmt.Appendf(nil, `{"keytype":"CONTEXT","tenant":"default","context":%q,"magic":0}`, ctx),
			fmt.Appendf(nil, `{"tenant":"default","context":%q}`, ctx)
	}
	i := c*startupPerContext + k - 1 // the same schemas as TestStartup100kEmbedded
	return schemaRecord(fmt.Sprintf(":%s:subject-%d-value", ctx, i), k, i, startupFields(i))
}

func needStartup(t *testing.T) {
	if os.Getenv("SR_TEST_STARTUP") == "" {
		t.Skip("SR_TEST_STARTUP is not set: the 100,000-record start-up measurement is part of .ci/run only")
	}
}

// measureStartup starts the binary and reports how long it takes to answer
// /health/ready and its resident memory then.
func measureStartup(t *testing.T, dataDir string, env ...string) {
	t.Helper()
	measure(t, dataDir, false, env...)
}

// measure is measureStartup; with contexts, the records are
// contextRecord's.
func measure(t *testing.T, dataDir string, contexts bool, env ...string) {
	t.Helper()
	binary(t) // built now: the build is no part of the start-up
	began := time.Now()
	n := start(t, dataDir, env...)
	testwait.UntilDetail(t, 2*time.Minute-time.Since(began), "/health/ready to answer 200", func() (bool, string) {
		code, _ := getNoFail(n.URL + "/health/ready")
		return code == 200, n.Logs()
	})
	ready := time.Since(began)
	last := fmt.Sprintf("/schemas/ids/%d", startupRecords)
	if contexts {
		last = fmt.Sprintf("/contexts/.ctx-%d/schemas/ids/%d", startupContexts-1, startupPerContext)
	}
	code, body := getNoFail(n.URL + last)
	if code != 200 || !strings.Contains(body, fmt.Sprintf(`R%d`, startupRecords-1)) {
		t.Fatalf("last schema not served: %d %.200s", code, body)
	}
	t.Logf("ready after %v with %d schema records; RSS %s", ready.Round(time.Millisecond), startupRecords, procStatus(n.cmd.Process.Pid, "VmRSS"))
}

// writeEmbeddedLog writes n startup records into a new embedded log in dir.
func writeEmbeddedLog(t *testing.T, dir string, n int, record func(int) ([]byte, []byte)) {
	t.Helper()
	log, err := file.New(dir, file.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := log.Open(func(store.Record) {}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i += 1000 {
		batch := make([]store.Record, 0, 1000)
		for j := i; j < min(i+1000, n); j++ {
			k, v := record(j)
			batch = append(batch, store.Record{Key: k, Value: v})
		}
		if err := log.Append(context.Background(), batch); err != nil {
			t.Fatal(err)
		}
	}
	log.Close()
}

func TestStartup100kEmbedded(t *testing.T) {
	needStartup(t)
	dir := t.TempDir()
	writeEmbeddedLog(t, dir, startupRecords, startupRecord)
	measureStartup(t, dir)
}

// TestStartup100kEmbeddedVaried is the same with schemas that compress like
// real ones.
func TestStartup100kEmbeddedVaried(t *testing.T) {
	needStartup(t)
	dir := t.TempDir()
	writeEmbeddedLog(t, dir, startupRecords, variedRecord)
	measureStartup(t, dir)
}

// TestStartup100kContexts is TestStartup100kEmbedded with the schemas in
// 1,000 contexts of 100 subjects, each with its CONTEXT record.
func TestStartup100kContexts(t *testing.T) {
	needStartup(t)
	dir := t.TempDir()
	writeEmbeddedLog(t, dir, startupContexts*(startupPerContext+1), contextRecord)
	measure(t, dir, true)
}

func TestStartup100kKafka(t *testing.T) {
	needStartup(t)
	broker := kafkaBroker(t)
	topic := fmt.Sprintf("_schemas_startup_%d", time.Now().UnixNano())
	cl, err := kgo.NewClient(kgo.SeedBrokers(broker), kgo.DefaultProduceTopic(topic), kgo.ProducerBatchMaxBytes(1<<20))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	compact := "compact"
	if _, err := kadm.NewClient(cl).CreateTopic(context.Background(), 1, 1, map[string]*string{"cleanup.policy": &compact}, topic); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := 0; i < startupRecords; i += 1000 {
		recs := make([]*kgo.Record, 0, 1000)
		for j := i; j < i+1000; j++ {
			k, v := startupRecord(j)
			recs = append(recs, &kgo.Record{Key: k, Value: v})
		}
		if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	measureStartup(t, t.TempDir(),
		"SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS="+broker,
		"SCHEMA_REGISTRY_KAFKASTORE_TOPIC="+topic,
		"SCHEMA_REGISTRY_KAFKASTORE_TOPIC_REPLICATION_FACTOR=1",
		"SCHEMA_REGISTRY_SCHEMA_REGISTRY_GROUP_ID=startup-"+topic,
		"SCHEMA_REGISTRY_HOST_NAME=127.0.0.1")
}
