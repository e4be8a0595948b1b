package sdktest

import (
	"errors"
	"io"
	"slices"
	"testing"

	"github.com/resource-sync/resource-sync/internal/wire/fromproto"
	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// testVersions checks an endpoint that lists versions (sdk.VersionLister):
// the listing names every document Read yields, once and without content;
// reading the listed locations gives back every stored resource; and a
// document read and listed with a version has the same version both ways.
func (e *endpointChecks) testVersions(t *testing.T) {
	e.need(t, pb.Capability_CAPABILITY_FINGERPRINTS, pb.Capability_CAPABILITY_READ)
	e.needStore(t)
	loc := e.opt.Location(t)
	rs := e.awkwardResources(loc, 0)
	e.put(t, loc, rs)
	handle := e.open(t, loc, pb.Open_ROLE_ORIGIN_UNSPECIFIED, false)
	defer e.close(t, handle)

	read := e.documents(t, "Read", &pb.Read_Request{Handle: handle})
	listed := e.documents(t, "Read (versions only)", &pb.Read_Request{Handle: handle, VersionsOnly: true})
	byLocation := map[string]*pb.Document{}
	for _, d := range read {
		if d.GetLocation() == "" {
			t.Fatalf("Read: document %s has no location: the host could not ask for it again", d.GetSource())
		}
		byLocation[d.GetLocation()] = d
	}
	var locations []string
	for _, d := range listed {
		l := d.GetLocation()
		r, ok := byLocation[l]
		switch {
		case len(d.GetContent()) > 0:
			t.Errorf("Read (versions only): %s comes with its content", d.GetSource())
		case !ok:
			t.Errorf("Read (versions only): lists %q, which Read does not yield", l)
		case slices.Contains(locations, l):
			t.Errorf("Read (versions only): lists %q twice", l)
		case r.GetVersion() != "" && d.GetVersion() != "" && r.GetVersion() != d.GetVersion():
			t.Errorf("%s: Read gives version %q, the listing %q, with no change in between", l, r.GetVersion(), d.GetVersion())
		}
		locations = append(locations, l)
	}
	if len(locations) != len(byLocation) {
		t.Errorf("Read yields %d documents, the listing %d", len(byLocation), len(locations))
	}

	ctx, cancel := callContext(t.Context())
	defer cancel()
	stream, err := e.client.Read(ctx, &pb.Read_Request{Handle: handle, Locations: locations})
	if err != nil {
		t.Fatalf("Read (locations): %v", err)
	}
	e.compare(t, e.receive(t, "Read (locations)", stream), rs)
}

// documents drains a Read stream, failing on any problem.
func (e *endpointChecks) documents(t *testing.T, call string, req *pb.Read_Request) []*pb.Document {
	t.Helper()
	ctx, cancel := callContext(t.Context())
	defer cancel()
	stream, err := e.client.Read(ctx, req)
	if err != nil {
		t.Fatalf("%s: %v", call, err)
	}
	return drain(t, call, stream)
}

// drain reads a stream of documents to its end, failing on any problem.
func drain(t *testing.T, call string, stream interface {
	Recv() (*pb.Read_Response, error)
}) []*pb.Document {
	t.Helper()
	var docs []*pb.Document
	for {
		resp, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("%s: %v", call, err)
		}
		for _, d := range resp.GetErrors() {
			t.Errorf("%s: %v", call, fromproto.Error(d))
		}
		docs = append(docs, resp.GetDocuments()...)
	}
}
