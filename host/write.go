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

// write encodes the ordered resources in the destination's format and
// streams them to the destination. An endpoint with concurrent writes gets
// each resource once its parents are written; a failed resource's
// descendants are skipped.
func (r *syncRun) write(ctx context.Context, dest *openEndpoint, nodes []*node, have map[string]existingResource) (Summary, error) {
	sum := Summary{Read: len(nodes)}
	// Either side failing cancels both streams: the destination must not
	// commit (no --rm removal, no file replaced) after a failure it did
	// not see.
	g, gctx := errgroup.WithContext(ctx)
	fp, err := r.h.Plugin(ctx, r.format.plugin)
	if err != nil {
		return sum, err
	}
	rawEnc, err := fp.formatters().Encode(gctx)
	if err != nil {
		return sum, fp.callError(ctx, err)
	}
	enc := newBatchStream(rawEnc)
	ws, err := dest.write(gctx)
	if err != nil {
		return sum, err
	}
	style := pb.Encode_STYLE_FILE_UNSPECIFIED
	if dest.target.kind != endpointPlugin {
		style = pb.Encode_STYLE_STREAM
	}
	sch := newScheduler(nodes, dest.can(CapConcurrentWrites), r.opts.FailFast)
	if p := r.opts.Progress; p != nil {
		p.Start(len(nodes))
		defer p.Finish()
	}
	ext, mediaType := first(r.format.Extensions), first(r.format.MediaTypes)

	// Sender: ready resources -> Encode -> Write.
	g.Go(func() error {
		var sendErr error
		for {
			ready := sch.next(batch.MaxItems)
			if ready == nil {
				break
			}
			values := make([]*pb.Value, len(ready))
			for i, n := range ready {
				body, err := r.spill.get(n.body)
				if err == nil {
					// A service gets values for placeholders (secretrun.go).
					body, err = r.secrets.onWrite(n.res, body)
				}
				if err != nil {
					sch.stop()
					return err
				}
				values[i] = &pb.Value{Json: body, Source: n.res.GetSource(), Line: n.res.GetLine()}
			}
			err := enc.send(&pb.Encode_Request{Format: r.format.Name, Style: style, Values: values}, func(resp *pb.Encode_Response) {
				items := make([]*pb.WriteItem, 0, len(ready))
				for i, res := range resp.GetResults() {
					n := ready[i]
					if d := res.GetError(); d != nil {
						sch.hostFailed(n.seq, fmt.Errorf("%s: %w", describeResource(n.res), diagnosticError(d)))
						continue
					}
					body := values[i].GetJson()
					if err := batch.Check("resource "+describeResource(n.res), len(res.GetContent())+len(body)); err != nil {
						sch.hostFailed(n.seq, err)
						continue
					}
					item := &pb.WriteItem{Seq: int64(n.seq), Resource: withBody(n.res, body), Content: res.GetContent(),
						Extension: ext, MediaType: mediaType}
					if old, ok := have[n.key()]; ok && old.format == r.format.Name && old.sum == n.sum {
						item.Unchanged, item.ExistingLocation = true, old.location
					}
					items = append(items, item)
				}
				if len(items) > 0 && sendErr == nil {
					sendErr = ws.Send(&pb.Write_Request{Handle: dest.handle, Items: items})
				}
			})
			if err != nil {
				sch.stop()
				return fp.callError(gctx, err)
			}
		}
		if err := enc.close(); err != nil {
			return fp.callError(gctx, err)
		}
		if n := sch.hostFailures(); n > 0 && r.opts.Replace {
			// The destination never saw these; committing a replace
			// would remove their old copies as stale.
			return fmt.Errorf("%d resources could not be encoded; --rm removed nothing and replaced nothing:\n  %w",
				n, errors.Join(sch.failuresCopy()...))
		}
		if sendErr != nil && !errors.Is(sendErr, io.EOF) {
			return dest.callError(gctx, sendErr)
		}
		if sendErr == nil {
			sch.mu.Lock()
			empty := sch.sent == 0
			sch.mu.Unlock()
			if empty {
				// The plugin needs the handle even for an empty write, to
				// commit (an empty file, --rm removing everything stale).
				if err := ws.Send(&pb.Write_Request{Handle: dest.handle}); err != nil {
					return dest.callError(gctx, err)
				}
			}
		}
		return ws.CloseSend()
	})
	// Receiver: results release children; the last message commits.
	g.Go(func() error {
		for {
			resp, err := ws.Recv()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				sch.stop()
				return dest.callError(gctx, err)
			}
			for _, res := range resp.GetResults() {
				n := nodes[res.GetSeq()]
				var ferr error
				if d := res.GetError(); d != nil {
					ferr = fmt.Errorf("%s: %w", describeResource(n.res), diagnosticError(d))
				}
				sch.done(int(res.GetSeq()), res.GetStatus(), ferr)
				if p := r.opts.Progress; p != nil {
					p.Add(1)
				}
			}
			if resp.GetDone() {
				sch.mu.Lock()
				sch.removed = int(resp.GetRemoved())
				sch.mu.Unlock()
			}
		}
	})
	err = g.Wait()
	return sch.summary(sum), err
}

