package host

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// openEndpoint is an opened endpoint: a plugin's, or one of the host's own
// ("-" and null).
type openEndpoint struct {
	target target
	run    *syncRun
	plugin *Plugin // nil for the host's own
	handle string
}

func (r *syncRun) open(ctx context.Context, t target, role pb.Open_Role) (*openEndpoint, error) {
	e := &openEndpoint{target: t, run: r}
	if t.kind != endpointPlugin {
		return e, nil
	}
	p, err := r.h.Plugin(ctx, t.entry.plugin)
	if err != nil {
		return nil, err
	}
	e.plugin = p
	options := map[string]string{"follow": followName(r.follow)}
	for k, v := range r.opts.Options {
		options[k] = v
	}
	resp, err := p.endpoints().Open(ctx, &pb.Open_Request{
		Endpoint: t.entry.Name,
		Location: t.location,
		Role:     role,
		Replace:  r.opts.Replace && role == pb.Open_ROLE_DESTINATION,
		Formats:  r.cat.formatInfos(r.format.Name),
		Options:  options,
		Schema:   r.schema.Name,
		Origins:  r.opts.Origins, // recorded by destinations such as snapshots (issue 15)
	})
	if err != nil {
		return nil, p.callError(ctx, err)
	}
	e.handle = resp.GetHandle()
	return e, nil
}

func followName(f pb.Follow) string {
	for name, v := range follows {
		if v == f && name != "" {
			return name
		}
	}
	return "page"
}

func (e *openEndpoint) close() {
	if e.plugin != nil {
		_, _ = e.plugin.endpoints().Close(context.Background(), &pb.Close_Request{Handle: e.handle})
	}
}

func (e *openEndpoint) can(capability string) bool {
	switch e.target.kind {
	case endpointStdio:
		return capability == CapRead || capability == CapWrite
	case endpointNull:
		return capability == CapRead || capability == CapWrite
	}
	return e.target.entry.Has(capability)
}

// docBatch is one message of documents, with problems with single ones.
type docBatch struct {
	docs []*pb.Document
	errs []error
}

// read streams everything the endpoint holds.
func (e *openEndpoint) read(ctx context.Context, out chan<- docBatch) error {
	switch e.target.kind {
	case endpointNull:
		return nil
	case endpointStdio:
		return e.readStdin(ctx, out)
	}
	stream, err := e.plugin.endpoints().Read(ctx, &pb.Read_Request{Handle: e.handle})
	if err != nil {
		return e.plugin.callError(ctx, err)
	}
	return e.receive(ctx, stream, out)
}

// fetch streams the documents at uris.
func (e *openEndpoint) fetch(ctx context.Context, uris []string, out chan<- docBatch) error {
	stream, err := e.plugin.endpoints().Fetch(ctx, &pb.Fetch_Request{Handle: e.handle, Uris: uris})
	if err != nil {
		return e.plugin.callError(ctx, err)
	}
	return e.receive(ctx, stream, out)
}

func (e *openEndpoint) receive(ctx context.Context, stream interface {
	Recv() (*pb.Read_Response, error)
}, out chan<- docBatch) error {
	for {
		resp, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return e.plugin.callError(ctx, err)
		}
		b := docBatch{docs: resp.GetDocuments()}
		for _, d := range resp.GetErrors() {
			b.errs = append(b.errs, diagnosticError(d))
		}
		select {
		case out <- b:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// readStdin reads standard input as one document: a YAML stream, JSON
// Lines or a JSON array, told apart by its first non-blank byte.
func (e *openEndpoint) readStdin(ctx context.Context, out chan<- docBatch) error {
	data, err := io.ReadAll(e.run.h.stdin)
	if err != nil {
		return err
	}
	mediaType := "application/yaml"
	if t := bytes.TrimLeft(data, " \t\r\n\ufeff"); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		mediaType = "application/json"
	}
	select {
	case out <- docBatch{docs: []*pb.Document{{Content: data, MediaType: mediaType, Source: "<stdin>"}}}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// writeSession is the Write stream; the host's own endpoints implement it
// in process.
type writeSession interface {
	Send(*pb.Write_Request) error
	CloseSend() error
	Recv() (*pb.Write_Response, error)
}

func (e *openEndpoint) write(ctx context.Context) (writeSession, error) {
	switch e.target.kind {
	case endpointStdio:
		return newLocalWrite(e.run.h.stdout), nil
	case endpointNull:
		return newLocalWrite(io.Discard), nil
	}
	s, err := e.plugin.endpoints().Write(ctx)
	if err != nil {
		return nil, e.plugin.callError(ctx, err)
	}
	return s, nil
}

// localWrite writes items, which arrive in order, straight to w.
type localWrite struct {
	w       io.Writer
	mu      sync.Mutex
	results chan *pb.Write_Response
	err     error
}

func newLocalWrite(w io.Writer) *localWrite {
	return &localWrite{w: w, results: make(chan *pb.Write_Response, 1024)}
}

func (l *localWrite) Send(req *pb.Write_Request) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	resp := &pb.Write_Response{}
	for _, it := range req.GetItems() {
		if l.err == nil {
			_, l.err = l.w.Write(it.GetContent())
		}
		if l.err != nil {
			return l.err
		}
		resp.Results = append(resp.Results, &pb.Write_Result{Seq: it.GetSeq(), Status: pb.Write_STATUS_WRITTEN})
	}
	l.results <- resp
	return nil
}

func (l *localWrite) CloseSend() error {
	l.results <- &pb.Write_Response{Done: true}
	close(l.results)
	return nil
}

func (l *localWrite) Recv() (*pb.Write_Response, error) {
	resp, ok := <-l.results
	if !ok {
		return nil, io.EOF
	}
	return resp, nil
}
