package sdktest

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"google.golang.org/grpc"

	"github.com/resource-sync/resource-sync/internal/wire/fromproto"
	"github.com/resource-sync/resource-sync/internal/wire/toproto"
	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
	"github.com/resource-sync/resource-sync/sdk"
)

// SchemaOpt says which schema RunSchema checks, and with what cases.
type SchemaOpt struct {
	// Plugin offers the schema. InProcess serves it; Process serves the
	// plugin given to Main, which must offer it too.
	Plugin sdk.Plugin
	// Name is the schema's name in its sdk.SchemaSpec.
	Name string
	// Cases are values and what the schema must find in them. Write one
	// for each kind of document your API serves (a resource, a page of
	// them, a discovery document), one read from a file, and the errors
	// foreign data must give.
	Cases []SchemaCase
}

// SchemaCase is one value and what classifying it must give.
type SchemaCase struct {
	Name string
	// JSON is the value: a JSON object, as a formatter would decode it.
	JSON string
	// URI is where the value was fetched from; "" for a file.
	URI string
	// TypeHint is the type its place implies (the directory layout's type
	// directory), as endpoints set sdk.Document.TypeHint.
	TypeHint string
	// Follow is the host's follow mode for this case; FollowPage by default.
	Follow sdk.Follow

	// Want are the resources it must find, in order. ID, Type, URI,
	// Parents and ParentRefs are compared; JSON too when set (canonical
	// JSON). Source, Line and Location are checked to be the value's.
	Want []sdk.Resource
	// WantLinks, when not nil, are the links it must return, in order.
	WantLinks []string
	// WantError, when set, is the message of the *sdk.Error the value
	// must give instead (without its source and line).
	WantError string
}

// caseSource and caseLine are what the checks give every value, to see
// them carried to resources and errors.
const (
	caseSource = "sdktest/case.json"
	caseLine   = 7
)

// value is the case as the host sends it.
func (c SchemaCase) value() (sdk.Value, error) {
	canon, err := sdk.CanonicalJSON([]byte(c.JSON))
	if err != nil {
		return sdk.Value{}, fmt.Errorf("case %q: its JSON is invalid: %v", c.Name, err)
	}
	return sdk.Value{JSON: canon, Source: caseSource, Line: caseLine, URI: c.URI, TypeHint: c.TypeHint, Location: "sdktest/location"}, nil
}

// RunSchema checks the schema opt.Name of opt.Plugin, through the wire as
// the host calls it: it describes itself; each case gives what it wants;
// and on the cases and on awkward JSON of the kit's, under every follow
// mode, it keeps the promises every schema keeps (see FuzzSchema). Add
// FuzzSchema to fuzz the schema with the same checks.
func RunSchema(t *testing.T, opt SchemaOpt) {
	t.Helper()
	if !offersSchema(opt.Plugin, opt.Name) {
		t.Fatalf("plugin %q offers no schema named %q", opt.Plugin.Name, opt.Name)
	}
	if len(opt.Cases) == 0 {
		t.Fatal("SchemaOpt.Cases is empty: give at least a resource, a page of resources and a file")
	}
	for _, c := range opt.Cases {
		if _, err := c.value(); err != nil {
			t.Fatal(err)
		}
	}
	inBothModes(t, opt.Plugin, func(t *testing.T, conn *grpc.ClientConn) {
		_, comp := describeComponent(t, conn, pb.Component_KIND_SCHEMA, opt.Name)
		s := &schemaChecks{opt: opt, client: pb.NewSchemaClient(conn)}
		t.Run("Describe", func(t *testing.T) {
			if comp.GetSummary() == "" {
				t.Error("the schema has no summary: `resource-sync plugins list` shows it")
			}
		})
		t.Run("Cases", s.testCases)
		t.Run("Promises", s.testPromises)
	})
}

func offersSchema(p sdk.Plugin, name string) bool {
	for _, s := range p.Schemas {
		if s.Name == name {
			return true
		}
	}
	return false
}

type schemaChecks struct {
	opt    SchemaOpt
	client pb.SchemaClient
}

