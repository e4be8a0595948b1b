package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// WorkerOptions tune the delivery workers.
type WorkerOptions struct {
	// Client sends the webhooks; nil uses a plain client. Timeout bounds
	// each call either way.
	Client  *http.Client
	Timeout time.Duration // per webhook call; 10s when zero
	// A failed delivery is retried after RetryBase, doubling each time up to
	// RetryMax (1s and 5m when zero), with ±20% jitter.
	RetryBase, RetryMax time.Duration
	// Connections is how many NATS connections the worker spreads its lanes
	// over (4 when zero): the server reads each connection in turn, so one
	// would serialise every lane's round trips.
	Connections int
	Metrics     *Metrics
	Logger      *slog.Logger
}

// deliveredState is what a subscriber has of one document: the bucket
// entry that keeps a subscriber from getting the same or an older version
// twice.
type deliveredState struct {
	Generation uint64  `json:"generation"`
	Version    Version `json:"version"`
	Deleted    bool    `json:"deleted,omitempty"`
}

// wants tells whether a subscriber in state st (known: it has one) still
// needs ev.
func (st deliveredState) wants(ev *event, known bool) bool {
	switch {
	case !known || ev.Generation > st.Generation:
		return true
	case ev.Generation < st.Generation:
		return false // from a life of the document that already ended for it
	case ev.Action == ActionDelete:
		return true
	case st.Deleted:
		return true // the first document after a delete
	}
	return ev.Version.NewerThan(st.Version)
}

// after is the state once ev is delivered.
func (st deliveredState) after(ev *event) deliveredState {
	if ev.Action == ActionDelete {
		return deliveredState{Generation: ev.Generation + 1, Version: ev.Version, Deleted: true}
	}
	return deliveredState{Generation: ev.Generation, Version: ev.Version}
}

// Deliver runs the delivery workers for cfg's subscriptions until ctx
// ends: each subscription's lanes are pulled from JetStream, one change at a
// time per lane. Any number of processes may run Deliver on the same
// stream; they share the work. When ctx ends, deliveries under way are
// finished (each within Timeout) before Deliver returns; when the NATS
// connection is gone for good, Deliver returns an error.
func Deliver(ctx context.Context, b *Broker, cfg *Config, opts WorkerOptions) error {
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.RetryBase <= 0 {
		opts.RetryBase = time.Second
	}
	if opts.RetryMax <= 0 {
		opts.RetryMax = 5 * time.Minute
	}
	if opts.Client == nil {
		opts.Client = &http.Client{Transport: defaultTransport()}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Connections <= 0 {
		opts.Connections = 4
	}
	w := &worker{b: b, opts: opts, log: opts.Logger, ctx: ctx, lost: make(chan struct{})}
	var consumes []jetstream.ConsumeContext
	defer func() {
		for _, cc := range consumes {
			cc.Stop()
		}
		w.mu.Lock()
		w.stopped = true
		w.mu.Unlock()
		w.wg.Wait()
		w.closing.Store(true)
		for _, c := range w.conns {
			c.nc.Close()
		}
	}()
	for range opts.Connections {
		var c *conn
		err := w.untilReady(ctx, "connect to NATS", func() (err error) {
			c, err = w.connect(ctx)
			return err
		})
		if err != nil {
			return err
		}
		w.conns = append(w.conns, c)
	}
	lane := 0
	for _, r := range cfg.Resources {
		for _, s := range r.Subscriptions {
			for p := range b.partitions {
				conn := w.conns[lane%len(w.conns)]
				lane++
				var c jetstream.Consumer
				err := w.untilReady(ctx, "create the consumer of "+s.ID(), func() (err error) {
					c, err = b.consumer(ctx, conn.js, s, p)
					return err
				})
				if err != nil {
					return err
				}
				cc, err := c.Consume(func(msg jetstream.Msg) { w.handle(s, conn, msg) },
					jetstream.PullMaxMessages(1),
					jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
						if ctx.Err() == nil && !errors.Is(err, jetstream.ErrNoHeartbeat) {
							w.log.Warn("pulling changes", "subscriber", s.ID(), "err", err)
						}
					}))
				if err != nil {
					return fmt.Errorf("pull changes for %s: %w", s.ID(), err)
				}
				consumes = append(consumes, cc)
			}
		}
	}
	select {
	case <-ctx.Done():
		return nil
	case <-b.Lost():
	case <-w.lost:
	}
	return fmt.Errorf("lost the connection to NATS at %s", b.URL())
}

