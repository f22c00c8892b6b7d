package store_test

import (
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/avro"
	"github.com/schemaregistry/registry/store"
	"github.com/schemaregistry/registry/store/file"
)

func TestTmpReplay1M(t *testing.T) {
	dir := os.Getenv("SCALE_DIR")
	if dir == "" {
		t.Skip()
	}
	log, err := file.New(dir, file.Options{})
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	reg, err := store.Open(log, []formats.Format{avro.Format{}}, store.Settings{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(began)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t.Logf("replay %v, %d schemas, heap %d MiB, sys %d MiB", took, reg.Stats().Schemas, ms.HeapAlloc>>20, ms.Sys>>20)
	if f := os.Getenv("HEAPPROF"); f != "" {
		w, _ := os.Create(f)
		defer w.Close()
		runtime.GC()
		pprofWriteHeap(w)
	}
}
