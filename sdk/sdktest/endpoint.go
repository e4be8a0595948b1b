package sdktest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"google.golang.org/grpc"

	"github.com/resource-sync/resource-sync/internal/wire/fromproto"
	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
	"github.com/resource-sync/resource-sync/sdk"
)

// EndpointOpt says which endpoint RunEndpoint checks, where, and what it
// cannot do.
type EndpointOpt struct {
	// Plugin offers the endpoint. InProcess serves it; Process serves the
	// plugin given to Main, which must offer it too.
	Plugin sdk.Plugin
	// Name is the endpoint's name in its sdk.EndpointSpec.
	Name string
	// Location returns a fresh, empty location for one check: a path
	// from t.TempDir(), the URL of a test server. Each check calls it once.
	Location func(t *testing.T) string

	// Formatter encodes what the checks write and decodes what they read
	// back, as the host would with the user's --format; Format describes
	// it. The default is a canonical JSON formatter with Format
	// {Name: "json", Extensions: [".json"], MediaTypes: ["application/json"]}.
	Formatter sdk.Formatter
	Format    sdk.FormatInfo
	// Options are passed to Open, as the command line's endpoint options.
	Options map[string]string
	// ResourceURI gives the uri of a resource written to location, for
	// endpoints that write where uris point; by default resources have none.
	ResourceURI func(location, typ, id string) string

	// RefusesEscapingIDs asks for the EscapingIDs check: ids such as
	// "../escape" must fail with a diagnostic and write nothing outside
	// the location.
	RefusesEscapingIDs bool
	// ExpectUnchanged says rewriting identical content reports Unchanged,
	// not Written.
	ExpectUnchanged bool
	// WholeFile says the location is one file written as a whole (a YAML
	// file): writing over it needs Replace, and a replace cannot count the
	// resources it dropped.
	WholeFile bool

	// SkipIDs leaves out awkward ids (see IDs) the endpoint cannot store.
	SkipIDs func(id string) bool
	// SkipReplace skips the Replace check, for endpoints that cannot
	// remove stale resources.
	SkipReplace bool
	// SkipLarge skips the resource over 4 MiB.
	SkipLarge bool
	// SkipCancel skips cancelling a Read of many documents, which writes
	// 24 MiB first.
	SkipCancel bool
}

// IDs returns the awkward ids the WriteRead check stores: the formatter
// samples' awkward strings, without path separators.
func IDs() []string {
	return []string{
		"plain",
		"êé", "Hello, 世界", "emoji 🎉",
		strings.ReplaceAll(`hello? sausage/êé/Hello, 世界/ " ' @ < > & ? + ≠`, "/", " "),
		"with space", " leading space", "trailing space ",
		`double"quote`, "single'quote",
		"0755", "true", "null", "2017-01-01", "1e20", "12",
		"percent %46 encoded", "hash#fragment", "question?mark", "amp&ersand", "colon:semi;",
		"UPPER", "MiXeD CaSe",
		strings.Repeat("long", 25),
	}
}

// types are the resource types the checks write, awkward too.
var types = []string{"thing", "type with spaces", "类型 êé", `quote's "type"`}

// cancelReadCount and cancelReadSize make a Read bigger than gRPC's
// flow-control windows (16 MiB at most), so it cannot finish unread.
const (
	cancelReadCount = 768
	cancelReadSize  = 32 << 10
)