// conn is one of a worker's NATS connections.
type conn struct {
	nc        *nats.Conn
	js        jetstream.JetStream
	delivered jetstream.KeyValue
}

func (w *worker) connect(ctx context.Context) (*conn, error) {
	nc, err := w.b.dial(nats.ClosedHandler(func(*nats.Conn) {
		if !w.closing.Load() {
			w.lostOnce.Do(func() { close(w.lost) })
		}
	}))
	if err != nil {
		return nil, fmt.Errorf("connect to NATS at %s: %w", w.b.URL(), err)
	}
	js, err := jetstream.New(nc)
	if err == nil {
		var kv jetstream.KeyValue
		if kv, err = js.KeyValue(ctx, DeliveredBucket); err == nil {
			return &conn{nc: nc, js: js, delivered: kv}, nil
		}
		err = fmt.Errorf("JetStream bucket %s: %w", DeliveredBucket, err)
	}
	nc.Close()
	return nil, err
}

// untilReady runs a step of the worker's start again while it fails for a
// reason that passes: a cluster electing its leaders, or too busy to
// answer JetStream's API within its timeout. A worker started beside its
// cluster, or while a node restarts, then waits for it instead of exiting.
func (w *worker) untilReady(ctx context.Context, what string, step func() error) error {
	delay := 100 * time.Millisecond
	for {
		err := step()
		if err == nil || ctx.Err() != nil || !passing(err) {
			return err
		}
		w.log.Warn("NATS is not ready; trying again", "step", what, "in", delay, "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
		delay = min(2*delay, 5*time.Second)
	}
}

// passing says whether a JetStream call may succeed if tried again.
func passing(err error) bool {
	var apiErr *jetstream.APIError
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) ||
		errors.Is(err, nats.ErrNoResponders) || errors.Is(err, jetstream.ErrNoStreamResponse) ||
		(errors.As(err, &apiErr) && apiErr.Code == 503)
}

type worker struct {
	b    *Broker
	opts WorkerOptions
	log  *slog.Logger
	ctx  context.Context

	conns    []*conn
	closing  atomic.Bool   // the worker closes its connections itself
	lost     chan struct{} // closed when one is gone for good
	lostOnce sync.Once

	mu      sync.Mutex
	stopped bool
	wg      sync.WaitGroup // deliveries under way
}

func (w *worker) handle(s *Subscription, c *conn, msg jetstream.Msg) {
	w.mu.Lock()
	if w.stopped || w.ctx.Err() != nil {
		w.mu.Unlock()
		msg.Nak() // stopping: another worker takes it now
		return
	}
	w.wg.Add(1)
	w.mu.Unlock()
	defer w.wg.Done()
	sub := s.ID()
	// A delivery under way is finished even when the worker is told to
	// stop: cut short, the subscriber might take it while this worker
	// cannot record it, and it would go out twice. Timeout bounds it.
	ctx := context.WithoutCancel(w.ctx)
	var ev event
	if err := json.Unmarshal(msg.Data(), &ev); err != nil {
		w.log.Error("undecodable change in the stream; dropped", "subscriber", sub, "err", err)
		msg.Term()
		return
	}
	key := deliveredKey(s, ev.URI)
	st, rev, err := w.state(ctx, c.delivered, key)
	if err != nil {
		w.log.Warn("reading the delivered version; will retry", "subscriber", sub, "uri", ev.URI, "err", err)
		msg.NakWithDelay(w.backoff(msg))
		return
	}
	if !st.wants(&ev, rev != 0) {
		w.opts.Metrics.skip(sub)
		msg.Ack()
		return
	}
	stop := w.keepAlive(msg)
	defer stop()
	status, err := w.post(ctx, s, &ev)
	switch {
	case err == nil && slices.Contains(s.Success, status):
		w.record(ctx, c.delivered, sub, key, st.after(&ev), rev)
		if err := msg.Ack(); err != nil {
			w.log.Warn("acknowledging a delivered change; it will be skipped when it comes back", "subscriber", sub, "uri", ev.URI, "err", err)
		}
		w.opts.Metrics.delivered(sub, ev.At)
		w.log.Debug("delivered", "subscriber", sub, "action", ev.Action, "uri", ev.URI, "version", ev.Version.Value, "status", status)
	case err == nil && slices.Contains(s.Discard, status):
		msg.Ack()
		w.opts.Metrics.discarded(sub)
		w.log.Info("discarded", "subscriber", sub, "action", ev.Action, "uri", ev.URI, "status", status)
	default:
		delay := w.backoff(msg)
		msg.NakWithDelay(delay)
		w.opts.Metrics.retried(sub)
		if err != nil {
			w.log.Warn("delivery failed; will retry", "subscriber", sub, "uri", ev.URI, "in", delay, "err", err)
		} else {
			w.log.Warn("delivery failed; will retry", "subscriber", sub, "uri", ev.URI, "in", delay, "status", status)
		}
	}
}

