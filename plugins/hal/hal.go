// Package hal is the default schema: resources in HAL JSON
// (https://stateless.co/hal_specification.html) as microcosm services
// serve them.
//
// A resource's id is its "id" field and its uri is _links.self.href; its
// type is the collection in that uri, the second-to-last path segment
// (".../api/v1/order/o1" is an "order"). Links whose relation starts with
// "parent:" are the resources it depends on. A document without an id (a
// search page, a discovery document) is a container: its "items" (or
// _embedded.items) are classified the same way and its links followed, but
// it is not a resource itself.
package hal

import (
	"fmt"

	"github.com/resource-sync/resource-sync/plugins/internal/schemautil"
	"github.com/resource-sync/resource-sync/sdk"
)

// Version is the plugin's version.
const Version = "1.0.0"

// Schema classifies HAL documents.
type Schema struct{}

var _ sdk.Schema = Schema{}

// Spec registers the schema in an sdk.Plugin.
func Spec() sdk.SchemaSpec {
	return sdk.SchemaSpec{
		Name:    "hal",
		Summary: "HAL JSON: id field, _links.self.href, parent: links, items (the default)",
		Schema:  Schema{},
		// Collection pages link to the next one (parseLinks).
		PageLinks: []string{"/_links/next/href"},
	}
}

// Plugin is everything the resource-sync-plugin-hal binary offers.
func Plugin() sdk.Plugin {
	return sdk.Plugin{Name: "hal", Version: Version, Schemas: []sdk.SchemaSpec{Spec()}}
}

// Classify returns the resources in v, in document order, and the uris to
// follow under mode.
func (Schema) Classify(v sdk.Value, mode sdk.Follow) (sdk.Classified, error) {
	// The value is nearly always canonical, as the host sends it: the
	// resources are then slices of the value itself, which the host need
	// not be sent back.
	canon := v.JSON
	if !sdk.IsCanonicalJSON(canon) {
		var err error
		if canon, err = sdk.CanonicalJSON(v.JSON); err != nil {
			return sdk.Classified{}, schemautil.InputError(v, fmt.Errorf("invalid JSON: %v", err))
		}
	}
	if canon[0] != '{' {
		return sdk.Classified{}, schemautil.InputError(v, fmt.Errorf("document is not a mapping: found %s", kind(canon)))
	}
	c := classifier{value: v, mode: mode}
	if err := c.top(object(canon)); err != nil {
		return sdk.Classified{}, schemautil.InputError(v, err)
	}
	return sdk.Classified{Resources: c.resources, Links: c.links.List(), Aliases: c.aliases}, nil
}
