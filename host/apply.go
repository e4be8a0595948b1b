package host

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/resource-sync/resource-sync/internal/batch"
	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// apply carries out a plan: creates and updates parents first, then, only
// when every one of them succeeded, deletes children first.
func (r *syncRun) apply(ctx context.Context, p *plan) error {
	if !r.destEP.wholeContent() {
		// Already in place: nothing to send.
		for _, s := range p.steps {
			if s.action == actUnchanged {
				r.emit(s.event(OutcomeUnchanged, nil))
			}
		}
	}
	if e := r.early; e != nil {
		// Staged while reading (early.go): committed if the plan is
		// what was staged. It is all creates then, nothing to delete.
		r.early = nil
		if used, err := e.commit(ctx, p); used {
			return err
		}
	}
	writeErr := r.applyWrites(ctx, p)
	if writeErr != nil || r.tally.failedAny() {
		for _, n := range p.deletes {
			r.emit(n.event(OutcomeSkipped, errors.New("not deleted: a write failed or the sync stopped")))
		}
		return writeErr
	}
	return r.applyDeletes(ctx, p.deletes)
}

// applyWrites streams the resources to write to the destination. An
// endpoint that reports every item as it takes it (concurrent writes or
// staged writes) gets each one once its parents are reported; a failed
// resource's descendants that were not sent yet are skipped.
func (r *syncRun) applyWrites(ctx context.Context, p *plan) error {
	dest := r.destEP
	nodes := p.writes
	// A whole-content destination is always written: it keeps its bytes
	// when they are what it would hold, and an empty sync makes it empty.
	if len(nodes) == 0 && !dest.wholeContent() {
		return nil
	}
	// Either side failing cancels both streams: the destination must not
	// commit after a failure it did not see.
	g, gctx := errgroup.WithContext(ctx)
	ws, err := dest.write(gctx)
	if err != nil {
		return err
	}
	gated := dest.can(CapConcurrentWrites) || dest.can(CapStagedWrites)
	sch := newScheduler(nodes, gated, r.opts.FailFast)
	sch.onSkip = func(n *node, cause error) {
		r.emit(n.event(OutcomeSkipped, fmt.Errorf("a parent failed: %w", cause)))
	}
	ext, mediaType := first(r.format.Extensions), first(r.format.MediaTypes)

	// Encoding late, beside the write: the destination holds its commits
	// until every resource was encoded, and each resource goes once it
	// is.
	var enc *encodeProgress
	if p.encodeLate {
		enc = newEncodeProgress(len(nodes))
		g.Go(func() error {
			err := r.encode(gctx, nodes, enc.reached)
			enc.finish(err == nil)
			return err
		})
	}
	// held says the destination was asked to hold its commits and never
	// released: nothing of this write landed.
	held := false

	// Sender: ready resources -> Write, in messages bounded by bytes. A
	// stream the endpoint ended refuses sends with io.EOF; the receiver
	// says why it ended.
	g.Go(func() error {
		sent := false
		var b batch.Batcher[*pb.WriteItem]
		b.MaxBytes = batch.TargetBytes
		send := func() error {
			req := &pb.Write_Request{Handle: dest.handle, Items: b.Take(), AcceptsStaged: true}
			if !sent && enc != nil {
				req.HoldCommits, held = true, true
			}
			if held && enc.succeeded() {
				req.ReleaseCommits, held = true, false
			}
			sent = true
			err := ws.Send(req)
			if err != nil {
				sch.stop()
			}
			if errors.Is(err, io.EOF) {
				return errStreamEnded
			}
			return err
		}
		for {
			ready := sch.next(batch.MaxItems)
			if ready == nil {
				break
			}
			for _, n := range ready {
				if enc != nil && !enc.wait(int(n.seq)) {
					// It could not be encoded, or the sync stops: the
					// encoder says why.
					sch.stop()
					return nil
				}
				item, err := r.writeItem(n, ext, mediaType)
				if err != nil {
					sch.stop()
					return err
				}
				if b.Add(item, len(item.GetContent())+len(item.GetResource().GetJson())) {
					if err := send(); err != nil {
						return senderError(gctx, dest, err)
					}
				}
			}
			if b.Len() > 0 {
				if err := send(); err != nil {
					return senderError(gctx, dest, err)
				}
			}
		}
		if !sent {
			// The plugin needs the handle even for an empty write, to
			// commit (an empty file).
			if err := send(); err != nil {
				return senderError(gctx, dest, err)
			}
		}
		if held {
			// Nothing more to send (--fail-fast, a failure): the write
			// still commits only once every resource was encoded.
			if !enc.waitAll() {
				sch.stop()
				return nil
			}
			if err := send(); err != nil {
				return senderError(gctx, dest, err)
			}
		}
		return senderError(gctx, dest, ws.CloseSend())
	})
	// Receiver: results release children; the last message says the
	// endpoint committed, after which nothing more is sent.
	committed := false
	g.Go(func() error {
		for {
			resp, err := ws.Recv()
			if errors.Is(err, io.EOF) {
				sch.stop()
				if !committed {
					return dest.protocolError("ended its write without saying it committed")
				}
				return nil
			}
			if err != nil {
				sch.stop()
				return dest.callError(gctx, err)
			}
			if committed {
				sch.stop()
				return dest.protocolError("sent write results after saying it committed")
			}
			for _, res := range resp.GetResults() {
				if err := r.writeResult(sch, nodes, res); err != nil {
					sch.stop()
					return err
				}
			}
			if resp.GetDone() {
				committed = true
				sch.stop()
			}
		}
	})
	return r.settleWrites(sch, g.Wait(), held)
}