// RunEndpoint checks the endpoint opt.Name of opt.Plugin: it describes
// itself; what it writes reads back exactly, under awkward ids and types;
// rewrites are harmless; Replace removes what was not rewritten; a
// resource over 4 MiB and writes spread over uneven messages work; a
// cancelled Read ends promptly; escaping ids are refused; and deleted
// resources are gone. Checks the endpoint's capabilities rule out skip.
func RunEndpoint(t *testing.T, opt EndpointOpt) {
	t.Helper()
	if !offersEndpoint(opt.Plugin, opt.Name) {
		t.Fatalf("plugin %q offers no endpoint named %q", opt.Plugin.Name, opt.Name)
	}
	if opt.Location == nil {
		t.Fatal("EndpointOpt.Location is nil: it must return a fresh location for each check")
	}
	if opt.Formatter == nil {
		if opt.Format.Name != "" {
			t.Fatal("EndpointOpt.Format is set without EndpointOpt.Formatter")
		}
		opt.Formatter, opt.Format = canonicalFormatter{}, defaultFormat
	}
	if opt.Format.Name == "" || len(opt.Format.Extensions) == 0 && len(opt.Format.MediaTypes) == 0 {
		t.Fatal("EndpointOpt.Format must describe EndpointOpt.Formatter: a name and an extension or media type")
	}
	inBothModes(t, opt.Plugin, func(t *testing.T, conn *grpc.ClientConn) {
		desc, comp := describeComponent(t, conn, pb.Component_KIND_ENDPOINT, opt.Name)
		e := &endpointChecks{opt: opt, client: pb.NewEndpointClient(conn), desc: desc, comp: comp,
			caps: map[pb.Capability]bool{}}
		for _, c := range comp.GetCapabilities() {
			e.caps[c] = true
		}
		t.Run("Describe", e.testDescribe)
		t.Run("WriteRead", e.testWriteRead)
		t.Run("Rewrite", e.testRewrite)
		t.Run("Replace", e.testReplace)
		t.Run("Large", e.testLarge)
		t.Run("Batches", e.testBatches)
		t.Run("Cancel", e.testCancel)
		t.Run("EscapingIDs", e.testEscapingIDs)
		t.Run("Delete", e.testDelete)
	})
}

func offersEndpoint(p sdk.Plugin, name string) bool {
	for _, e := range p.Endpoints {
		if e.Name == name {
			return true
		}
	}
	return false
}

type endpointChecks struct {
	opt    EndpointOpt
	client pb.EndpointClient
	desc   *pb.Describe_Response
	comp   *pb.Component
	caps   map[pb.Capability]bool
}

// need skips the test unless the endpoint declares every capability.
func (e *endpointChecks) need(t *testing.T, caps ...pb.Capability) {
	t.Helper()
	for _, c := range caps {
		if !e.caps[c] {
			t.Skipf("endpoint has no %s capability", capabilityName(c))
		}
	}
}

func capabilityName(c pb.Capability) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(c.String(), "CAPABILITY_")), "_", " ")
}

func (e *endpointChecks) testDescribe(t *testing.T) {
	describePlugin(t, e.desc)
	c := e.comp
	if !e.caps[pb.Capability_CAPABILITY_READ] && !e.caps[pb.Capability_CAPABILITY_FETCH] &&
		!e.caps[pb.Capability_CAPABILITY_WRITE] && !e.caps[pb.Capability_CAPABILITY_DELETE] {
		t.Error("the endpoint declares none of the read, fetch, write and delete capabilities; " +
			"set EndpointSpec.Implements to a nil value of the endpoint type, e.g. (*Endpoint)(nil)")
	}
	if len(c.GetSchemes()) == 0 && len(c.GetOpaqueSchemes()) == 0 && len(c.GetPathPatterns()) == 0 && !c.GetDirectories() {
		t.Error("the endpoint claims no scheme, path pattern or directories: the host can never choose it")
	}
	for _, s := range c.GetSchemes() {
		if s == "" || strings.Contains(s, ":") || strings.Contains(s, "/") {
			t.Errorf("scheme %q: want a bare scheme such as \"acme\", without \"://\"", s)
		}
	}
	for _, s := range c.GetOpaqueSchemes() {
		if len(s) < 2 || strings.Contains(s, ":") || strings.Contains(s, "/") {
			t.Errorf("opaque scheme %q: want a bare scheme of two letters or more, such as \"acme\", without \":\"", s)
		}
	}
}

// resource is what the checks write: its value names its id and type, so
// reading back needs no knowledge of the endpoint's layout.
type resource struct {
	id, typ string
	json    []byte
}

type resourceKey struct{ typ, id string }

func (k resourceKey) String() string { return fmt.Sprintf("%s/%q", k.typ, k.id) }

func newResource(typ, id string, value []byte) resource {
	v, err := sdk.MarshalCanonical(map[string]any{"id": id, "type": typ})
	if err != nil {
		panic(err)
	}
	// Splice the value in as raw canonical JSON: keys "id" < "type" < "value".
	json := append(v[:len(v)-1:len(v)-1], []byte(`,"value":`)...)
	json = append(json, value...)
	json = append(json, '}')
	return resource{id: id, typ: typ, json: json}
}

func (r resource) key() resourceKey { return resourceKey{r.typ, r.id} }

