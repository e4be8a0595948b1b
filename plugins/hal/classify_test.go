package hal_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/resource-sync/resource-sync/plugins/hal"
	"github.com/resource-sync/resource-sync/sdk"
)

func TestClassifyIdentity(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		in   input
		want []found
	}{
		"spec example": {
			in:   input{json: `{"id": "o1", "_links": {"self": {"href": "https://api.example.com/api/v1/order/o1"}}}`},
			want: []found{{"o1", "order", "https://api.example.com/api/v1/order/o1", nil}},
		},
		"trailing slash": {
			in:   input{json: `{"id": "o1", "_links": {"self": {"href": "https://api.example.com/api/v1/order/o1/"}}}`},
			want: []found{{"o1", "order", "https://api.example.com/api/v1/order/o1/", nil}},
		},
		"empty segments": {
			in:   input{json: `{"id": "o1", "_links": {"self": {"href": "http://h/order//o1//"}}}`},
			want: []found{{"o1", "order", "http://h/order//o1//", nil}},
		},
		"query and fragment are not path": {
			in:   input{json: `{"id": "o1", "_links": {"self": {"href": "http://h/order/o1?expand=lines#top"}}}`},
			want: []found{{"o1", "order", "http://h/order/o1?expand=lines#top", nil}},
		},
		"absolute-path href resolved against the fetch uri": {
			in:   input{json: `{"id": "o1", "_links": {"self": {"href": "/api/v1/order/o1"}}}`, uri: "https://h:8443/api/v1/order/o1?x=1"},
			want: []found{{"o1", "order", "https://h:8443/api/v1/order/o1", nil}},
		},
		"path-relative href": {
			in:   input{json: `{"id": "o1", "_links": {"self": {"href": "o1"}}}`, uri: "http://h/api/order/"},
			want: []found{{"o1", "order", "http://h/api/order/o1", nil}},
		},
		"relative href from a file stays relative": {
			in:   input{json: `{"id": "o1", "_links": {"self": {"href": "/api/order/o1"}}}`},
			want: []found{{"o1", "order", "/api/order/o1", nil}},
		},
		"percent-decoded type": {
			in:   input{json: `{"id": "c1", "_links": {"self": {"href": "http://h/caf%C3%A9%20cr%C3%A8me/c1"}}}`},
			want: []found{{"c1", "café crème", "http://h/caf%C3%A9%20cr%C3%A8me/c1", nil}},
		},
		"encoded slash stays in its segment": {
			in:   input{json: `{"id": "x", "_links": {"self": {"href": "http://h/a%2Fb/x"}}}`},
			want: []found{{"x", "a/b", "http://h/a%2Fb/x", nil}},
		},
		"unicode id with spaces and quotes": {
			in:   input{json: `{"id": " commande \"été\" 世界 ", "_links": {"self": {"href": "http://h/order/x"}}}`},
			want: []found{{` commande "été" 世界 `, "order", "http://h/order/x", nil}},
		},
		"big integer id keeps every digit": {
			in:   input{json: `{"id": 123456789012345678901234567890, "_links": {"self": {"href": "http://h/order/123456789012345678901234567890"}}}`},
			want: []found{{"123456789012345678901234567890", "order", "http://h/order/123456789012345678901234567890", nil}},
		},
		"number ids as written": {
			in: input{json: `{"items": [
				{"id": 0, "_links": {"self": {"href": "http://h/n/0"}}},
				{"id": -7, "_links": {"self": {"href": "http://h/n/-7"}}},
				{"id": 1.50, "_links": {"self": {"href": "http://h/n/1.50"}}},
				{"id": 1e3, "_links": {"self": {"href": "http://h/n/1e3"}}}]}`, uri: "http://h/n"},
			want: []found{
				{"0", "n", "http://h/n/0", nil},
				{"-7", "n", "http://h/n/-7", nil},
				{"1.50", "n", "http://h/n/1.50", nil},
				{"1e3", "n", "http://h/n/1e3", nil},
			},
		},
		"no self link: the type directory": {
			in:   input{json: `{"id": "o1", "total": 3}`, typeHint: "order"},
			want: []found{{"o1", "order", "", nil}},
		},
		"self without a collection: the type directory": {
			in:   input{json: `{"id": "o1", "_links": {"self": {"href": "http://h/o1"}}}`, typeHint: "order"},
			want: []found{{"o1", "order", "http://h/o1", nil}},
		},
		"the uri wins over the type directory": {
			in:   input{json: `{"id": "o1", "_links": {"self": {"href": "http://h/order/o1"}}}`, typeHint: "misfiled"},
			want: []found{{"o1", "order", "http://h/order/o1", nil}},
		},
		"templated self is not a uri": {
			in:   input{json: `{"id": "o1", "_links": {"self": {"href": "http://h/order/{id}", "templated": true}}}`, typeHint: "order"},
			want: []found{{"o1", "order", "", nil}},
		},
		"self as a list of one": {
			in:   input{json: `{"id": "o1", "_links": {"self": [{"href": "http://h/order/o1"}]}}`},
			want: []found{{"o1", "order", "http://h/order/o1", nil}},
		},
		"null id is no id": {
			in: input{json: `{"id": null, "_links": {"self": {"href": "http://h/order"}}}`, uri: "http://h/order"},
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, _ := classify(t, tc.in, sdk.FollowNone)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("resources (-want +got):\n%s", diff)
			}
		})
	}
}

