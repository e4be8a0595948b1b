package host

import "github.com/resource-sync/resource-sync/internal/memlimit"

// holdMemory applies Options.MemoryLimitOnceRead as the Go runtime's soft
// memory limit until the returned release is called (once; later calls do
// nothing). It is raised to twice the live heap when the hold begins,
// and to 1.5 times it should the heap come near it later, so that a
// large inventory never keeps the collector running; it is never set
// above the one in place (GOMEMLIMIT). The limit is the process's, so
// syncs running at once share one hold.
func (h *Host) holdMemory() (release func()) {
	if h.memoryOnceRead <= 0 {
		return func() {}
	}
	h.logger.Debug("memory limit held", "floor", h.memoryOnceRead, "live", memlimit.Live())
	return memlimit.Hold(h.memoryOnceRead)
}
