package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/schemaregistry/registry/store"
)

// Config configures the Log. Zero values take Confluent's defaults.
type Config struct {
	Brokers           []string
	Topic             string // kafkastore.topic: _schemas
	ReplicationFactor int    // kafkastore.topic.replication.factor: 3, capped by the broker count
	TopicConfigs      map[string]string
	SkipValidation    bool          // kafkastore.topic.skip.validation
	Timeout           time.Duration // kafkastore.timeout.ms: 500ms per write (produce and read back)
	InitTimeout       time.Duration // kafkastore.init.timeout.ms: 60s for topic checks and the first catch-up
	ClientOpts        []kgo.Opt     // TLS, SASL, client id
	Logger            *slog.Logger
	// TransactionalID, when set, fences a deposed primary at the broker:
	// every write is a transaction of a producer with this id, shared by
	// the registry group, and each primary's first write (and the first
	// after a failed one) starts a new producer, whose initialization
	// bumps the id's epoch, so that the broker refuses anything an older
	// producer still sends. The reader then reads committed records only.
	TransactionalID string
	// TransactionTimeout bounds a transaction left open by a producer that
	// died (the broker aborts it then); 10s when zero.
	TransactionTimeout time.Duration
}

func (c *Config) defaults() {
	if c.Topic == "" {
		c.Topic = "_schemas"
	}
	if c.ReplicationFactor <= 0 {
		c.ReplicationFactor = 3
	}
	if c.Timeout <= 0 {
		c.Timeout = 500 * time.Millisecond
	}
	if c.InitTimeout <= 0 {
		c.InitTimeout = 60 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.TransactionTimeout <= 0 {
		c.TransactionTimeout = 10 * time.Second
	}
	if c.TransactionalID != "" {
		// One id per topic: the logs of one node (schemas, DEKs) must not
		// fence each other.
		c.TransactionalID += "-" + c.Topic
	}
}

// Log is the store.Log on a Kafka topic: a reader on every node applies
// each record of partition 0 in order; Append produces with acks=all and
// idempotence, then waits until the reader has applied what it wrote.
type Log struct {
	cfg    Config
	client *kgo.Client // producer, admin and group requests
	reader *kgo.Client // consumes partition 0 from the start
	admin  *kadm.Client

	mu      sync.Mutex
	changed chan struct{} // closed and replaced whenever applied moves
	applied int64         // offset of the last record applied, -1 before any
	readErr error

	clusterID string
	cancel    context.CancelFunc
	done      chan struct{}

	// producer is the transactional producer of this node's current
	// term as primary (TransactionalID set), nil before its first write
	// and after a failed one. Append and Sync run one at a time (the
	// store's write lock); producerMu guards it against Close.
	producerMu sync.Mutex
	producer   *kgo.Client
	closed     bool // set by Close: no producer is started after it
	// txnEnd is the offset of the last transaction's commit marker: the
	// next transaction waits until the reader applied it. Begun before
	// the coordinator has finished the previous one, it would be held by
	// the broker (CONCURRENT_TRANSACTIONS, retried by the broker after
	// add.partitions.to.txn.retry.backoff.ms, 20 ms by default): a
	// group's write took 22 ms instead of 1.5 ms.
	txnEnd atomic.Int64
}

var (
	_ store.Log    = (*Log)(nil)
	_ store.Writer = (*Log)(nil)
)

// New connects to the brokers. Nothing is read before Open.
func New(cfg Config) (*Log, error) {
	cfg.defaults()
	if len(cfg.Brokers) == 0 {
		return nil, errors.New("kafkastore.bootstrap.servers is empty")
	}
	opts := append([]kgo.Opt{
		kgo.SeedBrokers(cfg.Brokers...),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerLinger(0),
		kgo.DefaultProduceTopic(cfg.Topic),
		// Admin answers come from a metadata cache; keep it short so a topic
		// created just now is seen at once.
		kgo.MetadataMinAge(100 * time.Millisecond),
	}, cfg.ClientOpts...)
	client, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, err
	}
	return &Log{cfg: cfg, client: client, admin: kadm.NewClient(client), applied: -1, changed: make(chan struct{})}, nil
}

