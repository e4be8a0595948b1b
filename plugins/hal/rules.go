package hal

import (
	"fmt"
	"maps"
	"slices"

	"github.com/resource-sync/resource-sync/sdk/schemakit"
)

// links reads the _links mapping. Relations come sorted by name (JSON
// objects are unordered, and the output must not be), each relation's
// links in list order. A link value is one link object or a list of them;
// templated links are skipped, since they are not uris until someone
// fills them in. There is one self link at most.
func links(d schemakit.Doc) ([]schemakit.Link, error) {
	rels, ok, err := d.Mapping("_links")
	if err != nil || !ok {
		return nil, err
	}
	field := d.Field("_links")
	var out []schemakit.Link
	for _, rel := range slices.Sorted(maps.Keys(rels)) {
		relField := field + "." + rel
		switch x := rels[rel].(type) {
		case map[string]any:
			if out, err = appendLink(out, rel, x, relField); err != nil {
				return nil, err
			}
		case []any:
			for i, e := range x {
				elemField := schemakit.Index(relField, i)
				obj, ok := e.(map[string]any)
				if !ok {
					return nil, fmt.Errorf("%s is %s, want a mapping", elemField, schemakit.Kind(e))
				}
				if out, err = appendLink(out, rel, obj, elemField); err != nil {
					return nil, err
				}
			}
			if rel == "self" && len(x) > 1 {
				return nil, fmt.Errorf("%s holds %d links, want one", relField, len(x))
			}
		default:
			return nil, fmt.Errorf("%s is %s, want a link or a list of links", relField, schemakit.Kind(x))
		}
	}
	return out, nil
}

// appendLink appends the link object obj unless it is templated.
func appendLink(links []schemakit.Link, rel string, obj map[string]any, field string) ([]schemakit.Link, error) {
	if obj["templated"] == true {
		return links, nil
	}
	hrefField := field + ".href"
	href, ok := obj["href"].(string)
	if !ok {
		if obj["href"] == nil {
			return nil, fmt.Errorf("%s is missing", hrefField)
		}
		return nil, fmt.Errorf("%s is %s, want a string", hrefField, schemakit.Kind(obj["href"]))
	}
	return append(links, schemakit.Link{Relation: rel, URI: href, Field: hrefField}), nil
}

// typeOf is the collection in the resource's uri or, for the value itself,
// the type its place implies (a dir's type directory). A hint describes
// the value, not the resources it embeds.
func typeOf(d schemakit.Doc, id, uri string) (string, string, error) {
	if typ := schemakit.TypeFromURI(uri); typ != "" {
		return typ, uri, nil
	}
	if d.Top && d.Value.TypeHint != "" {
		return d.Value.TypeHint, uri, nil
	}
	prefix := ""
	if d.Path != "" {
		prefix = d.Path + ": "
	}
	if uri == "" {
		return "", "", fmt.Errorf("%sresource %q has no type (no _links.self.href)", prefix, id)
	}
	return "", "", fmt.Errorf("%sresource %q has no type: _links.self.href %q has no collection segment", prefix, id, uri)
}

// children are the documents d embeds: its "items" list (the microcosm
// Search convention), then _embedded.items.
//
// "items" is an ordinary field name, so in a resource it may be the
// resource's own data, such as an order's lines: there only entries with
// a self link are classified and anything else is left alone. In a
// container, and under _embedded which HAL reserves, every entry is
// classified and the shape is checked.
func children(d schemakit.Doc) ([]schemakit.Doc, bool, error) {
	_, inResource, err := d.Text("id")
	if err != nil {
		return nil, false, err
	}
	var out []schemakit.Doc
	hasList := false
	switch list := d.Fields["items"].(type) {
	case nil:
	case []any:
		hasList = true
		for i, x := range list {
			path := schemakit.Index(d.Field("items"), i)
			item, ok := x.(map[string]any)
			switch {
			case inResource && !hasSelf(item):
			case !ok:
				return nil, false, fmt.Errorf("%s is %s, want a mapping", path, schemakit.Kind(x))
			default:
				out = append(out, d.Embedded(item, path))
			}
		}
	default:
		if !inResource {
			return nil, false, fmt.Errorf("%s is %s, want a list", d.Field("items"), schemakit.Kind(list))
		}
	}
	embedded, ok, err := d.Mapping("_embedded")
	if err != nil || !ok {
		return out, hasList, err
	}
	e := d.Embedded(embedded, d.Field("_embedded"))
	items, ok, err := e.Docs("items")
	if err != nil {
		return nil, false, err
	}
	return append(out, items...), hasList || ok, nil
}

// hasSelf reports whether doc has a self link, the mark of a resource.
func hasSelf(doc map[string]any) bool {
	links, ok := doc["_links"].(map[string]any)
	return ok && links["self"] != nil
}
