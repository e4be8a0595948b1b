// Package grpcpool is the buffer pool gRPC uses in the host and in every
// plugin process.
//
// gRPC's default pool has tiers of 256 B, 4, 16 and 32 KiB and 1 MiB, and
// clears a buffer's whole capacity on every Get: each message between 32
// KiB and 1 MiB (a typical batch of resources) costs clearing 1 MiB. This
// pool has a tier for every power of two up to the largest message, and
// clears only the length asked for.
package grpcpool

import (
	"math/bits"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/experimental"
	"google.golang.org/grpc/mem"
)

// smallest and largest are the exponents of the tiers: 256 B to 64 MiB,
// the largest message host and plugins exchange.
const (
	smallest = 8
	largest  = 26
)

// Pool is a mem.BufferPool with two tiers per power of two: 2^e and
// 3·2^(e-2). A full batch (batch.TargetBytes) marshals to a little
// more, and took a buffer of twice that with power-of-two tiers alone:
// half of the pooled memory was never written.
type Pool struct {
	tiers [largest + 1][2]sync.Pool // [e][0] holds 2^e, [e][1] 3·2^(e-2)
}

var shared = &Pool{}

// Get returns a buffer of length size, zeroed.
func (p *Pool) Get(size int) *[]byte {
	buf := p.getUncleared(size)
	clear(*buf)
	return buf
}

// tier is where a buffer for size comes from, and its capacity.
func tier(size int) (e, half, capacity int) {
	e = max(smallest, bits.Len(uint(max(size, 1)-1)))
	if e > smallest && size <= 3<<(e-2) {
		return e, 1, 3 << (e - 2)
	}
	return e, 0, 1 << e
}

// getUncleared is Get for a caller that overwrites the whole buffer.
func (p *Pool) getUncleared(size int) *[]byte {
	e, half, capacity := tier(size)
	if e > largest {
		b := make([]byte, size)
		return &b
	}
	if buf, ok := p.tiers[e][half].Get().(*[]byte); ok {
		*buf = (*buf)[:size]
		return buf
	}
	b := make([]byte, size, capacity)
	return &b
}

// Put returns a buffer to its tier; one of another capacity (not made by
// Get) is dropped.
func (p *Pool) Put(buf *[]byte) {
	c := cap(*buf)
	if c == 0 {
		return
	}
	e, half, capacity := tier(c)
	if c != capacity || e > largest {
		return
	}
	p.tiers[e][half].Put(buf)
}

var _ mem.BufferPool = (*Pool)(nil)

// DialOptions make a client connection use the pool, for its transport
// and for encoding messages (Codec).
func DialOptions() []grpc.DialOption {
	return []grpc.DialOption{experimental.WithBufferPool(shared), grpc.WithDefaultCallOptions(grpc.ForceCodecV2(codec{}))}
}

// ServerOptions make a server use the pool, for its transport and for
// encoding messages (Codec).
func ServerOptions() []grpc.ServerOption {
	return []grpc.ServerOption{experimental.BufferPool(shared), grpc.ForceServerCodecV2(codec{})}
}
