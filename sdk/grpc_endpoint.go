package sdk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"strconv"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/resource-sync/resource-sync/internal/batch"
	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

type endpointServer struct {
	pb.UnimplementedEndpointServer
	plugin string
	specs  map[string]EndpointSpec

	mu      sync.Mutex
	next    int
	handles map[string]Endpoint
}

func newEndpointServer(p *Plugin) *endpointServer {
	s := &endpointServer{plugin: p.Name, specs: map[string]EndpointSpec{}, handles: map[string]Endpoint{}}
	for _, e := range p.Endpoints {
		s.specs[e.Name] = e
	}
	return s
}

func (s *endpointServer) Open(ctx context.Context, req *pb.Open_Request) (*pb.Open_Response, error) {
	spec, ok := s.specs[req.GetEndpoint()]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "plugin %s has no endpoint %q", s.plugin, req.GetEndpoint())
	}
	ep, err := spec.Open(ctx, OpenRequest{
		Location: req.GetLocation(),
		Role:     Role(req.GetRole()),
		Replace:  req.GetReplace(),
		Formats:  formatInfoFromProto(req.GetFormats()),
		Options:  req.GetOptions(),
		Schema:   req.GetSchema(),
		Follow:   followFromProto(req.GetFollow()),
		Origins:  req.GetOrigins(),
		Filters:  req.GetFilters(),
		// Only an endpoint that declared it gets to answer "unchanged".
		ConditionalReads: spec.ConditionalReads && req.GetConditionalReads(),
	})
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, validUTF8(err.Error()))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	h := strconv.Itoa(s.next)
	s.handles[h] = ep
	resp := &pb.Open_Response{Handle: h}
	if r, ok := ep.(Recommender); ok {
		recommendationToProto(r.Recommend(), resp)
	}
	return resp, nil
}

// recommendationToProto fills an Open response with what the endpoint
// recommends.
func recommendationToProto(r Recommendation, resp *pb.Open_Response) {
	resp.Schema, resp.SchemaOptions, resp.Service = r.Schema, r.SchemaOptions, r.Service
	for _, f := range r.Ignore {
		resp.Ignore = append(resp.Ignore, &pb.FieldRule{Type: f.Type, Pointer: f.Pointer, Env: f.Env})
	}
	for _, f := range r.Secrets {
		resp.Secrets = append(resp.Secrets, &pb.FieldRule{Type: f.Type, Pointer: f.Pointer, Env: f.Env})
	}
}

func (s *endpointServer) endpoint(handle string) (Endpoint, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ep, ok := s.handles[handle]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "plugin %s: no open endpoint %q", s.plugin, handle)
	}
	return ep, nil
}

func (s *endpointServer) Close(_ context.Context, req *pb.Close_Request) (*pb.Close_Response, error) {
	s.mu.Lock()
	ep, ok := s.handles[req.GetHandle()]
	delete(s.handles, req.GetHandle())
	s.mu.Unlock()
	if ok {
		if err := ep.Close(); err != nil {
			return nil, asStatus(err)
		}
	}
	return &pb.Close_Response{}, nil
}

func (s *endpointServer) Read(req *pb.Read_Request, stream grpc.ServerStreamingServer[pb.Read_Response]) error {
	ep, err := s.endpoint(req.GetHandle())
	if err != nil {
		return err
	}
	r, ok := ep.(Reader)
	if !ok {
		return status.Errorf(codes.Unimplemented, "plugin %s: endpoint cannot be read", s.plugin)
	}
	return sendDocuments(stream, r.Read(stream.Context()))
}

func (s *endpointServer) Fetch(req *pb.Fetch_Request, stream grpc.ServerStreamingServer[pb.Read_Response]) error {
	ep, err := s.endpoint(req.GetHandle())
	if err != nil {
		return err
	}
	f, ok := ep.(Fetcher)
	if !ok {
		return status.Errorf(codes.Unimplemented, "plugin %s: endpoint cannot fetch uris", s.plugin)
	}
	return sendDocuments(stream, f.Fetch(stream.Context(), req.GetUris()))
}

func (s *endpointServer) Inventory(req *pb.Inventory_Request, stream grpc.ServerStreamingServer[pb.Read_Response]) error {
	ep, err := s.endpoint(req.GetHandle())
	if err != nil {
		return err
	}
	inv, ok := ep.(Inventorier)
	if !ok {
		return status.Errorf(codes.Unimplemented, "plugin %s: endpoint cannot list an inventory", s.plugin)
	}
	scope := make([]Resource, len(req.GetScope()))
	for i, r := range req.GetScope() {
		scope[i] = resourceFromProto(r)
	}
	return sendDocuments(stream, inv.Inventory(stream.Context(), scope))
}

