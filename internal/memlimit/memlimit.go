// Package memlimit holds the Go runtime's soft memory limit at a floor,
// raised to twice the live heap whenever the heap outgrows it: the
// collector then returns memory to the system as the process nears the
// floor, instead of letting the heap reach twice what is alive, yet never
// runs without respite because the live heap grew past the limit.
package memlimit

import (
	"math"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

// every is how often the live heap is looked at.
const every = 50 * time.Millisecond

var holds struct {
	mu    sync.Mutex
	count int
	prev  int64 // the limit before the first hold
	floor int64
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
		holds.floor = floor
		holds.stop = make(chan struct{})
		go follow(holds.stop)
	}
	holds.floor = max(holds.floor, floor)
	holds.count++
	adjustLocked()
	return sync.OnceFunc(func() {
		holds.mu.Lock()
		defer holds.mu.Unlock()
		if holds.count--; holds.count == 0 {
			close(holds.stop)
			debug.SetMemoryLimit(holds.prev)
		}
	})
}

// follow raises the limit as the live heap grows, until stop is closed.
func follow(stop chan struct{}) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			holds.mu.Lock()
			if holds.count > 0 && holds.stop == stop {
				adjustLocked()
			}
			holds.mu.Unlock()
		}
	}
}

// adjustLocked sets the limit to the floor or twice the live heap,
// never above the limit in place before the first hold.
func adjustLocked() {
	limit := max(holds.floor, 2*Live())
	if limit < holds.prev {
		debug.SetMemoryLimit(limit)
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
