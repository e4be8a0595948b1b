// Package memlimit holds the Go runtime's soft memory limit at a floor,
// or twice the live heap when the hold begins if that is more: the
// collector then returns memory to the system as the process nears it,
// instead of letting the heap reach twice what is alive. Should the live
// heap grow near the limit, the limit is raised to 1.5 times it, so that
// the collector never runs without respite.
package memlimit

import (
	"math"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

// Floor is the floor resource-sync's processes hold: with the 23 MiB of
// the binary's pages it keeps a process near 90 MiB at 100,000 resources
// (docs/architecture.md, Memory).
const Floor = 68 << 20

// every is how often the live heap is looked at.
const every = 50 * time.Millisecond

var holds struct {
	mu    sync.Mutex
	count int
	prev  int64 // the limit before the first hold
	limit int64 // the holds' (prev, if lower, applies)
	stop  chan struct{}
}

// Hold applies the limit until release is called (once; later calls do
// nothing). Holds at once share the largest floor. A limit already set
// lower (GOMEMLIMIT) is kept.
func Hold(floor int64) (release func()) {
	if floor <= 0 {
		return func() {}
	}
	holds.mu.Lock()
	defer holds.mu.Unlock()
	if holds.count == 0 {
		holds.prev = debug.SetMemoryLimit(-1) // reads it
		holds.limit = 2 * Live()
		holds.stop = make(chan struct{})
		go follow(holds.stop)
	}
	holds.limit = max(holds.limit, floor)
	holds.count++
	debug.SetMemoryLimit(min(holds.limit, holds.prev))
	return sync.OnceFunc(func() {
		holds.mu.Lock()
		defer holds.mu.Unlock()
		if holds.count--; holds.count == 0 {
			close(holds.stop)
			debug.SetMemoryLimit(holds.prev)
		}
	})
}

// follow raises the limit as the live heap nears it, until stop is
// closed.
func follow(stop chan struct{}) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			holds.mu.Lock()
			if live := Live(); holds.count > 0 && holds.stop == stop && live+live/4 > holds.limit {
				holds.limit = live + live/2
				debug.SetMemoryLimit(min(holds.limit, holds.prev))
			}
			holds.mu.Unlock()
		}
	}
}

// Live is the heap the last collection found alive.
func Live() int64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return math.MaxInt64 / 2
	}
	return int64(s[0].Value.Uint64())
}
