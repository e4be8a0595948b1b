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
	"github.com/resource-sync/resource-sync/sdk"
	"github.com/resource-sync/resource-sync/sdk/schemakit"
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
	return rules.Classify(v, mode)
}

// rules are the simple schema: the id field (the default), links and the
// uri field, the parents field, the type field or where the value sits,
// and the embedded list.
var rules = schemakit.Schema{
	Links:    links,
	Parents:  parents,
	Type:     typeOf,
	Children: func(d schemakit.Doc) ([]schemakit.Doc, bool, error) { return d.Docs("embedded") },
}
