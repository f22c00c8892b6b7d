// Command sr-proxy-load measures what the validating proxy costs: it
// produces 1 KB records to a broker directly and through a proxy (in this
// process, validating every record against a registry over its REST API,
// also in this process), alternating rounds in one run, and reports
// throughput and produce latency of both and their ratio.
//
// Usage:
//
//	go run ./cmd/sr-proxy-load -broker 127.0.0.1:9092 [-records 100000] [-size 1024]
//	                           [-samples 2000] [-rounds 3] [-partitions 3] [-deep] [-compression none]
//
// Throughput: -records records produced asynchronously by one franz-go
// client (acks=all, idempotent, default batching, the values random bytes,
// batches uncompressed unless -compression), records per second from
// the first produce to the last acknowledgement. Latency: -samples records
// produced one at a time, each awaited; p50 and p99 of the round trip. A
// round measures direct then proxied; the figures are medians over rounds.
package main

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/pprof"
	"slices"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/schemaregistry/registry/api"
	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/avro"
	"github.com/schemaregistry/registry/hook"
	"github.com/schemaregistry/registry/proxy"
	"github.com/schemaregistry/registry/store"
)

const blobSchema = `{"type":"record","name":"Blob","namespace":"load","fields":[{"name":"data","type":"bytes"}]}`

