package pluginserver

import (
	"context"
	"errors"
	"io"
	"iter"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/resource-sync/resource-sync/internal/wire"
	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
	"github.com/resource-sync/resource-sync/sdk"
)

// writerFunc is an endpoint whose Write is a function.
type writerFunc func(ctx context.Context, items iter.Seq[sdk.WriteItem], report func(sdk.WriteResult)) (sdk.WriteSummary, error)

type writeEndpoint struct {
	write  writerFunc
	closed *atomic.Bool // set by Close, when not nil
}

func (e writeEndpoint) Close() error {
	if e.closed != nil {
		e.closed.Store(true)
	}
	return nil
}
func (e writeEndpoint) Write(ctx context.Context, items iter.Seq[sdk.WriteItem], report func(sdk.WriteResult)) (sdk.WriteSummary, error) {
	return e.write(ctx, items, report)
}

// batchWriter reports only after the last item, as a writer that commits
// everything at the end does.
func batchWriter(ctx context.Context, items iter.Seq[sdk.WriteItem], report func(sdk.WriteResult)) (sdk.WriteSummary, error) {
	var seqs []int64
	for it := range items {
		seqs = append(seqs, it.Seq)
	}
	for _, s := range seqs {
		report(sdk.WriteResult{Seq: s, Status: sdk.Written})
	}
	return sdk.WriteSummary{}, nil
}

// connect serves an endpoint around write in this process and opens it.
func connect(t *testing.T, write writerFunc, concurrent bool) (pb.EndpointClient, string) {
	t.Helper()
	return connectEndpoint(t, writeEndpoint{write: write}, concurrent)
}

// connectEndpoint serves e in this process and opens it.
func connectEndpoint(t *testing.T, e writeEndpoint, concurrent bool) (pb.EndpointClient, string) {
	t.Helper()
	p := sdk.Plugin{Name: "test", Endpoints: []sdk.EndpointSpec{{
		Name: "w", Schemes: []string{"w"}, ConcurrentWrites: concurrent, Implements: writeEndpoint{},
		Open: func(context.Context, sdk.OpenRequest) (sdk.Endpoint, error) { return e, nil },
	}}}
	client, server := plugin.TestPluginGRPCConn(t, false, wire.PluginSet(func(s *grpc.Server) { Register(s, p) })[wire.ProtocolVersion])
	_ = server // stopped by closing the client
	t.Cleanup(func() { client.Close() })
	raw, err := client.Dispense(wire.PluginKey)
	if err != nil {
		t.Fatal(err)
	}
	ep := pb.NewEndpointClient(raw.(*grpc.ClientConn))
	resp, err := ep.Open(t.Context(), &pb.Open_Request{Endpoint: "w", Location: "w://x", Role: pb.Open_ROLE_DESTINATION})
	if err != nil {
		t.Fatal(err)
	}
	return ep, resp.GetHandle()
}

// writeSession is one Write call seen from the host.
type writeSession struct {
	t      *testing.T
	stream grpc.BidiStreamingClient[pb.Write_Request, pb.Write_Response]
	handle string
	stages bool
}

