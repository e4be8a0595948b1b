package schemakit

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/resource-sync/resource-sync/sdk"
)

// Doc is one document of a value: the value itself, or one it embeds.
type Doc struct {
	// Fields is the decoded JSON object: numbers are json.Number, exactly
	// as written.
	Fields map[string]any
	// Path names where the document sits in the value, for messages:
	// "" for the value itself, "items[2]" for what it embeds.
	Path string
	// Value is the value being classified: its URI (where it was
	// fetched; "" for a file), TypeHint (the type its place implies),
	// Source and Line.
	Value sdk.Value
	// Top says the document is the value itself.
	Top bool
}

// Field names key of d for messages ("items[2].parents").
func (d Doc) Field(key string) string {
	if d.Path == "" {
		return key
	}
	return d.Path + "." + key
}

// String returns the field key as a string. A missing or null field is
// "": APIs write null for "not set" as often as they leave a field out.
func (d Doc) String(key string) (string, error) {
	switch x := d.Fields[key].(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	default:
		return "", fmt.Errorf("%s is %s, want a string", d.Field(key), Kind(x))
	}
}

// Text returns the field key as text: a string as it is, a number exactly
// as written (ids beyond 2^53 keep every digit). ok is false when the
// field is missing or null; an empty string is an error.
func (d Doc) Text(key string) (text string, ok bool, err error) {
	switch x := d.Fields[key].(type) {
	case nil:
		return "", false, nil
	case string:
		if x == "" {
			return "", false, fmt.Errorf("%s is an empty string", d.Field(key))
		}
		return x, true, nil
	case json.Number:
		return x.String(), true, nil
	default:
		return "", false, fmt.Errorf("%s is %s, want a string or a number", d.Field(key), Kind(x))
	}
}

// List returns the field key as a list; ok is false when it is missing
// or null.
func (d Doc) List(key string) (list []any, ok bool, err error) {
	switch x := d.Fields[key].(type) {
	case nil:
		return nil, false, nil
	case []any:
		return x, true, nil
	default:
		return nil, false, fmt.Errorf("%s is %s, want a list", d.Field(key), Kind(x))
	}
}

// Mapping returns the field key as an object; ok is false when it is
// missing or null.
func (d Doc) Mapping(key string) (m map[string]any, ok bool, err error) {
	switch x := d.Fields[key].(type) {
	case nil:
		return nil, false, nil
	case map[string]any:
		return x, true, nil
	default:
		return nil, false, fmt.Errorf("%s is %s, want a mapping", d.Field(key), Kind(x))
	}
}

// Embedded is the object fields, found in d at path, as a document of
// its own.
func (d Doc) Embedded(fields map[string]any, path string) Doc {
	return Doc{Fields: fields, Path: path, Value: d.Value}
}

// Docs returns the list field key as documents, each of which must be an
// object; ok is false when the field is missing or null.
func (d Doc) Docs(key string) (docs []Doc, ok bool, err error) {
	list, ok, err := d.List(key)
	if err != nil || !ok {
		return nil, ok, err
	}
	field := d.Field(key)
	docs = make([]Doc, 0, len(list))
	for i, x := range list {
		path := Index(field, i)
		m, isMap := x.(map[string]any)
		if !isMap {
			return nil, false, fmt.Errorf("%s is %s, want a mapping", path, Kind(x))
		}
		docs = append(docs, d.Embedded(m, path))
	}
	return docs, true, nil
}

// IDField is the rule "the id is the field key": a string, or a number
// as written; a document without it is not a resource.
func IDField(key string) func(d Doc) (string, bool, error) {
	return func(d Doc) (string, bool, error) { return d.Text(key) }
}

// Index names element i of the list at path ("items[2]").
func Index(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// Kind names the JSON type of a decoded value for messages: "a mapping",
// "a list", "a string", "a number", "a boolean" or "null".
func Kind(x any) string {
	switch x.(type) {
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("a %T", x)
}
