package adapter

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/resource-sync/resource-sync/internal/envref"
)

// File is an adapter file, read and checked: everything resource-sync
// needs to know about an API to sync it.
type File struct {
	// Path is where the file was read from, for messages.
	Path string
	// Name names the API in messages; the file's name when it gives none.
	Name string
	// BaseURL is as written: a URL, or text with ${env:NAME} in it.
	BaseURL  string
	baseLine int
	Auth     *Auth
	// Collections in the order the file lists them.
	Collections []*Collection
	byName      map[string]*Collection
}

// Collection returns the collection named name.
func (f *File) Collection(name string) (*Collection, bool) {
	c, ok := f.byName[name]
	return c, ok
}

// CollectionNames lists the collections in file order.
func (f *File) CollectionNames() []string {
	names := make([]string, len(f.Collections))
	for i, c := range f.Collections {
		names[i] = c.Name
	}
	return names
}

// Auth says how requests prove who sends them. Secret values are
// ${env:NAME} references, expanded when the endpoint opens.
type Auth struct {
	// Type is header, bearer, basic or query.
	Type string
	// Name is the header or query parameter (header and query).
	Name string
	// Value is the header or query parameter's value, or the bearer
	// token.
	Value    string
	Username string
	Password string
	Line     int
}

// Collection is one kind of resource the API holds: its type name, where
// it is listed, where each item lives, and how items are written.
type Collection struct {
	Name string
	Line int
	// List is the URL that lists the collection; Item is one item's,
	// with {id} in it. Both are paths appended to the base URL.
	List, Item template
	// ID is the field holding an item's id.
	ID fieldPath
	// Items says where the items are in a list response.
	Items selector
	// Pagination says how a list continues past its first page.
	Pagination Pagination
	// Create is post (to the list URL) or put (to the item URL); Update
	// is put or patch.
	Create, Update string
	// PutReplaces says a PUT replaces the whole item; when false, PUT
	// merges like PATCH does, and a field to remove is sent as null.
	PutReplaces bool
	// References name items of other collections (or this one): those
	// are parents, written before and deleted after.
	References []Reference
	// ServerManaged fields are the server's: never stored, never sent,
	// ignored when comparing.
	ServerManaged []fieldPath
	// Secrets are fields holding secrets (see docs/options.md).
	Secrets []SecretField
}

// merges says an update sends only what it sets, so a field to remove
// must be sent as null.
func (c *Collection) merges() bool {
	return c.Update == "patch" || c.Update == "put" && !c.PutReplaces
}

// Reference is "PATH -> COLLECTION": the values at PATH in an item are
// ids of items of COLLECTION.
type Reference struct {
	Path   fieldPath
	Target string
	Line   int
}

// SecretField is a field holding a secret, and the variable that holds
// its value ({type}_{id}_{field} when Env is empty).
type SecretField struct {
	Path fieldPath
	Env  string
}

// Pagination describes how a list continues.
type Pagination struct {
	// Type is none, link, offset, page, cursor or next_url.
	Type string
	// offset: ?OFFSET_PARAM=n&LIMIT_PARAM=size; page:
	// ?PAGE_PARAM=n&SIZE_PARAM=size, pages numbered from First.
	OffsetParam, LimitParam string
	PageParam, SizeParam    string
	Size, First             int
	// cursor: the next page is ?CURSOR_PARAM=<value at Cursor>.
	CursorParam string
	Cursor      selector
	// next_url: the next page's URL is the value at Next.
	Next selector
}

// Error is a problem in an adapter file, at a line.
type Error struct {
	Path string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Path, e.Msg)
}

// Errors are every problem found in one adapter file.
type Errors []*Error

func (es Errors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Load reads and checks the adapter file at path.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, &Error{Path: path, Msg: "cannot read the adapter file: " + err.Error()}
	}
	return Parse(path, data)
}

