package sdktest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc"

	"github.com/resource-sync/resource-sync/internal/wire/fromproto"
	"github.com/resource-sync/resource-sync/internal/wire/toproto"
	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
	"github.com/resource-sync/resource-sync/sdk"
)

// open opens loc as the host would and closes it when the test ends,
// unless the test closed it first.
func (e *endpointChecks) open(t *testing.T, loc string, role pb.Open_Role, replace bool) string {
	t.Helper()
	return e.openRequest(t, &pb.Open_Request{Location: loc, Role: role, Replace: replace})
}

// openRequest is open with more of the request set; the endpoint's name,
// formats, options and schema are the checks'.
func (e *endpointChecks) openRequest(t *testing.T, req *pb.Open_Request) string {
	t.Helper()
	return e.openAnswer(t, req).GetHandle()
}

// openAnswer is openRequest, returning the endpoint's whole answer.
func (e *endpointChecks) openAnswer(t *testing.T, req *pb.Open_Request) *pb.Open_Response {
	t.Helper()
	ctx, cancel := callContext(t.Context())
	defer cancel()
	req.Endpoint = e.opt.Name
	req.Formats = []*pb.FormatInfo{toproto.FormatInfo(e.opt.Format)}
	req.Options = e.opt.Options
	req.Schema = e.opt.SchemaName
	resp, err := e.client.Open(ctx, req)
	if err != nil {
		t.Fatalf("Open %q: %v", req.GetLocation(), err)
	}
	handle := resp.GetHandle()
	t.Cleanup(func() {
		// t.Context is done by now; closing an already closed handle is
		// a no-op.
		ctx, cancel := callContext(context.Background())
		defer cancel()
		_, _ = e.client.Close(ctx, &pb.Close_Request{Handle: handle})
	})
	return resp
}

func (e *endpointChecks) close(t *testing.T, handle string) {
	t.Helper()
	ctx, cancel := callContext(t.Context())
	defer cancel()
	if _, err := e.client.Close(ctx, &pb.Close_Request{Handle: handle}); err != nil {
		t.Errorf("Close: %v", err)
	}
}

// wireResource is r as the host sends it in a write.
func (e *endpointChecks) wireResource(r sdk.Resource) *pb.Resource {
	r.Source = "sdktest/" + r.Type + "/" + r.ID
	return toproto.Resource(r)
}

// wireItems are rs as the host sends them to be written, seq n being
// rs[n-1]; jsonBodies is the Open answer's json_bodies.
func (e *endpointChecks) wireItems(t *testing.T, rs []sdk.Resource, jsonBodies bool) []*pb.WriteItem {
	t.Helper()
	items := make([]*pb.WriteItem, len(rs))
	ext, mediaType := first(e.opt.Format.Extensions), first(e.opt.Format.MediaTypes)
	for i, r := range rs {
		res := e.wireResource(r)
		content, err := e.opt.Formatter.Encode(sdk.Value{JSON: r.JSON, Source: res.GetSource()}, sdk.StyleFile)
		if err != nil {
			t.Fatalf("encoding %v with the test's formatter: %v", keyOf(r), err)
		}
		switch {
		case e.caps[pb.Capability_CAPABILITY_CONTENT_WRITES]:
			res.Json = nil // as the host sends them: every check writes this way
		case jsonBodies && sdk.IsJSONMediaType(mediaType):
			content = nil // the same
		}
		items[i] = &pb.WriteItem{Seq: int64(i + 1), Resource: res, Content: content, Extension: ext, MediaType: mediaType}
	}
	return items
}

// writeOutcome is what one Write call reported.
type writeOutcome struct {
	results map[int64]*pb.Write_Result // by seq; seq n is resource n-1
	removed int64
}

// write writes rs to loc in one Write call, in messages of the given
// sizes (all in one when nil), and checks the endpoint reports each item
// exactly once (staging first, if it must) and ends with done.
func (e *endpointChecks) write(t *testing.T, loc string, replace bool, rs []sdk.Resource, sizes []int) writeOutcome {
	t.Helper()
	return e.writeHeld(t, loc, replace, rs, sizes, false)
}