// state reads what the subscriber has of a document; rev is 0 when it has
// nothing.
func (w *worker) state(ctx context.Context, delivered jetstream.KeyValue, key string) (deliveredState, uint64, error) {
	var st deliveredState
	entry, err := delivered.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return st, 0, nil
	}
	if err != nil {
		return st, 0, err
	}
	if err := json.Unmarshal(entry.Value(), &st); err != nil {
		return st, 0, fmt.Errorf("bucket %s holds a bad entry: %w", DeliveredBucket, err)
	}
	return st, entry.Revision(), nil
}

// record stores the delivered version, compare-and-set on the revision read
// before delivery. Failing to record means the change may be delivered
// again, so it keeps trying for a while (a cluster electing a leader takes
// seconds), the change still held.
func (w *worker) record(ctx context.Context, delivered jetstream.KeyValue, sub, key string, st deliveredState, rev uint64) {
	data, _ := json.Marshal(st)
	wait := 100 * time.Millisecond
	deadline := time.Now().Add(30 * time.Second)
	for {
		var err error
		if rev == 0 {
			_, err = delivered.Create(ctx, key, data)
		} else {
			_, err = delivered.Update(ctx, key, data, rev)
		}
		switch {
		case err == nil:
			return
		case isRevisionConflict(err):
			// Another worker delivered this document meanwhile (this one was
			// presumed dead); its record stands.
			w.log.Warn("another worker delivered the same document concurrently", "subscriber", sub)
			return
		case time.Now().After(deadline):
			w.log.Error("recording a delivery failed; the change may be delivered again", "subscriber", sub, "err", err)
			return
		}
		time.Sleep(wait)
		wait = min(2*wait, 2*time.Second)
	}
}

// keepAlive tells JetStream the change is still being worked on, so it is
// not handed to another worker while this one waits for the subscriber.
func (w *worker) keepAlive(msg jetstream.Msg) (stop func()) {
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(w.b.ackWait / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				msg.InProgress()
			}
		}
	}()
	return func() { close(done) }
}

// post calls the subscriber's webhook and returns the status code.
func (w *worker) post(ctx context.Context, s *Subscription, ev *event) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, w.opts.Timeout)
	defer cancel()
	req, err := s.request(ctx, ev)
	if err != nil {
		return 0, err
	}
	resp, err := w.opts.Client.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // without the url, which may hold secrets from the environment
		}
		return 0, err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return resp.StatusCode, nil
}

// backoff is the delay before the next attempt at msg.
func (w *worker) backoff(msg jetstream.Msg) time.Duration {
	attempt := uint64(1)
	if md, err := msg.Metadata(); err == nil {
		attempt = md.NumDelivered
	}
	d := w.opts.RetryBase
	for i := uint64(1); i < attempt && d < w.opts.RetryMax; i++ {
		d *= 2
	}
	d = min(d, w.opts.RetryMax)
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// defaultTransport keeps a connection per lane alive: subscribers often
// share a host, and the standard two idle connections per host would make
// every lane beyond the second reconnect for each change.
func defaultTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 128
	return t
}