// errStreamEnded is a send on a Write stream the endpoint already ended.
var errStreamEnded = errors.New("write stream ended")

// senderError is what the sender returns for err: nothing when the
// endpoint ended the stream, as the receiver reports that.
func senderError(ctx context.Context, dest *openEndpoint, err error) error {
	if err == nil || errors.Is(err, errStreamEnded) {
		return nil
	}
	return dest.callError(ctx, err)
}

// writeResult takes one reported result: an outcome, or a staged item
// whose outcome comes with the commit. Anything the protocol does not
// allow stops the sync with an error naming the plugin.
func (r *syncRun) writeResult(sch *scheduler, nodes []*node, res *pb.Write_Result) error {
	dest := r.destEP
	seq := res.GetSeq()
	if seq < 0 || seq >= int64(len(nodes)) || !sch.handedOut(int(seq)) {
		return dest.protocolError("reported a write result for item %d, which it was never sent", seq)
	}
	n := nodes[seq]
	status := res.GetStatus()
	switch status {
	case pb.Write_STATUS_WRITTEN, pb.Write_STATUS_UNCHANGED, pb.Write_STATUS_FAILED, pb.Write_STATUS_STAGED:
	case pb.Write_STATUS_PRECONDITION_FAILED:
		if n.cond() == nil {
			return dest.protocolError("reported a failed precondition for %s, which was sent without one", n.key())
		}
	default:
		return dest.protocolError("reported write status %d for %s, which this host does not know", status, n.key())
	}
	var ferr error
	if d := res.GetError(); d != nil {
		ferr = fmt.Errorf("%s: %w", n.res().describe(), diagnosticError(d))
	}
	// A conditional write (bisync) reports what it found.
	if c := n.cond(); c != nil {
		c.etag, c.uri = res.GetEtag(), res.GetUri()
		if status == pb.Write_STATUS_PRECONDITION_FAILED {
			c.failed = true
			status = pb.Write_STATUS_FAILED
		}
	}
	if !sch.done(int32(seq), status, ferr) {
		return dest.protocolError("reported %s twice", n.key())
	}
	if status != pb.Write_STATUS_STAGED {
		r.emitOutcome(n, status, ferr)
	}
	return nil
}

