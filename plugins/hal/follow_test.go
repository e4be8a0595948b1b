package hal_test

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/resource-sync/resource-sync/plugins/hal"
	"github.com/resource-sync/resource-sync/sdk"
)

// linked has one link of each kind the follow modes tell apart.
var linked = input{json: `{"id": "o1", "_links": {
	"self": {"href": "/api/order/o1"},
	"next": {"href": "/api/order/o2"},
	"prev": [{"href": "/api/order/o0"}, {"href": "/api/order/o0"}],
	"child:line": [{"href": "/api/line/l1"}, {"href": "line/l2"}],
	"parent:customer": {"href": "/api/customer/c1"},
	"search": {"href": "/api/order{?q}", "templated": true},
	"docs": {"href": "https://docs.example.com/order"}}}`, uri: "http://h/api/order/o1"}

func TestClassifyFollow(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		in   input
		mode sdk.Follow
		want []string
	}{
		"none": {in: linked, mode: sdk.FollowNone},
		"page": {in: linked, mode: sdk.FollowPage, want: []string{
			"http://h/api/order/o2", "http://h/api/order/o0",
		}},
		"child": {in: linked, mode: sdk.FollowChild, want: []string{
			"http://h/api/line/l1", "http://h/api/order/line/l2", "http://h/api/order/o2", "http://h/api/order/o0",
		}},
		"all but self and templates": {in: linked, mode: sdk.FollowAll, want: []string{
			"http://h/api/line/l1", "http://h/api/order/line/l2", "https://docs.example.com/order",
			"http://h/api/order/o2", "http://h/api/customer/c1", "http://h/api/order/o0",
		}},
		"an unknown mode is page": {in: linked, mode: sdk.Follow(42), want: []string{
			"http://h/api/order/o2", "http://h/api/order/o0",
		}},
		"the page first, then each item's links, once each": {
			in: input{json: `{"_links": {"next": {"href": "?offset=2"}, "self": {"href": "?offset=0"}},
				"items": [
					{"id": "o1", "_links": {"self": {"href": "/order/o1"}, "next": {"href": "/order/o1/v2"}, "child:line": {"href": "lines"}}},
					{"id": "o2", "_links": {"self": {"href": "/order/o2"}, "next": [{"href": "/order/o1/v2"}, {"href": "/order/o2/v2"}]}}]}`,
				uri: "http://h/order?offset=0"},
			mode: sdk.FollowPage,
			want: []string{"http://h/order?offset=2", "http://h/order/o1/v2", "http://h/order/o2/v2"},
		},
		"child links of items": {
			in: input{json: `{"items": [{"id": "o1", "_links": {"self": {"href": "http://h/order/o1/"}, "child:line": {"href": "lines"}}}]}`,
				uri: "http://h/order"},
			mode: sdk.FollowChild,
			want: []string{"http://h/order/o1/lines"},
		},
		"from a file, relative to self": {
			in:   input{json: `{"id": "o1", "_links": {"self": {"href": "http://h/order/o1"}, "next": {"href": "o2"}}}`},
			mode: sdk.FollowPage,
			want: []string{"http://h/order/o2"},
		},
		"from a file, nothing absolute to follow": {
			in:   input{json: `{"id": "o1", "_links": {"self": {"href": "/order/o1"}, "next": {"href": "o2"}, "prev": {"href": "//h/order/o0"}}}`},
			mode: sdk.FollowPage,
		},
		"the fetch uri is the base, not the top document's self": {
			in:   input{json: `{"_links": {"self": {"href": "http://canonical/api/order"}, "next": {"href": "?offset=20"}}}`, uri: "http://mirror/api/order"},
			mode: sdk.FollowPage,
			want: []string{"http://mirror/api/order?offset=20"},
		},
		"non-http schemes are absolute too": {
			in:   input{json: `{"_links": {"next": {"href": "acme://tenant/order?page=2"}}}`, uri: "acme://tenant/order"},
			mode: sdk.FollowPage,
			want: []string{"acme://tenant/order?page=2"},
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, got := classify(t, tc.in, tc.mode)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("links (-want +got):\n%s", diff)
			}
		})
	}
}

// A fetched page names itself in its self link; the host counts that uri
// as fetched, so a prev link back to it costs no second request.
func TestSelfLinkOfFetchedPageIsAnAlias(t *testing.T) {
	v := sdk.Value{
		JSON: []byte(`{"_links":{"self":{"href":"/api/o?limit=2&offset=0"},"next":{"href":"/api/o?limit=2&offset=2"}},"items":[]}`),
		URI:  "http://h/api/o",
	}
	got, err := hal.Schema{}.Classify(v, sdk.FollowPage)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"http://h/api/o?limit=2&offset=0"}; !slices.Equal(got.Aliases, want) {
		t.Errorf("aliases = %q, want %q", got.Aliases, want)
	}
	v.URI = "http://h/api/o?limit=2&offset=0"
	if got, _ := (hal.Schema{}).Classify(v, sdk.FollowPage); len(got.Aliases) != 0 {
		t.Errorf("aliases = %q for a page fetched at its own self uri, want none", got.Aliases)
	}
}
