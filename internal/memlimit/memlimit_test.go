package memlimit

import (
	"math"
	"runtime/debug"
	"testing"
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
