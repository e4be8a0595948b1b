package sdktest_test

import (
	"errors"
	"testing"

	"github.com/resource-sync/resource-sync/sdk"
	"github.com/resource-sync/resource-sync/sdk/schemakit"
	"github.com/resource-sync/resource-sync/sdk/sdktest"
)

// tidy is a schema built with schemakit: ids in "key", types in "kind",
// parents in "owner" by type and id.
var tidy = schemakit.Schema{
	ID: schemakit.IDField("key"),
	Type: func(d schemakit.Doc, _, uri string) (string, string, error) {
		typ, err := d.String("kind")
		return typ, uri, err
	},
	Parents: func(d schemakit.Doc, _ []schemakit.Link) ([]schemakit.Parent, error) {
		owner, err := d.String("owner")
		if owner == "" || err != nil {
			return nil, err
		}
		return []schemakit.Parent{{Ref: sdk.Ref{Type: "user", ID: owner}}}, nil
	},
	Children: func(d schemakit.Doc) ([]schemakit.Doc, bool, error) { return d.Docs("results") },
}

// sloppy breaks the promises: bodies that are not canonical, relative
// links, errors that say nothing of where, and a type of its own making.
type sloppy struct{}

func (sloppy) Classify(v sdk.Value, _ sdk.Follow) (sdk.Classified, error) {
	if len(v.JSON) < 3 {
		return sdk.Classified{}, errors.New("empty")
	}
	return sdk.Classified{
		Resources: []sdk.Resource{{ID: "x", Type: "sloppy", JSON: []byte("{ \"id\" : 1 }"), Source: v.Source, Line: v.Line, Location: v.Location}},
		Links:     []string{"/relative"},
	}, nil
}

var tidyCases = []sdktest.SchemaCase{
	{
		Name: "a resource owned by a user",
		JSON: `{"key": "d1", "kind": "doc", "owner": "u1"}`,
		Want: []sdk.Resource{{ID: "d1", Type: "doc", ParentRefs: []sdk.Ref{{Type: "user", ID: "u1"}}, JSON: []byte(`{"key":"d1","kind":"doc","owner":"u1"}`)}},
	},
	{
		Name: "a page of results",
		JSON: `{"results": [{"key": "u1", "kind": "user"}, {"key": 2, "kind": "user"}]}`, URI: "http://h/users",
		Want: []sdk.Resource{{ID: "u1", Type: "user"}, {ID: "2", Type: "user"}},
	},
	{Name: "something else", JSON: `{"id": "x"}`, URI: "http://h/x", WantError: "document has no id"},
}

func TestSchema(t *testing.T) {
	sdktest.RunSchema(t, sdktest.SchemaOpt{Plugin: testPlugin(), Name: "tidy", Cases: tidyCases})
}

func FuzzTidy(f *testing.F) { sdktest.FuzzSchema(f, tidy, tidyCases...) }

// An endpoint checked with the author's own resources, told apart by the
// author's schema, and compared without a field the endpoint would own.
func TestEndpointWithFixtures(t *testing.T) {
	sdktest.RunEndpoint(t, sdktest.EndpointOpt{
		Plugin:   testPlugin(),
		Name:     "memory",
		Location: func(t *testing.T) string { return t.TempDir() },
		Types:    []string{"doc", "user"},
		NewResource: func(typ, id string, n int) sdk.Resource {
			body, err := sdk.MarshalCanonical(map[string]any{"key": id, "kind": typ, "n": n, "stamp": "set by the store"})
			if err != nil {
				t.Fatal(err)
			}
			return sdk.Resource{Type: typ, ID: id, JSON: body}
		},
		Schema: tidy,
		Normalize: func(r sdk.Resource) []byte {
			x, _ := sdk.UnmarshalJSON(r.JSON)
			obj := x.(map[string]any)
			delete(obj, "stamp")
			out, _ := sdk.MarshalCanonical(obj)
			return out
		},
		ExpectUnchanged: true,
		SkipCancel:      true, // TestEndpoint cancels
	})
}