func startWrite(t *testing.T, ep pb.EndpointClient, handle string, acceptsStaged bool) *writeSession {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	stream, err := ep.Write(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return &writeSession{t: t, stream: stream, handle: handle, stages: acceptsStaged}
}

func (w *writeSession) send(seqs ...int64) {
	w.t.Helper()
	w.sendRequest(&pb.Write_Request{}, seqs...)
}

// sendRequest sends req with the session's handle and the items seqs.
func (w *writeSession) sendRequest(req *pb.Write_Request, seqs ...int64) {
	w.t.Helper()
	req.Handle, req.AcceptsStaged = w.handle, w.stages
	for _, s := range seqs {
		req.Items = append(req.Items, &pb.WriteItem{Seq: s, Resource: &pb.Resource{Id: "i", Type: "t"}})
	}
	if err := w.stream.Send(req); err != nil {
		w.t.Fatal(err)
	}
}

// expect receives results until it has n of them, as "seq:status" lines.
func (w *writeSession) expect(n int) []string {
	w.t.Helper()
	var got []string
	for len(got) < n {
		resp, err := w.stream.Recv()
		if err != nil {
			w.t.Fatalf("after %v: %v", got, err)
		}
		for _, r := range resp.GetResults() {
			line := pb.Write_Status_name[int32(r.GetStatus())]
			if r.GetError() != nil {
				line += " " + r.GetError().GetSummary()
			}
			got = append(got, strings.TrimPrefix(line, "STATUS_")+"@"+string(rune('0'+r.GetSeq())))
		}
		if resp.GetDone() {
			w.t.Fatalf("done after %v, want %d results", got, n)
		}
	}
	slices.Sort(got)
	return got
}

// finish half-closes and returns the remaining results, sorted, ending
// with "done".
func (w *writeSession) finish() []string {
	w.t.Helper()
	if err := w.stream.CloseSend(); err != nil {
		w.t.Fatal(err)
	}
	var got []string
	done := false
	for {
		resp, err := w.stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			w.t.Fatalf("after %v: %v", got, err)
		}
		for _, r := range resp.GetResults() {
			line := strings.TrimPrefix(pb.Write_Status_name[int32(r.GetStatus())], "STATUS_")
			if r.GetError() != nil {
				line += " " + r.GetError().GetSummary()
			}
			got = append(got, line+"@"+string(rune('0'+r.GetSeq())))
		}
		done = done || resp.GetDone()
	}
	slices.Sort(got)
	if done {
		got = append(got, "done")
	}
	return got
}

