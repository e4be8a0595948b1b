package simple

import (
	"fmt"

	"github.com/resource-sync/resource-sync/sdk/schemakit"
)

// links are the document's uri field, as its self link, then its links
// list of {relation, uri} objects. Every entry is checked whatever the
// follow mode, so a file is valid or not regardless of how it is read; a
// "self" entry is never followed, and the uri field alone says where the
// resource lives.
func links(d schemakit.Doc) ([]schemakit.Link, error) {
	uri, err := d.String("uri")
	if err != nil {
		return nil, err
	}
	var out []schemakit.Link
	if uri != "" {
		out = append(out, schemakit.Link{Relation: "self", URI: uri, Field: d.Field("uri")})
	}
	list, _, err := d.Docs("links")
	if err != nil {
		return nil, err
	}
	for _, l := range list {
		relation, err := required(l, "relation")
		if err != nil {
			return nil, err
		}
		uri, err := required(l, "uri")
		if err != nil {
			return nil, err
		}
		if relation != "self" {
			out = append(out, schemakit.Link{Relation: relation, URI: uri, Field: l.Field("uri")})
		}
	}
	return out, nil
}

// parents are the document's parents list of uris.
func parents(d schemakit.Doc, _ []schemakit.Link) ([]schemakit.Parent, error) {
	list, _, err := d.List("parents")
	if err != nil {
		return nil, err
	}
	out := make([]schemakit.Parent, 0, len(list))
	for i, x := range list {
		field := schemakit.Index(d.Field("parents"), i)
		s, ok := x.(string)
		if !ok {
			return nil, fmt.Errorf("%s is %s, want a uri string", field, schemakit.Kind(x))
		}
		out = append(out, schemakit.Parent{URI: s, Field: field})
	}
	return out, nil
}

// typeOf is the type field. The value itself may leave its type and uri
// out: the type comes from its type directory, else from the collection
// it was fetched from, and so may its uri. A hint describes the value,
// not the resources it embeds, so embedded resources get no fallback.
func typeOf(d schemakit.Doc, id, uri string) (string, string, error) {
	typ, err := d.String("type")
	if err != nil {
		return "", "", err
	}
	if d.Top {
		typ, uri = fallback(d, id, typ, uri)
	}
	if typ == "" {
		places := "no type field"
		if d.Top {
			places = "no type field, type directory or collection uri"
		}
		prefix := ""
		if d.Path != "" {
			prefix = d.Path + ": "
		}
		return "", "", fmt.Errorf("%sresource %q has no type (%s)", prefix, id, places)
	}
	return typ, uri, nil
}

// fallback fills in the type and uri the value leaves out.
func fallback(d schemakit.Doc, id, typ, uri string) (string, string) {
	if typ == "" {
		typ = d.Value.TypeHint
	}
	f := fromFetchURI(d.Value.URI, id)
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

// required returns the string field key of d, which must be there.
func required(d schemakit.Doc, key string) (string, error) {
	if d.Fields[key] == nil {
		return "", fmt.Errorf("%s is missing", d.Field(key))
	}
	return d.String(key)
}
