package sdktest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// checkTimeout bounds one check, so a plugin that hangs fails the check
// instead of the whole test binary.
const checkTimeout = 2 * time.Minute

// promptly is how soon a cancelled call must end.
const promptly = 5 * time.Second

// exchange sends reqs on a request/response stream (Encode, Decode) while
// receiving, half-closes, and returns every response until the stream
// ends. The protocol promises one response per request, in order.
func exchange[Req, Resp any](stream grpc.BidiStreamingClient[Req, Resp], reqs []*Req) ([]*Resp, error) {
	sent := make(chan error, 1)
	go func() {
		for _, r := range reqs {
			if err := stream.Send(r); err != nil {
				// The stream failed; Recv below says why.
				sent <- nil
				return
			}
		}
		sent <- stream.CloseSend()
	}()
	var resps []*Resp
	for {
		resp, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return resps, err
		}
		resps = append(resps, resp)
	}
	if err := <-sent; err != nil {
		return resps, err
	}
	if len(resps) != len(reqs) {
		return resps, fmt.Errorf("%d responses to %d requests; the protocol wants exactly one per request", len(resps), len(reqs))
	}
	return resps, nil
}

// endsCancelled drains a stream whose context was just cancelled and
// reports how it ended, if not promptly with codes.Canceled.
func endsCancelled(recv func() error) error {
	done := make(chan error, 1)
	go func() {
		for {
			if err := recv(); err != nil {
				done <- err
				return
			}
		}
	}()
	select {
	case err := <-done:
		if errors.Is(err, io.EOF) {
			return errors.New("the stream ended normally after its context was cancelled; want codes.Canceled")
		}
		if status.Code(err) != codes.Canceled {
			return fmt.Errorf("the stream ended with %v; want codes.Canceled", err)
		}
		return nil
	case <-time.After(promptly):
		return fmt.Errorf("the stream still had not ended %v after its context was cancelled", promptly)
	}
}

// callContext is the context of one check.
func callContext(parent context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(parent, checkTimeout)
}
