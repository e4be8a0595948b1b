package host

import (
	"math"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// memoryHolds sets the Go runtime's soft memory limit while at least one
// sync of the process holds its origins' inventory, and puts the previous
// limit back when the last of them ends. The limit is the process's, so
// syncs running at once share one hold.
var memoryHolds struct {
	mu    sync.Mutex
	count int
	prev  int64
}

// holdMemory applies Options.MemoryLimitOnceRead until the returned
// release is called (once; later calls do nothing). The limit is raised
// to twice the live heap, so that a large inventory never keeps the
// collector running, and never set above the one in place (GOMEMLIMIT).
func (h *Host) holdMemory() (release func()) {
	if h.memoryOnceRead <= 0 {
		return func() {}
	}
	memoryHolds.mu.Lock()
	defer memoryHolds.mu.Unlock()
	if memoryHolds.count == 0 {
		memoryHolds.prev = debug.SetMemoryLimit(-1) // reads it
		live := liveHeap()
		limit := max(h.memoryOnceRead, 2*live)
		if limit < memoryHolds.prev {
			debug.SetMemoryLimit(limit)
			h.logger.Debug("memory limit while the inventory is held", "limit", limit, "live", live)
		}
	}
	memoryHolds.count++
	return sync.OnceFunc(func() {
		memoryHolds.mu.Lock()
		defer memoryHolds.mu.Unlock()
		if memoryHolds.count--; memoryHolds.count == 0 {
			debug.SetMemoryLimit(memoryHolds.prev)
		}
	})
}

// liveHeap is the heap the last collection found alive.
func liveHeap() int64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return math.MaxInt64 / 2
	}
	return int64(s[0].Value.Uint64())
}
