package store_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/avro"
	"github.com/schemaregistry/registry/store"
	"github.com/schemaregistry/registry/store/file"
)

// BenchmarkRegisterNew registers new schemas from 32 goroutines over 100
// subjects on the embedded log (fsync'd), as sr-load's register-new does
// without HTTP: the store's share of a durable registration.
func BenchmarkRegisterNew(b *testing.B) {
	log, err := file.New(b.TempDir(), file.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	r, err := store.Open(log, []formats.Format{avro.Format{}}, store.Settings{ModeMutability: true, ValidateNewSchemas: true, CompatibilityLevel: "NONE"}, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	var fields strings.Builder
	for i := range 20 {
		if i > 0 {
			fields.WriteByte(',')
		}
		fmt.Fprintf(&fields, `{"name":"f%d","type":"long"}`, i)
	}
	var next atomic.Int64
	b.ResetTimer()
	var wg sync.WaitGroup
	for c := range 32 {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				schema := fmt.Sprintf(`{"type":"record","name":"New_%d","namespace":"com.example.load.new","fields":[%s]}`, i, fields.String())
				if _, err := r.Register(context.Background(), fmt.Sprintf("new-%04d", (int(i)+c)%100), store.SchemaRequest{Schema: schema}, store.RegisterOptions{}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}