// awkwardResources are one resource per awkward id, spread over the
// awkward types, carrying the formatter samples as values.
func (e *endpointChecks) awkwardResources() []resource {
	samples := Samples()
	var rs []resource
	for i, id := range IDs() {
		if e.opt.SkipIDs != nil && e.opt.SkipIDs(id) {
			continue
		}
		rs = append(rs, newResource(types[i%len(types)], id, mustCanonical(samples[i%len(samples)].JSON)))
	}
	return rs
}

// numbered makes n small resources.
func numbered(prefix string, n, size int) []resource {
	rs := make([]resource, n)
	pad := strings.Repeat("x", max(0, size-64))
	for i := range rs {
		rs[i] = newResource("thing", fmt.Sprintf("%s-%04d", prefix, i), mustCanonical(fmt.Sprintf(`{"n": %d, "pad": %q}`, i, pad)))
	}
	return rs
}

func (e *endpointChecks) testWriteRead(t *testing.T) {
	e.need(t, pb.Capability_CAPABILITY_WRITE, pb.Capability_CAPABILITY_READ)
	loc := e.opt.Location(t)
	rs := e.awkwardResources()
	e.expectStatus(t, e.write(t, loc, false, rs, nil), pb.Write_STATUS_WRITTEN)
	e.compare(t, e.readAll(t, loc), rs)
}

// testRewrite writes the same resources twice: the second write must be
// harmless, and Unchanged where the endpoint can tell.
func (e *endpointChecks) testRewrite(t *testing.T) {
	e.need(t, pb.Capability_CAPABILITY_WRITE, pb.Capability_CAPABILITY_READ)
	loc := e.opt.Location(t)
	rs := e.awkwardResources()
	e.expectStatus(t, e.write(t, loc, false, rs, nil), pb.Write_STATUS_WRITTEN)
	again := e.write(t, loc, e.opt.WholeFile, rs, nil)
	if e.opt.ExpectUnchanged {
		e.expectStatus(t, again, pb.Write_STATUS_UNCHANGED)
	} else {
		e.expectStatus(t, again, pb.Write_STATUS_WRITTEN, pb.Write_STATUS_UNCHANGED)
	}
	e.compare(t, e.readAll(t, loc), rs)
}

// testReplace writes A and B, then only A under Replace (--rm): B must go.
func (e *endpointChecks) testReplace(t *testing.T) {
	e.need(t, pb.Capability_CAPABILITY_WRITE, pb.Capability_CAPABILITY_READ)
	if e.opt.SkipReplace {
		t.Skip("EndpointOpt.SkipReplace is set")
	}
	loc := e.opt.Location(t)
	a := newResource("thing", "keep me", mustCanonical(`{"keep": true}`))
	b := newResource("thing", "remove me", mustCanonical(`{"keep": false}`))
	e.expectStatus(t, e.write(t, loc, false, []resource{a, b}, nil), pb.Write_STATUS_WRITTEN)
	out := e.write(t, loc, true, []resource{a}, nil)
	e.expectStatus(t, out, pb.Write_STATUS_WRITTEN, pb.Write_STATUS_UNCHANGED)
	if out.removed != 1 && !e.opt.WholeFile {
		t.Errorf("the replacing write reports %d resources removed; want 1", out.removed)
	}
	e.compare(t, e.readAll(t, loc), []resource{a})
}

func (e *endpointChecks) testLarge(t *testing.T) {
	e.need(t, pb.Capability_CAPABILITY_WRITE, pb.Capability_CAPABILITY_READ)
	if e.opt.SkipLarge {
		t.Skip("EndpointOpt.SkipLarge is set")
	}
	loc := e.opt.Location(t)
	rs := []resource{newResource("thing", "large", largeValue(largeSize))}
	e.expectStatus(t, e.write(t, loc, false, rs, nil), pb.Write_STATUS_WRITTEN)
	e.compare(t, e.readAll(t, loc), rs)
}

// testBatches writes 600 resources over Write messages of uneven sizes,
// around the SDK's 256-item batches.
func (e *endpointChecks) testBatches(t *testing.T) {
	e.need(t, pb.Capability_CAPABILITY_WRITE, pb.Capability_CAPABILITY_READ)
	loc := e.opt.Location(t)
	rs := numbered("batch", 600, 0)
	e.expectStatus(t, e.write(t, loc, false, rs, []int{1, 255, 256, 88}), pb.Write_STATUS_WRITTEN)
	e.compare(t, e.readAll(t, loc), rs)
}

