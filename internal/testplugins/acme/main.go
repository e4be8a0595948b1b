// Command resource-sync-plugin-acme is the schema of the ACME inventory
// API: devices named by their serial, folders by their folder_id, each
// folder on the device its "device" field names.
package main

import (
	"github.com/resource-sync/resource-sync/sdk"
	"github.com/resource-sync/resource-sync/sdk/schemakit"
	"github.com/resource-sync/resource-sync/sdk/serve"
)

// Schema classifies the API's pages ({"devices": [...]}, {"folders":
// [...]}) and the resources in them or in files.
var Schema = schemakit.Schema{
	// A device's id is its serial, a folder's its folder_id; a page
	// has neither, and is no resource.
	ID: func(d schemakit.Doc) (string, bool, error) {
		if id, ok, err := d.Text("serial"); ok || err != nil {
			return id, ok, err
		}
		return d.Text("folder_id")
	},
	// Types are named after the collections, so a push writes each
	// resource to /api/TYPE/ID.
	Type: func(d schemakit.Doc, id, uri string) (string, string, error) {
		if _, ok := d.Fields["serial"]; ok {
			return "devices", uri, nil
		}
		return "folders", uri, nil
	},
	// A folder needs its device first.
	Parents: func(d schemakit.Doc, _ []schemakit.Link) ([]schemakit.Parent, error) {
		device, err := d.String("device")
		if device == "" || err != nil {
			return nil, err
		}
		return []schemakit.Parent{{Ref: sdk.Ref{Type: "devices", ID: device}, Field: d.Field("device")}}, nil
	},
	// A page holds its items under the collection's name.
	Children: func(d schemakit.Doc) ([]schemakit.Doc, bool, error) {
		devices, isPage, err := d.Docs("devices")
		if err != nil || isPage {
			return devices, isPage, err
		}
		return d.Docs("folders")
	},
}

// Plugin is everything the binary offers.
func Plugin() sdk.Plugin {
	return sdk.Plugin{Name: "acme", Version: "0.1.0", Schemas: []sdk.SchemaSpec{{
		Name:    "acme",
		Summary: "the ACME inventory API: devices by serial, folders by folder_id",
		Schema:  Schema,
	}}}
}

func main() { serve.Plugin(Plugin()) }