// writeHeld is write, holding the commits from the first message and
// releasing them with the last when held is set.
func (e *endpointChecks) writeHeld(t *testing.T, loc string, replace bool, rs []sdk.Resource, sizes []int, held bool) writeOutcome {
	t.Helper()
	if sizes == nil {
		sizes = []int{len(rs)}
	}
	handle, jsonBodies, stream, cancel := e.startWrite(t, loc, replace)
	defer cancel()
	items := e.wireItems(t, rs, jsonBodies)
	var reqs []*pb.Write_Request
	next := 0
	for _, s := range sizes {
		reqs = append(reqs, &pb.Write_Request{Items: items[next : next+s], AcceptsStaged: true})
		next += s
	}
	if next != len(items) {
		panic("sdktest: write sizes do not add up")
	}
	if held {
		reqs[0].HoldCommits, reqs[len(reqs)-1].ReleaseCommits = true, true
	}
	go func() {
		for _, r := range reqs {
			r.Handle = handle
			if stream.Send(r) != nil {
				return // Recv says why
			}
		}
		_ = stream.CloseSend()
	}()
	out := writeOutcome{results: map[int64]*pb.Write_Result{}}
	staged := map[int64]bool{}
	done := false
	for {
		resp, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("Write: %v", err)
		}
		if done {
			t.Errorf("Write: a message after the one saying done")
		}
		for _, r := range resp.GetResults() {
			seq := r.GetSeq()
			switch {
			case seq < 1 || seq > int64(len(items)):
				t.Errorf("Write: a result for seq %d, which was never sent", seq)
			case out.results[seq] != nil:
				t.Errorf("Write: a second result for seq %d (%v)", seq, keyOf(rs[seq-1]))
			case r.GetStatus() == pb.Write_STATUS_STAGED && staged[seq]:
				t.Errorf("Write: seq %d (%v) staged twice", seq, keyOf(rs[seq-1]))
			case r.GetStatus() == pb.Write_STATUS_STAGED:
				staged[seq] = true
			default:
				out.results[seq] = r
			}
		}
		if resp.GetDone() {
			done, out.removed = true, resp.GetRemoved()
		}
	}
	if !done {
		t.Errorf("Write ended without a message saying done")
	}
	// Staged and never reported again: written by the commit.
	for seq := range staged {
		if out.results[seq] == nil {
			out.results[seq] = &pb.Write_Result{Seq: seq, Status: pb.Write_STATUS_WRITTEN}
		}
	}
	if missing := len(items) - len(out.results); missing > 0 {
		var some []string
		for i, r := range rs {
			if out.results[int64(i+1)] == nil && len(some) < 5 {
				some = append(some, keyOf(r).String())
			}
		}
		t.Errorf("Write: %d of %d items got no result, among them %s", missing, len(items), strings.Join(some, ", "))
	}
	e.close(t, handle)
	return out
}

// startWrite opens loc as a destination and starts a Write on it;
// jsonBodies is the Open answer's; cancel ends the call.
func (e *endpointChecks) startWrite(t *testing.T, loc string, replace bool) (handle string, jsonBodies bool, _ grpc.BidiStreamingClient[pb.Write_Request, pb.Write_Response], cancel context.CancelFunc) {
	t.Helper()
	opened := e.openAnswer(t, &pb.Open_Request{Location: loc, Role: pb.Open_ROLE_DESTINATION, Replace: replace})
	ctx, cancel := callContext(t.Context())
	stream, err := e.client.Write(ctx)
	if err != nil {
		cancel()
		t.Fatalf("Write: %v", err)
	}
	return opened.GetHandle(), opened.GetJsonBodies(), stream, cancel
}

// writeCancelledWhileHeld sends rs in one Write whose commits are held,
// waits until the endpoint reported every item, and cancels the write
// without releasing them. An item reported written meanwhile fails the
// check: it would be in place before the release.
func (e *endpointChecks) writeCancelledWhileHeld(t *testing.T, loc string, replace bool, rs []sdk.Resource) {
	t.Helper()
	handle, jsonBodies, stream, cancel := e.startWrite(t, loc, replace)
	defer cancel()
	items := e.wireItems(t, rs, jsonBodies)
	if err := stream.Send(&pb.Write_Request{Handle: handle, Items: items, AcceptsStaged: true, HoldCommits: true}); err != nil {
		t.Fatalf("Write: %v", err)
	}
	for reported := 0; reported < len(items); {
		resp, err := stream.Recv()
		if err != nil {
			t.Fatalf("Write, its commits held: %d of %d items reported, then: %v (a held write must still report each item, Staged)", reported, len(items), err)
		}
		for _, r := range resp.GetResults() {
			reported++
			if r.GetStatus() == pb.Write_STATUS_WRITTEN {
				t.Errorf("Write: item %d (%v) reported written while the commits were held", r.GetSeq(), keyOf(rs[r.GetSeq()-1]))
			}
		}
		if resp.GetDone() {
			t.Fatalf("Write: said done while the host was still sending")
		}
	}
	cancel()
	for {
		if _, err := stream.Recv(); err != nil {
			break
		}
	}
	e.close(t, handle)
}

// expectStatus fails the test for each result whose status is not one of
// want.
func (e *endpointChecks) expectStatus(t *testing.T, out writeOutcome, want ...pb.Write_Status) {
	t.Helper()
	for seq, r := range out.results {
		if slices.Contains(want, r.GetStatus()) {
			continue
		}
		msg := fmt.Sprintf("item %d: status %v, want %v", seq, r.GetStatus(), want)
		if d := r.GetError(); d != nil {
			msg += ": " + fromproto.Error(d).Error()
		}
		t.Error(msg)
	}
}

// readAll opens loc as an origin and reads it.
func (e *endpointChecks) readAll(t *testing.T, loc string) map[resourceKey]sdk.Resource {
	t.Helper()
	handle := e.open(t, loc, pb.Open_ROLE_ORIGIN_UNSPECIFIED, false)
	got := e.read(t, handle)
	e.close(t, handle)
	return got
}