// classify sends values in one request, under mode, and returns one
// result per value.
func (s *schemaChecks) classify(t *testing.T, values []sdk.Value, mode sdk.Follow) []classified {
	t.Helper()
	ctx, cancel := callContext(t.Context())
	defer cancel()
	stream, err := s.client.Classify(ctx)
	if err != nil {
		t.Fatalf("Classify: %v", err)
	}
	// As the host asks: resources may come back as spans of their values.
	req := &pb.Classify_Request{Schema: s.opt.Name, Follow: toproto.Follow(mode), AcceptsSpans: true}
	for _, v := range values {
		req.Values = append(req.Values, toproto.Value(v))
	}
	resps, err := exchange(stream, []*pb.Classify_Request{req})
	if err != nil {
		t.Fatalf("Classify: %v", err)
	}
	results := resps[0].GetResults()
	if len(results) != len(values) {
		t.Fatalf("Classify answered %d values with %d results; want one result per value", len(values), len(results))
	}
	if err := fromproto.ResolveSpans(req.Values, resps[0]); err != nil {
		t.Fatalf("Classify: %v", err)
	}
	out := make([]classified, len(results))
	for i, r := range results {
		out[i].c = sdk.Classified{Resources: fromproto.Resources(r.GetResources()), Links: r.GetLinks(), Aliases: r.GetAliases()}
		if e := fromproto.Error(r.GetError()); e != nil {
			out[i].err = e
		}
	}
	return out
}

type classified struct {
	c   sdk.Classified
	err error
}

func (s *schemaChecks) testCases(t *testing.T) {
	for _, c := range s.opt.Cases {
		t.Run(c.Name, func(t *testing.T) {
			v, _ := c.value()
			got := s.classify(t, []sdk.Value{v}, c.Follow)[0]
			checkCase(t, c, v, got.c, got.err)
		})
	}
}

// checkCase compares what a case gave with what it wants.
func checkCase(t *testing.T, c SchemaCase, v sdk.Value, got sdk.Classified, err error) {
	t.Helper()
	if c.WantError != "" {
		var e *sdk.Error
		switch {
		case err == nil:
			t.Errorf("classified as %s; want the error %q", describeResources(got.Resources), c.WantError)
		case !errors.As(err, &e):
			t.Errorf("error %v; want an *sdk.Error", err)
		case e.Msg != c.WantError:
			t.Errorf("error %q; want %q", e.Msg, c.WantError)
		}
		return
	}
	if err != nil {
		t.Fatalf("Classify: %v", err)
	}
	ignore := []cmp.Option{cmpopts.IgnoreFields(sdk.Resource{}, "Source", "Line", "Location"), cmpopts.EquateEmpty()}
	want := c.Want
	gotRes := got.Resources
	if !anyJSON(want) {
		ignore = append(ignore, cmpopts.IgnoreFields(sdk.Resource{}, "JSON"))
	}
	if diff := cmp.Diff(want, gotRes, ignore...); diff != "" {
		t.Errorf("resources (-want +got):\n%s", diff)
	}
	if c.WantLinks != nil {
		if diff := cmp.Diff(c.WantLinks, got.Links, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("links (-want +got):\n%s", diff)
		}
	}
	for _, p := range checkPromises(v, got, nil) {
		t.Error(p)
	}
}

func anyJSON(rs []sdk.Resource) bool {
	for _, r := range rs {
		if r.JSON != nil {
			return true
		}
	}
	return false
}

func describeResources(rs []sdk.Resource) string {
	if len(rs) == 0 {
		return "no resource"
	}
	var b bytes.Buffer
	for i, r := range rs {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s/%s", r.Type, r.ID)
	}
	return b.String()
}

// awkwardSchemaValues are JSON objects no schema may crash on: each is
// either classified or refused with a diagnostic at the value's source.
var awkwardSchemaValues = []string{
	`{}`,
	`{"id": null, "type": null, "uri": null}`,
	`{"id": 123456789012345678901234567890, "n": 1e400}`,
	`{"id": "é 世 🎉", "type": "类型", "uri": "../x%2Fy/%C3%A9?q=1#f"}`,
	`{"id": "", "type": ""}`,
	`{"id": true, "_links": 5, "items": "x", "embedded": {}}`,
	`{"id": {"a": [1, 2]}, "links": [null, 1, "x", {}]}`,
	`{"items": [1, "two", null, [], {}], "_embedded": {"items": [{}]}}`,
	`{"id": "x", "parents": [null, 5, "%zz", "http://[::1"], "_links": {"self": [{"href": 1}], "parent:y": {"href": "//h/y"}}}`,
	`{"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": {"i": {"j": {"id": "deep"}}}}}}}}}}}`,
	`{"id": "\u0000\u001f/\\..", "type": ".hidden"}`,
}

