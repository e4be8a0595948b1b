package host

import (
	"runtime/debug"
	"testing"
)

// TestCollectOften checks that overlapping holders restore the pace the
// process had only when the last lets go, and that a lower pace or no
// collector at all is left alone.
func TestCollectOften(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	pace := func() int {
		p := debug.SetGCPercent(-1)
		debug.SetGCPercent(p)
		return p
	}
	first := collectOften()
	second := collectOften()
	if got := pace(); got != planGCPercent {
		t.Fatalf("pace while held = %d, want %d", got, planGCPercent)
	}
	first()
	if got := pace(); got != planGCPercent {
		t.Fatalf("pace after the first of two let go = %d, want %d", got, planGCPercent)
	}
	second()
	if got := pace(); got != 100 {
		t.Fatalf("pace after both let go = %d, want 100", got)
	}
	for _, p := range []int{-1, 10} {
		debug.SetGCPercent(p)
		restore := collectOften()
		if got := pace(); got != p {
			t.Errorf("pace %d while held = %d, want it left alone", p, got)
		}
		restore()
		if got := pace(); got != p {
			t.Errorf("pace %d after = %d", p, got)
		}
	}
}
