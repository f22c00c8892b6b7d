package main

import (
	"math"
	"os"
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

// servingGCPace paces the collector while serving, unless the user set
// GOGC: a heap of live bytes may grow by servingHeadroom before a
// collection (GOGC raised up to 400 for a small registry, set again every
// second as the live heap changes; a large one keeps the default of 100). With the default pacing, a registry holding
// 50 MiB collected several times a second under new registrations, a
// sixth of its CPU; the headroom costs at most 256 MiB of RAM, far under
// the 1 GiB a million schemas are served in.
func servingGCPace(done <-chan struct{}) {
	if os.Getenv("GOGC") != "" {
		return
	}
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		metrics.Read(sample)
		if sample[0].Value.Kind() == metrics.KindUint64 {
			debug.SetGCPercent(gcPercentFor(sample[0].Value.Uint64()))
		}
		select {
		case <-done:
			debug.SetGCPercent(100)
			return
		case <-tick.C:
		}
	}
}

// servingHeadroom is the growth of the heap between two collections that
// the serving pace aims at (a live heap under 64 MiB grows by less, at
// GOGC 400; one over 256 MiB by more, at GOGC 100).
const servingHeadroom = 256 << 20

// gcPercentFor is the GOGC that lets a heap of live bytes grow by
// servingHeadroom, between 100 and 400.
func gcPercentFor(live uint64) int {
	if live == 0 {
		return 400
	}
	return int(min(400, max(100, servingHeadroom*100/live)))
}
