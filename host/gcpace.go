package host

import (
	"runtime/debug"
	"sync"
)

// planGCPercent is the collector's pace while a plan is built. A plan's
// steps and write order are allocated at once and live to the last write;
// collecting at 1.2 times the live heap rather than the host's usual 1.5
// times (cmd/resource-sync) keeps the peak of a 100,000-resource sync
// near its live heap, for a few more collections in a phase that
// allocates little else (docs/architecture.md, Memory).
const planGCPercent = 20

// gcPace lowers the collector's pace for as long as one caller holds it.
// Several syncs may run in one process (tests, a library user): the first
// to lower it remembers the pace to restore, and the last restores it.
var gcPace struct {
	mu      sync.Mutex
	holders int
	saved   int
}

// collectOften sets the pace to planGCPercent, unless the process runs
// with a lower pace or without a collector (GOGC=off), and returns the
// function that undoes it.
func collectOften() (restore func()) {
	gcPace.mu.Lock()
	defer gcPace.mu.Unlock()
	if gcPace.holders == 0 {
		old := debug.SetGCPercent(planGCPercent)
		if old < 0 || old <= planGCPercent {
			debug.SetGCPercent(old)
			return func() {}
		}
		gcPace.saved = old
	}
	gcPace.holders++
	return func() {
		gcPace.mu.Lock()
		defer gcPace.mu.Unlock()
		if gcPace.holders--; gcPace.holders == 0 {
			debug.SetGCPercent(gcPace.saved)
		}
	}
}