func check(t *testing.T, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// A writer that reports only at the end gets its items staged whenever
// it waits for more, so a host holding children back is never stuck.
func TestWriteStagesForAWriterReportingAtTheEnd(t *testing.T) {
	t.Parallel()
	ep, h := connect(t, batchWriter, false)
	w := startWrite(t, ep, h, true)
	w.send(1, 2)
	check(t, w.expect(2), "STAGED@1", "STAGED@2")
	w.send(3)
	check(t, w.expect(1), "STAGED@3")
	check(t, w.finish(), "WRITTEN@1", "WRITTEN@2", "WRITTEN@3", "done")
}

// A host that does not know Staged never hears it.
func TestWriteNeverStagesForAnOlderHost(t *testing.T) {
	t.Parallel()
	ep, h := connect(t, batchWriter, false)
	w := startWrite(t, ep, h, false)
	w.send(1, 2)
	w.send(3)
	check(t, w.finish(), "WRITTEN@1", "WRITTEN@2", "WRITTEN@3", "done")
}

// Nor does an endpoint writing concurrently, which reports as it goes.
func TestWriteNeverStagesForConcurrentWrites(t *testing.T) {
	t.Parallel()
	ep, h := connect(t, batchWriter, true)
	w := startWrite(t, ep, h, true)
	w.send(1, 2)
	check(t, w.finish(), "WRITTEN@1", "WRITTEN@2", "done")
}

// A writer that reports each item before it pulls the next is never
// staged.
func TestWriteReportingAsItGoesIsNotStaged(t *testing.T) {
	t.Parallel()
	ep, h := connect(t, func(_ context.Context, items iter.Seq[sdk.WriteItem], report func(sdk.WriteResult)) (sdk.WriteSummary, error) {
		for it := range items {
			report(sdk.WriteResult{Seq: it.Seq, Status: sdk.Written})
		}
		return sdk.WriteSummary{}, nil
	}, false)
	w := startWrite(t, ep, h, true)
	w.send(1)
	check(t, w.expect(1), "WRITTEN@1")
	check(t, w.finish(), "done")
}

// An item the writer staged itself lands with the commit: the host hears
// Staged, or an older host Written once the write returned.
func TestWriteStagedByTheWriter(t *testing.T) {
	t.Parallel()
	stager := func(_ context.Context, items iter.Seq[sdk.WriteItem], report func(sdk.WriteResult)) (sdk.WriteSummary, error) {
		for it := range items {
			report(sdk.WriteResult{Seq: it.Seq, Status: sdk.Staged})
		}
		return sdk.WriteSummary{}, nil
	}
	ep, h := connect(t, stager, false)
	w := startWrite(t, ep, h, true)
	w.send(1)
	check(t, w.expect(1), "STAGED@1")
	check(t, w.finish(), "done")

	old := startWrite(t, ep, h, false)
	old.send(1)
	check(t, old.finish(), "WRITTEN@1", "done")
}

// Items a writer took and never reported fail, staged for it or not.
func TestWriteFailsWhatTheWriterNeverReported(t *testing.T) {
	t.Parallel()
	forgetful := func(_ context.Context, items iter.Seq[sdk.WriteItem], report func(sdk.WriteResult)) (sdk.WriteSummary, error) {
		for it := range items {
			if it.Seq == 1 {
				report(sdk.WriteResult{Seq: it.Seq, Status: sdk.Written})
			}
		}
		return sdk.WriteSummary{}, nil
	}
	ep, h := connect(t, forgetful, false)
	w := startWrite(t, ep, h, true)
	w.send(1, 2)
	check(t, w.expect(2), "STAGED@2", "WRITTEN@1")
	w.send(3)
	// Staged as the Writer asks for more: waited for here, or the finish
	// below races with it.
	check(t, w.expect(1), "STAGED@3")
	const never = " plugin test: its Write returned without reporting this item"
	check(t, w.finish(), "FAILED"+never+"@2", "FAILED"+never+"@3", "done")
}

// releaseWriter reports, as each item's status, whether commits were
// released when it took the item: Written if so, Staged if held.
func releaseWriter(ctx context.Context, items iter.Seq[sdk.WriteItem], report func(sdk.WriteResult)) (sdk.WriteSummary, error) {
	released := sdk.CommitsReleased(ctx)
	for it := range items {
		status := sdk.Staged
		select {
		case <-released:
			status = sdk.Written
		default:
		}
		report(sdk.WriteResult{Seq: it.Seq, Status: status})
	}
	select {
	case <-released:
		return sdk.WriteSummary{}, nil
	default:
		return sdk.WriteSummary{}, errors.New("the items ended and commits are still held")
	}
}

// A host holds a write's commits until it releases them, with items or
// alone, or ends the stream; a write it does not hold is released from
// the start.
func TestWriteHoldsCommitsUntilReleased(t *testing.T) {
	t.Parallel()
	ep, h := connect(t, releaseWriter, false)

	w := startWrite(t, ep, h, true)
	w.sendRequest(&pb.Write_Request{HoldCommits: true}, 1)
	check(t, w.expect(1), "STAGED@1")
	w.send(2)
	check(t, w.expect(1), "STAGED@2")
	w.sendRequest(&pb.Write_Request{ReleaseCommits: true}, 3)
	check(t, w.expect(1), "WRITTEN@3")
	check(t, w.finish(), "done")

	alone := startWrite(t, ep, h, true)
	alone.sendRequest(&pb.Write_Request{HoldCommits: true}, 1)
	check(t, alone.expect(1), "STAGED@1")
	alone.sendRequest(&pb.Write_Request{ReleaseCommits: true})
	alone.send(2)
	check(t, alone.expect(1), "WRITTEN@2")
	check(t, alone.finish(), "done")

	ended := startWrite(t, ep, h, true)
	ended.sendRequest(&pb.Write_Request{HoldCommits: true}, 1)
	check(t, ended.expect(1), "STAGED@1")
	check(t, ended.finish(), "done")

	free := startWrite(t, ep, h, true)
	free.send(1)
	check(t, free.expect(1), "WRITTEN@1")
	check(t, free.finish(), "done")
}

// An error from Open reaches the host whole: an *sdk.Error with its source.
func TestOpenErrorKeepsItsSource(t *testing.T) {
	t.Parallel()
	p := sdk.Plugin{Name: "test", Endpoints: []sdk.EndpointSpec{{
		Name: "w", Schemes: []string{"w"},
		Open: func(context.Context, sdk.OpenRequest) (sdk.Endpoint, error) {
			return nil, &sdk.Error{Source: "exmaples", Msg: "no such directory \xff"}
		},
	}}}
	client, server := plugin.TestPluginGRPCConn(t, false, wire.PluginSet(func(s *grpc.Server) { Register(s, p) })[wire.ProtocolVersion])
	_ = server
	t.Cleanup(func() { client.Close() })
	raw, err := client.Dispense(wire.PluginKey)
	if err != nil {
		t.Fatal(err)
	}
	_, err = pb.NewEndpointClient(raw.(*grpc.ClientConn)).Open(t.Context(), &pb.Open_Request{Endpoint: "w", Location: "exmaples"})
	if got := status.Convert(err).Message(); got != "exmaples: no such directory \uFFFD" {
		t.Errorf("Open: %q, want the source and the message, valid UTF-8", got)
	}
}

// Closing a handle waits for its writes: a write the host cancelled is
// still undoing what it staged, which the plugin's stop would cut short.
func TestCloseWaitsForTheHandlesWrites(t *testing.T) {
	t.Parallel()
	started, undone := make(chan struct{}), make(chan struct{})
	ep, h := connect(t, func(ctx context.Context, items iter.Seq[sdk.WriteItem], report func(sdk.WriteResult)) (sdk.WriteSummary, error) {
		close(started)
		<-ctx.Done()
		time.Sleep(200 * time.Millisecond) // undoing
		close(undone)
		return sdk.WriteSummary{}, ctx.Err()
	}, false)
	ctx, cancel := context.WithCancel(t.Context())
	stream, err := ep.Write(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Send(&pb.Write_Request{Handle: h, Items: []*pb.WriteItem{{Seq: 1, Resource: &pb.Resource{Id: "i", Type: "t"}}}}); err != nil {
		t.Fatal(err)
	}
	<-started
	cancel()
	if _, err := ep.Close(t.Context(), &pb.Close_Request{Handle: h}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-undone:
	default:
		t.Error("Close returned before the cancelled write ended")
	}
	// The handle is gone: a write on it now is refused.
	late, err := ep.Write(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if err := late.Send(&pb.Write_Request{Handle: h}); err != nil {
		t.Fatal(err)
	}
	if _, err := late.Recv(); status.Code(err) != codes.NotFound {
		t.Errorf("write on a closed handle: %v, want NotFound", err)
	}
}

// A Close the host gives up on leaves the endpoint open under its
// write, rather than close it while the write may still be undoing.
func TestCloseGivesUpWithItsContext(t *testing.T) {
	t.Parallel()
	started, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	var closed atomic.Bool
	ep, h := connectEndpoint(t, writeEndpoint{closed: &closed, write: func(ctx context.Context, items iter.Seq[sdk.WriteItem], report func(sdk.WriteResult)) (sdk.WriteSummary, error) {
		close(started)
		<-release // a write slow to end, cancelled or not
		return sdk.WriteSummary{}, nil
	}}, false)
	stream, err := ep.Write(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Send(&pb.Write_Request{Handle: h}); err != nil {
		t.Fatal(err)
	}
	<-started
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	if _, err := ep.Close(ctx, &pb.Close_Request{Handle: h}); status.Code(err) != codes.DeadlineExceeded {
		t.Errorf("Close: %v, want DeadlineExceeded", err)
	}
	if closed.Load() {
		t.Error("the endpoint was closed under its running write")
	}
}
