package host

import (
	"errors"
	"io"
	"sync"

	"github.com/resource-sync/resource-sync/internal/batch"
	"google.golang.org/grpc"
)

// batchStream drives one of the protocol's request/response streams
// (Decode, Encode, Classify): every request message gets exactly one
// response, in order, so handlers queue up behind sends and run on the
// receiving goroutine as answers arrive. Requests stay in flight while
// earlier answers are being handled, which keeps the plugin busy.
type batchStream[Req, Resp any] struct {
	stream  grpc.BidiStreamingClient[Req, Resp]
	plugin  *Plugin
	mu      sync.Mutex
	waiting chan pending[Resp]
	window  *byteWindow
	done    chan struct{}
	err     error
}

// pending is a request sent and not yet answered: the handler of its
// answer, and the bytes it holds of the stream's window.
type pending[Resp any] struct {
	handle func(*Resp) error
	bytes  int64
}

// maxInFlight bounds the batches sent and not yet answered on one stream,
// and maxInFlightBytes the bytes they carry: two full batches keep a
// plugin busy while the host handles an answer. Counting batches alone
// let 16 MiB wait on each stream of a read, most of a 100,000-resource
// pull's memory beyond its records (docs/architecture.md, Memory).
const (
	maxInFlight      = 16
	maxInFlightBytes = 2 * batch.TargetBytes
)

func newBatchStream[Req, Resp any](p *Plugin, stream grpc.BidiStreamingClient[Req, Resp]) *batchStream[Req, Resp] {
	b := &batchStream[Req, Resp]{
		stream:  stream,
		plugin:  p,
		waiting: make(chan pending[Resp], maxInFlight),
		window:  newByteWindow(maxInFlightBytes),
		done:    make(chan struct{}),
	}
	go b.receive()
	return b
}

func (b *batchStream[Req, Resp]) receive() {
	defer close(b.done)
	for {
		resp, err := b.stream.Recv()
		if err == nil {
			// A handler is queued before its request is sent: an answer
			// with none waiting answers nothing the host asked.
			select {
			case p := <-b.waiting:
				err = p.handle(resp)
				b.window.release(p.bytes)
			default:
				err = b.plugin.protocolError("answered a request it was never sent")
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				b.err = err
			}
			// Unblock senders waiting for room.
			b.window.close()
			for {
				select {
				case <-b.waiting:
				default:
					return
				}
			}
		}
	}
}

// send queues handle for the answer to req, which carries size bytes of
// documents or values; it waits while the stream's window is full. An
// error from handle ends the stream with it: the answer broke the
// protocol.
func (b *batchStream[Req, Resp]) send(req *Req, size int, handle func(*Resp) error) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	held, ok := b.window.acquire(int64(size))
	if !ok {
		<-b.done
		return b.failure()
	}
	select {
	case <-b.done:
		return b.failure()
	case b.waiting <- pending[Resp]{handle: handle, bytes: held}:
	}
	if err := b.stream.Send(req); err != nil {
		<-b.done
		return b.failure()
	}
	return nil
}

// close half-closes the stream and waits for every answer.
func (b *batchStream[Req, Resp]) close() error {
	b.mu.Lock()
	err := b.stream.CloseSend()
	b.mu.Unlock()
	<-b.done
	if b.err != nil {
		return b.err
	}
	return err
}

// ended is closed once the stream can answer nothing more: the plugin
// closed it, or it broke (a crashed plugin). A caller waiting for input
// watches it too, or it would wait for answers that never come.
func (b *batchStream[Req, Resp]) ended() <-chan struct{} { return b.done }

func (b *batchStream[Req, Resp]) failure() error {
	if b.err != nil {
		return b.err
	}
	return io.ErrUnexpectedEOF
}

// byteWindow bounds the bytes in flight on a stream. A batch larger than
// the whole window takes all of it, and goes alone.
type byteWindow struct {
	mu     sync.Mutex
	room   sync.Cond
	used   int64
	limit  int64
	closed bool
}

func newByteWindow(limit int64) *byteWindow {
	w := &byteWindow{limit: limit}
	w.room.L = &w.mu
	return w
}

// acquire waits for room for n bytes and returns what it took, or false
// once the window was closed (the stream ended).
func (w *byteWindow) acquire(n int64) (int64, bool) {
	n = min(max(n, 0), w.limit)
	w.mu.Lock()
	defer w.mu.Unlock()
	for !w.closed && w.used+n > w.limit {
		w.room.Wait()
	}
	if w.closed {
		return 0, false
	}
	w.used += n
	return n, true
}

func (w *byteWindow) release(n int64) {
	w.mu.Lock()
	w.used -= n
	w.mu.Unlock()
	w.room.Broadcast()
}

func (w *byteWindow) close() {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	w.room.Broadcast()
}
