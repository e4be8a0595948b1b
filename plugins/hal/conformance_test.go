package hal_test

import (
	"testing"

	"github.com/resource-sync/resource-sync/plugins/hal"
	"github.com/resource-sync/resource-sync/sdk"
	"github.com/resource-sync/resource-sync/sdk/sdktest"
)

func TestMain(m *testing.M) { sdktest.Main(m, hal.Plugin()) }

func TestConformance(t *testing.T) {
	sdktest.RunSchema(t, sdktest.SchemaOpt{Plugin: hal.Plugin(), Name: "hal", Cases: []sdktest.SchemaCase{
		{
			Name: "a resource in a file",
			JSON: `{"id": "o1", "_links": {"self": {"href": "http://h/api/order/o1"}, "parent:customer": {"href": "http://h/api/customer/c1"}}}`,
			Want: []sdk.Resource{{ID: "o1", Type: "order", URI: "http://h/api/order/o1", Parents: []string{"http://h/api/customer/c1"}}},
		},
		{
			Name: "a page of items with a next link",
			JSON: `{"items": [{"id": "o1", "_links": {"self": {"href": "/api/order/o1"}}}], "_links": {"self": {"href": "/api/order?offset=0"}, "next": {"href": "?offset=1"}}}`,
			URI:  "http://h/api/order?offset=0",
			Want: []sdk.Resource{{ID: "o1", Type: "order", URI: "http://h/api/order/o1"}}, WantLinks: []string{"http://h/api/order?offset=1"},
		},
		{
			Name: "a discovery document, followed",
			JSON: `{"_links": {"search:order": {"href": "/api/order"}}}`, URI: "http://h/api/", Follow: sdk.FollowAll,
			WantLinks: []string{"http://h/api/order"},
		},
		{Name: "foreign data over HTTP", JSON: `{"uuid": "9f", "name": "x"}`, URI: "http://h/things/9f", WantError: "document has no id"},
		{Name: "no type", JSON: `{"id": "o1"}`, WantError: `resource "o1" has no type (no _links.self.href)`},
	}})
}