// settleWrites gives every resource of a write that ended without an
// outcome one: staged ones landed if the write committed; what the
// endpoint was sent and never answered for may or may not have landed;
// what it was never sent did not, nor anything of a write whose commits
// were held to the end. It returns err, or the protocol error of an
// endpoint that ended its write early.
func (r *syncRun) settleWrites(sch *scheduler, err error, uncommitted bool) error {
	dest := r.destEP
	staged, handed, unsent := sch.unsettled()
	switch {
	case err != nil:
	case len(handed) > 0:
		err = dest.protocolError("finished its write without reporting %s", handed[0].key())
	case len(unsent) > 0 && !sch.failedFast():
		err = dest.protocolError("committed its write before it was sent %s", unsent[0].key())
	}
	if err != nil && uncommitted {
		// The destination held its commits (holds-commits) and dropped
		// what it staged with the write.
		unsent = append(append(unsent, handed...), staged...)
		staged, handed = nil, nil
	}
	for _, n := range staged {
		if err == nil {
			r.emitOutcome(n, pb.Write_STATUS_WRITTEN, nil)
			continue
		}
		r.emit(n.event(OutcomeFailed, fmt.Errorf("%s: staged, and the write did not commit: %w: %w",
			n.res().describe(), ErrNotConfirmed, errorCause(err))))
	}
	for _, n := range handed {
		r.emit(n.event(OutcomeFailed, fmt.Errorf("%s: %w: %w", n.res().describe(), ErrNotConfirmed, errorCause(err))))
	}
	for _, n := range unsent {
		switch {
		case err != nil:
			r.emit(n.event(OutcomeSkipped, fmt.Errorf("not written: %w", errorCause(err))))
		default:
			r.emit(n.event(OutcomeSkipped, errors.New("not attempted: --fail-fast")))
		}
	}
	return err
}

// ErrNotConfirmed is wrapped by the failure of a resource the
// destination was sent and never confirmed: it may or may not have been
// written.
var ErrNotConfirmed = errors.New("not confirmed, it may or may not have been written")

func errorCause(err error) error {
	if errors.Is(err, context.Canceled) {
		return errors.New("interrupted")
	}
	return err
}

// writeItem is what the destination receives for n.
func (r *syncRun) writeItem(n *node, ext, mediaType string) (*pb.WriteItem, error) {
	var body []byte
	if !r.destEP.can(CapContentWrites) {
		var err error
		if body, err = r.spill.get(n.body); err != nil {
			return nil, err
		}
		// The body travels with its content; both carry the secret
		// values a service destination needs (secretrun.go).
		if body, err = r.secrets.onWrite(n.res(), body); err != nil {
			return nil, err
		}
	}
	var content []byte
	if !r.jsonBodies {
		var err error
		if content, err = r.spill.get(n.content); err != nil {
			return nil, err
		}
	}
	item := &pb.WriteItem{Seq: int64(n.seq), Content: content, Extension: ext, MediaType: mediaType,
		Resource: n.res().toProto(body, "")}
	if n.dst != nil {
		// Where the destination holds it now: an update in place, or a
		// move when the format (file extension) changes.
		item.ExistingLocation = n.dst.rec.Location()
		item.Unchanged = n.action == actUnchanged
	}
	if c := n.cond(); c != nil {
		item.IfMatch, item.IfNoneMatch = c.ifMatch, c.ifNoneMatch
	}
	return item, nil
}

// emitOutcome turns a write result into the step's outcome event.
func (r *syncRun) emitOutcome(n *node, status pb.Write_Status, err error) {
	switch {
	case n.preconditionFailed():
		r.emit(n.event(OutcomeRetried, err))
	case status == pb.Write_STATUS_FAILED:
		r.emit(n.event(OutcomeFailed, err))
	case n.action == actUnchanged || status == pb.Write_STATUS_UNCHANGED:
		r.emit(n.event(OutcomeUnchanged, nil))
	default:
		r.emit(n.event(OutcomeWritten, nil))
	}
}

// maxDeletesInFlight bounds concurrent deletes for endpoints that write
// concurrently.
const maxDeletesInFlight = 8

