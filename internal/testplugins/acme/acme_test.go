package main

import (
	"testing"

	"github.com/resource-sync/resource-sync/sdk"
	"github.com/resource-sync/resource-sync/sdk/sdktest"
)

func TestMain(m *testing.M) { sdktest.Main(m, Plugin()) }

var cases = []sdktest.SchemaCase{
	{
		Name: "a page of folders",
		JSON: `{"folders": [{"folder_id": "F-1", "device": "D-1"}]}`,
		URI:  "https://acme.example.com/api/folders",
		Want: []sdk.Resource{{ID: "F-1", Type: "folders", ParentRefs: []sdk.Ref{{Type: "devices", ID: "D-1"}}}},
	},
	{Name: "a device file", JSON: `{"serial": "D-1"}`, TypeHint: "devices",
		Want: []sdk.Resource{{ID: "D-1", Type: "devices"}}},
	{Name: "something else", JSON: `{"id": 7}`, URI: "https://acme.example.com/api/users",
		WantError: "document has no id"},
}

func TestSchema(t *testing.T) {
	sdktest.RunSchema(t, sdktest.SchemaOpt{Plugin: Plugin(), Name: "acme", Cases: cases})
}

func FuzzSchema(f *testing.F) { sdktest.FuzzSchema(f, Schema, cases...) }