func TestClassifyParents(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		in   input
		want []string
	}{
		"one link": {
			in:   input{json: `{"id": "o1", "_links": {"self": {"href": "http://h/order/o1"}, "parent:customer": {"href": "http://h/customer/c1"}}}`},
			want: []string{"http://h/customer/c1"},
		},
		"list-valued, relations sorted, duplicates once": {
			in: input{json: `{"id": "o1", "_links": {
				"self": {"href": "http://h/order/o1"},
				"parent:store": [{"href": "http://h/store/s1"}, {"href": "http://h/store/s2"}, {"href": "http://h/store/s1"}],
				"parent:customer": {"href": "http://h/customer/c1"}}}`},
			want: []string{"http://h/customer/c1", "http://h/store/s1", "http://h/store/s2"},
		},
		"relative to the fetch uri": {
			in:   input{json: `{"id": "o1", "_links": {"self": {"href": "/order/o1"}, "parent:customer": {"href": "/customer/c%C3%A9"}}}`, uri: "http://h/order/o1"},
			want: []string{"http://h/customer/c%C3%A9"},
		},
		"relative to self in a file": {
			in:   input{json: `{"id": "o1", "_links": {"self": {"href": "http://h/api/order/o1"}, "parent:customer": {"href": "../customer/c1"}}}`},
			want: []string{"http://h/api/customer/c1"},
		},
		"relative everywhere in a file": {
			in:   input{json: `{"id": "o1", "_links": {"self": {"href": "/api/order/o1"}, "parent:customer": {"href": "../customer/c1"}}}`},
			want: []string{"/api/customer/c1"},
		},
		"templated and other relations are not parents": {
			in: input{json: `{"id": "o1", "_links": {
				"self": {"href": "http://h/order/o1"},
				"parent:search": {"href": "http://h/customer{?q}", "templated": true},
				"child:line": {"href": "http://h/line/l1"},
				"customer": {"href": "http://h/customer/c2"},
				"parents": {"href": "http://h/customer/c3"}}}`},
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, _ := classify(t, tc.in, sdk.FollowNone)
			if len(got) != 1 {
				t.Fatalf("got %d resources, want 1", len(got))
			}
			if diff := cmp.Diff(tc.want, got[0].Parents); diff != "" {
				t.Errorf("parents (-want +got):\n%s", diff)
			}
		})
	}
}