// testPromises classifies the cases and the kit's awkward values under
// every follow mode, all in one request, and checks the promises on each.
func (s *schemaChecks) testPromises(t *testing.T) {
	var values []sdk.Value
	for _, c := range s.opt.Cases {
		v, _ := c.value()
		values = append(values, v)
	}
	for _, j := range awkwardSchemaValues {
		for _, uri := range []string{"", "http://h/api/t?page=1"} {
			v, _ := SchemaCase{JSON: j, URI: uri, TypeHint: "hint"}.value()
			values = append(values, v)
		}
	}
	for _, mode := range []sdk.Follow{sdk.FollowNone, sdk.FollowPage, sdk.FollowChild, sdk.FollowAll} {
		first := s.classify(t, values, mode)
		again := s.classify(t, values, mode)
		for i, v := range values {
			for _, p := range checkPromises(v, first[i].c, first[i].err) {
				t.Errorf("mode %v, value %s: %s", mode, clip(v.JSON), p)
			}
			if diff := cmp.Diff(first[i], again[i], cmp.AllowUnexported(classified{}), cmpopts.EquateEmpty(), cmp.Comparer(sameError)); diff != "" {
				t.Errorf("mode %v, value %s: a second run differs:\n%s", mode, clip(v.JSON), diff)
			}
		}
	}
}

func sameError(a, b error) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Error() == b.Error()
}

// checkPromises returns what a classification breaks of the promises
// every schema keeps: errors are *sdk.Error at the value's source and
// line; each resource has an id and a type, a canonical JSON body, and the
// value's source, line and location; every link is absolute.
func checkPromises(v sdk.Value, c sdk.Classified, err error) []string {
	var out []string
	if err != nil {
		var e *sdk.Error
		if !errors.As(err, &e) || e.Source != v.Source || e.Line != v.Line || e.Msg == "" {
			out = append(out, fmt.Sprintf("error %#v is not an *sdk.Error at the value's source and line (%s:%d)", err, v.Source, v.Line))
		}
		return out
	}
	for _, r := range c.Resources {
		if r.ID == "" || r.Type == "" {
			out = append(out, fmt.Sprintf("resource without an id or a type: %+v", r))
		}
		if r.Source != v.Source || r.Line != v.Line || r.Location != v.Location {
			out = append(out, fmt.Sprintf("resource %q does not carry the value's source, line and location", r.ID))
		}
		if again, err := sdk.CanonicalJSON(r.JSON); err != nil || !bytes.Equal(again, r.JSON) {
			out = append(out, fmt.Sprintf("resource %q: its body is not canonical JSON: %s", r.ID, clip(r.JSON)))
		}
	}
	for _, l := range c.Links {
		if u, err := url.Parse(l); err != nil || u.Scheme == "" || u.Host == "" {
			out = append(out, fmt.Sprintf("link %q is not absolute: the host could not fetch it", l))
		}
	}
	return out
}

// FuzzSchema fuzzes schema in process with any JSON object, uri, type
// hint and follow mode, from the seeds (the cases you give RunSchema):
// nothing may panic, and each classification must keep the promises
// RunSchema checks and come out the same twice. Call it from a fuzz test:
//
//	func FuzzClassify(f *testing.F) { sdktest.FuzzSchema(f, acme.Schema, cases...) }
func FuzzSchema(f *testing.F, schema sdk.Schema, seeds ...SchemaCase) {
	for _, s := range seeds {
		f.Add([]byte(s.JSON), s.URI, s.TypeHint, uint8(sdk.FollowAll))
	}
	f.Fuzz(func(t *testing.T, data []byte, uri, hint string, mode uint8) {
		canonical, err := sdk.CanonicalJSON(data)
		if err != nil || canonical[0] != '{' {
			return
		}
		if _, err := url.Parse(uri); err != nil {
			return // endpoints hand over the uris they fetched
		}
		v := sdk.Value{JSON: canonical, Source: caseSource, Line: caseLine, URI: uri, TypeHint: hint, Location: "sdktest/location"}
		follow := sdk.Follow(mode % 5)
		c, err := classifyGuarded(schema, v, follow)
		for _, p := range checkPromises(v, c, err) {
			t.Error(p)
		}
		again, err2 := classifyGuarded(schema, v, follow)
		if diff := cmp.Diff(c, again); diff != "" || !sameError(err, err2) {
			t.Errorf("a second run differs:\n%s\n%v\n%v", diff, err, err2)
		}
	})
}

// classifyGuarded is Classify with a panic as a test failure that shows
// the value.
func classifyGuarded(s sdk.Schema, v sdk.Value, mode sdk.Follow) (c sdk.Classified, err error) {
	defer func() {
		if r := recover(); r != nil {
			panic(fmt.Sprintf("Classify panicked on %s (uri %q, hint %q, mode %v): %v", v.JSON, v.URI, v.TypeHint, mode, r))
		}
	}()
	return s.Classify(v, mode)
}