// Parse reads an adapter file's content (path is for messages) and
// checks it: unknown keys, templates, field paths, references to
// collections that do not exist. It sends no request. The error is an
// Errors listing every problem with its line.
func Parse(path string, data []byte) (*File, error) {
	p := &parser{path: path}
	f := p.file(data)
	if len(p.errs) > 0 {
		// By line; a default's problem is found once per collection.
		slices.SortStableFunc(p.errs, func(a, b *Error) int { return a.Line - b.Line })
		return nil, slices.CompactFunc(p.errs, func(a, b *Error) bool { return *a == *b })
	}
	return f, nil
}

// parser collects problems instead of stopping at the first, so that
// `adapters check` lists them all.
type parser struct {
	path string
	errs Errors
}

func (p *parser) errorf(n *yaml.Node, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	p.errs = append(p.errs, &Error{Path: p.path, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// yamlLine finds the line in a yaml.v3 syntax error ("yaml: line 3: ...").
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

func (p *parser) file(data []byte) *File {
	f := &File{Path: p.path, byName: map[string]*Collection{}}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			p.errorf(nil, "the adapter file is empty; it needs base_url and collections")
			return f
		}
		msg := err.Error()
		line := 0
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = msg[len(m[0]):]
		}
		p.errs = append(p.errs, &Error{Path: p.path, Line: line, Msg: "not valid YAML: " + strings.TrimPrefix(msg, "yaml: ")})
		return f
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil && len(extra.Content) > 0 {
		p.errorf(extra.Content[0], "one YAML document expected, found another")
	}
	root := doc.Content[0]
	var defaults, collections *yaml.Node
	p.mapping(root, "the adapter file", []string{"name", "base_url", "auth", "defaults", "collections"}, func(key, value *yaml.Node) {
		switch key.Value {
		case "name":
			f.Name = p.scalar(value, "name")
		case "base_url":
			f.BaseURL, f.baseLine = p.scalar(value, "base_url"), value.Line
			p.checkBaseURL(value, f.BaseURL)
		case "auth":
			f.Auth = p.auth(value)
		case "defaults":
			defaults = value
		case "collections":
			collections = value
		}
	})
	if root.Kind == yaml.MappingNode {
		if f.BaseURL == "" && !hasKey(root, "base_url") {
			p.errorf(root, "no base_url: the API's address, such as https://api.example.com/v1 or ${env:ACME_URL}")
		}
		if collections == nil {
			p.errorf(root, "no collections: name at least one, such as posts: {list: /posts, item: '/posts/{id}'}")
		}
	}
	if f.Name == "" {
		f.Name = strings.TrimSuffix(baseName(p.path), ".yaml")
	}
	var base collectionSpec
	if defaults != nil {
		base = p.collectionSpec(defaults, "defaults", true)
	}
	if collections != nil {
		p.collections(collections, base, f)
	}
	p.checkReferences(f)
	return f
}

func hasKey(n *yaml.Node, key string) bool {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return true
		}
	}
	return false
}

