package sdktest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"google.golang.org/grpc"

	"github.com/resource-sync/resource-sync/internal/wire/fromproto"
	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
	"github.com/resource-sync/resource-sync/sdk"
)

// EndpointOpt says which endpoint RunEndpoint checks, where, with what
// resources, and what it cannot do.
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
	// SchemaName is the schema named to Open, as the host names its
	// sync's (--schema): an endpoint may write differently under one. When
	// Open answers json_bodies (sdk.Recommendation.JSONBodies), the checks
	// send JSON items without content, as the host does.
	SchemaName string

	// Fixtures: what the checks store. By default they write resources
	// {"id": ID, "type": TYPE, "value": ...} under awkward ids (see IDs)
	// and awkward types, and read them back by those fields; an endpoint
	// for a real API says what it holds instead.
	//
	// Types are the types the checks store, spread over the ids; the
	// first one takes the bulk checks (Batches, Cancel, Large).
	Types []string
	// NewResource returns the resource of type typ and id the checks
	// store, its body holding n so that bodies differ (the Rewrite check
	// stores the same n again). Its URI is where it lives, when the
	// endpoint writes where uris point.
	NewResource func(typ, id string, n int) sdk.Resource
	// Schema finds the type and id of what is read back, as the host's
	// schema would; the default reads the id and type fields.
	Schema sdk.Schema
	// Normalize returns the body to compare of a resource written or read
	// back, for an endpoint that adds fields of its own (a server's
	// timestamps); the default compares bodies exactly.
	Normalize func(r sdk.Resource) []byte
	// Seed puts resources in place at a fresh location, for an endpoint
	// that cannot be written (no write capability): the checks then read
	// and fetch them. A read-only endpoint without Seed gets Describe only.
	Seed func(t *testing.T, location string, resources []sdk.Resource)
	// ResourceURI gives the uri of a resource written to location, for
	// the default NewResource; by default resources have none.
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

	// Escape hatches, for what the endpoint genuinely cannot hold; say
	// why where you set one.
	//
	// SkipIDs leaves out awkward ids (see IDs) the endpoint cannot store.
	SkipIDs func(id string) bool
	// CaseInsensitive says ids that differ only in case name one resource
	// (a case-insensitive file system, an API folding case): the kit then
	// stores only one of each such pair.
	CaseInsensitive bool
	// SkipLongIDs leaves out the ids of 250 bytes, the longest the host
	// sends (a file name with an extension is then 255 bytes).
	SkipLongIDs bool
	// SkipReplace skips the Replace check of an endpoint declaring
	// replace.
	SkipReplace bool
	// SkipLarge skips the resource over 4 MiB.
	SkipLarge bool
	// SkipCancel skips cancelling a Read of many documents, which stores
	// 24 MiB first.
	SkipCancel bool
	// SkipInventory skips the Inventory check of an endpoint declaring
	// inventory.
	SkipInventory bool
}

// IDs returns the awkward ids the ReadBack check stores: the formatter
// samples' awkward strings without path separators, ids differing only
// in case, ids that would become invalid UTF-8 or another id if
// percent-decoded, and ids of 250 bytes, the most the host sends. Ids are
// always valid UTF-8: the host refuses anything else while reading, and
// the protocol could not carry it.
func IDs() []string {
	return []string{
		"plain",
		"êé", "Hello, 世界", "emoji 🎉",
		strings.ReplaceAll(`hello? sausage/êé/Hello, 世界/ " ' @ < > & ? + ≠`, "/", " "),
		"with space", " leading space", "trailing space ",
		`double"quote`, "single'quote",
		"0755", "true", "null", "2017-01-01", "1e20", "12",
		"percent %46 encoded", "percent %FF%FE invalid once decoded", "percent %2F slash once decoded",
		"hash#fragment", "question?mark", "amp&ersand", "colon:semi;",
		"UPPER", "MiXeD CaSe", "Case", "case", "CASE",
		"\u00e9 composed", "e\u0301 decomposed",
		"replacement \uFFFD char", "zero\u200bwidth",
		strings.Repeat("long", 25),
		strings.Repeat("x", 250),
		strings.Repeat("é", 125),
	}
}