// Client is the connection shared with the elector.
func (l *Log) Client() *kgo.Client { return l.client }

// ClusterID is the Kafka cluster id, known after Open.
func (l *Log) ClusterID() string { return l.clusterID }

// Open checks (or creates) the topic, starts the reader and returns once it
// has applied every record present when Open began.
func (l *Log) Open(apply func(store.Record)) error {
	ctx, cancel := context.WithTimeout(context.Background(), l.cfg.InitTimeout)
	defer cancel()
	if meta, err := l.admin.BrokerMetadata(ctx); err == nil {
		l.clusterID = meta.Cluster
	} else {
		return fmt.Errorf("reaching the Kafka cluster at %v: %w", l.cfg.Brokers, err)
	}
	created := false
	if !l.cfg.SkipValidation {
		var err error
		if created, err = l.ensureTopic(ctx); err != nil {
			return err
		}
	}
	var end kadm.ListedOffset // a topic created just now is empty
	if !created {
		// The last stable offset: not past a transaction still open.
		ends, err := l.admin.ListCommittedOffsets(ctx, l.cfg.Topic)
		if err != nil {
			return fmt.Errorf("reading the end offset of %s: %w", l.cfg.Topic, err)
		}
		var ok bool
		if end, ok = ends.Lookup(l.cfg.Topic, 0); !ok || end.Err != nil {
			return fmt.Errorf("reading the end offset of %s: %v", l.cfg.Topic, end.Err)
		}
	}
	readerOpts := []kgo.Opt{
		kgo.SeedBrokers(l.cfg.Brokers...),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{l.cfg.Topic: {0: kgo.NewOffset().AtStart()}}),
		kgo.FetchMaxWait(100 * time.Millisecond),
		// 8 MiB a fetch instead of franz-go's 1 MiB: a 2.7 GB topic of
		// a million schemas was ready in 9.7-10.8 s instead of
		// 10.5-11.5 s (16 MiB: 10.4 s, and a higher peak).
		kgo.FetchMaxPartitionBytes(8 << 20),
	}
	// Committed records only, fencing or not (a log may hold the aborted
	// transactions of fenced producers, written while fencing was on); the
	// transaction markers are kept, for their offsets: the end of the log
	// may be one.
	readerOpts = append(readerOpts, kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.KeepControlRecords())
	reader, err := kgo.NewClient(append(readerOpts, l.cfg.ClientOpts...)...)
	if err != nil {
		return err
	}
	l.reader = reader
	rctx, rcancel := context.WithCancel(context.Background())
	l.cancel, l.done = rcancel, make(chan struct{})
	go l.read(rctx, apply)

	target := end.Offset - 1
	l.cfg.Logger.Info("replaying the schema log", "topic", l.cfg.Topic, "records", end.Offset)
	progress := time.NewTicker(2 * time.Second)
	defer progress.Stop()
	start := time.Now()
	for {
		applied, ch, rerr := l.state()
		if rerr != nil {
			return rerr
		}
		if applied >= target {
			l.cfg.Logger.Info("schema log replayed", "topic", l.cfg.Topic, "offset", applied, "elapsed", time.Since(start).Round(time.Millisecond))
			return nil
		}
		select {
		case <-ch:
		case <-progress.C:
			done := applied + 1
			rate := float64(done) / time.Since(start).Seconds()
			l.cfg.Logger.Info("replaying the schema log", "offset", applied, "target", target,
				"percent", fmt.Sprintf("%.1f", 100*float64(done)/float64(target+1)), "records_per_second", int(rate))
		case <-ctx.Done():
			return fmt.Errorf("the reader of %s did not reach offset %d within kafkastore.init.timeout.ms (%v): reached %d",
				l.cfg.Topic, target, l.cfg.InitTimeout, applied)
		}
	}
}