// read reads every document and finds the resources in them.
func (e *endpointChecks) read(t *testing.T, handle string) map[resourceKey]sdk.Resource {
	t.Helper()
	ctx, cancel := callContext(t.Context())
	defer cancel()
	stream, err := e.client.Read(ctx, &pb.Read_Request{Handle: handle})
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return e.receive(t, "Read", stream)
}

// receive drains a stream of documents (Read, Fetch, Inventory) and finds
// the resources in them, each once.
func (e *endpointChecks) receive(t *testing.T, call string, stream interface {
	Recv() (*pb.Read_Response, error)
}) map[resourceKey]sdk.Resource {
	t.Helper()
	got := map[resourceKey]sdk.Resource{}
	for {
		resp, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", call, err)
		}
		for _, d := range resp.GetErrors() {
			t.Errorf("%s: %v", call, fromproto.Error(d))
		}
		for _, doc := range resp.GetDocuments() {
			e.decodeInto(t, call, got, fromproto.Document(doc))
		}
	}
	return got
}

// decodeInto decodes one document read back, as the host would with the
// test's formatter and schema, and files its resources by type and id.
func (e *endpointChecks) decodeInto(t *testing.T, call string, got map[resourceKey]sdk.Resource, doc sdk.Document) {
	t.Helper()
	f := e.opt.Format
	if !slices.ContainsFunc(f.Extensions, func(ext string) bool { return strings.EqualFold(ext, doc.Extension) }) &&
		!slices.Contains(f.MediaTypes, doc.MediaType) {
		t.Errorf("%s: document %s has extension %q and media type %q: the host could not tell it is %s",
			call, doc.Source, doc.Extension, doc.MediaType, f.Name)
	}
	values, err := e.opt.Formatter.Decode(doc)
	if err != nil {
		t.Errorf("%s: document %s does not decode: %v\ncontent: %s", call, doc.Source, err, clip(doc.Content))
		return
	}
	for _, v := range values {
		c, err := e.opt.Schema.Classify(v, sdk.FollowNone)
		if err != nil {
			t.Errorf("%s: document %s: %v", call, doc.Source, err)
			continue
		}
		for _, r := range c.Resources {
			k := keyOf(r)
			if _, twice := got[k]; twice {
				t.Errorf("%s: %v read twice, the second time from %s", call, k, doc.Source)
			}
			got[k] = r
		}
	}
}

// body is what the checks compare of a resource: its body, normalized.
func (e *endpointChecks) body(r sdk.Resource) []byte {
	if e.opt.Normalize != nil {
		return e.opt.Normalize(r)
	}
	return r.JSON
}

func (e *endpointChecks) sameBody(a, b sdk.Resource) bool { return bytes.Equal(e.body(a), e.body(b)) }

// compare fails the test unless got holds exactly want.
func (e *endpointChecks) compare(t *testing.T, got map[resourceKey]sdk.Resource, want []sdk.Resource) {
	t.Helper()
	seen := map[resourceKey]bool{}
	missing := 0
	for _, r := range want {
		k := keyOf(r)
		seen[k] = true
		g, ok := got[k]
		switch {
		case !ok:
			missing++
			if missing <= 5 {
				t.Errorf("%v was stored but is not read back", k)
			}
		case !e.sameBody(g, r):
			t.Errorf("%v reads back different\n%s", k, diff(e.body(g), e.body(r)))
		}
	}
	if missing > 5 {
		t.Errorf("%d resources in all were stored but are not read back", missing)
	}
	for k := range got {
		if !seen[k] {
			t.Errorf("%v is read back but should not be there", k)
		}
	}
}

// parentDir is the directory holding loc, when loc is a directory path
// whose parent exists.
func parentDir(loc string) (string, bool) {
	if !filepath.IsAbs(loc) {
		return "", false
	}
	parent := filepath.Dir(filepath.Clean(loc))
	info, err := os.Stat(parent)
	return parent, err == nil && info.IsDir() && parent != filepath.Clean(loc)
}

// snapshot records every file and directory below dir, except loc's own
// tree, with a hash of each file's content.
func snapshot(t *testing.T, dir, loc string) map[string]string {
	t.Helper()
	loc = filepath.Clean(loc)
	state := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path == loc {
			return fs.SkipDir
		}
		rel, _ := filepath.Rel(dir, path)
		switch {
		case d.IsDir():
			state[rel] = "directory"
		case d.Type().IsRegular():
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(data)
			state[rel] = "file " + hex.EncodeToString(sum[:8])
		default:
			state[rel] = d.Type().String()
		}
		return nil
	})
	if err != nil {
		t.Fatalf("cannot list %s: %v", dir, err)
	}
	return state
}

// compareSnapshots describes what changed between two snapshots.
func compareSnapshots(before, after map[string]string) []string {
	var changes []string
	for path, was := range before {
		now, ok := after[path]
		switch {
		case !ok:
			changes = append(changes, path+" was removed")
		case now != was:
			changes = append(changes, path+" changed")
		}
	}
	for path := range after {
		if _, ok := before[path]; !ok {
			changes = append(changes, path+" appeared")
		}
	}
	slices.Sort(changes)
	return changes
}
