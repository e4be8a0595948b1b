package http

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"sync/atomic"
	"time"
)

// timeoutError ends an attempt whose server went silent or took too long.
type timeoutError struct {
	msg    string // what did not happen in time
	limit  time.Duration
	option string
	// final marks a limit that a retry would hit again.
	final bool
}

func (e *timeoutError) Error() string {
	return fmt.Sprintf("%s %s (option %s, --%s)", e.msg, e.limit, e.option, e.option)
}

// The phases of an attempt, for the idle timeout's message.
const (
	phaseWaiting int32 = iota
	phaseBody
)

// timeoutTransport bounds each attempt of a request: the server may stay
// silent at most idle (waiting for its headers, or between two reads of
// its body), and the whole attempt, body included, may take at most
// total. A server that trickles its body a byte at a time meets the
// second limit. Sending the request body is bounded by total only.
type timeoutTransport struct {
	base        http.RoundTripper
	idle, total time.Duration
}

func (t *timeoutTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancelCause(req.Context())
	phase := &atomic.Int32{}
	total := time.AfterFunc(t.total, func() {
		cancel(&timeoutError{msg: "the response took longer than", limit: t.total, option: "request-timeout", final: true})
	})
	silence := time.AfterFunc(t.idle, func() {
		msg := "the server sent no response headers for"
		if phase.Load() == phaseBody {
			msg = "the server stopped sending the response body: nothing for"
		}
		cancel(&timeoutError{msg: msg, limit: t.idle, option: "idle-timeout"})
	})
	// Silence counts once the request is sent: a large body may take a
	// while to upload.
	silence.Stop()
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(httptrace.WroteRequestInfo) { silence.Reset(t.idle) },
	})
	stop := func() {
		total.Stop()
		silence.Stop()
	}
	resp, err := t.base.RoundTrip(req.WithContext(ctx))
	if err != nil {
		stop()
		err = timeoutCause(ctx, err)
		cancel(nil)
		return nil, err
	}
	phase.Store(phaseBody)
	silence.Reset(t.idle)
	resp.Body = &watchedBody{body: resp.Body, ctx: ctx, silence: silence, idle: t.idle, stop: stop, cancel: cancel}
	return resp, nil
}

func (t *timeoutTransport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// timeoutCause replaces err, the transport's report of a cancelled
// request, by the limit that cancelled it, if one did.
func timeoutCause(ctx context.Context, err error) error {
	if te, ok := errors.AsType[*timeoutError](context.Cause(ctx)); ok {
		return te
	}
	return err
}

// watchedBody is a response body that restarts the silence timer on each
// read that brings data, and releases both timers when closed.
type watchedBody struct {
	body    io.ReadCloser
	ctx     context.Context
	silence *time.Timer
	idle    time.Duration
	stop    func()
	cancel  context.CancelCauseFunc
}

func (b *watchedBody) Read(p []byte) (int, error) {
	n, err := b.body.Read(p)
	if n > 0 {
		b.silence.Reset(b.idle)
	}
	if err != nil && err != io.EOF {
		err = timeoutCause(b.ctx, err)
	}
	return n, err
}

func (b *watchedBody) Close() error {
	b.stop()
	err := b.body.Close()
	b.cancel(nil)
	return err
}
