package simple

import (
	"errors"
	"fmt"

	"github.com/resource-sync/resource-sync/plugins/internal/schemautil"
	"github.com/resource-sync/resource-sync/sdk"
)

// classifier walks one value: the document, then what it embeds, depth
// first, so resources and links come out in document order.
type classifier struct {
	value     sdk.Value
	mode      sdk.Follow
	resources []sdk.Resource
	links     schemautil.Links
}

// errNoID reports a file holding neither a resource nor embedded ones: over
// HTTP such a document is a container to traverse, but a file has nothing
// to traverse.
var errNoID = errors.New("document has no id")

// top classifies the value's own document, whose relative uris resolve
// against the uri it was fetched from (or, in a file, its uri field).
func (c *classifier) top(doc map[string]any) error {
	hasEmbedded, err := c.document(doc, "", c.value.URI, true)
	if err != nil {
		return err
	}
	if c.value.URI == "" && len(c.resources) == 0 && !hasEmbedded {
		return errNoID
	}
	return nil
}

// document classifies doc, found at path, whose relative uris resolve
// against base. It reports whether doc holds an embedded list.
func (c *classifier) document(doc map[string]any, path, base string, top bool) (hasEmbedded bool, err error) {
	id, hasID, err := schemautil.ID(doc, path)
	if err != nil {
		return false, err
	}
	typ, err := schemautil.String(doc, "type", path)
	if err != nil {
		return false, err
	}
	uri, err := schemautil.String(doc, "uri", path)
	if err != nil {
		return false, err
	}
	if uri != "" {
		if uri, err = schemautil.Resolve(base, uri); err != nil {
			return false, fmt.Errorf("%s: %v", schemautil.Field(path, "uri"), err)
		}
		// Embedded resources' uris are relative to them; the top
		// document's to where it was fetched from, when it was fetched.
		if !top || base == "" {
			base = uri
		}
	}
	parents, err := parseParents(doc, path, base)
	if err != nil {
		return false, err
	}
	links, err := parseLinks(doc, path, base)
	if err != nil {
		return false, err
	}
	if hasID {
		if top {
			typ, uri = c.fallback(id, typ, uri)
		}
		if typ == "" {
			return false, noType(path, id, top)
		}
		r, err := schemautil.NewResource(c.value, id, typ, uri, parents, doc)
		if err != nil {
			return false, err
		}
		c.resources = append(c.resources, r)
	}
	for _, l := range links {
		if schemautil.Follows(c.mode, l.relation) {
			c.links.Add(l.uri)
		}
	}
	return c.embedded(doc, path, base)
}

// embedded classifies each resource in doc's embedded list.
func (c *classifier) embedded(doc map[string]any, path, base string) (bool, error) {
	list, ok, err := schemautil.List(doc, "embedded", path)
	if err != nil {
		return false, err
	}
	for i, x := range list {
		field := schemautil.Index(schemautil.Field(path, "embedded"), i)
		item, err := schemautil.Mapping(x, field)
		if err != nil {
			return false, err
		}
		if _, err := c.document(item, field, base, false); err != nil {
			return false, err
		}
	}
	return ok, nil
}

// fallback fills in the type and uri the top document leaves out: the
// type from the type directory, else from the collection it was fetched
// from; the uri from the fetch uri. A hint describes the value, not the
// resources it embeds, so embedded resources get no fallback.
func (c *classifier) fallback(id, typ, uri string) (string, string) {
	if typ == "" {
		typ = c.value.TypeHint
	}
	f := fromFetchURI(c.value.URI, id)
	if uri == "" && f.itself {
		uri = f.uri
	}
	if typ == "" && f.collection != "" {
		typ = f.collection
		if uri == "" {
			uri = f.uri
		}
	}
	return typ, uri
}

func noType(path, id string, top bool) error {
	prefix, places := "", "no type field"
	if path != "" {
		prefix = path + ": "
	}
	if top {
		places = "no type field, type directory or collection uri"
	}
	return fmt.Errorf("%sresource %q has no type (%s)", prefix, id, places)
}
