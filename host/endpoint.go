package host

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// openEndpoint is an opened endpoint: a plugin's, or one of the host's own
// ("-" and null).
type openEndpoint struct {
	target target
	run    *syncRun
	plugin *Plugin // nil for the host's own
	handle string
	role   pb.Open_Role
	// recommended is the plugin's Open answer: the schema and fields it
	// recommends (recommend.go); nil for the host's own endpoints.
	recommended *pb.Open_Response
}

func (r *syncRun) open(ctx context.Context, t target, role pb.Open_Role) (*openEndpoint, error) {
	return r.openHandle(ctx, t, role, false)
}

// openHandle opens t; plain leaves out conditional reads, for a handle
// that must answer with the whole document every time.
func (r *syncRun) openHandle(ctx context.Context, t target, role pb.Open_Role, plain bool) (*openEndpoint, error) {
	e := &openEndpoint{target: t, run: r, role: role}
	if t.kind != endpointPlugin {
		return e, nil
	}
	p, err := r.h.Plugin(ctx, t.entry.plugin)
	if err != nil {
		return nil, err
	}
	e.plugin = p
	resp, err := p.endpoints().Open(ctx, &pb.Open_Request{
		Endpoint: t.entry.Name,
		Location: t.location,
		Role:     role,
		Replace:  role == pb.Open_ROLE_DESTINATION && r.replace,
		Formats:  r.cat.formatInfos(r.format.Name),
		Options:  r.openOptions(t), // this endpoint's own: never another's credentials
		Schema:   r.schema.Name,
		Follow:   r.follow,
		Origins:  r.originNames(), // recorded by destinations such as snapshots
		Filters:  r.opts.Filter.Args(),
		// A session reads its origins again and again (session.go); a
		// sync's destination is listed again by the next (pages.go).
		ConditionalReads: role == pb.Open_ROLE_ORIGIN_UNSPECIFIED && r.conditionalReads(t) ||
			role == pb.Open_ROLE_DESTINATION && r.keepsPages(t) && !plain,
		PageLinks: r.schema.PageLinks,
	})
	if err != nil {
		return nil, p.callError(ctx, err)
	}
	e.handle = resp.GetHandle()
	e.recommended = resp
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

// closeTime bounds how long closing a handle waits for the plugin to
// undo a cancelled write (the SDK's plugins answer Close once their
// writes have ended): a staging directory of many thousand files on a
// slow disk takes seconds to remove.
const closeTime = time.Minute

func (e *openEndpoint) close() {
	if e.plugin == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), closeTime)
	defer cancel()
	_, err := e.plugin.endpoints().Close(ctx, &pb.Close_Request{Handle: e.handle})
	if errors.Is(ctx.Err(), context.DeadlineExceeded) && e.run != nil {
		e.run.h.logger.Warn("an endpoint did not finish closing in time; a write it was undoing may have left files behind",
			"endpoint", e.target.name(), "error", err)
	}
}

// originNames are the sync's origins as the user named them.
func (r *syncRun) originNames() []string {
	names := make([]string, len(r.origins))
	for i, t := range r.origins {
		names[i] = t.name()
	}
	return names
}

// name is the endpoint as the user named it, for messages.
func (t target) name() string {
	if t.loc.Spec != "" {
		return t.loc.String()
	}
	return t.location
}