// types are the default resource types the checks write, awkward too.
var types = []string{"thing", "type with spaces", "类型 êé", `quote's "type"`}

// cancelReadCount and cancelReadSize make a Read bigger than gRPC's
// flow-control windows (16 MiB at most), so it cannot finish unread.
const (
	cancelReadCount = 768
	cancelReadSize  = 32 << 10
)

// RunEndpoint checks the endpoint opt.Name of opt.Plugin: it describes
// itself; what it stores reads back exactly, under awkward ids and types,
// each resource once; rewrites are harmless; Replace removes what was not
// rewritten; a resource over 4 MiB and writes spread over uneven messages
// work, every item reported exactly once; a cancelled Read ends promptly;
// Fetch returns the resources at their uris; Inventory lists what it
// holds of a scope; escaping ids are refused; and deleted resources are
// gone. Checks the endpoint's declared capabilities rule out are skipped
// with a message saying which; a read-only endpoint is read on what Seed
// puts in place.
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
	if len(opt.Types) == 0 {
		if opt.NewResource != nil {
			t.Fatal("EndpointOpt.NewResource is set without EndpointOpt.Types, the types it can make")
		}
		opt.Types = types
	}
	if opt.Schema == nil {
		if opt.NewResource != nil {
			t.Fatal("EndpointOpt.NewResource is set without EndpointOpt.Schema, which says who a resource read back is")
		}
		opt.Schema = fieldsSchema{}
	}
	inBothModes(t, opt.Plugin, func(t *testing.T, conn *grpc.ClientConn) {
		desc, comp := describeComponent(t, conn, pb.Component_KIND_ENDPOINT, opt.Name)
		e := &endpointChecks{opt: opt, client: pb.NewEndpointClient(conn), desc: desc, comp: comp,
			caps: map[pb.Capability]bool{}}
		for _, c := range comp.GetCapabilities() {
			e.caps[c] = true
		}
		t.Run("Describe", e.testDescribe)
		t.Run("ReadBack", e.testReadBack)
		t.Run("Rewrite", e.testRewrite)
		t.Run("Replace", e.testReplace)
		t.Run("Large", e.testLarge)
		t.Run("Batches", e.testBatches)
		t.Run("Cancel", e.testCancel)
		t.Run("HeldCommits", e.testHeldCommits)
		t.Run("Fetch", e.testFetch)
		t.Run("Inventory", e.testInventory)
		t.Run("InventoryMore", e.testInventoryMore)
		t.Run("Memos", e.testMemos)
		t.Run("Versions", e.testVersions)
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

// needStore skips the test unless the checks can put resources in place:
// by writing them, or with EndpointOpt.Seed.
func (e *endpointChecks) needStore(t *testing.T) {
	t.Helper()
	if !e.caps[pb.Capability_CAPABILITY_WRITE] && e.opt.Seed == nil {
		t.Skip("endpoint has no write capability and EndpointOpt.Seed is nil: nothing to read back")
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

// resourceKey names a resource in messages and maps.
type resourceKey struct{ typ, id string }

func (k resourceKey) String() string { return fmt.Sprintf("%s/%q", k.typ, k.id) }

func keyOf(r sdk.Resource) resourceKey { return resourceKey{r.Type, r.ID} }

// newResource is the resource of type typ and id the checks store: the
// author's, or the kit's {"id", "type", "value": a sample}.
func (e *endpointChecks) newResource(loc, typ, id string, n int) sdk.Resource {
	if e.opt.NewResource != nil {
		r := e.opt.NewResource(typ, id, n)
		if canon, err := sdk.CanonicalJSON(r.JSON); err == nil {
			r.JSON = canon
		}
		return r
	}
	samples := Samples()
	r := kitResource(typ, id, mustCanonical(samples[n%len(samples)].JSON))
	if e.opt.ResourceURI != nil {
		r.URI = e.opt.ResourceURI(loc, typ, id)
	}
	return r
}

// kitResource is {"id": id, "type": typ, "value": value}.
func kitResource(typ, id string, value []byte) sdk.Resource {
	v, err := sdk.MarshalCanonical(map[string]any{"id": id, "type": typ})
	if err != nil {
		panic(err)
	}
	// Splice the value in as raw canonical JSON: keys "id" < "type" < "value".
	json := append(v[:len(v)-1:len(v)-1], []byte(`,"value":`)...)
	json = append(json, value...)
	json = append(json, '}')
	return sdk.Resource{ID: id, Type: typ, JSON: json}
}

// padded is r with a field of at least size bytes more, for the checks
// that need big resources: the kit's own carry it in their value.
func (e *endpointChecks) padded(r sdk.Resource, size int) sdk.Resource {
	if e.opt.NewResource == nil {
		uri := r.URI
		r = kitResource(r.Type, r.ID, largeValue(size))
		r.URI = uri
		return r
	}
	body, err := sdk.UnmarshalJSON(r.JSON)
	obj, ok := body.(map[string]any)
	if err != nil || !ok {
		return r
	}
	blob, _ := sdk.UnmarshalJSON(largeValue(size))
	obj["sdktest_padding"] = blob
	if r.JSON, err = sdk.MarshalCanonical(obj); err != nil {
		panic(err)
	}
	return r
}

// awkwardIDs are IDs() without those the options leave out.
func (e *endpointChecks) awkwardIDs() []string {
	var out []string
	seen := map[string]bool{}
	for _, id := range IDs() {
		switch {
		case e.opt.SkipIDs != nil && e.opt.SkipIDs(id):
		case e.opt.SkipLongIDs && len(id) >= 250:
		case e.opt.CaseInsensitive && seen[strings.ToLower(id)]:
		default:
			seen[strings.ToLower(id)] = true
			out = append(out, id)
		}
	}
	return out
}

// awkwardResources are one resource per awkward id, spread over the
// types; ids differing only in case share a type, so they name resources
// side by side.
func (e *endpointChecks) awkwardResources(loc string, n int) []sdk.Resource {
	var rs []sdk.Resource
	for i, id := range e.awkwardIDs() {
		typ := e.opt.Types[i%len(e.opt.Types)]
		if strings.EqualFold(id, "case") {
			typ = e.opt.Types[0]
		}
		rs = append(rs, e.newResource(loc, typ, id, n+i))
	}
	return rs
}

// numbered makes n resources of the first type, each of size bytes at
// least.
func (e *endpointChecks) numbered(loc, prefix string, n, size int) []sdk.Resource {
	rs := make([]sdk.Resource, n)
	for i := range rs {
		id := fmt.Sprintf("%s-%04d", prefix, i)
		switch {
		case size == 0:
			rs[i] = e.newResource(loc, e.opt.Types[0], id, i)
		case e.opt.NewResource == nil:
			rs[i] = kitResource(e.opt.Types[0], id, mustCanonical(fmt.Sprintf(`{"n": %d, "pad": %q}`, i, strings.Repeat("x", max(0, size-64)))))
			if e.opt.ResourceURI != nil {
				rs[i].URI = e.opt.ResourceURI(loc, rs[i].Type, id)
			}
		default:
			rs[i] = e.padded(e.newResource(loc, e.opt.Types[0], id, i), size)
		}
	}
	return rs
}

// put stores rs at loc: by writing them when the endpoint writes, else
// with EndpointOpt.Seed.
func (e *endpointChecks) put(t *testing.T, loc string, rs []sdk.Resource) {
	t.Helper()
	if !e.caps[pb.Capability_CAPABILITY_WRITE] {
		e.opt.Seed(t, loc, rs)
		return
	}
	e.expectStatus(t, e.write(t, loc, false, rs, nil), pb.Write_STATUS_WRITTEN)
}

func (e *endpointChecks) testReadBack(t *testing.T) {
	e.need(t, pb.Capability_CAPABILITY_READ)
	e.needStore(t)
	loc := e.opt.Location(t)
	rs := e.awkwardResources(loc, 0)
	e.put(t, loc, rs)
	e.compare(t, e.readAll(t, loc), rs)
}

// testRewrite writes the same resources twice: the second write must be
// harmless, and Unchanged where the endpoint can tell.
func (e *endpointChecks) testRewrite(t *testing.T) {
	e.need(t, pb.Capability_CAPABILITY_WRITE, pb.Capability_CAPABILITY_READ)
	loc := e.opt.Location(t)
	rs := e.awkwardResources(loc, 0)
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
	e.need(t, pb.Capability_CAPABILITY_WRITE, pb.Capability_CAPABILITY_READ, pb.Capability_CAPABILITY_REPLACE)
	if e.opt.SkipReplace {
		t.Skip("EndpointOpt.SkipReplace is set")
	}
	loc := e.opt.Location(t)
	a := e.newResource(loc, e.opt.Types[0], "keep me", 1)
	b := e.newResource(loc, e.opt.Types[0], "remove me", 2)
	e.expectStatus(t, e.write(t, loc, false, []sdk.Resource{a, b}, nil), pb.Write_STATUS_WRITTEN)
	out := e.write(t, loc, true, []sdk.Resource{a}, nil)
	e.expectStatus(t, out, pb.Write_STATUS_WRITTEN, pb.Write_STATUS_UNCHANGED)
	if out.removed != 1 && !e.opt.WholeFile {
		t.Errorf("the replacing write reports %d resources removed; want 1", out.removed)
	}
	e.compare(t, e.readAll(t, loc), []sdk.Resource{a})
}

func (e *endpointChecks) testLarge(t *testing.T) {
	e.need(t, pb.Capability_CAPABILITY_READ)
	e.needStore(t)
	if e.opt.SkipLarge {
		t.Skip("EndpointOpt.SkipLarge is set")
	}
	loc := e.opt.Location(t)
	rs := []sdk.Resource{e.padded(e.newResource(loc, e.opt.Types[0], "large", 0), largeSize)}
	e.put(t, loc, rs)
	e.compare(t, e.readAll(t, loc), rs)
}

// testBatches writes 600 resources over Write messages of uneven sizes,
// around the SDK's 256-item batches.
func (e *endpointChecks) testBatches(t *testing.T) {
	e.need(t, pb.Capability_CAPABILITY_WRITE, pb.Capability_CAPABILITY_READ)
	loc := e.opt.Location(t)
	rs := e.numbered(loc, "batch", 600, 0)
	e.expectStatus(t, e.write(t, loc, false, rs, []int{1, 255, 256, 88}), pb.Write_STATUS_WRITTEN)
	e.compare(t, e.readAll(t, loc), rs)
}

// testHeldCommits cancels a write whose commits the host held and never
// released: the endpoint must be as it was. Released with the last
// message, the same write lands.
func (e *endpointChecks) testHeldCommits(t *testing.T) {
	e.need(t, pb.Capability_CAPABILITY_WRITE, pb.Capability_CAPABILITY_READ, pb.Capability_CAPABILITY_HOLDS_COMMITS)
	loc := e.opt.Location(t)
	before := e.numbered(loc, "before", 3, 0)
	e.put(t, loc, before)
	held := e.numbered(loc, "held", 600, 0)
	// A whole-file endpoint is opened to be replaced, and keeps only what
	// a write sends.
	e.writeCancelledWhileHeld(t, loc, e.opt.WholeFile, held)
	e.compare(t, e.readAll(t, loc), before)

	all := append(slices.Clone(before), held...)
	out := e.writeHeld(t, loc, e.opt.WholeFile, all, []int{1, 255, 256, 91}, true)
	e.expectStatus(t, out, pb.Write_STATUS_WRITTEN, pb.Write_STATUS_UNCHANGED)
	e.compare(t, e.readAll(t, loc), all)
}

// testCancel cancels a Read of many documents after its first message:
// it must end promptly with codes.Canceled, and the next Read must work.
func (e *endpointChecks) testCancel(t *testing.T) {
	e.need(t, pb.Capability_CAPABILITY_READ)
	e.needStore(t)
	if e.opt.SkipCancel {
		t.Skip("EndpointOpt.SkipCancel is set")
	}
	loc := e.opt.Location(t)
	rs := e.numbered(loc, "cancel", cancelReadCount, cancelReadSize)
	e.put(t, loc, rs)

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

// testFetch stores resources that have uris and fetches them: each comes
// back once, as stored.
func (e *endpointChecks) testFetch(t *testing.T) {
	e.need(t, pb.Capability_CAPABILITY_FETCH)
	e.needStore(t)
	loc := e.opt.Location(t)
	rs := e.awkwardResources(loc, 0)
	var uris []string
	for _, r := range rs {
		if r.URI == "" {
			t.Skip("the resources have no uris to fetch: set EndpointOpt.ResourceURI, or give NewResource's resources one")
		}
		uris = append(uris, r.URI)
	}
	e.put(t, loc, rs)
	handle := e.open(t, loc, pb.Open_ROLE_ORIGIN_UNSPECIFIED, false)
	ctx, cancel := callContext(t.Context())
	defer cancel()
	stream, err := e.client.Fetch(ctx, &pb.Fetch_Request{Handle: handle, Uris: uris})
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	e.compare(t, e.receive(t, "Fetch", stream), rs)
}

// testInventory stores resources, and asks for the inventory of half of
// them: each of those must be among what it lists, once, as stored. It
// may list more (the whole collection of an API).
func (e *endpointChecks) testInventory(t *testing.T) {
	rs, loc := e.storeForInventory(t, pb.Capability_CAPABILITY_INVENTORY)
	handle := e.open(t, loc, pb.Open_ROLE_DESTINATION, false)
	var scope []sdk.Resource
	for i, r := range rs {
		if i%2 == 0 {
			scope = append(scope, r)
		}
	}
	ctx, cancel := callContext(t.Context())
	defer cancel()
	e.checkListed(t, e.inventory(t, ctx, handle, scope, false), scope, "the inventory")
}

// testInventoryMore asks for the inventory of stored resources in two
// parts, the second with more set (ExtendInventory): every resource of
// either part must be among what the two list, as stored.
func (e *endpointChecks) testInventoryMore(t *testing.T) {
	rs, loc := e.storeForInventory(t, pb.Capability_CAPABILITY_INVENTORY_MORE)
	handle := e.open(t, loc, pb.Open_ROLE_DESTINATION, false)
	ctx, cancel := callContext(t.Context())
	defer cancel()
	half := len(rs) / 2
	got := e.inventory(t, ctx, handle, rs[:half], false)
	maps.Copy(got, e.inventory(t, ctx, handle, rs[half:], true))
	e.checkListed(t, got, rs, "either part of the inventory")
}

// storeForInventory stores resources for an inventory check of an
// endpoint declaring capability, and returns them and their location.
func (e *endpointChecks) storeForInventory(t *testing.T, capability pb.Capability) ([]sdk.Resource, string) {
	e.need(t, capability)
	e.needStore(t)
	if e.opt.SkipInventory {
		t.Skip("EndpointOpt.SkipInventory is set")
	}
	loc := e.opt.Location(t)
	rs := e.awkwardResources(loc, 0)
	e.put(t, loc, rs)
	return rs, loc
}

// inventory asks for what the endpoint holds of scope (their id, type and
// uri); more adds it to the last inventory of handle.
func (e *endpointChecks) inventory(t *testing.T, ctx context.Context, handle string, scope []sdk.Resource, more bool) map[resourceKey]sdk.Resource {
	t.Helper()
	req := &pb.Inventory_Request{Handle: handle, More: more}
	for _, r := range scope {
		req.Scope = append(req.Scope, &pb.Resource{Id: r.ID, Type: r.Type, Uri: r.URI})
	}
	stream, err := e.client.Inventory(ctx, req)
	if err != nil {
		t.Fatalf("Inventory (more %v): %v", more, err)
	}
	return e.receive(t, "Inventory", stream)
}

// checkListed fails for each resource of want that got, what an
// inventory listed, lacks or holds otherwise than stored.
func (e *endpointChecks) checkListed(t *testing.T, got map[resourceKey]sdk.Resource, want []sdk.Resource, listing string) {
	t.Helper()
	for _, r := range want {
		k := keyOf(r)
		g, listed := got[k]
		switch {
		case !listed:
			t.Errorf("%v is in scope but not in %s", k, listing)
		case !e.sameBody(g, r):
			t.Errorf("%v is listed differently from how it was stored\n%s", k, diff(e.body(g), e.body(r)))
		}
	}
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
	fine := e.newResource(loc, e.opt.Types[0], "fine", 0)
	rs := []sdk.Resource{fine}
	for i, id := range escapingIDs {
		rs = append(rs, e.newResource(loc, e.opt.Types[0], id, i+1))
	}
	out := e.write(t, loc, false, rs, nil)
	for seq, r := range out.results {
		res := rs[seq-1]
		switch {
		case res.ID == fine.ID:
			if r.GetStatus() != pb.Write_STATUS_WRITTEN {
				t.Errorf("%v: status %v, want written", keyOf(res), r.GetStatus())
			}
		case r.GetStatus() != pb.Write_STATUS_FAILED:
			t.Errorf("%v: status %v; an id that would leave the location must fail", keyOf(res), r.GetStatus())
		case r.GetError().GetSummary() == "":
			t.Errorf("%v: failed without a diagnostic saying why", keyOf(res))
		}
	}
	if watch {
		after := snapshot(t, parent, loc)
		for _, change := range compareSnapshots(before, after) {
			t.Errorf("beside the location, in %s: %s", parent, change)
		}
	}
	if e.caps[pb.Capability_CAPABILITY_READ] {
		e.compare(t, e.readAll(t, loc), []sdk.Resource{fine})
	}
}

// testDelete stores two resources and deletes one.
func (e *endpointChecks) testDelete(t *testing.T) {
	e.need(t, pb.Capability_CAPABILITY_DELETE, pb.Capability_CAPABILITY_READ)
	e.needStore(t)
	loc := e.opt.Location(t)
	gone := e.newResource(loc, e.opt.Types[0], "delete me", 1)
	kept := e.newResource(loc, e.opt.Types[0], "keep me", 2)
	e.put(t, loc, []sdk.Resource{gone, kept})

	// What the host deletes is what it read, with its Location.
	held := e.readAll(t, loc)[keyOf(gone)]
	handle := e.open(t, loc, pb.Open_ROLE_DESTINATION, false)
	ctx, cancel := callContext(t.Context())
	defer cancel()
	target := e.wireResource(gone)
	target.Location = held.Location
	resp, err := e.client.Delete(ctx, &pb.Delete_Request{Handle: handle, Resources: []*pb.Resource{target}})
	if err != nil {
		t.Fatalf("Delete: %v", err)
	}
	for _, d := range resp.GetErrors() {
		t.Errorf("Delete: %v", fromproto.Error(d))
	}
	e.close(t, handle)
	e.compare(t, e.readAll(t, loc), []sdk.Resource{kept})
}

// fieldsSchema is the kit's own schema: a resource's id and type are its
// fields of those names.
type fieldsSchema struct{}

func (fieldsSchema) Classify(v sdk.Value, _ sdk.Follow) (sdk.Classified, error) {
	parsed, err := sdk.UnmarshalJSON(v.JSON)
	obj, _ := parsed.(map[string]any)
	id, idOK := obj["id"].(string)
	typ, typeOK := obj["type"].(string)
	if err != nil || !idOK || !typeOK || !utf8.ValidString(id) {
		return sdk.Classified{}, &sdk.Error{Source: v.Source, Line: v.Line, Msg: "a value the checks did not write: " + clip(v.JSON)}
	}
	return sdk.Classified{Resources: []sdk.Resource{{ID: id, Type: typ, JSON: v.JSON, Source: v.Source, Line: v.Line, Location: v.Location}}}, nil
}
