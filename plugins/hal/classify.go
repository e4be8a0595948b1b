package hal

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/resource-sync/resource-sync/plugins/internal/schemautil"
	"github.com/resource-sync/resource-sync/sdk"
	"github.com/resource-sync/resource-sync/sdk/schemakit"
)

// classifier walks one value: the document, then its items, depth first,
// so resources and links come out in document order.
type classifier struct {
	value     sdk.Value
	mode      sdk.Follow
	resources []sdk.Resource
	links     schemautil.Links
	aliases   []string
}

// errNoID reports a file holding neither a resource nor items: over HTTP such
// a document is a discovery document, but a file has nothing to traverse.
var errNoID = errors.New("document has no id")

// top classifies the value's own document. Its relative links resolve
// against the uri it was fetched from; a file has none, so they resolve
// against the document's self link instead.
func (c *classifier) top(doc object) error {
	hasItems, err := c.document(doc, "", c.value.URI, true)
	if err != nil {
		return err
	}
	if len(c.resources) > 0 || hasItems {
		return nil
	}
	// A fetched document may be a discovery document: links and nothing
	// else. One without even links is data of another kind, never skipped
	// in silence.
	if c.value.URI == "" || isNull(doc.field(`"_links"`)) && isNull(doc.field(`"_embedded"`)) {
		return errNoID
	}
	return nil
}

// document classifies doc, found at path, whose relative uris resolve
// against base. It reports whether doc holds an items list.
func (c *classifier) document(doc object, path, base string, top bool) (hasItems bool, err error) {
	id, hasID, err := idOf(doc, path)
	if err != nil {
		return false, err
	}
	links, err := documentLinks(doc, path)
	if err != nil {
		return false, err
	}
	href, err := self(links, path)
	if err != nil {
		return false, err
	}
	uri := ""
	if href != "" {
		if uri, err = schemakit.Resolve(base, href); err != nil {
			return false, fmt.Errorf("%s: %v", schemautil.Field(path, "_links.self.href"), err)
		}
		// An item's links are relative to the item; the top document's
		// to where it was fetched from, when it was fetched.
		if !top || base == "" {
			base = uri
		}
		// A fetched page is also known by its self link: the host will
		// not fetch it again under that uri (a prev link to page one).
		if top && c.value.URI != "" && uri != c.value.URI {
			c.aliases = append(c.aliases, uri)
		}
	}
	if err := resolve(links, base); err != nil {
		return false, err
	}
	var parents []string
	for _, l := range links {
		if schemakit.IsParent(l.relation) {
			parents = schemautil.AppendUnique(parents, l.href)
		}
	}
	if hasID {
		typ, err := c.typeOf(id, uri, path, top)
		if err != nil {
			return false, err
		}
		c.resources = append(c.resources, sdk.Resource{
			ID:       id,
			Type:     typ,
			URI:      uri,
			Parents:  parents,
			JSON:     doc, // canonical: a slice of the canonical page
			Source:   c.value.Source,
			Line:     c.value.Line,
			Location: c.value.Location,
		})
	}
	for _, l := range links {
		if schemakit.Follows(c.mode, l.relation) {
			c.links.Add(l.href)
		}
	}
	return c.items(doc, path, base, hasID)
}

// documentLinks reads doc's _links: scanned, or decoded when scanLinks
// cannot read them.
func documentLinks(doc object, path string) ([]link, error) {
	l := doc.field(`"_links"`)
	if isNull(l) {
		return nil, nil
	}
	if links, ok := scanLinks(l, path); ok {
		return links, nil
	}
	raw, err := sdk.UnmarshalJSON(l)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", schemautil.Field(path, "_links"), err)
	}
	return parseLinks(raw, path)
}

// typeOf returns the type of the resource id: the collection in its uri,
// or for the top document the type its place implies (a dir's type
// directory). A hint describes the value, not the resources it embeds.
func (c *classifier) typeOf(id, uri, path string, top bool) (string, error) {
	if typ := schemakit.TypeFromURI(uri); typ != "" {
		return typ, nil
	}
	if top && c.value.TypeHint != "" {
		return c.value.TypeHint, nil
	}
	prefix := ""
	if path != "" {
		prefix = path + ": "
	}
	if uri == "" {
		return "", fmt.Errorf("%sresource %q has no type (no _links.self.href)", prefix, id)
	}
	return "", fmt.Errorf("%sresource %q has no type: _links.self.href %q has no collection segment", prefix, id, uri)
}

// idOf returns the text of doc's id field, as schemautil.ID does for a
// decoded document: a string as it is, a number exactly as written. ok is
// false when the document has no id (missing or null).
func idOf(doc object, path string) (id string, ok bool, err error) {
	raw := doc.field(`"id"`)
	switch {
	case isNull(raw):
		return "", false, nil
	case raw[0] == '"':
		if err := json.Unmarshal(raw, &id); err != nil {
			return "", false, fmt.Errorf("%s: %v", schemautil.Field(path, "id"), err)
		}
		if id == "" {
			return "", false, fmt.Errorf("%s is an empty string", schemautil.Field(path, "id"))
		}
		return id, true, nil
	case raw[0] == '-' || '0' <= raw[0] && raw[0] <= '9':
		return string(raw), true, nil
	}
	return "", false, fmt.Errorf("%s is %s, want a string or a number", schemautil.Field(path, "id"), kind(raw))
}
