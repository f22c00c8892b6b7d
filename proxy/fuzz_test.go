package proxy

import (
	"encoding/binary"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/avro"
	"github.com/schemaregistry/registry/hook"
	"github.com/schemaregistry/registry/store"
)

// FuzzRequests feeds a connection arbitrary bytes: it must end (the
// client's bytes ended) without a panic, whatever they hold.
func FuzzRequests(f *testing.F) {
	reg, err := store.Open(store.NewMemoryLog(), []formats.Format{avro.Format{}}, store.Settings{}, nil)
	if err != nil {
		f.Fatal(err)
	}
	topics, err := ParseTopics(map[string]string{"topic.orders.confluent.value.schema.validation": "true"}, nil)
	if err != nil {
		f.Fatal(err)
	}
	p, err := New(Config{Listen: "127.0.0.1:0", Upstream: []string{"127.0.0.1:1"}, Topics: func() *Topics { return topics },
		Validator: hook.New(reg, 0), MaxRequestBytes: 1 << 20, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		f.Fatal(err)
	}
	defer p.Close()
	formatter := kmsg.NewRequestFormatter(kmsg.FormatterClientID("fuzz"))
	frame := func(r kmsg.Request) []byte { return formatter.AppendRequest(nil, r, 7) }
	prod := kmsg.NewPtrProduceRequest()
	prod.Version = 9
	tp := kmsg.NewProduceRequestTopic()
	tp.Topic = "orders"
	pp := kmsg.NewProduceRequestTopicPartition()
	pp.Records = batch(f, 0, []byte("no prefix"), nil)
	tp.Partitions = append(tp.Partitions, pp)
	prod.Topics = append(prod.Topics, tp)
	f.Add(frame(prod))
	prod.Version = 3
	f.Add(frame(prod))
	av := kmsg.NewPtrApiVersionsRequest()
	av.Version = 3
	f.Add(frame(av))
	f.Add([]byte{0, 0, 0, 1, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		client, clientEnd := net.Pipe()
		upstream, upstreamEnd := net.Pipe()
		// An input the proxy waits on (an answer that never comes) ends at
		// this deadline, not at the fuzzing's own.
		deadline := time.Now().Add(time.Second)
		client.SetDeadline(deadline)
		upstream.SetDeadline(deadline)
		go answerEach(upstreamEnd)
		go io.Copy(io.Discard, clientEnd)
		go func() {
			clientEnd.Write(data)
			clientEnd.Close()
		}()
		newConn(p, client, upstream).run()
		upstreamEnd.Close()
	})
}

// answerEach plays a broker answering every request with an empty body.
func answerEach(c net.Conn) {
	for {
		frame, err := readFrame(c, 1<<20)
		if err != nil || len(frame) < 12 {
			c.Close()
			return
		}
		if _, err := c.Write(appendResponseFrame(nil, int32(binary.BigEndian.Uint32(frame[8:])), nil, false)); err != nil {
			return
		}
	}
}