// sendDocuments batches a document iterator onto a stream. Problems with
// single documents travel as diagnostics; any other error ends the stream.
func sendDocuments(stream grpc.ServerStreamingServer[pb.Read_Response], docs iter.Seq2[Document, error]) error {
	var b batch.Batcher[*pb.Document]
	var diags []*pb.Diagnostic
	flush := func() error {
		if b.Len() == 0 && len(diags) == 0 {
			return nil
		}
		resp := &pb.Read_Response{Documents: b.Take(), Errors: diags}
		diags = nil
		return stream.Send(resp)
	}
	for doc, err := range docs {
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				return asStatus(err)
			}
			diags = append(diags, diagnostic(err))
			continue
		}
		if err := batch.Check("document "+doc.Source, len(doc.Content)); err != nil {
			diags = append(diags, diagnostic(&Error{Source: doc.Source, Msg: err.Error()}))
			continue
		}
		if b.Add(documentToProto(doc), len(doc.Content)) {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := stream.Context().Err(); err != nil {
		return status.FromContextError(err).Err()
	}
	return flush()
}

func (s *endpointServer) Delete(ctx context.Context, req *pb.Delete_Request) (*pb.Delete_Response, error) {
	ep, err := s.endpoint(req.GetHandle())
	if err != nil {
		return nil, err
	}
	d, ok := ep.(Deleter)
	if !ok {
		return nil, status.Errorf(codes.Unimplemented, "plugin %s: endpoint cannot delete", s.plugin)
	}
	resources := make([]Resource, len(req.GetResources()))
	for i, r := range req.GetResources() {
		resources[i] = resourceFromProto(r)
	}
	if err := d.Delete(ctx, resources); err != nil {
		return &pb.Delete_Response{Errors: []*pb.Diagnostic{diagnostic(err)},
			PreconditionFailed: errors.Is(err, ErrPreconditionFailed)}, nil
	}
	return &pb.Delete_Response{}, nil
}

// Changes sends the feed in messages bounded by the batch limits; the
// cursor travels in the last one.
func (s *endpointServer) Changes(req *pb.Changes_Request, stream grpc.ServerStreamingServer[pb.Changes_Response]) error {
	ep, err := s.endpoint(req.GetHandle())
	if err != nil {
		return err
	}
	c, ok := ep.(Changer)
	if !ok {
		return status.Errorf(codes.Unimplemented, "plugin %s: endpoint offers no changes feed", s.plugin)
	}
	var feed ChangeFeed
	if err := guard(s.plugin, func() (err error) {
		feed, err = c.Changes(stream.Context(), ChangesRequest{Since: req.GetSince(), CursorOnly: req.GetCursorOnly()})
		return err
	}); err != nil {
		return asStatus(err)
	}
	if feed.Unavailable != "" {
		return stream.Send(&pb.Changes_Response{Unavailable: true, Reason: validUTF8(feed.Unavailable)})
	}
	var b batch.Batcher[*pb.Change]
	for _, ch := range feed.Changes {
		pc := changeToProto(ch)
		if b.Add(pc, len(pc.GetUri())+len(pc.GetId())+len(pc.GetType())+128) {
			if err := stream.Send(&pb.Changes_Response{Changes: b.Take()}); err != nil {
				return err
			}
		}
	}
	return stream.Send(&pb.Changes_Response{Changes: b.Take(), Cursor: feed.Cursor})
}

// Write runs the author's Writer between two goroutines: one receives item
// batches from the host, one sends results back as they are reported, so
// the host can release children as soon as their parents are written.
func (s *endpointServer) Write(stream grpc.BidiStreamingServer[pb.Write_Request, pb.Write_Response]) error {
	first, err := stream.Recv()
	if errors.Is(err, io.EOF) {
		return nil
	}
	if err != nil {
		return err
	}
	ep, err := s.endpoint(first.GetHandle())
	if err != nil {
		return err
	}
	w, ok := ep.(Writer)
	if !ok {
		return status.Errorf(codes.Unimplemented, "plugin %s: endpoint cannot be written", s.plugin)
	}
	ctx, cancel := context.WithCancel(stream.Context())
	defer cancel()

	items := make(chan WriteItem, batch.MaxItems)
	recvErr := make(chan error, 1)
	go func() {
		defer close(items)
		msg := first
		for {
			for _, it := range msg.GetItems() {
				select {
				case items <- writeItemFromProto(it):
				case <-ctx.Done():
					return
				}
			}
			var err error
			msg, err = stream.Recv()
			if errors.Is(err, io.EOF) {
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

	var reportMu sync.Mutex
	closed := false
	report := func(r WriteResult) {
		reportMu.Lock()
		defer reportMu.Unlock()
		if closed {
			return
		}
		results <- writeResultToProto(r)
	}
	pull := func(yield func(WriteItem) bool) {
		for it := range items {
			if !yield(it) {
				return
			}
		}
	}
	var summary WriteSummary
	werr := guard(s.plugin, func() (err error) {
		summary, err = w.Write(ctx, pull, report)
		return err
	})
	reportMu.Lock()
	closed = true
	close(results)
	reportMu.Unlock()
	if err := <-sendErr; err != nil {
		return err
	}
	select {
	case err := <-recvErr:
		return err
	default:
	}
	if werr != nil {
		return asStatus(fmt.Errorf("%w", werr))
	}
	return stream.Send(&pb.Write_Response{Done: true, Removed: int64(summary.Removed)})
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
