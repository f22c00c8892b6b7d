package kafka

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/schemaregistry/registry/internal/testwait"
	"github.com/schemaregistry/registry/store"
)

func cluster(t *testing.T) *kfake.Cluster {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// collector gathers applied records.
type collector struct {
	mu   sync.Mutex
	recs []store.Record
}

func (c *collector) apply(r store.Record) {
	c.mu.Lock()
	c.recs = append(c.recs, r)
	c.mu.Unlock()
}

func (c *collector) keys() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, r := range c.recs {
		out = append(out, string(r.Key))
	}
	return out
}

func open(t *testing.T, c *kfake.Cluster, col *collector) *Log {
	t.Helper()
	l, err := New(Config{Brokers: c.ListenAddrs(), Timeout: 5 * time.Second, InitTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Open(col.apply); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func TestAppendAndReplay(t *testing.T) {
	c := cluster(t)
	var first collector
	l := open(t, c, &first)
	recs := []store.Record{
		{Key: []byte(`{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}`), Value: []byte(`{"subject":"s","version":1,"id":1,"schemaType":"AVRO","schema":"\"int\"","deleted":false}`)},
		{Key: []byte(`{"keytype":"CONFIG","magic":0}`), Value: []byte(`{"compatibilityLevel":"NONE"}`)},
		{Key: []byte(`{"keytype":"MODE","subject":"s","magic":0}`)},
	}
	if err := l.Append(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	// Read-your-writes: applied when Append returns.
	if got := first.keys(); len(got) != 3 || got[2] != string(recs[2].Key) {
		t.Fatalf("applied %q", got)
	}
	if err := l.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Another node replays the same records, tombstone included, then the NOOP.
	var second collector
	open(t, c, &second)
	second.mu.Lock()
	defer second.mu.Unlock()
	if len(second.recs) != 4 || second.recs[2].Value != nil || string(second.recs[3].Key) != `{"keytype":"NOOP","magic":0}` {
		t.Fatalf("replayed %d records: %+v", len(second.recs), second.recs)
	}
	if second.recs[0].Offset != 0 || second.recs[0].Timestamp == 0 || string(second.recs[1].Value) != `{"compatibilityLevel":"NONE"}` {
		t.Errorf("replayed record: %+v", second.recs[0])
	}
}

// A write by one node reaches every other node's reader.
func TestRecordsReachEveryNode(t *testing.T) {
	c := cluster(t)
	var a, b collector
	la := open(t, c, &a)
	open(t, c, &b)
	if err := la.Append(context.Background(), []store.Record{{Key: []byte(`{"keytype":"NOOP","magic":0}`)}}); err != nil {
		t.Fatal(err)
	}
	testwait.Until(t, 10*time.Second, "the second node to read the record", func() bool { return len(b.keys()) > 0 })
	if len(b.keys()) != 1 {
		t.Fatalf("the second node read %d records, want 1", len(b.keys()))
	}
}

func TestTopicCreatedCompacted(t *testing.T) {
	c := cluster(t)
	open(t, c, &collector{})
	cl, _ := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	defer cl.Close()
	adm := kadm.NewClient(cl)
	td, err := adm.ListTopics(context.Background(), "_schemas")
	if err != nil || len(td["_schemas"].Partitions) != 1 {
		t.Fatalf("topic: %+v %v", td, err)
	}
	rcs, err := adm.DescribeTopicConfigs(context.Background(), "_schemas")
	if err != nil {
		t.Fatal(err)
	}
	rc, _ := rcs.On("_schemas", nil)
	for _, cfg := range rc.Configs {
		if cfg.Key == "cleanup.policy" && cfg.MaybeValue() != "compact" {
			t.Errorf("cleanup.policy = %s", cfg.MaybeValue())
		}
	}
}

func TestUnfitTopicsAreRefused(t *testing.T) {
	for _, tc := range []struct {
		name       string
		partitions int32
		configs    map[string]*string
		want       string
	}{
		{"two partitions", 2, map[string]*string{"cleanup.policy": ptr("compact")}, "has 2 partitions; it must have exactly 1"},
		{"not compacted", 1, map[string]*string{"cleanup.policy": ptr("delete")}, `cleanup.policy="delete"; it must be "compact"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := cluster(t)
			cl, _ := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
			defer cl.Close()
			if _, err := kadm.NewClient(cl).CreateTopic(context.Background(), tc.partitions, 1, tc.configs, "_schemas"); err != nil {
				t.Fatal(err)
			}
			l, err := New(Config{Brokers: c.ListenAddrs(), InitTimeout: 10 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			err = l.Open(func(store.Record) {})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Open: %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func ptr(s string) *string { return &s }

func openFenced(t *testing.T, c *kfake.Cluster, col *collector) *Log {
	t.Helper()
	l, err := New(Config{Brokers: c.ListenAddrs(), Timeout: 5 * time.Second, InitTimeout: 10 * time.Second,
		TransactionalID: "schema-registry-test", TransactionTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Open(col.apply); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func rec(key string) store.Record {
	return store.Record{Key: []byte(`{"keytype":"` + key + `","magic":0}`), Value: []byte(`{}`)}
}

// TestFencing: two nodes share the transactional id. Once the second has
// synced (a new primary's first step), the first one's producer is fenced:
// its write in flight (a transaction it had not committed) never reaches a
// reader, and its next write fails without landing. Every record the
// readers apply was committed; the markers are read past, so a log ending
// with one replays to its end.
func TestFencing(t *testing.T) {
	c := cluster(t)
	colA, colB := &collector{}, &collector{}
	a, b := openFenced(t, c, colA), openFenced(t, c, colB)
	ctx := context.Background()
	if err := a.Append(ctx, []store.Record{rec("A1")}); err != nil {
		t.Fatal(err)
	}
	// A's next write is stuck after its produce: a transaction left open.
	p, err := a.termProducer()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	if err := p.ProduceSync(ctx, &kgo.Record{Topic: "_schemas", Partition: 0, Key: []byte("zombie")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	// B becomes primary: Sync fences A.
	if err := b.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if err := b.Append(ctx, []store.Record{rec("B1")}); err != nil {
		t.Fatal(err)
	}
	if err := p.EndTransaction(ctx, kgo.TryCommit); err == nil {
		t.Fatal("the fenced producer committed its transaction")
	}
	a.dropProducer(p)
	// A's producer is gone; a write through A now starts a producer that
	// would fence B: the store only writes through A after A synced, as
	// primary. What matters here: the zombie record is not read.
	third := openFenced(t, c, &collector{})
	if err := third.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	// Data records only: NOOPs (syncs, and the transaction markers the
	// reader applies as NOOPs) aside.
	data := func(col *collector) []string {
		var out []string
		for _, k := range col.keys() {
			if k != `{"keytype":"NOOP","magic":0}` {
				out = append(out, k)
			}
		}
		return out
	}
	for _, col := range []*collector{colA, colB} {
		testwait.Until(t, 10*time.Second, "the readers apply the committed records", func() bool { return len(data(col)) >= 2 && len(col.keys()) >= 6 })
		if got := data(col); len(got) != 2 || got[0] != `{"keytype":"A1","magic":0}` || got[1] != `{"keytype":"B1","magic":0}` {
			t.Fatalf("applied %q", col.keys())
		}
	}
	// A new node replays the whole log, markers included, to its end.
	late := &collector{}
	openFenced(t, c, late)
	if got := data(late); len(got) != 2 || strings.Contains(strings.Join(late.keys(), " "), "zombie") {
		t.Fatalf("replayed %q", late.keys())
	}
}

// TestFencingPerTopic: the logs of one node (the schemas' and the DEK
// registry's) configured with the same transactional id do not fence each
// other: each topic gets an id of its own.
func TestFencingPerTopic(t *testing.T) {
	c := cluster(t)
	logs := make([]*Log, 2)
	for i, topic := range []string{"_schemas", "_dek_registry_keys"} {
		l, err := New(Config{Brokers: c.ListenAddrs(), Topic: topic, Timeout: 5 * time.Second, InitTimeout: 10 * time.Second,
			TransactionalID: "schema-registry-test"})
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Open((&collector{}).apply); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		logs[i] = l
	}
	ctx := context.Background()
	for round := range 3 {
		for i, l := range logs {
			if round == 0 {
				if err := l.Sync(ctx); err != nil {
					t.Fatalf("sync of log %d: %v", i, err)
				}
			}
			if err := l.Append(ctx, []store.Record{rec(fmt.Sprintf("R%d_%d", round, i))}); err != nil {
				t.Fatalf("round %d, log %d: %v", round, i, err)
			}
		}
	}
}

// TestOpenWithoutFencingAfterFencedWrites: a log written with fencing on
// (ending with a transaction marker) opens with fencing off.
func TestOpenWithoutFencingAfterFencedWrites(t *testing.T) {
	c := cluster(t)
	l := openFenced(t, c, &collector{})
	if err := l.Append(context.Background(), []store.Record{rec("A1")}); err != nil {
		t.Fatal(err)
	}
	col := &collector{}
	open(t, c, col)
	if got := col.keys(); len(got) == 0 || got[0] != `{"keytype":"A1","magic":0}` {
		t.Fatalf("replayed %q", got)
	}
}

// TestNoWriteAfterClose: a write reaching a closed log (a registration
// the store's pipeline still held at shutdown) fails without starting a
// producer: nothing lands on the topic after Close.
func TestNoWriteAfterClose(t *testing.T) {
	c := cluster(t)
	a := openFenced(t, c, &collector{})
	ctx := context.Background()
	if err := a.Append(ctx, []store.Record{rec("A1")}); err != nil {
		t.Fatal(err)
	}
	a.Close()
	if _, err := a.Write(ctx, []store.Record{rec("late")}); err == nil {
		t.Fatal("a write after Close succeeded")
	}
	var col collector
	b := openFenced(t, c, &col)
	if err := b.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	for _, k := range col.keys() {
		if k == "late" {
			t.Fatalf("a record written after Close landed: %q", col.keys())
		}
	}
}
