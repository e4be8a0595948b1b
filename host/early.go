package host

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"slices"
	"sync"

	"github.com/resource-sync/resource-sync/internal/batch"
	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// Staging while reading (SyncOptions.StageWhileReading). A sync from one
// origin into a destination that holds nothing yet writes every resource
// it reads as a create, whatever else the plan finds. So each resource is
// encoded and sent to the destination as soon as it is read, in one write
// whose commits the destination holds (holds-commits): the destination
// stages it, and nothing lands. Apply then only releases the commit, once
// the plan is made.
//
// A resource read again is not staged again: following every link reads
// a parent in its collection and again at its own uri, and the inventory
// keeps the first copy (two that differ fail the sync).
//
// The plan still decides. Apply releases the staged write only when the
// plan's writes are exactly the creates it staged: every resource staged
// once, with the body the plan writes, and staged without a problem.
// Otherwise (one that failed to stage or encode, a destination that
// gained resources meanwhile) the staged write is cancelled, the
// destination drops what it staged, and Apply writes as it would have. A
// sync that stops before Apply cancels it too.
type earlyWrite struct {
	r      *syncRun
	ctx    context.Context
	cancel context.CancelFunc
	in     chan []earlyItem // from the origin's reader
	quit   chan struct{}    // closed once the read ended: in is drained
	stopIn func()
	handed chan struct{} // closed once every batch of in went to the encoder
	recv   chan struct{} // closed once the write stream ended
	ws     writeSession  // nil until the first resource
	enc    *batchStream[pb.Encode_Request, pb.Encode_Response]

	mu      sync.Mutex
	changed *sync.Cond // a result came, or the stream ended
	pending []earlyItem
	// taken are the keys of the resources taken, hashed: 8 bytes each
	// where a set of keys would hold their strings. Two keys that collide
	// leave the second unstaged, and the plan then does not match.
	taken  map[uint64]struct{}
	seed   maphash.Seed
	closed bool  // no more resources: Apply took it, or it failed
	failed error // why the staged write cannot be used
	// sent are the resources sent, by the seq of their items: in the
	// order they were read, which is the order of their bodies in the
	// spill file (match).
	sent    []*found
	staged  []bool // by seq, reported staged
	nStaged int
	onFinal func(*pb.Write_Result) // Apply's, once it released the commit
	done    bool                   // the destination said it committed
	ended   bool                   // the stream ended
	recvErr error
}

// earlyItem is a resource read, with the body its document gave.
type earlyItem struct {
	f    *found
	json []byte
}

// startEarlyWrite starts staging while reading when the sync allows it
// and the destination holds no document; nil otherwise.
func (r *syncRun) startEarlyWrite(ctx context.Context) *earlyWrite {
	dest := r.destEP
	// Only an origin that follows links, an API, is read slowly enough
	// for the overlap to pay: a directory is read faster than it is
	// written (directory to directory ran at 0.8-0.85 times the plain
	// program's time without it), and overlapping them took the process
	// serving both past 100 MB at 100,000 resources.
	if !r.opts.StageWhileReading || r.conditional || len(r.originEPs) != 1 || !r.originEPs[0].can(CapFetch) ||
		dest.target.kind != endpointPlugin || !dest.can(CapHoldsCommits) || !dest.can(CapRead) ||
		dest.can(CapConcurrentWrites) || dest.wholeContent() || !r.destHoldsNothing(ctx) {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	e := &earlyWrite{r: r, ctx: ctx, cancel: cancel, in: make(chan []earlyItem), quit: make(chan struct{}),
		handed: make(chan struct{}), recv: make(chan struct{}), taken: map[uint64]struct{}{}, seed: maphash.MakeSeed()}
	e.changed = sync.NewCond(&e.mu)
	e.stopIn = sync.OnceFunc(func() { close(e.quit) })
	go e.send()
	r.h.logger.Debug("staging the writes while reading", "destination", dest.target.name())
	return e
}

// destHoldsNothing says whether the destination holds no document at all;
// it reads no further than the first.
func (r *syncRun) destHoldsNothing(ctx context.Context) bool {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	out := make(chan docBatch)
	errc := make(chan error, 1)
	go func() { errc <- r.destEP.read(ctx, out) }()
	for {
		select {
		case b := <-out:
			if len(b.docs) > 0 || len(b.errs) > 0 {
				cancel()
				<-errc
				return false
			}
		case err := <-errc:
			return err == nil
		}
	}
}

// add takes a resource the origin's reader kept, with its body as read
// (secret fields as placeholders); flush hands what add took to the
// encoder. Both are called with the reader's lock held.
func (e *earlyWrite) add(f *found, json []byte) {
	if e == nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return
	}
	sum := maphash.Comparable(e.seed, f.key())
	if _, ok := e.taken[sum]; ok {
		return // read again: the inventory keeps the copy taken
	}
	e.taken[sum] = struct{}{}
	e.pending = append(e.pending, earlyItem{f: f, json: json})
}

