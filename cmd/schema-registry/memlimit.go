package main

import (
	"math"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// replayMemoryLimit bounds the heap while the schema log is replayed, and
// returns the function that lifts the bound. A replay makes the live heap
// grow steadily (to about 500 MiB for a million schemas) among garbage
// (the records read, fetch buffers on Kafka): with the default pacing, the
// heap may reach twice the live heap marked last, and a million-record
// topic peaked near 1 GiB. A soft limit of 1.5 times the live heap, and at
// least replayHeapFloor (850 MiB), makes the collector run more often only once the
// heap is above the floor. A limit the user set (GOMEMLIMIT) is left as
// it is.
func replayMemoryLimit() (lift func()) {
	if debug.SetMemoryLimit(-1) != math.MaxInt64 {
		return func() {}
	}
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			live := int64(0)
			if sample[0].Value.Kind() == metrics.KindUint64 {
				live = int64(sample[0].Value.Uint64())
			}
			debug.SetMemoryLimit(max(replayHeapFloor, live+live/2))
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() {
		close(done)
		<-stopped
		debug.SetMemoryLimit(math.MaxInt64)
	}
}

// replayHeapFloor is the heap under which a replay is paced as usual.
const replayHeapFloor = 850 << 20
