package hal_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/resource-sync/resource-sync/plugins/hal"
	"github.com/resource-sync/resource-sync/sdk"
)

func TestClassifyErrors(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		in   input
		want string // the whole message
	}{
		"a list":                        {input{json: `[{"id": "o1"}]`}, "document is not a mapping: found a list"},
		"a string":                      {input{json: `"o1"`}, "document is not a mapping: found a string"},
		"a number":                      {input{json: `12`}, "document is not a mapping: found a number"},
		"null":                          {input{json: `null`}, "document is not a mapping: found null"},
		"a file without id or items":    {input{json: `{"name": "x", "_links": {"self": {"href": "http://h/order/o1"}}}`, typeHint: "order"}, "document has no id"},
		"foreign data over HTTP":        {input{json: `{"uuid": "9f", "name": "x"}`, uri: "http://h/things/9f"}, "document has no id"},
		"a foreign item in a page":      {input{json: `{"items": [{"id": "o1", "_links": {"self": {"href": "/order/o1"}}}, {"uuid": 2}]}`, uri: "http://h/order"}, "items[1]: document has no id"},
		"a boolean id":                  {input{json: `{"id": true}`, typeHint: "t"}, "id is a boolean, want a string or a number"},
		"a list id":                     {input{json: `{"id": ["o1"]}`, typeHint: "t"}, "id is a list, want a string or a number"},
		"a mapping id":                  {input{json: `{"id": {"v": 1}}`, typeHint: "t"}, "id is a mapping, want a string or a number"},
		"an empty id":                   {input{json: `{"id": ""}`, typeHint: "t"}, "id is an empty string"},
		"no type at all":                {input{json: `{"id": "o1"}`}, `resource "o1" has no type (no _links.self.href)`},
		"no collection in the uri":      {input{json: `{"id": "o1", "_links": {"self": {"href": "http://h/o1"}}}`}, `resource "o1" has no type: _links.self.href "http://h/o1" has no collection segment`},
		"_links not a mapping":          {input{json: `{"id": "o1", "_links": ["self"]}`}, "_links is a list, want a mapping"},
		"a link that is a string":       {input{json: `{"id": "o1", "_links": {"next": "http://h/2"}}`}, "_links.next is a string, want a link or a list of links"},
		"a link list holding a string":  {input{json: `{"id": "o1", "_links": {"next": ["http://h/2"]}}`}, "_links.next[0] is a string, want a mapping"},
		"a link without href":           {input{json: `{"id": "o1", "_links": {"docs": {"title": "x"}}}`}, "_links.docs.href is missing"},
		"an href that is a number":      {input{json: `{"id": "o1", "_links": {"next": [{"href": "ok"}, {"href": 2}]}}`}, "_links.next[1].href is a number, want a string"},
		"an invalid href":               {input{json: `{"id": "o1", "_links": {"parent:x": {"href": "http://h/%zz"}}}`, uri: "http://h/"}, `_links.parent:x.href: invalid uri "http://h/%zz"`},
		"an invalid self href":          {input{json: `{"id": "o1", "_links": {"self": {"href": "%zz"}}}`}, `_links.self.href: invalid uri "%zz"`},
		"two self links":                {input{json: `{"id": "o1", "_links": {"self": [{"href": "/a/1"}, {"href": "/a/2"}]}}`}, "_links.self holds 2 links, want one"},
		"items not a list in a page":    {input{json: `{"items": {"id": "o1"}}`, uri: "http://h/order"}, "items is a mapping, want a list"},
		"an item that is not a mapping": {input{json: `{"items": [{"id": "o1", "_links": {"self": {"href": "/order/o1"}}}, "o2"]}`, uri: "http://h/order"}, "items[1] is a string, want a mapping"},
		"an item without type":          {input{json: `{"items": [{"id": 2}]}`, uri: "http://h/order", typeHint: "order"}, `items[0]: resource "2" has no type (no _links.self.href)`},
		"a bad id deep inside":          {input{json: `{"items": [{"items": [{"id": false}]}]}`, uri: "http://h/order"}, "items[0].items[0].id is a boolean, want a string or a number"},
		"_embedded not a mapping":       {input{json: `{"id": "o1", "_embedded": []}`, typeHint: "t"}, "_embedded is a list, want a mapping"},
		"_embedded.items not a list":    {input{json: `{"id": "o1", "_embedded": {"items": "x"}}`, typeHint: "t"}, "_embedded.items is a string, want a list"},
		"an embedded string":            {input{json: `{"id": "o1", "_embedded": {"items": [1]}}`, typeHint: "t"}, "_embedded.items[0] is a number, want a mapping"},
		"an unusable fetch uri":         {input{json: `{"_links": {"next": {"href": "?page=2"}}}`, uri: "http://h/%zz"}, `_links.next.href: invalid base uri "http://h/%zz"`},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			v := tc.in.value(t)
			for _, mode := range []sdk.Follow{sdk.FollowNone, sdk.FollowAll} {
				c, err := hal.Schema{}.Classify(v, mode)
				var e *sdk.Error
				if !errors.As(err, &e) {
					t.Fatalf("mode %v: got %+v, %v; want an *sdk.Error", mode, c, err)
				}
				if e.Source != v.Source || e.Line != v.Line || e.Msg != tc.want {
					t.Errorf("mode %v: got %q at %s:%d, want %q at %s:%d", mode, e.Msg, e.Source, e.Line, tc.want, v.Source, v.Line)
				}
				if !strings.HasPrefix(err.Error(), "testdata/orders.yaml:7: ") {
					t.Errorf("message %q does not start with the source and line", err)
				}
			}
		})
	}
}