func (e *earlyWrite) flush() {
	if e == nil {
		return
	}
	e.mu.Lock()
	items := e.pending
	e.pending = nil
	e.mu.Unlock()
	if len(items) == 0 {
		return
	}
	select {
	case e.in <- items:
	case <-e.quit:
	case <-e.ctx.Done():
	}
}

// stop says the staged write will not be used, for why.
func (e *earlyWrite) stop(why error) {
	if e == nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.failLocked(why)
}

func (e *earlyWrite) failLocked(why error) {
	if e.failed == nil {
		e.failed = why
		e.r.h.logger.Debug("not staging while reading", "reason", why)
		// The destination drops what it staged now, not at the end of
		// the read.
		e.cancel()
	}
	e.closed = true
	e.pending, e.taken = nil, nil
	e.changed.Broadcast()
}

func (e *earlyWrite) usable() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.failed
}

// send encodes each batch read and sends it to the destination: the
// encoder's answers go on as items of the write.
func (e *earlyWrite) send() {
	defer close(e.handed)
	for {
		var items []earlyItem
		select {
		case items = <-e.in:
		case <-e.quit:
			// The read ended: what it flushed is waiting.
			select {
			case items = <-e.in:
			default:
			}
		}
		if items == nil {
			break
		}
		if e.usable() != nil {
			continue
		}
		if e.ws == nil {
			if err := e.open(); err != nil {
				e.stop(err)
				continue
			}
		}
		values := make([]*pb.Value, 0, len(items))
		size := 0
		for i := range items {
			rec := &items[i].f.rec
			body, err := e.r.secrets.onWrite(rec, items[i].json)
			if err != nil {
				e.stop(err)
				break
			}
			items[i].json = body
			values = append(values, &pb.Value{Json: body, Source: rec.Source(), Line: rec.Line()})
			size += len(body)
		}
		if e.usable() != nil {
			continue
		}
		e.mu.Lock()
		from := int64(len(e.sent))
		for _, it := range items {
			e.sent = append(e.sent, it.f)
		}
		e.staged = append(e.staged, make([]bool, len(items))...)
		e.mu.Unlock()
		err := e.enc.send(&pb.Encode_Request{Format: e.r.format.Name, Style: e.r.style(), Values: values}, size,
			func(resp *pb.Encode_Response) error { return e.write(items, from, resp) })
		if err != nil {
			e.stop(err)
		}
	}
	if e.enc != nil {
		if err := e.enc.close(); err != nil {
			e.stop(err)
		}
	}
}

// open starts the encoder and the write, which holds its commits.
func (e *earlyWrite) open() error {
	r := e.r
	fp, err := r.h.Plugin(e.ctx, r.format.plugin)
	if err != nil {
		return err
	}
	raw, err := fp.formatters().Encode(e.ctx)
	if err != nil {
		return fp.callError(e.ctx, err)
	}
	ws, err := r.destEP.write(e.ctx)
	if err != nil {
		_ = raw.CloseSend()
		return err
	}
	if err := ws.Send(&pb.Write_Request{Handle: r.destEP.handle, AcceptsStaged: true, HoldCommits: true}); err != nil {
		return r.destEP.callError(e.ctx, err)
	}
	e.enc, e.ws = newBatchStream(fp, raw), ws
	go e.receive()
	return nil
}

