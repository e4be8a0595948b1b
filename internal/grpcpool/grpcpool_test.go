package grpcpool

import (
	"testing"

	"google.golang.org/grpc/mem"
)

func TestPool(t *testing.T) {
	p := &Pool{}
	for _, size := range []int{0, 1, 255, 256, 257, 40 << 10, 1 << 20, 1<<20 + 70<<10, 48 << 20, 64 << 20, 64<<20 + 1} {
		buf := p.Get(size)
		if len(*buf) != size {
			t.Fatalf("Get(%d) has length %d", size, len(*buf))
		}
		for i := range *buf {
			(*buf)[i] = 0xff
		}
		p.Put(buf)
		again := p.Get(size)
		for i, b := range *again {
			if b != 0 {
				t.Fatalf("Get(%d) after a Put: byte %d is %#x, want 0", size, i, b)
			}
		}
		if size > 256 && size <= 64<<20 && 2*cap(*again) > 3*size {
			t.Errorf("Get(%d) has capacity %d, want the next of 2^e and 3·2^(e-2)", size, cap(*again))
		}
	}
	p.Put(new([]byte))
	odd := make([]byte, 3000)
	p.Put(&odd) // not the capacity of a tier: dropped, not handed out short
	if b := p.Get(4000); cap(*b) < 4000 {
		t.Errorf("Get(4000) has capacity %d", cap(*b))
	}
}

func BenchmarkGet40KiB(b *testing.B) {
	p := &Pool{}
	for b.Loop() {
		p.Put(p.Get(40 << 10))
	}
}

// BenchmarkDefaultGet40KiB is gRPC's default pool for the same message.
func BenchmarkDefaultGet40KiB(b *testing.B) {
	p := mem.DefaultBufferPool()
	for b.Loop() {
		p.Put(p.Get(40 << 10))
	}
}