func baseName(path string) string {
	if i := strings.LastIndexAny(path, `/\`); i >= 0 {
		return path[i+1:]
	}
	return path
}

// mapping calls fn for each key of n; keys not in known, and keys given
// twice, are reported (with the nearest known key as a suggestion).
func (p *parser) mapping(n *yaml.Node, what string, known []string, fn func(key, value *yaml.Node)) {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "%s must be a mapping of keys to values", what)
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, value := n.Content[i], n.Content[i+1]
		if key.Kind != yaml.ScalarNode {
			p.errorf(key, "%s: a key must be a plain name", what)
			continue
		}
		if seen[key.Value] {
			p.errorf(key, "%s: %s is given twice", what, key.Value)
			continue
		}
		seen[key.Value] = true
		if known != nil && !slices.Contains(known, key.Value) {
			msg := fmt.Sprintf("unknown field %q in %s", key.Value, what)
			if s := nearest(key.Value, known); s != "" {
				msg += fmt.Sprintf(" (did you mean %s?)", s)
			}
			p.errorf(key, "%s; want one of: %s", msg, strings.Join(known, ", "))
			continue
		}
		fn(key, value)
	}
}

// scalar is a plain value as written; a mapping, list or null is reported.
func (p *parser) scalar(n *yaml.Node, what string) string {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		p.errorf(n, "%s: want a single value (a string or number)", what)
		return ""
	}
	return n.Value
}

func (p *parser) boolean(n *yaml.Node, what string) bool {
	s := p.scalar(n, what)
	b, err := strconv.ParseBool(s)
	if err != nil && s != "" {
		p.errorf(n, "%s: want true or false, not %q", what, s)
	}
	return b
}

func (p *parser) integer(n *yaml.Node, what string, min int) int {
	s := p.scalar(n, what)
	v, err := strconv.Atoi(s)
	switch {
	case s == "":
	case err != nil:
		p.errorf(n, "%s: want a whole number, not %q", what, s)
	case v < min:
		p.errorf(n, "%s: must be at least %d", what, min)
	}
	return v
}

// oneOf reads a scalar that must be one of choices.
func (p *parser) oneOf(n *yaml.Node, what string, choices ...string) string {
	s := p.scalar(n, what)
	if s != "" && !slices.Contains(choices, s) {
		p.errorf(n, "%s: %q is not one of %s", what, s, strings.Join(choices, ", "))
		return ""
	}
	return s
}

// list reads a sequence, or a single value standing for a list of one.
func (p *parser) list(n *yaml.Node) []*yaml.Node {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind == yaml.SequenceNode {
		return n.Content
	}
	return []*yaml.Node{n}
}

func (p *parser) checkBaseURL(n *yaml.Node, s string) {
	if err := checkEnvRefs(s); err != nil {
		p.errorf(n, "base_url: %v", err)
		return
	}
	if len(envref.Refs(s)) > 0 {
		return // checked once expanded, when the endpoint opens
	}
	if err := checkBase(s); err != nil {
		p.errorf(n, "base_url: %v", err)
	}
}

func (p *parser) auth(n *yaml.Node) *Auth {
	a := &Auth{Line: n.Line}
	fields := map[string]*yaml.Node{}
	p.mapping(n, "auth", []string{"type", "name", "value", "token", "username", "password"}, func(key, value *yaml.Node) {
		fields[key.Value] = value
		switch key.Value {
		case "type":
			a.Type = p.oneOf(value, "auth type", "header", "bearer", "basic", "query")
		case "name":
			a.Name = p.scalar(value, "auth name")
		case "value", "token":
			a.Value = p.scalar(value, "auth "+key.Value)
		case "username":
			a.Username = p.scalar(value, "auth username")
		case "password":
			a.Password = p.scalar(value, "auth password")
		}
	})
	want := map[string][]string{
		"header": {"name", "value"},
		"query":  {"name", "value"},
		"bearer": {"token"},
		"basic":  {"username", "password"},
	}[a.Type]
	if a.Type == "" && n.Kind == yaml.MappingNode && fields["type"] == nil {
		p.errorf(n, "auth has no type (want header, bearer, basic or query)")
		return a
	}
	for _, k := range want {
		if fields[k] == nil {
			p.errorf(n, "auth type %s needs %s", a.Type, strings.Join(want, " and "))
			break
		}
	}
	for k, v := range fields {
		if k != "type" && !slices.Contains(want, k) && a.Type != "" {
			p.errorf(v, "auth type %s takes no %s (it takes %s)", a.Type, k, strings.Join(want, " and "))
		}
	}
	// Secrets come from the environment (or an endpoint option), never
	// from the file: it is meant for version control.
	for _, k := range []string{"value", "token", "password"} {
		v := fields[k]
		if v == nil || v.Kind != yaml.ScalarNode {
			continue
		}
		if err := checkEnvRefs(v.Value); err != nil {
			p.errorf(v, "auth %s: %v", k, err)
		} else if len(envref.Refs(v.Value)) == 0 {
			p.errorf(v, "auth %s is written in the file: take it from the environment with ${env:NAME} (or give it with --token/--password), so no secret is stored with the adapter", k)
		}
	}
	if v := fields["username"]; v != nil && v.Kind == yaml.ScalarNode {
		if err := checkEnvRefs(v.Value); err != nil {
			p.errorf(v, "auth username: %v", err)
		}
	}
	return a
}