// write sends the encoded items of one batch; it runs on the encoder's
// receiving goroutine, the only one that sends items.
func (e *earlyWrite) write(items []earlyItem, from int64, resp *pb.Encode_Response) error {
	results := resp.GetResults()
	if len(results) != len(items) {
		e.stop(errors.New("the formatter answered a batch with another number of results"))
		return nil
	}
	if e.usable() != nil {
		return nil
	}
	r := e.r
	ext, mediaType := first(r.format.Extensions), first(r.format.MediaTypes)
	out := make([]*pb.WriteItem, len(items))
	for i, res := range results {
		content := res.GetContent()
		switch {
		case res.GetError() != nil:
			e.stop(fmt.Errorf("%s cannot be encoded", items[i].f.rec.describe()))
			return nil
		case len(content) > batch.MaxResourceBytes:
			e.stop(fmt.Errorf("%s is too large once encoded", items[i].f.rec.describe()))
			return nil
		}
		var body []byte
		if !r.destEP.can(CapContentWrites) {
			body = items[i].json
		}
		out[i] = &pb.WriteItem{Seq: from + int64(i), Content: content, Extension: ext, MediaType: mediaType,
			Resource: items[i].f.rec.toProto(body, "")}
	}
	// Messages bounded by bytes, as any write's.
	var b batch.Batcher[*pb.WriteItem]
	b.MaxBytes = batch.TargetBytes
	sendBatch := func() error {
		return e.ws.Send(&pb.Write_Request{Handle: r.destEP.handle, Items: b.Take(), AcceptsStaged: true})
	}
	for _, it := range out {
		if b.Add(it, len(it.GetContent())+len(it.GetResource().GetJson())) {
			if err := sendBatch(); err != nil {
				e.stop(r.destEP.callError(e.ctx, err))
				return nil
			}
		}
	}
	if b.Len() > 0 {
		if err := sendBatch(); err != nil {
			e.stop(r.destEP.callError(e.ctx, err))
		}
	}
	return nil
}

// receive takes the write's results: items staged while reading, then,
// once Apply released the commit, their outcomes.
func (e *earlyWrite) receive() {
	defer close(e.recv)
	defer func() {
		e.mu.Lock()
		e.ended = true
		e.changed.Broadcast()
		e.mu.Unlock()
	}()
	for {
		resp, err := e.ws.Recv()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				e.mu.Lock()
				e.recvErr = e.r.destEP.callError(e.ctx, err)
				e.mu.Unlock()
				e.stop(err)
			}
			return
		}
		e.mu.Lock()
		for _, res := range resp.GetResults() {
			seq := res.GetSeq()
			switch {
			case e.onFinal != nil && res.GetStatus() != pb.Write_STATUS_STAGED:
				e.onFinal(res)
			case res.GetStatus() == pb.Write_STATUS_STAGED && seq >= 0 && seq < int64(len(e.staged)):
				if !e.staged[seq] {
					e.staged[seq] = true
					e.nStaged++
				}
			default:
				// Failed, or found in place: the write the plan makes
				// reports it as it should be.
				e.failLocked(fmt.Errorf("item %d reported %s while staged", res.GetSeq(), res.GetStatus()))
			}
		}
		if resp.GetDone() {
			e.done = true
		}
		e.changed.Broadcast()
		e.mu.Unlock()
	}
}

// abandon cancels the staged write: the destination drops what it staged.
func (e *earlyWrite) abandon() {
	if e == nil {
		return
	}
	e.stop(errors.New("the sync did not apply it"))
	e.cancel()
	e.closeInput()
	<-e.handed
	if e.ws != nil {
		<-e.recv
	}
}

// closeInput says the read ended: no more batches come.
func (e *earlyWrite) closeInput() { e.stopIn() }

