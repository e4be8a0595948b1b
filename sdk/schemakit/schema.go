package schemakit

import (
	"errors"
	"fmt"

	"github.com/resource-sync/resource-sync/sdk"
)

// Schema is an sdk.Schema made of rules. Each rule is asked about one
// document at a time: the value itself (Doc.Top), then each document
// Children returns, and so on down. A nil rule takes its default.
type Schema struct {
	// ID returns the document's id, and false when the document is not a
	// resource (a page, a discovery document). Default: the "id" field,
	// see IDField.
	ID func(d Doc) (id string, ok bool, err error)
	// Links returns every link of the document with its relation, uris as
	// written: Classify resolves them. The one whose relation is "self",
	// if any, is the document's own uri. Default: none.
	Links func(d Doc) ([]Link, error)
	// Parents returns the resources the document depends on, given its
	// links, resolved; parent uris are resolved like links. Default: the
	// links whose relation starts with "parent:" (see DefaultParents).
	Parents func(d Doc, links []Link) ([]Parent, error)
	// Type returns the type of the resource d, whose id and uri (resolved;
	// "" when it has none) are given, and its uri, which it may fill in
	// when the document carries none. Default: DefaultType.
	Type func(d Doc, id, uri string) (typ, resourceURI string, err error)
	// Children returns the documents d embeds, to classify in turn, and
	// whether d holds a list of them at all (a page of resources, even an
	// empty one). Default: none.
	Children func(d Doc) (children []Doc, hasList bool, err error)
	// Follow says whether a link of this relation is followed under mode.
	// Default: Follows.
	Follow func(mode sdk.Follow, relation string) bool
}

var _ sdk.Schema = Schema{}

// Link is one link of a document.
type Link struct {
	Relation string
	URI      string
	// Field names where the link is written, for messages
	// ("_links.next[1].href").
	Field string
}

// Parent is a resource a document depends on: named by its uri, or by its
// type and id when resources carry no uris. The host writes it first.
type Parent struct {
	URI string
	Ref sdk.Ref
	// Field names where it is written, for messages.
	Field string
}

// Classify returns the resources in v, in document order, the absolute
// uris to follow under mode, and the uris v itself is known by. Every
// error is an *sdk.Error at v's source and line, naming the field.
//
// A document that is not a resource must be a container: one holding a
// list of documents (Children), or one with links (a discovery document
// fetched over HTTP, a link list embedded in a resource). Anything else
// is an error, "document has no id", so data of another kind is never
// silently skipped.
func (s Schema) Classify(v sdk.Value, mode sdk.Follow) (sdk.Classified, error) {
	fields, err := decode(v)
	if err != nil {
		return sdk.Classified{}, inputError(v, err)
	}
	w := walk{schema: s, value: v, mode: mode}
	if err := w.document(Doc{Fields: fields, Value: v, Top: true}, v.URI); err != nil {
		return sdk.Classified{}, inputError(v, err)
	}
	return sdk.Classified{Resources: w.resources, Links: w.links.List(), Aliases: w.aliases}, nil
}

// walk is one Classify: what it found so far.
type walk struct {
	schema    Schema
	value     sdk.Value
	mode      sdk.Follow
	resources []sdk.Resource
	links     linkSet
	aliases   []string
}

// document classifies d, whose relative uris resolve against base, then
// what it embeds.
func (w *walk) document(d Doc, base string) error {
	id, isResource, err := w.id(d)
	if err != nil {
		return err
	}
	links, err := w.linksOf(d)
	if err != nil {
		return err
	}
	self, err := selfLink(links, d)
	if err != nil {
		return err
	}
	uri := ""
	if self != nil {
		if uri, err = Resolve(base, self.URI); err != nil {
			return fmt.Errorf("%s: %v", self.Field, err)
		}
		// An embedded document's links are relative to it; the top
		// document's to where it was fetched from, when it was fetched.
		if !d.Top || base == "" {
			base = uri
		}
		// A fetched page is also known by its self link: the host will
		// not fetch it again under that uri (a prev link to page one).
		if d.Top && w.value.URI != "" && uri != w.value.URI {
			w.aliases = append(w.aliases, uri)
		}
	}
	for i := range links {
		if links[i].URI, err = Resolve(base, links[i].URI); err != nil {
			return fmt.Errorf("%s: %v", links[i].Field, err)
		}
	}
	if isResource {
		if err := w.resource(d, id, uri, base, links); err != nil {
			return err
		}
	}
	follow := w.schema.Follow
	if follow == nil {
		follow = Follows
	}
	for _, l := range links {
		if follow(w.mode, l.Relation) {
			w.links.Add(l.URI)
		}
	}
	var children []Doc
	hasList := false
	if w.schema.Children != nil {
		if children, hasList, err = w.schema.Children(d); err != nil {
			return err
		}
	}
	// A file's top document has nothing to follow links with; anything
	// fetched, or embedded, may be a discovery document.
	if !isResource && !hasList && (len(links) == 0 || d.Top && w.value.URI == "") {
		return noID(d)
	}
	for _, c := range children {
		if err := w.document(c, base); err != nil {
			return err
		}
	}
	return nil
}

