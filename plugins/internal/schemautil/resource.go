package schemautil

import (
	"fmt"

	"github.com/resource-sync/resource-sync/sdk"
	"github.com/resource-sync/resource-sync/sdk/schemakit"
)

// Decode parses v.JSON, which must hold a mapping: a schema finds ids and
// links in fields, so a list or a scalar cannot be a document.
func Decode(v sdk.Value) (map[string]any, error) {
	x, err := sdk.UnmarshalJSON(v.JSON)
	if err != nil {
		return nil, fmt.Errorf("invalid JSON: %v", err)
	}
	doc, ok := x.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("document is not a mapping: found %s", schemakit.Kind(x))
	}
	return doc, nil
}

// NewResource returns doc as a resource found in v: its body unchanged, in
// canonical JSON, with v's source, line and location.
func NewResource(v sdk.Value, id, typ, uri string, parents []string, doc map[string]any) (sdk.Resource, error) {
	body, err := sdk.MarshalCanonical(doc)
	if err != nil {
		return sdk.Resource{}, fmt.Errorf("resource %q: %v", id, err)
	}
	return sdk.Resource{
		ID:       id,
		Type:     typ,
		URI:      uri,
		Parents:  parents,
		JSON:     body,
		Source:   v.Source,
		Line:     v.Line,
		Location: v.Location,
	}, nil
}

// InputError returns err as the *sdk.Error a schema reports: a problem
// with v, at v's source and line.
func InputError(v sdk.Value, err error) *sdk.Error {
	return &sdk.Error{Source: v.Source, Line: v.Line, Msg: err.Error()}
}
