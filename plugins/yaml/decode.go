package yaml

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/resource-sync/resource-sync/sdk"
	"go.yaml.in/yaml/v3"
)

// Decode returns one value per document of doc's YAML stream, each with
// the line its document starts on. Empty documents (nothing or only
// comments, as after a trailing "---") are skipped.
func (Formatter) Decode(doc sdk.Document) ([]sdk.Value, error) {
	dec := yaml.NewDecoder(bytes.NewReader(doc.Content))
	c := newConverter(doc.Source, len(doc.Content))
	var values []sdk.Value
	for {
		var root yaml.Node
		err := decodeNode(dec, &root)
		if errors.Is(err, io.EOF) {
			return values, nil
		}
		if err != nil {
			return nil, parseError(doc.Source, doc.Content, err)
		}
		if isEmptyDocument(&root) {
			continue
		}
		v, err := c.value(root.Content[0])
		if err != nil {
			return nil, err
		}
		canon, err := sdk.MarshalCanonical(v)
		if err != nil {
			return nil, c.errorf(&root, "%v", err)
		}
		line := root.Line
		if line == 0 {
			line = root.Content[0].Line
		}
		values = append(values, sdk.Value{
			JSON:     canon,
			Source:   doc.Source,
			Line:     line,
			URI:      doc.URI,
			TypeHint: doc.TypeHint,
			Location: doc.Location,
		})
	}
}

// decodeNode reads the next document, turning a panic in the parser into
// an error: input is untrusted and must not take the plugin down.
func decodeNode(dec *yaml.Decoder, root *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: internal parser error: %v", r)
		}
	}()
	return dec.Decode(root)
}

// isEmptyDocument reports a document holding nothing: the parser gives it
// an untagged, unanchored, empty plain scalar.
func isEmptyDocument(root *yaml.Node) bool {
	if len(root.Content) == 0 {
		return true
	}
	n := root.Content[0]
	return n.Kind == yaml.ScalarNode && n.Value == "" && n.Style == 0 && n.Tag == "!!null" && n.Anchor == ""
}