// testCancel cancels a Read of many documents after its first message:
// it must end promptly with codes.Canceled, and the next Read must work.
func (e *endpointChecks) testCancel(t *testing.T) {
	e.need(t, pb.Capability_CAPABILITY_WRITE, pb.Capability_CAPABILITY_READ)
	if e.opt.SkipCancel {
		t.Skip("EndpointOpt.SkipCancel is set")
	}
	loc := e.opt.Location(t)
	rs := numbered("cancel", cancelReadCount, cancelReadSize)
	e.expectStatus(t, e.write(t, loc, false, rs, nil), pb.Write_STATUS_WRITTEN)

	handle := e.open(t, loc, pb.Open_ROLE_ORIGIN_UNSPECIFIED, false)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	stream, err := e.client.Read(ctx, &pb.Read_Request{Handle: handle})
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if _, err := stream.Recv(); err != nil {
		t.Fatalf("Read: no first message: %v", err)
	}
	cancel()
	if err := endsCancelled(func() error { _, err := stream.Recv(); return err }); err != nil {
		t.Errorf("Read: %v", err)
	}
	e.compare(t, e.read(t, handle), rs)
}

// escapingIDs would name something outside the location if used as a
// path, or nothing at all.
var escapingIDs = []string{"../escape", "a/b", "", ".", ".."}

// testEscapingIDs writes resources whose ids would leave the location:
// each must fail with a diagnostic, and for a directory location, nothing
// beside it may change.
func (e *endpointChecks) testEscapingIDs(t *testing.T) {
	if !e.opt.RefusesEscapingIDs {
		t.Skip("EndpointOpt.RefusesEscapingIDs is not set")
	}
	e.need(t, pb.Capability_CAPABILITY_WRITE)
	loc := e.opt.Location(t)
	parent, watch := parentDir(loc)
	var before map[string]string
	if watch {
		before = snapshot(t, parent, loc)
	}
	fine := newResource("thing", "fine", mustCanonical(`{"fine": true}`))
	rs := []resource{fine}
	for _, id := range escapingIDs {
		rs = append(rs, newResource("thing", id, mustCanonical(`{"escape": true}`)))
	}
	out := e.write(t, loc, false, rs, nil)
	for seq, r := range out.results {
		res := rs[seq-1]
		switch {
		case res.id == fine.id:
			if r.GetStatus() != pb.Write_STATUS_WRITTEN {
				t.Errorf("%v: status %v, want written", res.key(), r.GetStatus())
			}
		case r.GetStatus() != pb.Write_STATUS_FAILED:
			t.Errorf("%v: status %v; an id that would leave the location must fail", res.key(), r.GetStatus())
		case r.GetError().GetSummary() == "":
			t.Errorf("%v: failed without a diagnostic saying why", res.key())
		}
	}
	if watch {
		after := snapshot(t, parent, loc)
		for _, change := range compareSnapshots(before, after) {
			t.Errorf("beside the location, in %s: %s", parent, change)
		}
	}
	if e.caps[pb.Capability_CAPABILITY_READ] {
		e.compare(t, e.readAll(t, loc), []resource{fine})
	}
}

// testDelete writes two resources and deletes one.
func (e *endpointChecks) testDelete(t *testing.T) {
	e.need(t, pb.Capability_CAPABILITY_DELETE, pb.Capability_CAPABILITY_WRITE, pb.Capability_CAPABILITY_READ)
	loc := e.opt.Location(t)
	gone := newResource("thing", "delete me", mustCanonical(`{"delete": true}`))
	kept := newResource("thing", "keep me", mustCanonical(`{"delete": false}`))
	e.expectStatus(t, e.write(t, loc, false, []resource{gone, kept}, nil), pb.Write_STATUS_WRITTEN)

	handle := e.open(t, loc, pb.Open_ROLE_DESTINATION, false)
	ctx, cancel := callContext(t.Context())
	defer cancel()
	resp, err := e.client.Delete(ctx, &pb.Delete_Request{Handle: handle, Resources: []*pb.Resource{e.wireResource(loc, gone)}})
	if err != nil {
		t.Fatalf("Delete: %v", err)
	}
	for _, d := range resp.GetErrors() {
		t.Errorf("Delete: %v", fromproto.Error(d))
	}
	e.close(t, handle)
	e.compare(t, e.readAll(t, loc), []resource{kept})
}
