// Package batch groups stream items into messages under an item count and
// a byte budget, shared by the host and the SDK so both sides cut batches
// the same way.
package batch

import "fmt"

// Protocol-wide limits. Both sides of a plugin connection set gRPC's
// message limits to MaxMessageBytes, far above gRPC's 4 MiB default, and
// cut batches at TargetBytes so one large resource never shares a message
// with many others.
const (
	MaxMessageBytes = 64 << 20
	// MaxItemBytes leaves room for the envelope of a one-item message.
	MaxItemBytes = MaxMessageBytes - 64<<10
	// MaxResourceBytes bounds one resource's canonical JSON, and its
	// encoded form: a write carries both in one message.
	MaxResourceBytes = 31 << 20
	// TargetBytes is small enough that the batches a read and a write
	// staged while it reads hold in flight at once stay a few MiB: at
	// 1 MiB they took a 100,000-resource pull past 95 MiB.
	TargetBytes = 256 << 10
	MaxItems    = 256
)

// TooLargeError reports an item that cannot cross the plugin boundary.
type TooLargeError struct {
	What  string // "resource order/o1 (orders/o1.yaml)"
	Bytes int
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s is %.1f MiB; a plugin message carries at most %d MiB", e.What, float64(e.Bytes)/(1<<20), MaxMessageBytes>>20)
}

// Batcher accumulates items until a batch is full.
type Batcher[T any] struct {
	MaxItems int // default MaxItems
	MaxBytes int // default TargetBytes
	items    []T
	bytes    int
}

// Add appends item of the given size and reports whether the batch should
// be flushed now.
func (b *Batcher[T]) Add(item T, size int) (full bool) {
	b.items = append(b.items, item)
	b.bytes += size
	maxItems, maxBytes := b.MaxItems, b.MaxBytes
	if maxItems <= 0 {
		maxItems = MaxItems
	}
	if maxBytes <= 0 {
		maxBytes = TargetBytes
	}
	return len(b.items) >= maxItems || b.bytes >= maxBytes
}

// Len is the number of items waiting.
func (b *Batcher[T]) Len() int { return len(b.items) }

// Take returns the waiting items and starts a new batch.
func (b *Batcher[T]) Take() []T {
	items := b.items
	b.items, b.bytes = nil, 0
	return items
}

// Check returns a *TooLargeError when size exceeds MaxItemBytes.
func Check(what string, size int) error {
	if size > MaxItemBytes {
		return &TooLargeError{What: what, Bytes: size}
	}
	return nil
}
