package simple

import (
	"fmt"

	"github.com/resource-sync/resource-sync/plugins/internal/schemautil"
)

// link is one entry of a links list, its uri resolved.
type link struct {
	relation string
	uri      string
}

// parseLinks reads doc's links list of {relation, uri} objects. Every
// entry is checked whatever the follow mode, so a file is valid or not
// regardless of how it is read.
func parseLinks(doc map[string]any, path, base string) ([]link, error) {
	list, _, err := schemautil.List(doc, "links", path)
	if err != nil {
		return nil, err
	}
	links := make([]link, 0, len(list))
	for i, x := range list {
		field := schemautil.Index(schemautil.Field(path, "links"), i)
		obj, err := schemautil.Mapping(x, field)
		if err != nil {
			return nil, err
		}
		relation, err := required(obj, "relation", field)
		if err != nil {
			return nil, err
		}
		uri, err := required(obj, "uri", field)
		if err != nil {
			return nil, err
		}
		if uri, err = schemautil.Resolve(base, uri); err != nil {
			return nil, fmt.Errorf("%s: %v", schemautil.Field(field, "uri"), err)
		}
		links = append(links, link{relation: relation, uri: uri})
	}
	return links, nil
}

// parseParents reads doc's parents list of uris, resolved, each once.
func parseParents(doc map[string]any, path, base string) ([]string, error) {
	list, _, err := schemautil.List(doc, "parents", path)
	if err != nil {
		return nil, err
	}
	var parents []string
	for i, x := range list {
		field := schemautil.Index(schemautil.Field(path, "parents"), i)
		s, ok := x.(string)
		if !ok {
			return nil, fmt.Errorf("%s is %s, want a uri string", field, schemautil.Kind(x))
		}
		uri, err := schemautil.Resolve(base, s)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", field, err)
		}
		parents = schemautil.AppendUnique(parents, uri)
	}
	return parents, nil
}

// required returns obj[key], which must be a string.
func required(obj map[string]any, key, path string) (string, error) {
	if obj[key] == nil {
		return "", fmt.Errorf("%s is missing", schemautil.Field(path, key))
	}
	return schemautil.String(obj, key, path)
}
