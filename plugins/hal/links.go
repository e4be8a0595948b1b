package hal

import (
	"bytes"
	"fmt"
	"maps"
	"slices"

	"github.com/resource-sync/resource-sync/plugins/internal/schemautil"
	"github.com/resource-sync/resource-sync/sdk/schemakit"
)

// link is one usable HAL link: templated links are skipped, since they are
// not uris until someone fills them in.
type link struct {
	relation string
	href     string
	// Where it is, for messages (field): the document's path, and its
	// index when its relation holds a list, else -1.
	path  string
	index int
}

// field names the link's href for messages: "_links.next[1].href".
func (l link) field() string {
	f := schemautil.Field(schemautil.Field(l.path, "_links"), l.relation)
	if l.index >= 0 {
		f = schemakit.Index(f, l.index)
	}
	return schemautil.Field(f, "href")
}

// scanLinks reads canonical _links bytes as parseLinks reads them decoded,
// without decoding them: relations in key order, each one link object or a
// list of them. ok is false for anything else it would have to unescape or
// refuse (an escaped key or href, a link that is not an object, an href
// missing or not a string): parseLinks then reads it, with its errors.
func scanLinks(raw []byte, path string) (links []link, ok bool) {
	if raw[0] != '{' {
		return nil, false
	}
	ok = object(raw).each(func(key, v []byte) bool {
		rel := string(key)
		switch v[0] {
		case '{':
			href, use, ok := linkObject(object(v))
			if use {
				links = append(links, link{relation: rel, href: href, path: path, index: -1})
			}
			return ok
		case '[':
			for i, e := range elements(v) {
				if e[0] != '{' {
					return false
				}
				href, use, ok := linkObject(object(e))
				if !ok {
					return false
				}
				if use {
					links = append(links, link{relation: rel, href: href, path: path, index: i})
				}
			}
			return true
		}
		return false
	})
	return links, ok
}

// linkObject reads one canonical link object for scanLinks: use is false
// for a templated link.
func linkObject(obj object) (href string, use, ok bool) {
	templated, found := false, false
	ok = obj.each(func(key, v []byte) bool {
		switch string(key) {
		case "templated":
			templated = string(v) == "true"
		case "href":
			if v[0] != '"' || bytes.IndexByte(v, '\\') >= 0 {
				return false
			}
			href, found = string(v[1:len(v)-1]), true
		}
		return true
	})
	switch {
	case !ok:
		return "", false, false
	case templated:
		return "", false, true
	}
	return href, true, found
}

// parseLinks reads a _links mapping. Relations come sorted by name (JSON
// objects are unordered, and the output must not be), each relation's
// links in list order. A link value is one link object or a list of them.
func parseLinks(raw any, path string) ([]link, error) {
	if raw == nil {
		return nil, nil
	}
	field := schemautil.Field(path, "_links")
	rels, err := schemautil.Mapping(raw, field)
	if err != nil {
		return nil, err
	}
	var links []link
	for _, rel := range slices.Sorted(maps.Keys(rels)) {
		relField := schemautil.Field(field, rel)
		switch x := rels[rel].(type) {
		case map[string]any:
			if links, err = appendLink(links, rel, x, relField, path, -1); err != nil {
				return nil, err
			}
		case []any:
			for i, e := range x {
				elemField := schemakit.Index(relField, i)
				obj, err := schemautil.Mapping(e, elemField)
				if err != nil {
					return nil, err
				}
				if links, err = appendLink(links, rel, obj, elemField, path, i); err != nil {
					return nil, err
				}
			}
		default:
			return nil, fmt.Errorf("%s is %s, want a link or a list of links", relField, schemakit.Kind(x))
		}
	}
	return links, nil
}

// appendLink appends the link object obj unless it is templated.
func appendLink(links []link, rel string, obj map[string]any, field, path string, index int) ([]link, error) {
	if obj["templated"] == true {
		return links, nil
	}
	hrefField := schemautil.Field(field, "href")
	href, ok := obj["href"].(string)
	if !ok {
		if obj["href"] == nil {
			return nil, fmt.Errorf("%s is missing", hrefField)
		}
		return nil, fmt.Errorf("%s is %s, want a string", hrefField, schemakit.Kind(obj["href"]))
	}
	return append(links, link{relation: rel, href: href, path: path, index: index}), nil
}

// resolve makes every href absolute against base, in place.
func resolve(links []link, base string) error {
	for i := range links {
		uri, err := schemakit.Resolve(base, links[i].href)
		if err != nil {
			return fmt.Errorf("%s: %v", links[i].field(), err)
		}
		links[i].href = uri
	}
	return nil
}

// self returns the self link's href, "" when there is none.
func self(links []link, path string) (string, error) {
	var found []link
	for _, l := range links {
		if l.relation == "self" {
			found = append(found, l)
		}
	}
	switch len(found) {
	case 0:
		return "", nil
	case 1:
		return found[0].href, nil
	}
	return "", fmt.Errorf("%s holds %d links, want one", schemautil.Field(path, "_links.self"), len(found))
}