func (l *Log) state() (int64, chan struct{}, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.applied, l.changed, l.readErr
}

// read applies every record of partition 0, in order, until ctx ends. Fetch
// errors are logged and retried: the reader never dies.
func (l *Log) read(ctx context.Context, apply func(store.Record)) {
	defer close(l.done)
	for {
		fetches := l.reader.PollFetches(ctx)
		if ctx.Err() != nil {
			return
		}
		fetches.EachError(func(topic string, p int32, err error) {
			l.cfg.Logger.Warn("reading the schema log", "topic", topic, "partition", p, "err", err)
		})
		var last int64 = -1
		fetches.EachRecord(func(r *kgo.Record) {
			if r.Partition != 0 {
				return
			}
			if r.Attrs.IsControl() {
				// A transaction marker: applied as a NOOP, so that the
				// store's position (and the lag metric) counts it.
				apply(store.Record{Key: noopKey, Offset: r.Offset, Timestamp: r.Timestamp.UnixMilli()})
				last = r.Offset
				return
			}
			apply(store.Record{Key: r.Key, Value: r.Value, Offset: r.Offset, Timestamp: r.Timestamp.UnixMilli()})
			last = r.Offset
		})
		if last >= 0 {
			l.mu.Lock()
			l.applied = last
			close(l.changed)
			l.changed = make(chan struct{})
			l.mu.Unlock()
		}
	}
}