// applyDeletes removes resources children first; a resource whose child
// could not be deleted is skipped, as the destination would refuse it or
// lose the child with it.
func (r *syncRun) applyDeletes(ctx context.Context, nodes []*node) error {
	if len(nodes) == 0 {
		return nil
	}
	dest := r.destEP
	if dest.wholeContent() {
		// Rewritten without them: gone once the write committed.
		for _, n := range nodes {
			r.emit(n.event(OutcomeDeleted, nil))
		}
		return nil
	}
	sch := newScheduler(nodes, true, r.opts.FailFast)
	sch.onSkip = func(n *node, cause error) {
		r.emit(n.event(OutcomeSkipped, fmt.Errorf("a child could not be deleted: %w", cause)))
	}
	workers := 1
	if dest.can(CapConcurrentWrites) {
		workers = maxDeletesInFlight
	}
	var wg sync.WaitGroup
	for range min(workers, len(nodes)) {
		wg.Go(func() {
			for {
				batch := sch.next(1)
				if batch == nil || ctx.Err() != nil {
					return
				}
				n := batch[0]
				err := dest.delete(ctx, n.dst.rec.toProto(nil, n.deleteETag()))
				if c := n.cond(); c != nil && errors.Is(err, errPreconditionFailed) {
					// Changed since read (bisync): read again, planned again.
					c.failed = true
					sch.done(n.seq, pb.Write_STATUS_FAILED, err)
					r.emit(n.event(OutcomeRetried, err))
					continue
				}
				if err != nil {
					err = fmt.Errorf("%s: cannot delete: %w", n.dst.rec.describe(), err)
					sch.done(n.seq, pb.Write_STATUS_FAILED, err)
					r.emit(n.event(OutcomeFailed, err))
					continue
				}
				sch.done(n.seq, pb.Write_STATUS_WRITTEN, nil)
				r.emit(n.event(OutcomeDeleted, nil))
			}
		})
	}
	wg.Wait()
	_, handed, held := sch.unsettled()
	for _, n := range append(handed, held...) {
		if ctx.Err() != nil {
			r.emit(n.event(OutcomeSkipped, errors.New("not deleted: interrupted")))
		} else {
			r.emit(n.event(OutcomeSkipped, errors.New("not attempted: --fail-fast")))
		}
	}
	return ctx.Err()
}

func first(list []string) string {
	if len(list) == 0 {
		return ""
	}
	return list[0]
}

func (e *openEndpoint) callError(ctx context.Context, err error) error {
	if e.plugin == nil {
		return err
	}
	return e.plugin.callError(ctx, err)
}

// ProtocolError is a plugin breaking the protocol's rules (reporting an
// item it was never sent, or twice). The sync stops; nothing panics.
type ProtocolError struct {
	Plugin string
	Msg    string
}

func (e *ProtocolError) Error() string {
	return fmt.Sprintf("plugin %s broke the protocol: it %s", e.Plugin, e.Msg)
}

func (e *openEndpoint) protocolError(format string, args ...any) error {
	if e.plugin != nil {
		return e.plugin.protocolError(format, args...)
	}
	return &ProtocolError{Plugin: e.target.location, Msg: fmt.Sprintf(format, args...)}
}

func (p *Plugin) protocolError(format string, args ...any) error {
	return &ProtocolError{Plugin: p.Name(), Msg: fmt.Sprintf(format, args...)}
}

// encodeProgress says how far a late encode went (plan.encodeLate).
// Results come in order, so every write before upto is encoded.
type encodeProgress struct {
	mu    sync.Mutex
	cond  *sync.Cond
	total int
	upto  int
	// want is what the sender waits for, -1 when it does not: it is woken
	// once, not at every resource.
	want int
	// finished is set once the encode returned; ok, once it returned
	// without a problem.
	finished, ok bool
}

// encodeWakeup is how many resources the sender waits to be encoded
// when it runs out.
const encodeWakeup = 64

func newEncodeProgress(total int) *encodeProgress {
	e := &encodeProgress{total: total, want: -1}
	e.cond = sync.NewCond(&e.mu)
	return e
}

// reached records that write i was encoded.
func (e *encodeProgress) reached(i int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if i != e.upto {
		return // one before could not be encoded
	}
	e.upto++
	if e.want >= 0 && e.upto > e.want {
		e.want = -1
		e.cond.Broadcast()
	}
}

func (e *encodeProgress) finish(ok bool) {
	e.mu.Lock()
	e.finished, e.ok = true, ok
	e.mu.Unlock()
	e.cond.Broadcast()
}

// wait waits until write i is encoded and reports whether it was: not
// when it could not be, or the encode stopped first.
func (e *encodeProgress) wait(i int) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i >= e.upto && !e.finished {
		e.want = min(i+encodeWakeup, e.total) - 1
		e.cond.Wait()
	}
	return i < e.upto
}

// waitAll waits for the encode to return and reports whether every
// write was encoded.
func (e *encodeProgress) waitAll() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	for !e.finished {
		e.cond.Wait()
	}
	return e.ok
}

// succeeded reports whether the encode returned, every write encoded.
func (e *encodeProgress) succeeded() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.ok
}
