package simple_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/resource-sync/resource-sync/plugins/simple"
	"github.com/resource-sync/resource-sync/sdk"
)

func TestClassifyFields(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		in   input
		want []found
	}{
		"all fields": {
			in:   input{json: `{"id": "o1", "type": "order", "uri": "http://h/api/order/o1", "parents": ["http://h/api/customer/c1"]}`},
			want: []found{{"o1", "order", "http://h/api/order/o1", []string{"http://h/api/customer/c1"}}},
		},
		"the type field wins over the uri": {
			in:   input{json: `{"id": "o1", "type": "purchase", "uri": "http://h/order/o1"}`, typeHint: "misfiled"},
			want: []found{{"o1", "purchase", "http://h/order/o1", nil}},
		},
		"no uri: the destination builds one": {
			in:   input{json: `{"id": "o1", "type": "order"}`},
			want: []found{{"o1", "order", "", nil}},
		},
		"relative uri and parents against the fetch uri": {
			in:   input{json: `{"id": "o1", "type": "order", "uri": "/api/order/o1", "parents": ["../customer/c1", "/api/store/s%C3%A9"]}`, uri: "http://h/api/order/o1?expand=1"},
			want: []found{{"o1", "order", "http://h/api/order/o1", []string{"http://h/api/customer/c1", "http://h/api/store/s%C3%A9"}}},
		},
		"relative parents against the uri in a file": {
			in:   input{json: `{"id": "o1", "type": "order", "uri": "http://h/api/order/o1", "parents": ["../customer/c1"]}`},
			want: []found{{"o1", "order", "http://h/api/order/o1", []string{"http://h/api/customer/c1"}}},
		},
		"parents once each, in order": {
			in:   input{json: `{"id": "o1", "type": "order", "parents": ["http://h/b/1", "http://h/a/1", "http://h/b/1"]}`},
			want: []found{{"o1", "order", "", []string{"http://h/b/1", "http://h/a/1"}}},
		},
		"unicode id with spaces and quotes": {
			in:   input{json: `{"id": " l'été \"chaud\" 世界 ", "type": "saison été"}`},
			want: []found{{` l'été "chaud" 世界 `, "saison été", "", nil}},
		},
		"big integer id keeps every digit": {
			in:   input{json: `{"id": 98765432109876543210987654321, "type": "n"}`},
			want: []found{{"98765432109876543210987654321", "n", "", nil}},
		},
		"null and empty fields are missing ones": {
			in:   input{json: `{"id": "o1", "type": "", "uri": null, "parents": null, "links": null, "embedded": null}`, typeHint: "order"},
			want: []found{{"o1", "order", "", nil}},
		},
		"embedded after the document, relative to it": {
			in: input{json: `{"id": "o1", "type": "order", "uri": "http://h/api/order/o1/",
				"embedded": [
					{"id": "l1", "type": "line", "uri": "lines/l1", "parents": [".."]},
					{"id": 2, "type": "line", "embedded": [{"id": "n", "type": "note", "uri": "/note/n"}]}]}`},
			want: []found{
				{"o1", "order", "http://h/api/order/o1/", nil},
				{"l1", "line", "http://h/api/order/o1/lines/l1", []string{"http://h/api/order/o1/"}},
				{"2", "line", "", nil},
				{"n", "note", "http://h/note/n", nil},
			},
		},
		"a container over HTTP": {
			in:   input{json: `{"total": 1, "embedded": [{"id": "o1", "type": "order", "uri": "o1"}]}`, uri: "http://h/api/order/"},
			want: []found{{"o1", "order", "http://h/api/order/o1", nil}},
		},
		"a container in a file": {
			in:   input{json: `{"embedded": [{"id": "o1", "type": "order"}]}`},
			want: []found{{"o1", "order", "", nil}},
		},
		"an empty container in a file": {
			in: input{json: `{"embedded": []}`},
		},
		"embedded resources without id are traversed": {
			in:   input{json: `{"embedded": [{"embedded": [{"id": "o1", "type": "order"}]}]}`, uri: "http://h/"},
			want: []found{{"o1", "order", "", nil}},
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

// TestClassifyJSONServer covers APIs whose resources carry only an id.
func TestClassifyJSONServer(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		in   input
		want []found
	}{
		"an item of GET /posts": {
			in:   input{json: `{"id": 1, "title": "json-server", "author": "typicode"}`, uri: "http://localhost:3000/posts"},
			want: []found{{"1", "posts", "http://localhost:3000/posts/1", nil}},
		},
		"GET /posts/1": {
			in:   input{json: `{"id": 1, "title": "json-server"}`, uri: "http://localhost:3000/posts/1"},
			want: []found{{"1", "posts", "http://localhost:3000/posts/1", nil}},
		},
		"a page: the query is not the uri": {
			in:   input{json: `{"id": 11, "postId": 1}`, uri: "http://localhost:3000/comments?_page=2&_limit=10"},
			want: []found{{"11", "comments", "http://localhost:3000/comments/11", nil}},
		},
		"a trailing slash on the collection": {
			in:   input{json: `{"id": 3}`, uri: "http://localhost:3000/api/posts/"},
			want: []found{{"3", "posts", "http://localhost:3000/api/posts/3", nil}},
		},
		"the resource itself, with a query": {
			in:   input{json: `{"id": 1}`, uri: "http://localhost:3000/posts/1?_embed=comments"},
			want: []found{{"1", "posts", "http://localhost:3000/posts/1", nil}},
		},
		"an id that needs escaping": {
			in:   input{json: `{"id": "a b/c?é"}`, uri: "http://h/tags"},
			want: []found{{"a b/c?é", "tags", "http://h/tags/a%20b%2Fc%3F%C3%A9", nil}},
		},
		"an escaped id in the fetch uri": {
			in:   input{json: `{"id": "a b/c"}`, uri: "http://h/tags/a%20b%2Fc"},
			want: []found{{"a b/c", "tags", "http://h/tags/a%20b%2Fc", nil}},
		},
		"a big integer id": {
			in:   input{json: `{"id": 12345678901234567890123}`, uri: "http://h/big"},
			want: []found{{"12345678901234567890123", "big", "http://h/big/12345678901234567890123", nil}},
		},
		"a percent-encoded collection": {
			in:   input{json: `{"id": 1}`, uri: "http://h/caf%C3%A9s"},
			want: []found{{"1", "cafés", "http://h/caf%C3%A9s/1", nil}},
		},
		"the type directory comes first": {
			in:   input{json: `{"id": 1}`, uri: "http://h/posts", typeHint: "post"},
			want: []found{{"1", "post", "", nil}},
		},
		"a type field keeps a search's uri out": {
			in:   input{json: `{"id": 1, "type": "post"}`, uri: "http://h/search?q=x"},
			want: []found{{"1", "post", "", nil}},
		},
		"a type field with the resource's own uri": {
			in:   input{json: `{"id": 1, "type": "post"}`, uri: "http://h/posts/1"},
			want: []found{{"1", "post", "http://h/posts/1", nil}},
		},
		"the uri field wins": {
			in:   input{json: `{"id": 1, "uri": "/v2/posts/1"}`, uri: "http://h/posts"},
			want: []found{{"1", "posts", "http://h/v2/posts/1", nil}},
		},
		"a file in the dir layout": {
			in:   input{json: `{"id": 1, "title": "x"}`, typeHint: "posts"},
			want: []found{{"1", "posts", "", nil}},
		},
		"embedded resources get no fallback type": {
			in:   input{json: `{"id": 1, "embedded": [{"id": 2, "type": "comments"}]}`, uri: "http://h/posts"},
			want: []found{{"1", "posts", "http://h/posts/1", nil}, {"2", "comments", "", nil}},
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

// TestClassifyKeepsBodies checks that each resource carries its document
// unchanged and the value's source.
func TestClassifyKeepsBodies(t *testing.T) {
	t.Parallel()
	inner := `{"id":"c1","note":"<b>&amp; \"q\" ü</b>","total":12345678901234567890.50,"type":"comment"}`
	outer := `{"embedded":[` + inner + `],"id":1,"links":[{"relation":"next","uri":"/posts/2"}]}`
	v := input{json: outer, uri: "http://h/posts/1"}.value(t)
	c, err := simple.Schema{}.Classify(v, sdk.FollowPage)
	if err != nil {
		t.Fatal(err)
	}
	want := sdk.Classified{
		Resources: []sdk.Resource{
			{ID: "1", Type: "posts", URI: "http://h/posts/1", JSON: []byte(outer), Source: v.Source, Line: v.Line, Location: v.Location},
			{ID: "c1", Type: "comment", JSON: []byte(inner), Source: v.Source, Line: v.Line, Location: v.Location},
		},
		Links: []string{"http://h/posts/2"},
	}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("classified (-want +got):\n%s", diff)
	}
}
