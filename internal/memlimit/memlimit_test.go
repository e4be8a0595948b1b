package memlimit

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestHold(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(prev)
	debug.SetMemoryLimit(math.MaxInt64)

	if Hold(0)(); debug.SetMemoryLimit(-1) != math.MaxInt64 {
		t.Fatal("Hold(0) set a limit")
	}
	floor := 2*Live() + 64<<20 // above twice the live heap: the floor rules
	release := Hold(floor)
	if got := debug.SetMemoryLimit(-1); got != floor {
		t.Fatalf("held at %d: limit %d, want the floor", floor, got)
	}
	releaseLarger := Hold(floor + 1<<20)
	if got := debug.SetMemoryLimit(-1); got != floor+1<<20 {
		t.Fatalf("two holds: limit %d, want the larger floor %d", got, floor+1<<20)
	}
	release()
	release() // a second call does nothing
	if got := debug.SetMemoryLimit(-1); got != floor+1<<20 {
		t.Fatalf("one hold left: limit %d, want %d", got, floor+1<<20)
	}
	releaseLarger()
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Fatalf("released: limit %d, want the one before (%d)", got, int64(math.MaxInt64))
	}
}

func TestHoldKeepsALowerLimit(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(prev)
	lower := int64(1 << 20) // as GOMEMLIMIT would set
	debug.SetMemoryLimit(lower)
	release := Hold(68 << 20)
	if got := debug.SetMemoryLimit(-1); got != lower {
		t.Errorf("held above GOMEMLIMIT: limit %d, want %d kept", got, lower)
	}
	release()
	if got := debug.SetMemoryLimit(-1); got != lower {
		t.Errorf("released: limit %d, want %d", got, lower)
	}
}

// TestHoldFollowsTheLiveHeap grows the live heap past a small floor: the
// limit rises to 1.5 times it, so the collector is not left running.
func TestHoldFollowsTheLiveHeap(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(prev)
	debug.SetMemoryLimit(math.MaxInt64)
	defer Hold(8 << 20)()

	kept := make([]byte, 64<<20)
	for i := range kept {
		kept[i] = byte(i)
	}
	runtime.GC()
	live := Live()
	for deadline := time.Now().Add(5 * time.Second); debug.SetMemoryLimit(-1) < live+live/4; {
		if time.Now().After(deadline) {
			t.Fatalf("live heap %d MiB, limit still %d MiB", live>>20, debug.SetMemoryLimit(-1)>>20)
		}
		time.Sleep(every)
	}
	runtime.KeepAlive(kept)
}
