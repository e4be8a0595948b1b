package pluginserver

import (
	"context"
	"errors"
	"iter"
	"strconv"
	"strings"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/resource-sync/resource-sync/internal/batch"
	"github.com/resource-sync/resource-sync/internal/wire/fromproto"
	"github.com/resource-sync/resource-sync/internal/wire/toproto"
	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
	"github.com/resource-sync/resource-sync/sdk"
)

type endpointServer struct {
	pb.UnimplementedEndpointServer
	plugin string
	specs  map[string]sdk.EndpointSpec

	mu      sync.Mutex
	next    int
	handles map[string]openEndpoint
}

// openEndpoint is an endpoint the host opened, with its spec.
type openEndpoint struct {
	ep     sdk.Endpoint
	spec   sdk.EndpointSpec
	writes *sync.WaitGroup // its Write calls still running
}

func newEndpointServer(p sdk.Plugin) *endpointServer {
	s := &endpointServer{plugin: p.Name, specs: map[string]sdk.EndpointSpec{}, handles: map[string]openEndpoint{}}
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
	open := fromproto.OpenRequest(req)
	// Only an endpoint that declared it gets to answer "unchanged".
	open.ConditionalReads = open.ConditionalReads && spec.ConditionalReads
	ep, err := spec.Open(ctx, open)
	if err != nil {
		// The whole message, an *sdk.Error's source with it.
		return nil, status.Error(codes.InvalidArgument, strings.ToValidUTF8(err.Error(), "\uFFFD"))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	h := strconv.Itoa(s.next)
	s.handles[h] = openEndpoint{ep: ep, spec: spec, writes: new(sync.WaitGroup)}
	resp := &pb.Open_Response{Handle: h}
	if r, ok := ep.(sdk.Recommender); ok {
		toproto.Recommendation(r.Recommend(), resp)
	}
	return resp, nil
}

func (s *endpointServer) endpoint(handle string) (openEndpoint, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.handles[handle]
	if !ok {
		return openEndpoint{}, status.Errorf(codes.NotFound, "plugin %s: no open endpoint %q", s.plugin, handle)
	}
	return o, nil
}

// startWrite finds the endpoint of a Write call and counts the call as
// running until done is called; Close waits for it.
func (s *endpointServer) startWrite(handle string) (o openEndpoint, done func(), err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.handles[handle]
	if !ok {
		return openEndpoint{}, nil, status.Errorf(codes.NotFound, "plugin %s: no open endpoint %q", s.plugin, handle)
	}
	o.writes.Add(1)
	return o, o.writes.Done, nil
}

// Close returns once the handle's writes have ended. A write the host
// cancelled is still undoing what it staged, and the host stops the
// plugin's process after closing its handles: waiting here is what lets
// that undoing finish, however long it takes.
func (s *endpointServer) Close(ctx context.Context, req *pb.Close_Request) (*pb.Close_Response, error) {
	s.mu.Lock()
	o, ok := s.handles[req.GetHandle()]
	delete(s.handles, req.GetHandle())
	s.mu.Unlock()
	if !ok {
		return &pb.Close_Response{}, nil
	}
	ended := make(chan struct{})
	go func() {
		o.writes.Wait()
		close(ended)
	}()
	select {
	case <-ended:
	case <-ctx.Done():
		// Closing the endpoint under a running write could break its
		// undoing; the process's stop gives it a last chance instead.
		return nil, status.FromContextError(ctx.Err()).Err()
	}
	if err := o.ep.Close(); err != nil {
		return nil, asStatus(err)
	}
	return &pb.Close_Response{}, nil
}

func (s *endpointServer) Read(req *pb.Read_Request, stream grpc.ServerStreamingServer[pb.Read_Response]) error {
	o, err := s.endpoint(req.GetHandle())
	if err != nil {
		return err
	}
	r, ok := o.ep.(sdk.Reader)
	if !ok {
		return status.Errorf(codes.Unimplemented, "plugin %s: endpoint cannot be read", s.plugin)
	}
	if req.GetVersionsOnly() || len(req.GetLocations()) > 0 {
		v, ok := r.(sdk.VersionLister)
		if !ok {
			return status.Errorf(codes.Unimplemented, "plugin %s: endpoint cannot list versions", s.plugin)
		}
		if req.GetVersionsOnly() {
			return sendDocuments(stream, v.Versions(stream.Context()))
		}
		return sendDocuments(stream, v.ReadLocations(stream.Context(), req.GetLocations()))
	}
	return sendDocuments(stream, r.Read(stream.Context()))
}

func (s *endpointServer) Fetch(req *pb.Fetch_Request, stream grpc.ServerStreamingServer[pb.Read_Response]) error {
	o, err := s.endpoint(req.GetHandle())
	if err != nil {
		return err
	}
	f, ok := o.ep.(sdk.Fetcher)
	if !ok {
		return status.Errorf(codes.Unimplemented, "plugin %s: endpoint cannot fetch uris", s.plugin)
	}
	return sendDocuments(stream, f.Fetch(stream.Context(), req.GetUris()))
}

func (s *endpointServer) Inventory(req *pb.Inventory_Request, stream grpc.ServerStreamingServer[pb.Read_Response]) error {
	o, err := s.endpoint(req.GetHandle())
	if err != nil {
		return err
	}
	inv, ok := o.ep.(sdk.Inventorier)
	if !ok {
		return status.Errorf(codes.Unimplemented, "plugin %s: endpoint cannot list an inventory", s.plugin)
	}
	scope := fromproto.Resources(req.GetScope())
	if r, ok := inv.(sdk.MemoRestorer); ok && len(req.GetMemos()) > 0 && !req.GetMore() {
		r.RestoreMemos(fromproto.Memos(req.GetMemos()))
	}
	if ext, ok := inv.(sdk.InventoryExtender); ok && req.GetMore() {
		return sendDocuments(stream, ext.ExtendInventory(stream.Context(), scope))
	}
	return sendDocuments(stream, inv.Inventory(stream.Context(), scope))
}

// sendDocuments batches a document iterator onto a stream. Problems with
// single documents travel as diagnostics; any other error ends the stream.
func sendDocuments(stream grpc.ServerStreamingServer[pb.Read_Response], docs iter.Seq2[sdk.Document, error]) error {
	// The first message holds one document and each next one up to twice
	// as many, up to a full batch: the host decodes the first document
	// while the endpoint reads the next, not after a full batch of them.
	b := batch.Batcher[*pb.Document]{MaxItems: 1, MaxBytes: firstMessageBytes}
	var diags []*pb.Diagnostic
	flush := func() error {
		if b.Len() == 0 && len(diags) == 0 {
			return nil
		}
		resp := &pb.Read_Response{Documents: b.Take(), Errors: diags}
		diags = nil
		b.MaxItems, b.MaxBytes = min(2*b.MaxItems, batch.MaxItems), min(2*b.MaxBytes, batch.TargetBytes)
		return stream.Send(resp)
	}
	for doc, err := range docs {
		if err != nil {
			var e *sdk.Error
			if !errors.As(err, &e) {
				return asStatus(err)
			}
			diags = append(diags, toproto.Diagnostic(err))
			continue
		}
		if err := batch.Check("document "+doc.Source, len(doc.Content)); err != nil {
			diags = append(diags, toproto.Diagnostic(&sdk.Error{Source: doc.Source, Msg: err.Error()}))
			continue
		}
		if b.Add(toproto.Document(doc), len(doc.Content)) {
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

// firstMessageBytes bounds the first message of documents a read sends.
const firstMessageBytes = 64 << 10

func (s *endpointServer) Delete(ctx context.Context, req *pb.Delete_Request) (*pb.Delete_Response, error) {
	o, err := s.endpoint(req.GetHandle())
	if err != nil {
		return nil, err
	}
	d, ok := o.ep.(sdk.Deleter)
	if !ok {
		return nil, status.Errorf(codes.Unimplemented, "plugin %s: endpoint cannot delete", s.plugin)
	}
	if err := d.Delete(ctx, fromproto.Resources(req.GetResources())); err != nil {
		return &pb.Delete_Response{Errors: []*pb.Diagnostic{toproto.Diagnostic(err)},
			PreconditionFailed: errors.Is(err, sdk.ErrPreconditionFailed)}, nil
	}
	return &pb.Delete_Response{}, nil
}

// Changes sends the feed in messages bounded by the batch limits; the
// cursor travels in the last one.
func (s *endpointServer) Changes(req *pb.Changes_Request, stream grpc.ServerStreamingServer[pb.Changes_Response]) error {
	o, err := s.endpoint(req.GetHandle())
	if err != nil {
		return err
	}
	c, ok := o.ep.(sdk.Changer)
	if !ok {
		return status.Errorf(codes.Unimplemented, "plugin %s: endpoint offers no changes feed", s.plugin)
	}
	var feed sdk.ChangeFeed
	if err := guard(s.plugin, func() (err error) {
		feed, err = c.Changes(stream.Context(), sdk.ChangesRequest{Since: req.GetSince(), CursorOnly: req.GetCursorOnly()})
		return err
	}); err != nil {
		return asStatus(err)
	}
	if feed.Unavailable != "" {
		return stream.Send(&pb.Changes_Response{Unavailable: true, Reason: strings.ToValidUTF8(feed.Unavailable, "\uFFFD")})
	}
	var b batch.Batcher[*pb.Change]
	for _, ch := range feed.Changes {
		pc := toproto.Change(ch)
		if b.Add(pc, len(pc.GetUri())+len(pc.GetId())+len(pc.GetType())+128) {
			if err := stream.Send(&pb.Changes_Response{Changes: b.Take()}); err != nil {
				return err
			}
		}
	}
	return stream.Send(&pb.Changes_Response{Changes: b.Take(), Cursor: feed.Cursor})
}