func main() {
	broker := flag.String("broker", "", "the broker's host:port (required)")
	records := flag.Int("records", 100_000, "records per throughput measurement")
	size := flag.Int("size", 1024, "bytes per record value, wire prefix included")
	samples := flag.Int("samples", 2000, "records per latency measurement")
	rounds := flag.Int("rounds", 3, "rounds of direct and proxied measurements")
	partitions := flag.Int("partitions", 3, "partitions of the topic")
	deep := flag.Bool("deep", false, "decode the payloads too (confluent.payload.validation)")
	compression := flag.String("compression", "none", "batch compression: none, gzip, snappy, lz4 or zstd")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run (clients and proxy) to this file")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "sr-proxy-load:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	codec, ok := codecs[*compression]
	if *broker == "" || *size < 16 || !ok {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*broker, *records, *size, *samples, *rounds, int32(*partitions), *deep, codec); err != nil {
		fmt.Fprintln(os.Stderr, "sr-proxy-load:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

var codecs = map[string]kgo.CompressionCodec{"none": kgo.NoCompression(), "gzip": kgo.GzipCompression(),
	"snappy": kgo.SnappyCompression(), "lz4": kgo.Lz4Compression(), "zstd": kgo.ZstdCompression()}

func run(broker string, records, size, samples, rounds int, partitions int32, deep bool, codec kgo.CompressionCodec) error {
	ctx := context.Background()
	topic := fmt.Sprintf("sr-proxy-load-%d", time.Now().UnixNano())
	value, regURL, stopRegistry, err := startRegistry(topic, size)
	if err != nil {
		return err
	}
	defer stopRegistry()
	props := map[string]string{"topic." + topic + "." + hook.ValueValidation: "true"}
	if deep {
		props["topic."+topic+"."+hook.PayloadValidation] = "true"
	}
	topics, err := proxy.ParseTopics(props, nil)
	if err != nil {
		return err
	}
	src := proxy.NewRemoteSource(proxy.RegistryClient{URL: regURL}, []formats.Format{avro.Format{}}, 0, 0, 0)
	p, err := proxy.New(proxy.Config{Listen: "127.0.0.1:0", Upstream: []string{broker}, Topics: func() *proxy.Topics { return topics },
		Validator: hook.NewFrom(src, 0), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	go p.Serve()
	defer p.Close()

	adm, err := kgo.NewClient(kgo.SeedBrokers(broker))
	if err != nil {
		return err
	}
	defer adm.Close()
	if _, err := kadm.NewClient(adm).CreateTopic(ctx, partitions, 1, nil, topic); err != nil {
		return fmt.Errorf("creating %s: %w", topic, err)
	}
	fmt.Printf("topic %s, %d partitions; records of %d bytes; validation on (payload decoding %v)\n", topic, partitions, size, deep)

	var direct, proxied []result
	for r := 0; r < rounds; r++ {
		for _, side := range []struct {
			name, addr string
			into       *[]result
		}{{"direct", broker, &direct}, {"proxy", p.Addr(), &proxied}} {
			res, err := measure(ctx, side.addr, topic, value, records, samples, codec)
			if err != nil {
				return fmt.Errorf("%s: %w", side.name, err)
			}
			fmt.Printf("round %d %-6s %9.0f records/s %7.1f MB/s  p50 %6.3f ms  p99 %6.3f ms\n", r+1, side.name,
				res.perSecond, res.perSecond*float64(size)/1e6, ms(res.p50), ms(res.p99))
			*side.into = append(*side.into, res)
		}
	}
	ratios := make([]float64, len(direct))
	for i := range direct {
		ratios[i] = proxied[i].perSecond / direct[i].perSecond
	}
	slices.Sort(ratios)
	d, pr := median(direct), median(proxied)
	fmt.Printf("median direct  %9.0f records/s  p50 %6.3f ms  p99 %6.3f ms\n", d.perSecond, ms(d.p50), ms(d.p99))
	fmt.Printf("median proxy   %9.0f records/s  p50 %6.3f ms  p99 %6.3f ms\n", pr.perSecond, ms(pr.p50), ms(pr.p99))
	fmt.Printf("throughput ratio proxy/direct %.1f %% (of the medians), %.1f %% (median of the rounds' ratios); added p99 latency %.3f ms\n",
		100*pr.perSecond/d.perSecond, 100*ratios[len(ratios)/2], ms(pr.p99-d.p99))
	return nil
}

type result struct {
	perSecond float64
	p50, p99  time.Duration
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

func median(rs []result) result {
	pick := func(f func(result) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = f(r)
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	return result{
		perSecond: pick(func(r result) float64 { return r.perSecond }),
		p50:       time.Duration(pick(func(r result) float64 { return float64(r.p50) })),
		p99:       time.Duration(pick(func(r result) float64 { return float64(r.p99) })),
	}
}

// measure produces through addr: records asynchronously, then samples one
// at a time.
func measure(ctx context.Context, addr, topic string, value []byte, records, samples int, codec kgo.CompressionCodec) (result, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DefaultProduceTopic(topic), kgo.MaxBufferedRecords(20_000), kgo.ProducerBatchCompression(codec))
	if err != nil {
		return result{}, err
	}
	defer cl.Close()
	// Warm up: connections, metadata, the proxy's schema cache.
	if err := cl.ProduceSync(ctx, &kgo.Record{Value: value}).FirstErr(); err != nil {
		return result{}, err
	}
	var mu sync.Mutex
	var firstErr error
	start := time.Now()
	for i := 0; i < records; i++ {
		cl.Produce(ctx, &kgo.Record{Value: value}, func(_ *kgo.Record, err error) {
			if err != nil {
				mu.Lock()
				firstErr = cmpOr(firstErr, err)
				mu.Unlock()
			}
		})
	}
	if err := cl.Flush(ctx); err != nil {
		return result{}, err
	}
	elapsed := time.Since(start)
	if firstErr != nil {
		return result{}, firstErr
	}
	lat := make([]time.Duration, samples)
	for i := range lat {
		t := time.Now()
		if err := cl.ProduceSync(ctx, &kgo.Record{Value: value}).FirstErr(); err != nil {
			return result{}, err
		}
		lat[i] = time.Since(t)
	}
	slices.Sort(lat)
	return result{perSecond: float64(records) / elapsed.Seconds(), p50: lat[len(lat)/2], p99: lat[len(lat)*99/100]}, nil
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// startRegistry serves an in-memory registry on a free loopback port with
// the Blob schema under <topic>-value, and returns a record value of size
// bytes serialized with it.
func startRegistry(topic string, size int) ([]byte, string, func(), error) {
	reg, err := store.Open(store.NewMemoryLog(), []formats.Format{avro.Format{}}, store.Settings{ModeMutability: true, ValidateNewSchemas: true}, nil)
	if err != nil {
		return nil, "", nil, err
	}
	v, err := reg.Register(context.Background(), topic+"-value", store.SchemaRequest{Schema: blobSchema}, store.RegisterOptions{})
	if err != nil {
		return nil, "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", nil, err
	}
	srv := &http.Server{Handler: api.New(api.Options{Registry: reg, Version: "load", ClusterID: "embedded"})}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(os.Stderr, "registry:", err)
		}
	}()
	// The value: prefix, then the Avro bytes field (a zigzag varint length
	// and the bytes) filling it to size.
	n := size - 5 - len(binary.AppendVarint(nil, int64(size)))
	value := formats.AppendIDPrefix(nil, int32(v.ID))
	value = binary.AppendVarint(value, int64(n))
	// Random bytes: what compression there is does not hide the volume.
	value = append(value, make([]byte, size-len(value))...)
	rand.Read(value[len(value)-n:])
	return value, "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}