// resource adds d, the resource id at uri.
func (w *walk) resource(d Doc, id, uri, base string, links []Link) error {
	parentsOf := w.schema.Parents
	if parentsOf == nil {
		parentsOf = DefaultParents
	}
	parents, err := parentsOf(d, links)
	if err != nil {
		return err
	}
	var uris []string
	var refs []sdk.Ref
	for _, p := range parents {
		if p.URI == "" {
			if p.Ref != (sdk.Ref{}) && !containsRef(refs, p.Ref) {
				refs = append(refs, p.Ref)
			}
			continue
		}
		u, err := Resolve(base, p.URI)
		if err != nil {
			return fmt.Errorf("%s: %v", p.Field, err)
		}
		uris = appendUnique(uris, u)
	}
	typeOf := w.schema.Type
	if typeOf == nil {
		typeOf = DefaultType
	}
	typ, uri, err := typeOf(d, id, uri)
	if err != nil {
		return err
	}
	if typ == "" {
		return fmt.Errorf("%sresource %q has no type", prefix(d.Path), id)
	}
	body := w.value.JSON
	if !d.Top {
		if body, err = sdk.MarshalCanonical(d.Fields); err != nil {
			return fmt.Errorf("%sresource %q: %v", prefix(d.Path), id, err)
		}
	}
	w.resources = append(w.resources, sdk.Resource{
		ID: id, Type: typ, URI: uri, Parents: uris, ParentRefs: refs, JSON: body,
		Source: w.value.Source, Line: w.value.Line, Location: w.value.Location,
	})
	return nil
}

func (w *walk) id(d Doc) (string, bool, error) {
	if w.schema.ID == nil {
		return IDField("id")(d)
	}
	return w.schema.ID(d)
}

func (w *walk) linksOf(d Doc) ([]Link, error) {
	if w.schema.Links == nil {
		return nil, nil
	}
	return w.schema.Links(d)
}

// selfLink is the document's own link, nil when it has none.
func selfLink(links []Link, d Doc) (*Link, error) {
	var self *Link
	n := 0
	for i := range links {
		if links[i].Relation == "self" {
			n++
			if self == nil {
				self = &links[i]
			}
		}
	}
	if n > 1 {
		return nil, fmt.Errorf("%s holds %d self links, want one", orTop(d.Path), n)
	}
	return self, nil
}

// ErrNoID is wrapped by the error for a document that is neither a
// resource nor a container of resources.
var ErrNoID = errors.New("document has no id")

func noID(d Doc) error {
	if d.Path == "" {
		return ErrNoID
	}
	return fmt.Errorf("%s: %w", d.Path, ErrNoID)
}

// DefaultParents are the links whose relation starts with "parent:".
func DefaultParents(_ Doc, links []Link) ([]Parent, error) {
	var out []Parent
	for _, l := range links {
		if IsParent(l.Relation) {
			out = append(out, Parent{URI: l.URI, Field: l.Field})
		}
	}
	return out, nil
}

// DefaultType is the collection in the resource's uri (the second-to-last
// path segment: ".../api/v1/order/o1" is an "order"), else, for the value
// itself, the type its place implies (a type directory). A hint describes
// the value, not what it embeds.
func DefaultType(d Doc, id, uri string) (string, string, error) {
	if typ := TypeFromURI(uri); typ != "" {
		return typ, uri, nil
	}
	if d.Top && d.Value.TypeHint != "" {
		return d.Value.TypeHint, uri, nil
	}
	if uri == "" {
		return "", "", fmt.Errorf("%sresource %q has no type (no uri, and no type directory)", prefix(d.Path), id)
	}
	return "", "", fmt.Errorf("%sresource %q has no type: its uri %q has no collection segment", prefix(d.Path), id, uri)
}

func containsRef(refs []sdk.Ref, r sdk.Ref) bool {
	for _, x := range refs {
		if x == r {
			return true
		}
	}
	return false
}

// prefix is "PATH: " for messages about an embedded document, "" for
// the top one.
func prefix(path string) string {
	if path == "" {
		return ""
	}
	return path + ": "
}

func orTop(path string) string {
	if path == "" {
		return "the document"
	}
	return path
}

// decode parses v.JSON, which must hold an object: a schema finds ids and
// links in fields, so a list or a scalar cannot be a document.
func decode(v sdk.Value) (map[string]any, error) {
	x, err := sdk.UnmarshalJSON(v.JSON)
	if err != nil {
		return nil, fmt.Errorf("invalid JSON: %v", err)
	}
	fields, ok := x.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("document is not a mapping: found %s", Kind(x))
	}
	return fields, nil
}

// inputError is err as the *sdk.Error a schema reports: a problem with v,
// at v's source and line.
func inputError(v sdk.Value, err error) *sdk.Error {
	return &sdk.Error{Source: v.Source, Line: v.Line, Msg: err.Error()}
}
