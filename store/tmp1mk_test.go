package store_test

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/avro"
	"github.com/schemaregistry/registry/internal/scaledata"
	"github.com/schemaregistry/registry/store"
	"github.com/schemaregistry/registry/store/kafka"
)

func TestTmpKafkaWrite(t *testing.T) {
	if os.Getenv("KWRITE") == "" {
		t.Skip()
	}
	cl, _ := kgo.NewClient(kgo.SeedBrokers("127.0.0.1:19392"), kgo.DefaultProduceTopic("_schemas_1m_lead"), kgo.ProducerBatchMaxBytes(1<<20), kgo.ProducerBatchCompression(kgo.NoCompression()))
	defer cl.Close()
	compact := "compact"
	kadm.NewClient(cl).CreateTopic(context.Background(), 1, 1, map[string]*string{"cleanup.policy": &compact}, "_schemas_1m_lead")
	g := scaledata.New(1_000_000)
	var recs []*kgo.Record
	for {
		r, ok := g.Next()
		if !ok {
			break
		}
		recs = append(recs, &kgo.Record{Key: slices.Clone(r.Key), Value: slices.Clone(r.Value)})
		if len(recs) == 2000 {
			if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
				t.Fatal(err)
			}
			recs = recs[:0]
		}
	}
	cl.ProduceSync(context.Background(), recs...)
}

func TestTmpKafkaReplay(t *testing.T) {
	if os.Getenv("KREPLAY") == "" {
		t.Skip()
	}
	log, err := kafka.New(kafka.Config{Brokers: []string{"127.0.0.1:19392"}, Topic: "_schemas_1m_lead", ReplicationFactor: 1, InitTimeout: 5 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	reg, err := store.Open(log, []formats.Format{avro.Format{}}, store.Settings{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("replay %v, %d schemas", time.Since(began), reg.Stats().Schemas)
}
