package kafka

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/schemaregistry/registry/store"
)

// TestPipelinedWriteTimeoutFailsWritesOnTop: registrations decided while a
// write is in flight (their ids and versions follow its ones) are not
// written when it times out: they fail with it, none is acknowledged, and
// the retries bind every id to one schema only, densely, whether the timed
// out write landed (idempotent producer) or not (its transaction aborted
// by the next producer).
func TestPipelinedWriteTimeoutFailsWritesOnTop(t *testing.T) {
	for _, fenced := range []bool{false, true} {
		t.Run(fmt.Sprintf("fencing=%v", fenced), func(t *testing.T) {
			c := cluster(t)
			cfg := Config{Brokers: c.ListenAddrs(), Timeout: 2 * time.Second, InitTimeout: 10 * time.Second}
			if fenced {
				cfg.TransactionalID, cfg.TransactionTimeout = "schema-registry-test", 5*time.Second
			}
			reg := openStore(t, cfg)

			// The first produce with a SCHEMA record is held at the broker
			// beyond the write's timeout.
			var held atomic.Bool
			entered, release := make(chan struct{}), make(chan struct{})
			c.ControlKey(int16(kmsg.Produce), func(req kmsg.Request) (kmsg.Response, error, bool) {
				c.KeepControl()
				if held.CompareAndSwap(false, true) {
					close(entered)
					c.SleepControl(func() { <-release })
				}
				return nil, nil, false
			})
			schema := func(i int) store.SchemaRequest {
				return store.SchemaRequest{Schema: fmt.Sprintf(`{"type":"record","name":"R%d","fields":[{"name":"a","type":"int"}]}`, i)}
			}
			ctx := context.Background()
			errs := make([]error, 4)
			var wg sync.WaitGroup
			wg.Go(func() { _, errs[0] = reg.Register(ctx, "s0", schema(0), store.RegisterOptions{}) })
			<-entered
			for i := 1; i < 4; i++ {
				wg.Go(func() { _, errs[i] = reg.Register(ctx, fmt.Sprintf("s%d", i), schema(i), store.RegisterOptions{}) })
			}
			wg.Wait()
			for i, err := range errs {
				if e := store.AsError(err); e == nil || e.Code != store.CodeOperationTimeout {
					t.Fatalf("registration %d: %v, want 50002", i, err)
				}
			}
			close(release)
			// Retried, every schema gets one id, densely; the one that may
			// have landed keeps its.
			for i := range 4 {
				v, err := reg.Register(ctx, fmt.Sprintf("s%d", i), schema(i), store.RegisterOptions{})
				if err != nil || v.ID != i+1 || v.Version != 1 {
					t.Fatalf("retry %d: %+v %v, want id %d version 1", i, v, err, i+1)
				}
			}
			// What the topic holds, read by a new node: each id bound once.
			col := &collector{}
			late := open(t, c, col)
			if err := late.Sync(ctx); err != nil {
				t.Fatal(err)
			}
			bound := map[string]string{}
			for _, r := range col.recs {
				var v struct {
					Subject string
					ID      int
					Schema  string
				}
				if r.Value == nil || json.Unmarshal(r.Value, &v) != nil || v.Schema == "" {
					continue
				}
				key := fmt.Sprint(v.ID)
				if prev, ok := bound[key]; ok && prev != v.Schema {
					t.Fatalf("id %d bound to %s and %s", v.ID, prev, v.Schema)
				}
				bound[key] = v.Schema
			}
			if len(bound) != 4 {
				t.Fatalf("ids in the topic: %v", bound)
			}
		})
	}
}