// wholeContent says the endpoint holds what one write gives it and nothing
// else (a YAML file): it cannot delete one resource, so a sync sends it
// every resource it should keep.
func (e *openEndpoint) wholeContent() bool {
	return e.target.kind == endpointPlugin && !e.can(CapDelete) && e.can(CapReplace)
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

// inventory streams what the endpoint holds of the resources in scope;
// more adds them to the inventory the last call began (inventory-more);
// memos go with the first call (kept pages, pages.go).
func (e *openEndpoint) inventory(ctx context.Context, scope []*pb.Resource, more bool, memos []*pb.Memo, out chan<- docBatch) error {
	stream, err := e.plugin.endpoints().Inventory(ctx, &pb.Inventory_Request{Handle: e.handle, Scope: scope, More: more, Memos: memos})
	if err != nil {
		return e.plugin.callError(ctx, err)
	}
	return e.receive(ctx, stream, out)
}

// delete removes one resource; its problems come back as one error.
func (e *openEndpoint) delete(ctx context.Context, r *pb.Resource) error {
	resp, err := e.plugin.endpoints().Delete(ctx, &pb.Delete_Request{Handle: e.handle, Resources: []*pb.Resource{r}})
	if err != nil {
		return e.plugin.callError(ctx, err)
	}
	var errs []error
	if resp.GetPreconditionFailed() {
		errs = append(errs, errPreconditionFailed)
	}
	for _, d := range resp.GetErrors() {
		errs = append(errs, diagnosticError(d))
	}
	return errors.Join(errs...)
}

// errPreconditionFailed marks a conditional delete refused because the
// resource changed since it was read.
var errPreconditionFailed = errors.New("the resource changed since it was read")

// changeFeed is what an endpoint's transaction log says since a cursor.
type changeFeed struct {
	changes     []*pb.Change
	cursor      string
	unavailable string
}

// changes reads the endpoint's transaction log after since.
func (e *openEndpoint) changes(ctx context.Context, since string, cursorOnly bool) (changeFeed, error) {
	stream, err := e.plugin.endpoints().Changes(ctx, &pb.Changes_Request{Handle: e.handle, Since: since, CursorOnly: cursorOnly})
	if err != nil {
		return changeFeed{}, e.plugin.callError(ctx, err)
	}
	var feed changeFeed
	for {
		resp, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return feed, nil
		}
		if err != nil {
			return changeFeed{}, e.plugin.callError(ctx, err)
		}
		if resp.GetUnavailable() {
			return changeFeed{unavailable: resp.GetReason()}, nil
		}
		feed.changes = append(feed.changes, resp.GetChanges()...)
		if c := resp.GetCursor(); c != "" {
			feed.cursor = c
		}
	}
}

// listVersions streams the endpoint's documents without their content,
// each with its version (fingerprints).
func (e *openEndpoint) listVersions(ctx context.Context, out chan<- docBatch) error {
	stream, err := e.plugin.endpoints().Read(ctx, &pb.Read_Request{Handle: e.handle, VersionsOnly: true})
	if err != nil {
		return e.plugin.callError(ctx, err)
	}
	return e.receive(ctx, stream, out)
}

// readLocations streams the documents at locations, from a listing of
// versions.
func (e *openEndpoint) readLocations(ctx context.Context, locations []string, out chan<- docBatch) error {
	if len(locations) == 0 {
		return nil
	}
	stream, err := e.plugin.endpoints().Read(ctx, &pb.Read_Request{Handle: e.handle, Locations: locations})
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
		return newLocalWrite(ctx, e.run.h.stdout), nil
	case endpointNull:
		return newLocalWrite(ctx, io.Discard), nil
	}
	s, err := e.plugin.endpoints().Write(ctx)
	if err != nil {
		return nil, e.plugin.callError(ctx, err)
	}
	return s, nil
}

// localWrite writes items, which arrive in order, straight to w: the
// host's own stdout and null endpoints. Every wait gives up when ctx ends,
// so a failed or interrupted write never hangs.
type localWrite struct {
	ctx     context.Context
	w       io.Writer
	results chan *pb.Write_Response
	err     error
}

func newLocalWrite(ctx context.Context, w io.Writer) *localWrite {
	return &localWrite{ctx: ctx, w: w, results: make(chan *pb.Write_Response, 16)}
}

func (l *localWrite) Send(req *pb.Write_Request) error {
	resp := &pb.Write_Response{}
	for _, it := range req.GetItems() {
		if l.err == nil {
			if err := l.ctx.Err(); err != nil {
				return err
			}
			_, l.err = l.w.Write(it.GetContent())
		}
		if l.err != nil {
			return fmt.Errorf("writing %s: %w", describeResource(it.GetResource()), l.err)
		}
		resp.Results = append(resp.Results, &pb.Write_Result{Seq: it.GetSeq(), Status: pb.Write_STATUS_WRITTEN})
	}
	return l.deliver(resp)
}

func (l *localWrite) deliver(resp *pb.Write_Response) error {
	select {
	case l.results <- resp:
		return nil
	case <-l.ctx.Done():
		return l.ctx.Err()
	}
}

func (l *localWrite) CloseSend() error {
	err := l.deliver(&pb.Write_Response{Done: true})
	close(l.results)
	return err
}

func (l *localWrite) Recv() (*pb.Write_Response, error) {
	select {
	case resp, ok := <-l.results:
		if !ok {
			return nil, io.EOF
		}
		return resp, nil
	case <-l.ctx.Done():
		return nil, l.ctx.Err()
	}
}