// withBody is r carrying its body again, for the destination.
func withBody(r *pb.Resource, body []byte) *pb.Resource {
	return &pb.Resource{Id: r.GetId(), Type: r.GetType(), Uri: r.GetUri(), Parents: r.GetParents(), Json: body,
		Source: r.GetSource(), Line: r.GetLine(), Location: r.GetLocation()}
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

// scheduler hands out resources whose parents are done and tracks
// outcomes. Without concurrent writes every resource is ready at once, in
// order.
type scheduler struct {
	mu         sync.Mutex
	cond       *sync.Cond
	nodes      []*node
	waiting    []int // parents not yet written, per node
	state      []pb.Write_Status
	skipped    []bool
	ready      []int
	sent       int // handed out by next
	unsent     int // neither handed out nor skipped
	sentDone   int // of those, settled
	failFast   bool
	stopped    bool
	failures   []error
	failedHere int // of the failures, those the destination never saw
	removed    int
}

func newScheduler(nodes []*node, concurrent, failFast bool) *scheduler {
	s := &scheduler{nodes: nodes, waiting: make([]int, len(nodes)), state: make([]pb.Write_Status, len(nodes)),
		skipped: make([]bool, len(nodes)), failFast: failFast, unsent: len(nodes)}
	s.cond = sync.NewCond(&s.mu)
	for i, n := range nodes {
		if concurrent {
			s.waiting[i] = len(n.parents)
		}
		if s.waiting[i] == 0 {
			s.ready = append(s.ready, i)
		}
	}
	return s
}

// next blocks until resources are ready and returns up to max of them in
// order, or nil when nothing more will be sent.
func (s *scheduler) next(max int) []*node {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.ready) == 0 && !s.stopped && s.unsent > 0 && s.sent > s.sentDone {
		s.cond.Wait()
	}
	if s.stopped || len(s.ready) == 0 {
		return nil
	}
	n := min(max, len(s.ready))
	out := make([]*node, n)
	for i, idx := range s.ready[:n] {
		out[i] = s.nodes[idx]
	}
	s.ready = s.ready[n:]
	s.sent += n
	s.unsent -= n
	return out
}

// done records an outcome and releases or skips the node's children.
func (s *scheduler) done(seq int, status pb.Write_Status, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state[seq] != pb.Write_STATUS_UNSPECIFIED {
		return
	}
	s.state[seq] = status
	s.sentDone++
	switch status {
	case pb.Write_STATUS_FAILED:
		if err == nil {
			err = fmt.Errorf("%s: write failed", describeResource(s.nodes[seq].res))
		}
		s.failures = append(s.failures, err)
		s.skip(seq)
		if s.failFast {
			s.stopped = true
		}
	default:
		for _, c := range s.nodes[seq].children {
			if s.skipped[c] {
				continue
			}
			if s.waiting[c] > 0 {
				if s.waiting[c]--; s.waiting[c] == 0 {
					s.ready = append(s.ready, c)
				}
			}
		}
	}
	s.cond.Broadcast()
}

// skip marks every descendant of seq that has not been sent as skipped.
func (s *scheduler) skip(seq int) {
	for _, c := range s.nodes[seq].children {
		if s.skipped[c] || s.waiting[c] == 0 {
			continue
		}
		s.skipped[c] = true
		s.state[c] = pb.Write_STATUS_FAILED
		s.unsent--
		s.skip(c)
	}
}

// hostFailed records a resource that failed before reaching the
// destination (it could not be encoded).
func (s *scheduler) hostFailed(seq int, err error) {
	s.mu.Lock()
	s.failedHere++
	s.mu.Unlock()
	s.done(seq, pb.Write_STATUS_FAILED, err)
}

func (s *scheduler) hostFailures() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failedHere
}

func (s *scheduler) failuresCopy() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]error(nil), s.failures...)
}

func (s *scheduler) stop() {
	s.mu.Lock()
	s.stopped = true
	s.cond.Broadcast()
	s.mu.Unlock()
}

func (s *scheduler) summary(sum Summary) Summary {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, st := range s.state {
		switch {
		case s.skipped[i]:
			sum.Skipped++
		case st == pb.Write_STATUS_WRITTEN:
			sum.Written++
		case st == pb.Write_STATUS_UNCHANGED:
			sum.Unchanged++
		case st == pb.Write_STATUS_FAILED:
			sum.Failed++
		default:
			sum.Skipped++ // never sent: --fail-fast stopped first
		}
	}
	sum.Removed = s.removed
	sum.Failures = s.failures
	return sum
}
