package schemautil

import (
	"fmt"

	"github.com/resource-sync/resource-sync/sdk/schemakit"
)

// Field names key inside the field at path, for messages ("items[2]._links").
func Field(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// Mapping returns x as a mapping; the error names the field at path.
func Mapping(x any, path string) (map[string]any, error) {
	m, ok := x.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s is %s, want a mapping", path, schemakit.Kind(x))
	}
	return m, nil
}

// String returns doc[key] as a string. A missing or null field is "": APIs
// write null for "not set" as often as they leave a field out.
func String(doc map[string]any, key, path string) (string, error) {
	switch x := doc[key].(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	default:
		return "", fmt.Errorf("%s is %s, want a string", Field(path, key), schemakit.Kind(x))
	}
}

// List returns doc[key] as a list; ok is false when it is missing or null.
func List(doc map[string]any, key, path string) (list []any, ok bool, err error) {
	switch x := doc[key].(type) {
	case nil:
		return nil, false, nil
	case []any:
		return x, true, nil
	default:
		return nil, false, fmt.Errorf("%s is %s, want a list", Field(path, key), schemakit.Kind(x))
	}
}

// ID returns the text of doc's id field: a string as it is, a number
// exactly as written (ids beyond 2^53 keep every digit). ok is false when
// the document has no id (missing or null).
func ID(doc map[string]any, path string) (id string, ok bool, err error) {
	return schemakit.Doc{Fields: doc, Path: path}.Text("id")
}
