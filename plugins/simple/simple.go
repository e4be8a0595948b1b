// Package simple is the schema for plain JSON resources: the fields id,
// type and uri say who a resource is, parents lists the uris it depends
// on, embedded holds further resources and links lists {relation, uri}
// objects to follow.
//
// Resources of APIs such as json-server carry only an id: their type and
// uri then come from where the value sits (a dir's type directory, or the
// collection uri it was fetched from).
package simple

import (
	"github.com/resource-sync/resource-sync/plugins/internal/schemautil"
	"github.com/resource-sync/resource-sync/sdk"
)

// Version is the plugin's version.
const Version = "1.0.0"

// Schema classifies simple documents.
type Schema struct{}

var _ sdk.Schema = Schema{}

// Spec registers the schema in a plugin.
func Spec() sdk.SchemaSpec {
	return sdk.SchemaSpec{
		Name:    "simple",
		Summary: "plain JSON: id, type, uri, parents, embedded and links fields",
		Schema:  Schema{},
	}
}

// Plugin is everything the resource-sync-plugin-simple binary offers.
func Plugin() sdk.Plugin {
	return sdk.Plugin{Name: "simple", Version: Version, Schemas: []sdk.SchemaSpec{Spec()}}
}

// Classify returns the resources in v, in document order, and the uris to
// follow under mode.
func (Schema) Classify(v sdk.Value, mode sdk.Follow) (sdk.Classified, error) {
	doc, err := schemautil.Decode(v)
	if err != nil {
		return sdk.Classified{}, schemautil.InputError(v, err)
	}
	c := classifier{value: v, mode: mode}
	if err := c.top(doc); err != nil {
		return sdk.Classified{}, schemautil.InputError(v, err)
	}
	return sdk.Classified{Resources: c.resources, Links: c.links.List()}, nil
}