func TestClassifyItems(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		in   input
		want []found
	}{
		"search page: items, not the page": {
			in: input{json: `{"count": 2, "items": [
				{"id": "o1", "_links": {"self": {"href": "/api/order/o1"}, "parent:customer": {"href": "/api/customer/c1"}}},
				{"id": "o2", "_links": {"self": {"href": "/api/order/o2"}}}],
				"_links": {"self": {"href": "/api/order?offset=0"}}}`, uri: "http://h/api/order"},
			want: []found{
				{"o1", "order", "http://h/api/order/o1", []string{"http://h/api/customer/c1"}},
				{"o2", "order", "http://h/api/order/o2", nil},
			},
		},
		"_embedded.items": {
			in:   input{json: `{"_embedded": {"items": [{"id": "o1", "_links": {"self": {"href": "http://h/order/o1"}}}]}}`, uri: "http://h/order"},
			want: []found{{"o1", "order", "http://h/order/o1", nil}},
		},
		"a resource first, then what it embeds": {
			in: input{json: `{"id": "o1", "_links": {"self": {"href": "http://h/order/o1"}},
				"items": [{"id": "l1", "_links": {"self": {"href": "http://h/line/l1"}, "parent:order": {"href": "http://h/order/o1"}}}]}`},
			want: []found{
				{"o1", "order", "http://h/order/o1", nil},
				{"l1", "line", "http://h/line/l1", []string{"http://h/order/o1"}},
			},
		},
		"an item's links are relative to the item": {
			in:   input{json: `{"items": [{"id": "o1", "_links": {"self": {"href": "http://other/api/order/o1"}, "parent:customer": {"href": "../customer/c1"}}}]}`, uri: "http://h/search"},
			want: []found{{"o1", "order", "http://other/api/order/o1", []string{"http://other/api/customer/c1"}}},
		},
		"nested items": {
			in:   input{json: `{"items": [{"items": [{"id": "o1", "_links": {"self": {"href": "order/o1"}}}]}]}`, uri: "http://h/api/"},
			want: []found{{"o1", "order", "http://h/api/order/o1", nil}},
		},
		"a resource's own items data is left alone": {
			in: input{json: `{"id": "o1", "_links": {"self": {"href": "http://h/order/o1"}},
				"items": ["sku-1", {"sku": "sku-2", "qty": 2}, 3]}`},
			want: []found{{"o1", "order", "http://h/order/o1", nil}},
		},
		"a resource's line items with ids but no links are data": {
			in: input{json: `{"id": "o1", "_links": {"self": {"href": "http://h/order/o1"}},
				"items": [{"id": 1, "sku": "a"}, {"id": "l2", "_links": {"self": {"href": "http://h/line/l2"}}}]}`},
			want: []found{{"o1", "order", "http://h/order/o1", nil}, {"l2", "line", "http://h/line/l2", nil}},
		},
		"items as a mapping in a resource": {
			in:   input{json: `{"id": "o1", "_links": {"self": {"href": "http://h/order/o1"}}, "items": {"a": 1}}`},
			want: []found{{"o1", "order", "http://h/order/o1", nil}},
		},
		"the type directory is not the items' type": {
			in:   input{json: `{"id": "s1", "items": [{"id": "o1", "_links": {"self": {"href": "http://h/order/o1"}}}]}`, typeHint: "search"},
			want: []found{{"s1", "search", "", nil}, {"o1", "order", "http://h/order/o1", nil}},
		},
		"a file holding an empty page": {
			in: input{json: `{"items": []}`},
		},
		"a discovery document over HTTP": {
			in: input{json: `{"_links": {"self": {"href": "http://h/api"}, "order:search": {"href": "http://h/api/order"}}}`, uri: "http://h/api"},
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, _ := classify(t, tc.in, sdk.FollowPage)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("resources (-want +got):\n%s", diff)
			}
		})
	}
}

// TestClassifyKeepsBodies checks that each resource carries its document
// unchanged, _links included, and the value's source.
func TestClassifyKeepsBodies(t *testing.T) {
	t.Parallel()
	item := `{"_links":{"self":{"href":"http://h/order/o2"}},"id":"o2","note":"<b>&amp; \"q\" ü</b>","total":12345678901234567890.50}`
	page := `{"_links":{"next":{"href":"/order?offset=1"},"self":{"href":"http://h/order/o1"}},"id":"o1","items":[` + item + `]}`
	in := input{json: page, uri: "http://h/order"}
	v := in.value(t)
	c, err := hal.Schema{}.Classify(v, sdk.FollowPage)
	if err != nil {
		t.Fatal(err)
	}
	want := []sdk.Resource{
		{ID: "o1", Type: "order", URI: "http://h/order/o1", JSON: []byte(page), Source: v.Source, Line: v.Line, Location: v.Location},
		{ID: "o2", Type: "order", URI: "http://h/order/o2", JSON: []byte(item), Source: v.Source, Line: v.Line, Location: v.Location},
	}
	if diff := cmp.Diff(want, c.Resources); diff != "" {
		t.Errorf("resources (-want +got):\n%s", diff)
	}
}

// TestClassifyIsDeterministic classifies a document with many relations
// repeatedly: map order must never show in the output.
func TestClassifyIsDeterministic(t *testing.T) {
	t.Parallel()
	in := input{json: `{"id": "o1", "_links": {
		"self": {"href": "/order/o1"},
		"parent:z": {"href": "/z/1"}, "parent:a": {"href": "/a/1"}, "parent:m": {"href": "/m/1"},
		"child:z": {"href": "/cz"}, "child:a": {"href": "/ca"}, "next": {"href": "/n"}, "prev": {"href": "/p"},
		"x": {"href": "/x"}, "b": {"href": "/b"}}}`, uri: "http://h/order/o1"}
	first, firstLinks := classify(t, in, sdk.FollowAll)
	for range 50 {
		got, links := classify(t, in, sdk.FollowAll)
		if diff := cmp.Diff(first, got); diff != "" {
			t.Fatalf("resources changed between runs:\n%s", diff)
		}
		if diff := cmp.Diff(firstLinks, links); diff != "" {
			t.Fatalf("links changed between runs:\n%s", diff)
		}
	}
	wantParents := []string{"http://h/a/1", "http://h/m/1", "http://h/z/1"}
	if diff := cmp.Diff(wantParents, first[0].Parents); diff != "" {
		t.Errorf("parents (-want +got):\n%s", diff)
	}
}
