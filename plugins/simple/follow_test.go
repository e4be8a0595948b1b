package simple_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/resource-sync/resource-sync/sdk"
)

// linked has one link of each kind the follow modes tell apart, in no
// particular order: a links list keeps the order it is written in.
var linked = input{json: `{"id": "o1", "type": "order", "uri": "/api/order/o1", "links": [
	{"relation": "self", "uri": "/api/order/o1"},
	{"relation": "prev", "uri": "/api/order/o0"},
	{"relation": "child:line", "uri": "line/l1"},
	{"relation": "docs", "uri": "https://docs.example.com/order"},
	{"relation": "next", "uri": "/api/order/o2"},
	{"relation": "parent:customer", "uri": "/api/customer/c1"},
	{"relation": "next", "uri": "/api/order/o2"},
	{"relation": "child:line", "uri": "/api/line/l2"}]}`, uri: "http://h/api/order/o1"}

func TestClassifyFollow(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		in   input
		mode sdk.Follow
		want []string
	}{
		"none": {in: linked, mode: sdk.FollowNone},
		"page": {in: linked, mode: sdk.FollowPage, want: []string{
			"http://h/api/order/o0", "http://h/api/order/o2",
		}},
		"child": {in: linked, mode: sdk.FollowChild, want: []string{
			"http://h/api/order/o0", "http://h/api/order/line/l1", "http://h/api/order/o2", "http://h/api/line/l2",
		}},
		"all but self": {in: linked, mode: sdk.FollowAll, want: []string{
			"http://h/api/order/o0", "http://h/api/order/line/l1", "https://docs.example.com/order",
			"http://h/api/order/o2", "http://h/api/customer/c1", "http://h/api/line/l2",
		}},
		"a container's links, then the embedded ones": {
			in: input{json: `{"links": [{"relation": "next", "uri": "?page=2"}], "embedded": [
				{"id": 1, "type": "post", "uri": "/posts/1", "links": [{"relation": "next", "uri": "2"}]},
				{"id": 2, "type": "post", "links": [{"relation": "next", "uri": "?page=2"}, {"relation": "prev", "uri": "/posts/0"}]}]}`,
				uri: "http://h/posts?page=1"},
			mode: sdk.FollowPage,
			want: []string{"http://h/posts?page=2", "http://h/posts/2", "http://h/posts/0"},
		},
		"from a file, relative to the uri field": {
			in:   input{json: `{"id": 1, "type": "post", "uri": "http://h/posts/1", "links": [{"relation": "next", "uri": "2"}]}`},
			mode: sdk.FollowPage,
			want: []string{"http://h/posts/2"},
		},
		"from a file, nothing absolute to follow": {
			in:   input{json: `{"id": 1, "type": "post", "links": [{"relation": "next", "uri": "/posts/2"}]}`},
			mode: sdk.FollowAll,
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