// commit applies the plan p with the staged write, when p writes exactly
// what it staged; used says it did, else the staged write was cancelled
// and nothing of it lands.
func (e *earlyWrite) commit(ctx context.Context, p *plan) (used bool, err error) {
	defer context.AfterFunc(ctx, e.cancel)()
	e.closeInput()
	<-e.handed
	nodes, why := e.match(p)
	if why == nil && len(nodes) == 0 {
		why = errors.New("nothing to write")
	}
	if why == nil {
		why = e.waitStaged(len(nodes))
	}
	if why != nil {
		e.stop(why)
		e.abandon()
		return false, nil
	}
	r := e.r
	settled := make([]bool, len(nodes))
	e.mu.Lock()
	e.onFinal = func(res *pb.Write_Result) {
		seq := res.GetSeq()
		if seq < 0 || seq >= int64(len(nodes)) || settled[seq] {
			if e.recvErr == nil {
				e.recvErr = r.destEP.protocolError("reported a write result for item %d, which it was never sent or reported already", seq)
			}
			return
		}
		settled[seq] = true
		n := nodes[seq]
		var ferr error
		if d := res.GetError(); d != nil {
			ferr = fmt.Errorf("%s: %w", n.res().describe(), diagnosticError(d))
		}
		r.emitOutcome(n, res.GetStatus(), ferr)
	}
	e.mu.Unlock()
	sendErr := e.ws.Send(&pb.Write_Request{Handle: r.destEP.handle, ReleaseCommits: true})
	if sendErr == nil {
		sendErr = e.ws.CloseSend()
	}
	<-e.recv
	e.cancel()
	e.mu.Lock()
	err, done := e.recvErr, e.done
	e.mu.Unlock()
	if err == nil && sendErr != nil && !errors.Is(sendErr, io.EOF) {
		err = r.destEP.callError(e.ctx, sendErr)
	}
	if err == nil && !done {
		err = r.destEP.protocolError("ended its write without saying it committed")
	}
	for seq, n := range nodes {
		switch {
		case settled[seq]:
		case err == nil:
			err = r.destEP.protocolError("finished its write without reporting %s", n.key())
			fallthrough
		default:
			r.emit(n.event(OutcomeFailed, fmt.Errorf("%s: staged, and the write did not commit: %w: %w",
				n.res().describe(), ErrNotConfirmed, errorCause(err))))
		}
	}
	return true, err
}

// match lists p's writes by the seq they were staged under, or says why
// they are not what was staged.
func (e *earlyWrite) match(p *plan) ([]*node, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.failed != nil {
		return nil, e.failed
	}
	e.closed = true
	e.taken = nil
	if len(p.deletes) > 0 || len(p.writes) != len(e.sent) {
		return nil, fmt.Errorf("the plan writes %d resources and deletes %d; %d were staged",
			len(p.writes), len(p.deletes), len(e.sent))
	}
	// Found by where its body is in the spill file: a map from each
	// resource to its seq would cost megabytes at 100,000.
	nodes := make([]*node, len(p.writes))
	for _, n := range p.writes {
		if n.action != actCreate || n.dst != nil || n.cond() != nil || n.src == nil {
			return nil, fmt.Errorf("%s is not planned as the create staged", n.key())
		}
		if n.body != n.src.body {
			return nil, fmt.Errorf("%s is planned with another body", n.key())
		}
		seq, ok := slices.BinarySearchFunc(e.sent, n.src.body.off, func(f *found, off int64) int { return cmp.Compare(f.body.off, off) })
		if !ok || e.sent[seq] != n.src || nodes[seq] != nil {
			return nil, fmt.Errorf("%s is not planned as the create staged", n.key())
		}
		nodes[seq] = n
	}
	return nodes, nil
}

// waitStaged waits until the destination reported all n items staged:
// one that fails to stage then stops the staged write before anything is
// released, and its children are skipped as in any write.
func (e *earlyWrite) waitStaged(n int) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	for e.nStaged < n && e.failed == nil && !e.ended {
		e.changed.Wait()
	}
	switch {
	case e.failed != nil:
		return e.failed
	case e.nStaged < n:
		return errors.New("the write ended before every resource was staged")
	}
	return nil
}