// waitApplied waits until the reader has applied offset.
func (l *Log) waitApplied(ctx context.Context, offset int64) error {
	for {
		applied, ch, _ := l.state()
		if applied >= offset {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Append produces the records in order and waits until the reader applied
// them, within kafkastore.timeout.ms unless ctx ends first. On a timeout
// the records may still land later: the store then syncs before its next
// write, so a retry finds them instead of writing them again.
func (l *Log) Append(ctx context.Context, recs []store.Record) error {
	applied, err := l.Write(ctx, recs)
	if err != nil {
		return err
	}
	return applied()
}

// Write is Append without the wait for the reader: it returns once the
// records are written (the transaction committed), and applied waits until
// the reader applied them, within the same kafkastore.timeout.ms. The
// store's pipeline writes the next group of registrations meanwhile: the
// writes are still one at a time, in order.
func (l *Log) Write(ctx context.Context, recs []store.Record) (applied func() error, err error) {
	ctx, cancel := context.WithTimeout(ctx, l.cfg.Timeout)
	krs := make([]*kgo.Record, len(recs))
	for i, r := range recs {
		krs[i] = &kgo.Record{Topic: l.cfg.Topic, Partition: 0, Key: r.Key, Value: r.Value}
	}
	res, err := l.produce(ctx, krs)
	if err != nil {
		cancel()
		if errors.Is(err, kerr.MessageTooLarge) || errors.Is(err, kerr.RecordListTooLarge) {
			return nil, fmt.Errorf("%w: %v", store.ErrRecordTooLarge, err)
		}
		return nil, err
	}
	var last int64 = -1
	for _, r := range res {
		last = max(last, r.Record.Offset)
	}
	return func() error {
		defer cancel()
		return l.waitApplied(ctx, last)
	}, nil
}

// produce writes records: in one transaction of the term's producer when
// fencing, else with the idempotent producer. A failed transaction drops
// its producer: the next write starts another, which fences it.
func (l *Log) produce(ctx context.Context, krs []*kgo.Record) (kgo.ProduceResults, error) {
	if l.cfg.TransactionalID == "" {
		// The produce itself is not cancelled (an idempotent batch in
		// flight cannot be recalled); the answer to the caller is.
		done := make(chan kgo.ProduceResults, 1)
		go func() { done <- l.client.ProduceSync(context.Background(), krs...) }()
		select {
		case res := <-done:
			return res, res.FirstErr()
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	p, err := l.termProducer()
	if err != nil {
		return nil, err
	}
	// franz-go waits for a broker that does not answer (the producer id,
	// the coordinator) beyond any context: the transaction runs aside, and
	// a caller whose time is up leaves it, dropping its producer.
	type outcome struct {
		res kgo.ProduceResults
		err error
	}
	if end := l.txnEnd.Load(); end > 0 {
		// Past the marker, the transaction is complete but for the
		// coordinator's last record; a wait cut short by ctx costs
		// time only.
		_ = l.waitApplied(ctx, end)
	}
	done := make(chan outcome, 1)
	go func() {
		if err := p.BeginTransaction(); err != nil {
			done <- outcome{nil, err}
			return
		}
		res := p.ProduceSync(ctx, krs...)
		if err := res.FirstErr(); err != nil {
			done <- outcome{nil, err}
			return
		}
		if err := p.EndTransaction(ctx, kgo.TryCommit); err != nil {
			done <- outcome{nil, fmt.Errorf("committing the write: %w", err)}
			return
		}
		done <- outcome{res, nil}
	}()
	select {
	case o := <-done:
		if o.err != nil {
			l.dropProducer(p)
			return nil, o.err
		}
		var last int64 = -1
		for _, r := range o.res {
			last = max(last, r.Record.Offset)
		}
		l.txnEnd.Store(last + 1)          // the marker follows the records
		if err := ctx.Err(); err != nil { // committed, but late
			return nil, err
		}
		return o.res, nil
	case <-ctx.Done():
		l.dropProducer(p)
		return nil, ctx.Err()
	}
}

// termProducer returns the transactional producer of this term, starting
// one if there is none.
func (l *Log) termProducer() (*kgo.Client, error) {
	l.producerMu.Lock()
	defer l.producerMu.Unlock()
	if l.closed {
		return nil, errClosed
	}
	if l.producer != nil {
		return l.producer, nil
	}
	p, err := kgo.NewClient(append([]kgo.Opt{
		kgo.SeedBrokers(l.cfg.Brokers...),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerLinger(0),
		kgo.DefaultProduceTopic(l.cfg.Topic),
		kgo.TransactionalID(l.cfg.TransactionalID),
		kgo.TransactionTimeout(l.cfg.TransactionTimeout),
	}, l.cfg.ClientOpts...)...)
	if err != nil {
		return nil, err
	}
	l.producer = p
	return p, nil
}

// dropProducer forgets a producer after a failure and closes it in the
// background (its buffered records fail; whatever it sent is fenced by the
// next producer's initialization).
func (l *Log) dropProducer(p *kgo.Client) {
	l.producerMu.Lock()
	if l.producer == p {
		l.producer = nil
	}
	l.producerMu.Unlock()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		p.AbortBufferedRecords(ctx)
		p.Close()
	}()
}

var errClosed = errors.New("store/kafka: the log is closed")

var noopKey = []byte(`{"keytype":"NOOP","magic":0}`)

// Sync produces a NOOP record and waits until the reader applied it: after
// it, the state holds every record written before, by any node. With
// fencing, it starts a new producer first: its initialization fences every
// older producer of the registry group, this node's included.
func (l *Log) Sync(ctx context.Context) error {
	noop := &kgo.Record{Topic: l.cfg.Topic, Partition: 0, Key: noopKey}
	ctx, cancel := context.WithTimeout(ctx, l.cfg.InitTimeout)
	defer cancel()
	if l.cfg.TransactionalID != "" {
		l.producerMu.Lock()
		old := l.producer
		l.producerMu.Unlock()
		if old != nil {
			l.dropProducer(old)
		}
	}
	res, err := l.produce(ctx, []*kgo.Record{noop})
	if err != nil {
		return fmt.Errorf("writing a NOOP record to %s: %w", l.cfg.Topic, err)
	}
	return l.waitApplied(ctx, res[0].Record.Offset)
}

// Close stops the reader and the clients.
func (l *Log) Close() error {
	if l.cancel != nil {
		l.cancel()
		<-l.done
		l.reader.Close()
		l.cancel = nil
	}
	l.producerMu.Lock()
	l.closed = true
	if l.producer != nil {
		l.producer.Close()
		l.producer = nil
	}
	l.producerMu.Unlock()
	l.client.Close()
	return nil
}

// ensureTopic creates the topic when missing (one partition, compacted, the
// replication factor capped by the broker count) and refuses one that is not
// fit: several partitions, or no compaction.
func (l *Log) ensureTopic(ctx context.Context) (created bool, err error) {
	topic := l.cfg.Topic
	details, err := l.admin.ListTopics(ctx, topic)
	if err != nil {
		return false, fmt.Errorf("describing topic %s: %w", topic, err)
	}
	td, exists := details[topic]
	if exists && errors.Is(td.Err, kerr.UnknownTopicOrPartition) {
		exists = false
	}
	if !exists {
		brokers, err := l.admin.ListBrokers(ctx)
		if err != nil {
			return false, fmt.Errorf("listing brokers: %w", err)
		}
		rf := l.cfg.ReplicationFactor
		if len(brokers) < rf {
			l.cfg.Logger.Warn("creating the schema topic with fewer replicas than kafkastore.topic.replication.factor asks: not enough brokers",
				"topic", topic, "wanted", rf, "brokers", len(brokers))
			rf = len(brokers)
		}
		configs := map[string]*string{}
		for k, v := range l.cfg.TopicConfigs {
			configs[k] = &v
		}
		compact := "compact"
		configs["cleanup.policy"] = &compact
		resp, err := l.admin.CreateTopic(ctx, 1, int16(rf), configs, topic)
		if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
			return false, fmt.Errorf("creating topic %s: %w", topic, err)
		}
		if resp.Err != nil && !errors.Is(resp.Err, kerr.TopicAlreadyExists) {
			return false, fmt.Errorf("creating topic %s: %w", topic, resp.Err)
		}
		l.cfg.Logger.Info("created the schema topic", "topic", topic, "partitions", 1, "replication_factor", rf)
		return true, l.waitTopic(ctx)
	}
	if td.Err != nil {
		return false, fmt.Errorf("describing topic %s: %w", topic, td.Err)
	}
	if n := len(td.Partitions); n != 1 {
		return false, fmt.Errorf("the schema topic %s has %d partitions; it must have exactly 1 (its order is the registry's history): point kafkastore.topic at a topic with one partition", topic, n)
	}
	if rf := len(td.Partitions[0].Replicas); rf < l.cfg.ReplicationFactor {
		l.cfg.Logger.Warn("the schema topic has fewer replicas than kafkastore.topic.replication.factor", "topic", topic, "replicas", rf, "wanted", l.cfg.ReplicationFactor)
	}
	rcs, err := l.admin.DescribeTopicConfigs(ctx, topic)
	if err != nil {
		return false, fmt.Errorf("describing the configs of %s: %w", topic, err)
	}
	rc, err := rcs.On(topic, nil)
	if err != nil {
		return false, fmt.Errorf("describing the configs of %s: %w", topic, err)
	}
	policy := ""
	for _, c := range rc.Configs {
		if c.Key == "cleanup.policy" {
			policy = c.MaybeValue()
		}
	}
	if policy != "compact" {
		return false, fmt.Errorf("the schema topic %s has cleanup.policy=%q; it must be \"compact\" or schemas would be deleted: run kafka-configs --alter --entity-type topics --entity-name %s --add-config cleanup.policy=compact", topic, policy, topic)
	}
	return false, nil
}

// waitTopic waits until a new topic's partition has a leader, asking for
// fresh metadata (the client's cache still says the topic is missing).
func (l *Log) waitTopic(ctx context.Context) error {
	for {
		td, err := l.admin.ListTopics(ctx, l.cfg.Topic)
		if err == nil {
			if d, ok := td[l.cfg.Topic]; ok && d.Err == nil && len(d.Partitions) == 1 && d.Partitions[0].Leader >= 0 {
				l.client.ForceMetadataRefresh()
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("topic %s created but not ready: %w", l.cfg.Topic, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}
