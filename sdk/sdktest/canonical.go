package sdktest

import "github.com/resource-sync/resource-sync/sdk"

// defaultFormat describes the kit's canonical JSON formatter, the content
// endpoint checks write unless EndpointOpt names another formatter.
var defaultFormat = sdk.FormatInfo{Name: "json", Extensions: []string{".json"}, MediaTypes: []string{"application/json"}}

// canonicalFormatter writes one canonical JSON value per document, so
// that endpoint checks test the endpoint and not a format.
type canonicalFormatter struct{}

func (canonicalFormatter) Decode(doc sdk.Document) ([]sdk.Value, error) {
	canon, err := sdk.CanonicalJSON(doc.Content)
	if err != nil {
		return nil, &sdk.Error{Source: doc.Source, Msg: "invalid JSON: " + err.Error()}
	}
	return []sdk.Value{{JSON: canon, Source: doc.Source, Line: 1, URI: doc.URI, TypeHint: doc.TypeHint, Location: doc.Location}}, nil
}

func (canonicalFormatter) Encode(v sdk.Value, _ sdk.Style) ([]byte, error) {
	canon, err := sdk.CanonicalJSON(v.JSON)
	if err != nil {
		return nil, &sdk.Error{Source: v.Source, Line: v.Line, Msg: "invalid JSON: " + err.Error()}
	}
	return append(canon, '\n'), nil
}
