package kafka

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/avro"
	"github.com/schemaregistry/registry/store"
)

// A write that times out but lands is never answered with a second id: the
// client gets 50002, and the same request retried returns the id that landed
// (Confluent issue #510).
func TestTimedOutWriteThatLandsKeepsItsID(t *testing.T) {
	c := cluster(t)
	reg := openStore(t, Config{Brokers: c.ListenAddrs(), Timeout: 300 * time.Millisecond, InitTimeout: 10 * time.Second})

	// Hold the first produce request at the broker for a second.
	var held atomic.Bool
	release := make(chan struct{})
	c.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		if held.CompareAndSwap(false, true) {
			c.SleepControl(func() { <-release })
		}
		return nil, nil, false
	})
	time.AfterFunc(time.Second, func() { close(release) })

	req := store.SchemaRequest{Schema: `{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}`}
	_, err := reg.Register(context.Background(), "s", req, store.RegisterOptions{})
	if e := store.AsError(err); e == nil || e.Code != store.CodeOperationTimeout {
		t.Fatalf("first register: %v, want 50002", err)
	}
	// The record lands; the retry answers with its id, and no other id is minted.
	for _, subject := range []string{"s", "s"} {
		v, err := reg.Register(context.Background(), subject, req, store.RegisterOptions{})
		if err != nil || v.ID != 1 || v.Version != 1 {
			t.Fatalf("retry: %+v %v, want id 1 version 1", v, err)
		}
	}
	if reg.MaxID("") != 1 {
		t.Fatalf("max id %d after the retry, want 1", reg.MaxID(""))
	}
	// A different schema after that gets the next id.
	v, err := reg.Register(context.Background(), "s", store.SchemaRequest{Schema: `{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"int","default":0}]}`}, store.RegisterOptions{})
	if err != nil || v.ID != 2 || v.Version != 2 {
		t.Fatalf("next register: %+v %v", v, err)
	}
}

// openStore opens a registry on a Kafka log of cfg, closed at the end of
// the test.
func openStore(t *testing.T, cfg Config) *store.Registry {
	t.Helper()
	log, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := store.Open(log, []formats.Format{avro.Format{}}, store.Settings{ModeMutability: true, ValidateNewSchemas: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Close() })
	return reg
}
