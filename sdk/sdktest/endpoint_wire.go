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

	"github.com/resource-sync/resource-sync/internal/wire/fromproto"
	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
	"github.com/resource-sync/resource-sync/sdk"
)

// open opens loc as the host would and closes it when the test ends,
// unless the test closed it first.
func (e *endpointChecks) open(t *testing.T, loc string, role pb.Open_Role, replace bool) string {
	t.Helper()
	ctx, cancel := callContext(t.Context())
	defer cancel()
	f := e.opt.Format
	resp, err := e.client.Open(ctx, &pb.Open_Request{
		Endpoint: e.opt.Name,
		Location: loc,
		Role:     role,
		Replace:  replace,
		Formats:  []*pb.FormatInfo{{Name: f.Name, Extensions: f.Extensions, MediaTypes: f.MediaTypes}},
		Options:  e.opt.Options,
	})
	if err != nil {
		t.Fatalf("Open %q: %v", loc, err)
	}
	handle := resp.GetHandle()
	t.Cleanup(func() {
		// t.Context is done by now; closing an already closed handle is
		// a no-op.
		ctx, cancel := callContext(context.Background())
		defer cancel()
		_, _ = e.client.Close(ctx, &pb.Close_Request{Handle: handle})
	})
	return handle
}

func (e *endpointChecks) close(t *testing.T, handle string) {
	t.Helper()
	ctx, cancel := callContext(t.Context())
	defer cancel()
	if _, err := e.client.Close(ctx, &pb.Close_Request{Handle: handle}); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func (e *endpointChecks) wireResource(loc string, r resource) *pb.Resource {
	res := &pb.Resource{Id: r.id, Type: r.typ, Json: r.json, Source: "sdktest/" + r.typ + "/" + r.id}
	if e.opt.ResourceURI != nil {
		res.Uri = e.opt.ResourceURI(loc, r.typ, r.id)
	}
	return res
}

// writeOutcome is what one Write call reported.
type writeOutcome struct {
	results map[int64]*pb.Write_Result // by seq; seq n is resource n-1
	removed int64
}

// write writes rs to loc in one Write call, in messages of the given
// sizes (all in one when nil), and checks the endpoint reports each item
// exactly once and ends with done.
func (e *endpointChecks) write(t *testing.T, loc string, replace bool, rs []resource, sizes []int) writeOutcome {
	t.Helper()
	if sizes == nil {
		sizes = []int{len(rs)}
	}
	items := make([]*pb.WriteItem, len(rs))
	ext, mediaType := first(e.opt.Format.Extensions), first(e.opt.Format.MediaTypes)
	for i, r := range rs {
		res := e.wireResource(loc, r)
		content, err := e.opt.Formatter.Encode(sdk.Value{JSON: r.json, Source: res.GetSource()}, sdk.StyleFile)
		if err != nil {
			t.Fatalf("encoding %v with the test's formatter: %v", r.key(), err)
		}
		items[i] = &pb.WriteItem{Seq: int64(i + 1), Resource: res, Content: content, Extension: ext, MediaType: mediaType}
	}
	var reqs []*pb.Write_Request
	next := 0
	for _, s := range sizes {
		reqs = append(reqs, &pb.Write_Request{Items: items[next : next+s]})
		next += s
	}
	if next != len(items) {
		panic("sdktest: write sizes do not add up")
	}

	handle := e.open(t, loc, pb.Open_ROLE_DESTINATION, replace)
	ctx, cancel := callContext(t.Context())
	defer cancel()
	stream, err := e.client.Write(ctx)
	if err != nil {
		t.Fatalf("Write: %v", err)
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
				t.Errorf("Write: a second result for seq %d (%v)", seq, rs[seq-1].key())
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
	if missing := len(items) - len(out.results); missing > 0 {
		var some []string
		for i, r := range rs {
			if out.results[int64(i+1)] == nil && len(some) < 5 {
				some = append(some, r.key().String())
			}
		}
		t.Errorf("Write: %d of %d items got no result, among them %s", missing, len(items), strings.Join(some, ", "))
	}
	e.close(t, handle)
	return out
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
func (e *endpointChecks) readAll(t *testing.T, loc string) map[resourceKey][]byte {
	t.Helper()
	handle := e.open(t, loc, pb.Open_ROLE_ORIGIN_UNSPECIFIED, false)
	got := e.read(t, handle)
	e.close(t, handle)
	return got
}

// read reads every document and decodes it with the test's formatter.
func (e *endpointChecks) read(t *testing.T, handle string) map[resourceKey][]byte {
	t.Helper()
	ctx, cancel := callContext(t.Context())
	defer cancel()
	stream, err := e.client.Read(ctx, &pb.Read_Request{Handle: handle})
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	got := map[resourceKey][]byte{}
	for {
		resp, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		for _, d := range resp.GetErrors() {
			t.Errorf("Read: %v", fromproto.Error(d))
		}
		for _, doc := range resp.GetDocuments() {
			e.decodeInto(t, got, doc)
		}
	}
	return got
}

// decodeInto decodes one document read back and files its values by the
// id and type they carry.
func (e *endpointChecks) decodeInto(t *testing.T, got map[resourceKey][]byte, doc *pb.Document) {
	t.Helper()
	f := e.opt.Format
	if !slices.ContainsFunc(f.Extensions, func(ext string) bool { return strings.EqualFold(ext, doc.GetExtension()) }) &&
		!slices.Contains(f.MediaTypes, doc.GetMediaType()) {
		t.Errorf("Read: document %s has extension %q and media type %q: the host could not tell it is %s",
			doc.GetSource(), doc.GetExtension(), doc.GetMediaType(), f.Name)
	}
	values, err := e.opt.Formatter.Decode(sdk.Document{Content: doc.GetContent(), Extension: doc.GetExtension(),
		MediaType: doc.GetMediaType(), Source: doc.GetSource()})
	if err != nil {
		t.Errorf("Read: document %s does not decode: %v\ncontent: %s", doc.GetSource(), err, clip(doc.GetContent()))
		return
	}
	for _, v := range values {
		parsed, err := sdk.UnmarshalJSON(v.JSON)
		obj, _ := parsed.(map[string]any)
		id, idOK := obj["id"].(string)
		typ, typeOK := obj["type"].(string)
		if err != nil || !idOK || !typeOK {
			t.Errorf("Read: document %s holds a value the checks did not write: %s", doc.GetSource(), clip(v.JSON))
			continue
		}
		k := resourceKey{typ, id}
		if got[k] != nil {
			t.Errorf("Read: %v read twice, the second time from %s", k, doc.GetSource())
		}
		got[k] = v.JSON
	}
}

// compare fails the test unless got holds exactly want.
func (e *endpointChecks) compare(t *testing.T, got map[resourceKey][]byte, want []resource) {
	t.Helper()
	seen := map[resourceKey]bool{}
	missing := 0
	for _, r := range want {
		k := r.key()
		seen[k] = true
		g, ok := got[k]
		switch {
		case !ok:
			missing++
			if missing <= 5 {
				t.Errorf("%v was written but is not read back", k)
			}
		case !bytes.Equal(g, r.json):
			t.Errorf("%v reads back different\n%s", k, diff(g, r.json))
		}
	}
	if missing > 5 {
		t.Errorf("%d resources in all were written but are not read back", missing)
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
