package pluginserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/resource-sync/resource-sync/internal/batch"
	"github.com/resource-sync/resource-sync/internal/wire"
	"github.com/resource-sync/resource-sync/internal/wire/fromproto"
	"github.com/resource-sync/resource-sync/internal/wire/toproto"
	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
	"github.com/resource-sync/resource-sync/sdk"
)

// Write runs the author's Writer between two goroutines: one receives item
// batches from the host, one sends results back as they are reported, so
// the host can release children as soon as their parents are reported.
func (s *endpointServer) Write(stream grpc.BidiStreamingServer[pb.Write_Request, pb.Write_Response]) error {
	writes.Add(1)
	defer writes.Done()
	first, err := stream.Recv()
	if errors.Is(err, io.EOF) {
		return nil
	}
	if err != nil {
		return err
	}
	o, done, err := s.startWrite(first.GetHandle())
	if err != nil {
		return err
	}
	defer done()
	w, ok := o.ep.(sdk.Writer)
	if !ok {
		return status.Errorf(codes.Unimplemented, "plugin %s: endpoint cannot be written", s.plugin)
	}
	ctx, cancel := context.WithCancel(stream.Context())
	defer cancel()
	// A held write commits nothing until the host releases it, or ends
	// the stream.
	release := func() {}
	if first.GetHoldCommits() {
		released := make(chan struct{})
		release = sync.OnceFunc(func() { close(released) })
		ctx = wire.WithCommitsReleased(ctx, released)
	}

	items := make(chan sdk.WriteItem, batch.MaxItems)
	recvErr := make(chan error, 1)
	go func() {
		defer close(items)
		msg := first
		for {
			if msg.GetReleaseCommits() {
				release()
			}
			for _, it := range msg.GetItems() {
				select {
				case items <- fromproto.WriteItem(it):
				case <-ctx.Done():
					return
				}
			}
			var err error
			msg, err = stream.Recv()
			if errors.Is(err, io.EOF) {
				release()
				return
			}
			if err != nil {
				recvErr <- err
				cancel()
				return
			}
		}
	}()

	results := make(chan *pb.Write_Result, batch.MaxItems)
	sendErr := make(chan error, 1)
	go func() { sendErr <- sendResults(stream, results) }()

	rep := &reporter{
		results:     results,
		hostStages:  first.GetAcceptsStaged(),
		autoStage:   first.GetAcceptsStaged() && !o.spec.ConcurrentWrites,
		outstanding: map[int64]bool{},
		staged:      map[int64]stage{},
	}
	var summary sdk.WriteSummary
	werr := guard(s.plugin, func() (err error) {
		summary, err = w.Write(ctx, rep.pull(items), rep.report)
		return err
	})
	rep.finish(werr == nil && ctx.Err() == nil, s.plugin)
	if err := <-sendErr; err != nil {
		return err
	}
	select {
	case err := <-recvErr:
		return err
	default:
	}
	if werr != nil {
		return asStatus(werr)
	}
	return stream.Send(&pb.Write_Response{Done: true, Removed: int64(summary.Removed)})
}

// stage is how an item came to be staged.
type stage int

const (
	stagedByAuthor stage = iota + 1 // the Writer reported sdk.Staged
	stagedBySDK                     // the Writer asked for more without reporting it
)

// reporter forwards the Writer's reports to the host and stages items
// for it. A host that gates children on their parents' reports (every
// endpoint without ConcurrentWrites declares staged writes) would wait
// forever for a Writer that reports only when it commits, after the last
// item: so when the Writer asks for another item and none is waiting, the
// items it took and has not reported are reported Staged first. A Writer
// that reports before it pulls again is never staged.
type reporter struct {
	results    chan<- *pb.Write_Result
	hostStages bool // the host understands STATUS_STAGED
	autoStage  bool

	mu          sync.Mutex
	closed      bool
	outstanding map[int64]bool // handed to the Writer, not yet reported
	staged      map[int64]stage
}

// pull yields the host's items to the Writer.
func (r *reporter) pull(items <-chan sdk.WriteItem) func(yield func(sdk.WriteItem) bool) {
	return func(yield func(sdk.WriteItem) bool) {
		for {
			var it sdk.WriteItem
			var ok bool
			select {
			case it, ok = <-items:
			default:
				r.stageOutstanding()
				it, ok = <-items
			}
			if !ok {
				return
			}
			r.mu.Lock()
			r.outstanding[it.Seq] = true
			r.mu.Unlock()
			if !yield(it) {
				return
			}
		}
	}
}

// stageOutstanding reports Staged for what the Writer holds unreported.
func (r *reporter) stageOutstanding() {
	if !r.autoStage {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for seq := range r.outstanding {
		delete(r.outstanding, seq)
		r.staged[seq] = stagedBySDK
		r.send(&pb.Write_Result{Seq: seq, Status: pb.Write_STATUS_STAGED})
	}
}

// report is the Writer's report function.
func (r *reporter) report(res sdk.WriteResult) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.outstanding, res.Seq)
	if res.Status == sdk.Staged {
		if _, ok := r.staged[res.Seq]; ok {
			return // staged already, by the SDK
		}
		r.staged[res.Seq] = stagedByAuthor
		if !r.hostStages {
			return // said as Written once the write commits
		}
	} else {
		delete(r.staged, res.Seq)
	}
	r.send(toproto.Write_Result(res))
}

// finish ends the reports once Write returned. After a commit, items the
// Writer staged have landed; an older host, which does not know Staged,
// hears Written for them. Items the Writer took and never reported fail,
// staged for it or not: it never said what became of them.
func (r *reporter) finish(committed bool, plugin string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if committed {
		unreported := func(seq int64) {
			r.send(toproto.Write_Result(sdk.WriteResult{Seq: seq, Status: sdk.Failed,
				Err: fmt.Errorf("plugin %s: its Write returned without reporting this item", plugin)}))
		}
		for seq := range r.outstanding {
			unreported(seq)
		}
		for seq, how := range r.staged {
			switch {
			case how == stagedBySDK:
				unreported(seq)
			case !r.hostStages:
				r.send(&pb.Write_Result{Seq: seq, Status: pb.Write_STATUS_WRITTEN})
			}
		}
	}
	r.closed = true
	close(r.results)
}

func (r *reporter) send(res *pb.Write_Result) {
	if !r.closed {
		r.results <- res
	}
}

// sendResults sends whatever results are waiting as one message, so a busy
// writer gets batches and a slow one gets prompt answers.
func sendResults(stream grpc.BidiStreamingServer[pb.Write_Request, pb.Write_Response], results <-chan *pb.Write_Result) error {
	for r := range results {
		batch := []*pb.Write_Result{r}
	drain:
		for len(batch) < cap(results) {
			select {
			case r, ok := <-results:
				if !ok {
					break drain
				}
				batch = append(batch, r)
			default:
				break drain
			}
		}
		if err := stream.Send(&pb.Write_Response{Results: batch}); err != nil {
			for range results {
			}
			return err
		}
	}
	return nil
}
