package host

import (
	"testing"
	"time"
)

// TestByteWindow checks that the window holds back a send that would
// overfill it until an answer frees room, lets a batch larger than the
// whole window through alone, and frees a waiting sender when the
// stream ends.
func TestByteWindow(t *testing.T) {
	w := newByteWindow(10)
	if n, ok := w.acquire(6); !ok || n != 6 {
		t.Fatalf("acquire(6) on an empty window = %d, %v", n, ok)
	}
	got := make(chan int64)
	go func() {
		n, _ := w.acquire(6)
		got <- n
	}()
	stillWaiting(t, got, "acquire(6) with 4 bytes free")
	w.release(6)
	if n := <-got; n != 6 {
		t.Fatalf("acquire(6) after the release took %d", n)
	}
	w.release(6)

	// A batch above the limit takes the whole window, and waits for it.
	if n, ok := w.acquire(1 << 20); !ok || n != 10 {
		t.Fatalf("acquire(1 MiB) on an empty window of 10 = %d, %v; want all of it", n, ok)
	}
	ended := make(chan bool)
	go func() {
		_, ok := w.acquire(1)
		ended <- ok
	}()
	stillWaiting(t, ended, "acquire(1) on a full window")
	w.close()
	if ok := <-ended; ok {
		t.Fatal("acquire on a closed window reported success")
	}
	if _, ok := w.acquire(0); ok {
		t.Fatal("acquire after close reported success")
	}
}

// stillWaiting fails t if c yields within 50 ms: the call behind it
// should still be waiting for room.
func stillWaiting[T any](t *testing.T, c <-chan T, what string) {
	t.Helper()
	select {
	case v := <-c:
		t.Fatalf("%s went through (%v)", what, v)
	case <-time.After(50 * time.Millisecond):
	}
}
