package host

import (
	"errors"
	"io"
	"sync"

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
	waiting chan func(*Resp) error
	done    chan struct{}
	err     error
}

// maxInFlight bounds the batches sent and not yet answered on one stream.
const maxInFlight = 16

func newBatchStream[Req, Resp any](p *Plugin, stream grpc.BidiStreamingClient[Req, Resp]) *batchStream[Req, Resp] {
	b := &batchStream[Req, Resp]{
		stream:  stream,
		plugin:  p,
		waiting: make(chan func(*Resp) error, maxInFlight),
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
			case handle := <-b.waiting:
				err = handle(resp)
			default:
				err = b.plugin.protocolError("answered a request it was never sent")
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				b.err = err
			}
			// Unblock senders waiting for room.
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

// send queues handle for the answer to req. An error from handle ends
// the stream with it: the answer broke the protocol.
func (b *batchStream[Req, Resp]) send(req *Req, handle func(*Resp) error) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	select {
	case <-b.done:
		return b.failure()
	case b.waiting <- handle:
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
