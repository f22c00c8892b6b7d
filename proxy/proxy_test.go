package proxy

import (
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	hamba "github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/avro"
	"github.com/schemaregistry/registry/hook"
	"github.com/schemaregistry/registry/store"
)

const orderSchema = `{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"id","type":"long"}]}`

// env is a kfake cluster of two brokers, an in-process registry holding
// Order under orders-value and a string under payments-value, and a proxy
// validating the values of "orders" in front of the cluster.
type env struct {
	cluster  *kfake.Cluster
	reg      *store.Registry
	proxy    *Proxy
	orderID  int
	otherID  int
	settings map[string]string
}

func newEnv(t *testing.T, props ...string) *env {
	t.Helper()
	return newEnvWith(t, nil, nil, props...)
}

// newEnvWith is newEnv with more options for the cluster and the proxy.
func newEnvWith(t *testing.T, clusterOpts []kfake.Opt, configure func(*Config), props ...string) *env {
	t.Helper()
	c, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(2), kfake.SeedTopics(2, "orders", "free"), kfake.GroupMinSessionTimeout(100 * time.Millisecond)}, clusterOpts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	reg, err := store.Open(store.NewMemoryLog(), []formats.Format{avro.Format{}}, store.Settings{ModeMutability: true, ValidateNewSchemas: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{cluster: c, reg: reg}
	e.orderID = e.register(t, "orders-value", orderSchema)
	e.otherID = e.register(t, "payments-value", `"string"`)
	if len(props) == 0 {
		props = []string{"topic.orders.confluent.value.schema.validation", "true"}
	}
	m := map[string]string{}
	var order []string
	for i := 0; i+1 < len(props); i += 2 {
		m[props[i]] = props[i+1]
		order = append(order, props[i])
	}
	topics, err := ParseTopics(m, order)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{
		Listen:    "127.0.0.1:0",
		Upstream:  c.ListenAddrs(),
		Topics:    func() *Topics { return topics },
		Validator: hook.New(reg, 0),
		Metrics:   NewMetrics(),
		Logger:    slog.New(slog.DiscardHandler),
	}
	if configure != nil {
		configure(&cfg)
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	go p.Serve()
	t.Cleanup(func() { p.Close() })
	e.proxy = p
	return e
}

func (e *env) register(t *testing.T, subject, schema string) int {
	t.Helper()
	v, err := e.reg.Register(context.Background(), subject, store.SchemaRequest{Schema: schema}, store.RegisterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return v.ID
}

// client is a franz-go client through the proxy.
func (e *env) client(t *testing.T, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(e.proxy.Addr()), kgo.RecordRetries(2)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// direct is a franz-go client to the cluster itself.
func (e *env) direct(t *testing.T, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(e.cluster.ListenAddrs()...)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// order serializes an Order as a Confluent serializer does.
func order(t testing.TB, id int, orderID int64) []byte {
	s, err := hamba.Parse(orderSchema)
	if err != nil {
		t.Fatal(err)
	}
	b, err := hamba.Marshal(s, map[string]any{"id": orderID})
	if err != nil {
		t.Fatal(err)
	}
	return append(formats.AppendIDPrefix(nil, int32(id)), b...)
}

// topicValues reads every value of topic straight from the cluster.
func (e *env) topicValues(t *testing.T, topic string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	adm := kadm.NewClient(e.direct(t))
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	want := int64(0)
	ends.Each(func(o kadm.ListedOffset) { want += o.Offset })
	var out []string
	if want == 0 {
		return nil
	}
	cl := e.direct(t, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	for int64(len(out)) < want {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("read %d of %d records of %s", len(out), want, topic)
		}
		fs.EachRecord(func(r *kgo.Record) { out = append(out, string(r.Value)) })
	}
	return out
}

func produce(t *testing.T, cl *kgo.Client, recs ...*kgo.Record) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return cl.ProduceSync(ctx, recs...).FirstErr()
}

func TestMetadataNamesTheProxy(t *testing.T) {
	e := newEnv(t)
	adm := kadm.NewClient(e.client(t))
	ctx := context.Background()
	brokers, err := adm.ListBrokers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(brokers) != 2 {
		t.Fatalf("brokers %v", brokers)
	}
	upstream := map[string]bool{}
	for _, a := range e.cluster.ListenAddrs() {
		upstream[a] = true
	}
	for _, b := range brokers {
		addr := net.JoinHostPort(b.Host, strconv.Itoa(int(b.Port)))
		if b.Host != "127.0.0.1" || upstream[addr] {
			t.Errorf("broker %d is told at %s, not at the proxy", b.NodeID, addr)
		}
	}
	// DescribeCluster and FindCoordinator too.
	req := kmsg.NewPtrDescribeClusterRequest()
	resp, err := req.RequestWith(ctx, e.client(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range resp.Brokers {
		if upstream[net.JoinHostPort(b.Host, strconv.Itoa(int(b.Port)))] {
			t.Errorf("DescribeCluster names broker %d at its own address", b.NodeID)
		}
	}
	fc := kmsg.NewPtrFindCoordinatorRequest()
	fc.CoordinatorKey = "g"
	fc.CoordinatorKeys = []string{"g"}
	fcr, err := fc.RequestWith(ctx, e.client(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, co := range fcr.Coordinators {
		if co.ErrorCode != 0 || upstream[net.JoinHostPort(co.Host, strconv.Itoa(int(co.Port)))] {
			t.Errorf("coordinator %+v", co)
		}
	}
}

func TestPassThroughAndGroups(t *testing.T) {
	e := newEnv(t)
	cl := e.client(t)
	// A topic without validation takes anything.
	if err := produce(t, cl, &kgo.Record{Topic: "free", Value: []byte("plain text")}); err != nil {
		t.Fatal(err)
	}
	// A group consumer through the proxy (coordinator, join, sync, offsets).
	cons := e.client(t, kgo.ConsumerGroup("g1"), kgo.ConsumeTopics("free"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var got []string
	for len(got) == 0 && ctx.Err() == nil {
		cons.PollFetches(ctx).EachRecord(func(r *kgo.Record) { got = append(got, string(r.Value)) })
	}
	if len(got) != 1 || got[0] != "plain text" {
		t.Fatalf("consumed %q", got)
	}
	if err := cons.CommitUncommittedOffsets(ctx); err != nil {
		t.Fatal(err)
	}
	offs, err := kadm.NewClient(e.client(t)).FetchOffsets(ctx, "g1")
	if err != nil {
		t.Fatal(err)
	}
	committed := int64(0)
	offs.Each(func(o kadm.OffsetResponse) { committed += o.At })
	if committed != 1 {
		t.Errorf("committed offsets %v", offs)
	}
}

func TestRefusal(t *testing.T) {
	e := newEnv(t)
	cl := e.client(t)
	good := order(t, e.orderID, 1)
	if err := produce(t, cl, &kgo.Record{Topic: "orders", Value: good}); err != nil {
		t.Fatalf("valid record: %v", err)
	}
	for name, value := range map[string][]byte{
		"no prefix":             []byte("plain text"),
		"unknown id":            order(t, 999, 2),
		"id of another subject": append(formats.AppendIDPrefix(nil, int32(e.otherID)), 2, 'h'),
	} {
		err := produce(t, cl, &kgo.Record{Topic: "orders", Value: value})
		if !errors.Is(err, kerr.InvalidRecord) {
			t.Errorf("%s: %v, want INVALID_RECORD", name, err)
		}
	}
	if got := e.topicValues(t, "orders"); len(got) != 1 || got[0] != string(good) {
		t.Errorf("orders holds %d records %q", len(got), got)
	}
	if got := metricSum(t, e.proxy.cfg.Metrics, "sr_proxy_records_refused_total"); got != 3 {
		t.Errorf("refused counter %v", got)
	}
}

// TestPartialRefusal sends one request for two partitions, one batch valid,
// one not: the valid one is written as it came, the other refused with its
// record's error.
func TestPartialRefusal(t *testing.T) {
	e := newEnv(t)
	goodBatch := batch(t, kgo.CodecNone, order(t, e.orderID, 1), order(t, e.orderID, 2))
	badBatch := batch(t, kgo.CodecNone, order(t, e.orderID, 3), []byte("no prefix"))
	req := kmsg.NewPtrProduceRequest()
	req.Acks = -1
	req.TimeoutMillis = 5000
	t0 := kmsg.NewProduceRequestTopic()
	t0.Topic = "orders"
	for i, b := range [][]byte{goodBatch, badBatch} {
		p := kmsg.NewProduceRequestTopicPartition()
		p.Partition = int32(i)
		p.Records = b
		t0.Partitions = append(t0.Partitions, p)
	}
	req.Topics = append(req.Topics, t0)
	leader := e.cluster.LeaderFor("orders", 0)
	if err := e.cluster.MoveTopicPartition("orders", 1, leader); err != nil {
		t.Fatal(err)
	}
	resp := produceRequest(t, e, req, leader)
	parts := map[int32]kmsg.ProduceResponseTopicPartition{}
	for _, tp := range resp.Topics {
		for _, p := range tp.Partitions {
			parts[p.Partition] = p
		}
	}
	if parts[0].ErrorCode != 0 {
		t.Errorf("valid partition: %+v", parts[0])
	}
	bad := parts[1]
	if bad.ErrorCode != kerr.InvalidRecord.Code || bad.ErrorMessage == nil || len(bad.ErrorRecords) != 1 ||
		bad.ErrorRecords[0].RelativeOffset != 1 || !strings.Contains(*bad.ErrorRecords[0].ErrorMessage, hook.ReasonMalformed) {
		t.Errorf("refused partition: %+v", bad)
	}
	// The valid batch reached the log with its bytes as sent (the CRC
	// covers everything from the attributes on).
	fetched := fetchBatch(t, e, "orders", 0)
	if string(fetched[batchAttributesAt:]) != string(goodBatch[batchAttributesAt:]) {
		t.Error("the forwarded batch's bytes changed")
	}
	if got := e.topicValues(t, "orders"); len(got) != 2 {
		t.Errorf("orders holds %d records, want the 2 of the valid batch", len(got))
	}
}

func TestCompressedBatches(t *testing.T) {
	for _, codec := range []kgo.CompressionCodec{kgo.GzipCompression(), kgo.SnappyCompression(), kgo.Lz4Compression(), kgo.ZstdCompression()} {
		e := newEnv(t)
		cl := e.client(t, kgo.ProducerBatchCompression(codec), kgo.RecordPartitioner(kgo.ManualPartitioner()))
		records := func() []*kgo.Record {
			recs := make([]*kgo.Record, 50)
			for i := range recs {
				recs[i] = &kgo.Record{Topic: "orders", Partition: 0, Value: order(t, e.orderID, int64(i))}
			}
			return recs
		}
		if err := produce(t, cl, records()...); err != nil {
			t.Fatalf("%v: %v", codec, err)
		}
		recs := records()
		recs[10] = &kgo.Record{Topic: "orders", Partition: 0, Value: order(t, 4242, 1)}
		if err := produce(t, cl, recs...); !errors.Is(err, kerr.InvalidRecord) {
			t.Fatalf("%v: a batch with an unknown id: %v", codec, err)
		}
		if got := e.topicValues(t, "orders"); len(got) != 50 {
			t.Errorf("%v: %d records on the topic, want 50", codec, len(got))
		}
	}
}

func TestKeyValidationAndPatterns(t *testing.T) {
	e := newEnv(t,
		"topic.ord*.confluent.key.schema.validation", "true",
		"topic.ord*.confluent.value.schema.validation", "false",
		"topic.free.confluent.value.schema.validation", "false")
	e.register(t, "orders-key", `"string"`)
	cl := e.client(t)
	if err := produce(t, cl, &kgo.Record{Topic: "orders", Value: []byte("x")}); err != nil {
		t.Errorf("a null key is not checked: %v", err)
	}
	if err := produce(t, cl, &kgo.Record{Topic: "orders", Key: []byte("k"), Value: []byte("x")}); !errors.Is(err, kerr.InvalidRecord) {
		t.Errorf("a key without prefix: %v", err)
	}
	if err := produce(t, cl, &kgo.Record{Topic: "free", Key: []byte("k"), Value: []byte("x")}); err != nil {
		t.Errorf("free: %v", err)
	}
}

func TestBadCRCAndAcksZero(t *testing.T) {
	e := newEnv(t)
	b := batch(t, kgo.CodecNone, order(t, e.orderID, 1))
	b[len(b)-1] ^= 0xff
	req := kmsg.NewPtrProduceRequest()
	req.Acks = -1
	req.TimeoutMillis = 5000
	tp := kmsg.NewProduceRequestTopic()
	tp.Topic = "orders"
	p := kmsg.NewProduceRequestTopicPartition()
	p.Records = b
	tp.Partitions = append(tp.Partitions, p)
	req.Topics = append(req.Topics, tp)
	resp := produceRequest(t, e, req, e.cluster.LeaderFor("orders", 0))
	if code := resp.Topics[0].Partitions[0].ErrorCode; code != kerr.CorruptMessage.Code {
		t.Errorf("bad CRC answered %d", code)
	}
	// acks=0: no answer is awaited; a refused batch is dropped and the
	// connection closed, as a broker closes it, so that the client
	// notices; it connects again.
	cl := e.client(t, kgo.RequiredAcks(kgo.NoAck()), kgo.DisableIdempotentWrite())
	if err := produce(t, cl, &kgo.Record{Topic: "orders", Value: []byte("bad")}, &kgo.Record{Topic: "orders", Value: order(t, e.orderID, 5)}); err != nil {
		t.Fatal(err)
	}
	if err := produce(t, e.client(t), &kgo.Record{Topic: "orders", Value: order(t, e.orderID, 6)}); err != nil {
		t.Fatal(err)
	}
	for _, v := range e.topicValues(t, "orders") {
		if v == "bad" {
			t.Error("a refused acks=0 record reached the topic")
		}
	}
}

// TestBadInput sends what no client should: the proxy closes that
// connection only and keeps serving.
func TestBadInput(t *testing.T) {
	e := newEnv(t)
	for name, raw := range map[string][]byte{
		"huge size":      {0x7f, 0xff, 0xff, 0xff},
		"negative size":  {0xff, 0xff, 0xff, 0xff},
		"short header":   {0, 0, 0, 2, 0, 0},
		"half a request": {0, 0, 0, 100, 0, 0, 0, 1},
		"garbage produce": append([]byte{0, 0, 0, 20, 0, 0, 0, 9, 0, 0, 0, 1, 0xff, 0xff},
			0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef, 1, 2),
	} {
		c, err := net.Dial("tcp", e.proxy.Addr())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Write(raw); err != nil {
			t.Fatal(err)
		}
		if name == "half a request" {
			c.Close() // a client closing mid-request
			continue
		}
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if n, err := c.Read(make([]byte, 1)); err == nil || errors.Is(err, context.DeadlineExceeded) || n > 0 {
			t.Errorf("%s: the connection stayed open (%d, %v)", name, n, err)
		}
		c.Close()
	}
	if err := produce(t, e.client(t), &kgo.Record{Topic: "orders", Value: order(t, e.orderID, 1)}); err != nil {
		t.Fatalf("after bad input: %v", err)
	}
}

// produceRequest sends req through the proxy to broker node.
func produceRequest(t *testing.T, e *env, req *kmsg.ProduceRequest, node int32) *kmsg.ProduceResponse {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cl := e.client(t)
	if err := cl.Ping(ctx); err != nil { // learns the brokers
		t.Fatal(err)
	}
	resp, err := cl.Broker(int(node)).Request(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	return resp.(*kmsg.ProduceResponse)
}

// batch builds a v2 record batch of values, compressed with codec.
func batch(t testing.TB, codec kgo.CompressionCodecType, values ...[]byte) []byte {
	var recs []byte
	for i, v := range values {
		var rb []byte
		rb = append(rb, 0)                     // attributes
		rb = binary.AppendVarint(rb, 0)        // timestamp delta
		rb = binary.AppendVarint(rb, int64(i)) // offset delta
		rb = binary.AppendVarint(rb, -1)       // null key
		rb = binary.AppendVarint(rb, int64(len(v)))
		rb = append(rb, v...)
		rb = binary.AppendVarint(rb, 0) // no headers
		recs = binary.AppendVarint(recs, int64(len(rb)))
		recs = append(recs, rb...)
	}
	if codec != kgo.CodecNone {
		t.Fatal("only uncompressed batches are built here")
	}
	b := make([]byte, batchHeaderSize, batchHeaderSize+len(recs))
	binary.BigEndian.PutUint32(b[batchLengthAt:], uint32(batchHeaderSize-12+len(recs)))
	b[batchMagicAt] = 2
	binary.BigEndian.PutUint32(b[23:], uint32(len(values)-1)) // last offset delta
	binary.BigEndian.PutUint64(b[27:], uint64(time.Now().UnixMilli()))
	binary.BigEndian.PutUint64(b[35:], uint64(time.Now().UnixMilli()))
	binary.BigEndian.PutUint64(b[43:], ^uint64(0)) // producer id -1
	binary.BigEndian.PutUint16(b[51:], 0xffff)     // producer epoch -1
	binary.BigEndian.PutUint32(b[53:], 0xffffffff) // base sequence -1
	binary.BigEndian.PutUint32(b[batchCountAt:], uint32(len(values)))
	b = append(b, recs...)
	binary.BigEndian.PutUint32(b[batchCRCAt:], crc32.Checksum(b[batchAttributesAt:], castagnoli))
	return b
}

// fetchBatch reads the first batch of a partition straight from the cluster.
func fetchBatch(t *testing.T, e *env, topic string, partition int32) []byte {
	t.Helper()
	req := kmsg.NewPtrFetchRequest()
	req.MaxWaitMillis = 100
	req.MaxBytes = 1 << 20
	ft := kmsg.NewFetchRequestTopic()
	ft.Topic = topic
	details, err := kadm.NewClient(e.direct(t)).ListTopics(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	ft.TopicID = details[topic].ID
	fp := kmsg.NewFetchRequestTopicPartition()
	fp.Partition = partition
	fp.PartitionMaxBytes = 1 << 20
	ft.Partitions = append(ft.Partitions, fp)
	req.Topics = append(req.Topics, ft)
	leader := e.cluster.LeaderFor(topic, partition)
	cl := e.direct(t)
	resp, err := cl.Broker(int(leader)).Request(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	fr := resp.(*kmsg.FetchResponse)
	if len(fr.Topics) != 1 || len(fr.Topics[0].Partitions) != 1 {
		t.Fatalf("fetch answer %+v", fr)
	}
	if fp := fr.Topics[0].Partitions[0]; len(fp.RecordBatches) < batchHeaderSize {
		t.Fatalf("fetched %+v", fp)
	}
	return fr.Topics[0].Partitions[0].RecordBatches
}

// metricSum adds up the series of a metric.
func metricSum(t *testing.T, m *Metrics, name string) float64 {
	t.Helper()
	mfs, err := m.registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, mf := range mfs {
		if mf.GetName() == name {
			for _, s := range mf.GetMetric() {
				sum += s.GetCounter().GetValue()
			}
		}
	}
	return sum
}

// TestAPIVersionsCapped: clients are offered only the versions the proxy
// reads (Produce by topic name, Fetch without leader addresses).
func TestAPIVersionsCapped(t *testing.T) {
	e := newEnv(t)
	resp, err := kmsg.NewPtrApiVersionsRequest().RequestWith(context.Background(), e.client(t))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int16]int16{}
	for _, k := range resp.ApiKeys {
		seen[k.ApiKey] = k.MaxVersion
	}
	if seen[0] == 0 || seen[0] > 12 || seen[1] == 0 || seen[1] > 15 {
		t.Errorf("Produce up to v%d, Fetch up to v%d", seen[0], seen[1])
	}
	if _, ok := seen[78]; ok {
		t.Error("ShareFetch is offered")
	}
}

// BenchmarkCheck validates a batch of 16 records of 1 KB (an id already
// cached), as a produce request of a validated topic is.
func BenchmarkCheck(b *testing.B) {
	reg, err := store.Open(store.NewMemoryLog(), []formats.Format{avro.Format{}}, store.Settings{}, nil)
	if err != nil {
		b.Fatal(err)
	}
	v, err := reg.Register(context.Background(), "orders-value", store.SchemaRequest{Schema: `{"type":"record","name":"Blob","fields":[{"name":"data","type":"bytes"}]}`}, store.RegisterOptions{})
	if err != nil {
		b.Fatal(err)
	}
	value := formats.AppendIDPrefix(nil, int32(v.ID))
	value = binary.AppendVarint(value, 1017)
	value = append(value, make([]byte, 1017)...)
	values := make([][]byte, 16)
	for i := range values {
		values[i] = value
	}
	records := batch(b, kgo.CodecNone, values...)
	p := &Proxy{cfg: Config{Validator: hook.New(reg, 0)}}
	s := hook.Settings{Value: hook.Side{Validate: true}}
	b.SetBytes(int64(len(records)))
	b.ReportAllocs()
	for b.Loop() {
		if r := p.check("orders", records, s, &readBudget{bytes: maxRecordsBytes, records: maxRequestRecords}); r != nil {
			b.Fatal(r.message)
		}
	}
}

// A request's batches share one bound on the records (and decompressed
// bytes) the proxy reads: past it, the batch is refused as corrupt
// instead of held.
func TestReadBudget(t *testing.T) {
	values := make([][]byte, 10)
	for i := range values {
		values[i] = []byte("v")
	}
	b := batch(t, kgo.CodecNone, values...)
	budget := &readBudget{bytes: maxRecordsBytes, records: 15}
	if _, err := readRecords(b, budget); err != nil {
		t.Fatal(err)
	}
	if _, err := readRecords(b, budget); err == nil || !strings.Contains(err.Error(), "exceed") {
		t.Fatalf("the second batch past the budget: %v", err)
	}
}
