package simple_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/resource-sync/resource-sync/plugins/simple"
	"github.com/resource-sync/resource-sync/sdk"
)

func TestClassifyErrors(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		in   input
		want string // the whole message
	}{
		"a list":                          {input{json: `[{"id": 1}]`}, "document is not a mapping: found a list"},
		"a boolean":                       {input{json: `true`}, "document is not a mapping: found a boolean"},
		"a file without id":               {input{json: `{"type": "post", "title": "x"}`, typeHint: "post"}, "document has no id"},
		"a document without id over HTTP": {input{json: `{"status": "ok"}`, uri: "http://h/health"}, "document has no id"},
		"an embedded document without id": {input{json: `{"embedded": [{"id": 1, "type": "t"}, {"title": "x"}]}`, uri: "http://h/t"}, "embedded[1]: document has no id"},
		"a list id":                       {input{json: `{"id": [1], "type": "t"}`}, "id is a list, want a string or a number"},
		"an empty id":                     {input{json: `{"id": "", "type": "t"}`}, "id is an empty string"},
		"no type anywhere":                {input{json: `{"id": 1}`}, `resource "1" has no type (no type field, type directory or collection uri)`},
		"no type from a root uri":         {input{json: `{"id": 1}`, uri: "http://h/"}, `resource "1" has no type (no type field, type directory or collection uri)`},
		"a number type":                   {input{json: `{"id": 1, "type": 3}`}, "type is a number, want a string"},
		"a mapping uri":                   {input{json: `{"id": 1, "type": "t", "uri": {}}`}, "uri is a mapping, want a string"},
		"an invalid uri":                  {input{json: `{"id": 1, "type": "t", "uri": "http://h/%zz"}`}, `uri: invalid uri "http://h/%zz"`},
		"parents not a list":              {input{json: `{"id": 1, "type": "t", "parents": "http://h/p/1"}`}, "parents is a string, want a list"},
		"a parent that is not a uri":      {input{json: `{"id": 1, "type": "t", "parents": ["http://h/p/1", 2]}`}, "parents[1] is a number, want a uri string"},
		"an invalid parent":               {input{json: `{"id": 1, "type": "t", "parents": ["%zz"]}`}, `parents[0]: invalid uri "%zz"`},
		"links not a list":                {input{json: `{"id": 1, "type": "t", "links": {"next": "/2"}}`}, "links is a mapping, want a list"},
		"a link that is a string":         {input{json: `{"id": 1, "type": "t", "links": ["/2"]}`}, "links[0] is a string, want a mapping"},
		"a link without relation":         {input{json: `{"id": 1, "type": "t", "links": [{"uri": "/2"}]}`}, "links[0].relation is missing"},
		"a link without uri":              {input{json: `{"id": 1, "type": "t", "links": [{"relation": "next"}]}`}, "links[0].uri is missing"},
		"a link uri that is a list":       {input{json: `{"id": 1, "type": "t", "links": [{"relation": "next", "uri": ["/2"]}]}`}, "links[0].uri is a list, want a string"},
		"an invalid link uri":             {input{json: `{"id": 1, "type": "t", "links": [{"relation": "next", "uri": "%zz"}]}`}, `links[0].uri: invalid uri "%zz"`},
		"embedded not a list":             {input{json: `{"id": 1, "type": "t", "embedded": {"id": 2}}`}, "embedded is a mapping, want a list"},
		"an embedded string":              {input{json: `{"id": 1, "type": "t", "embedded": ["x"]}`}, "embedded[0] is a string, want a mapping"},
		"an embedded resource no type":    {input{json: `{"id": 1, "embedded": [{"id": "é"}]}`, uri: "http://h/posts"}, `embedded[0]: resource "é" has no type (no type field)`},
		"a bad field deep inside":         {input{json: `{"embedded": [{"embedded": [{"id": 1, "type": "t", "links": [{"relation": 1, "uri": "/"}]}]}]}`}, "embedded[0].embedded[0].links[0].relation is a number, want a string"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			v := tc.in.value(t)
			for _, mode := range []sdk.Follow{sdk.FollowNone, sdk.FollowAll} {
				c, err := simple.Schema{}.Classify(v, mode)
				var e *sdk.Error
				if !errors.As(err, &e) {
					t.Fatalf("mode %v: got %+v, %v; want an *sdk.Error", mode, c, err)
				}
				if e.Source != v.Source || e.Line != v.Line || e.Msg != tc.want {
					t.Errorf("mode %v: got %q at %s:%d, want %q at %s:%d", mode, e.Msg, e.Source, e.Line, tc.want, v.Source, v.Line)
				}
				if !strings.HasPrefix(err.Error(), "testdata/posts.yaml:7: ") {
					t.Errorf("message %q does not start with the source and line", err)
				}
			}
		})
	}
}
