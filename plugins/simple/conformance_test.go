package simple_test

import (
	"testing"

	"github.com/resource-sync/resource-sync/plugins/simple"
	"github.com/resource-sync/resource-sync/sdk"
	"github.com/resource-sync/resource-sync/sdk/sdktest"
)

func TestMain(m *testing.M) { sdktest.Main(m, simple.Plugin()) }

func TestConformance(t *testing.T) {
	sdktest.RunSchema(t, sdktest.SchemaOpt{Plugin: simple.Plugin(), Name: "simple", Cases: []sdktest.SchemaCase{
		{
			Name: "a resource in a file",
			JSON: `{"id": 1, "type": "post", "uri": "http://h/posts/1", "parents": ["http://h/users/7"]}`,
			Want: []sdk.Resource{{ID: "1", Type: "post", URI: "http://h/posts/1", Parents: []string{"http://h/users/7"}}},
		},
		{
			Name: "a json-server item, fetched from its collection",
			JSON: `{"id": 2, "title": "x"}`, URI: "http://localhost:3000/posts?_page=1",
			Want: []sdk.Resource{{ID: "2", Type: "posts", URI: "http://localhost:3000/posts/2", JSON: []byte(`{"id":2,"title":"x"}`)}},
		},
		{
			Name: "a page of embedded resources with a next link",
			JSON: `{"links": [{"relation": "next", "uri": "?page=2"}], "embedded": [{"id": "a", "type": "t", "uri": "/t/a"}]}`,
			URI:  "http://h/t?page=1",
			Want: []sdk.Resource{{ID: "a", Type: "t", URI: "http://h/t/a"}}, WantLinks: []string{"http://h/t?page=2"},
		},
		{Name: "foreign data over HTTP", JSON: `{"uuid": "9f", "name": "x"}`, URI: "http://h/things/9f", WantError: "document has no id"},
		{Name: "no type anywhere", JSON: `{"id": 1}`, WantError: `resource "1" has no type (no type field, type directory or collection uri)`},
	}})
}
