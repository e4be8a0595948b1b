package adapter

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/theory/jsonpath"
	"go.yaml.in/yaml/v3"

	"github.com/resource-sync/resource-sync/internal/envref"
)

// A field path names fields of an item: "id", "meta.owner", and, where a
// path may reach several values, "devices[].deviceID" or "tags[]" (every
// element of a list).
type fieldPath struct {
	text  string
	steps []step
}

type step struct {
	name string
	each bool // the field is a list; go on from each of its elements
}

func parseFieldPath(s string, allowEach bool) (fieldPath, error) {
	fp := fieldPath{text: s}
	if s == "" {
		return fp, errors.New("empty field path")
	}
	for _, part := range strings.Split(s, ".") {
		st := step{name: part}
		if name, ok := strings.CutSuffix(part, "[]"); ok {
			if !allowEach {
				return fp, fmt.Errorf("%q: [] (every element of a list) is for references only; name one field", s)
			}
			st = step{name: name, each: true}
		}
		if st.name == "" {
			return fp, fmt.Errorf("%q: empty field name (write a.b or a[].b)", s)
		}
		if strings.ContainsAny(st.name, "[]{}") {
			return fp, fmt.Errorf("%q: field %q: use a[] for every element of list a, and dots between fields", s, st.name)
		}
		fp.steps = append(fp.steps, st)
	}
	return fp, nil
}

func (p *parser) fieldPath(n *yaml.Node, what string, allowEach bool) fieldPath {
	s := p.scalar(n, what)
	if s == "" {
		return fieldPath{}
	}
	fp, err := parseFieldPath(s, allowEach)
	if err != nil {
		p.errorf(n, "%s: %v", what, err)
	}
	return fp
}

// values are what the path reaches in doc; a missing field reaches
// nothing.
func (fp fieldPath) values(doc any) []any {
	cur := []any{doc}
	for _, st := range fp.steps {
		var next []any
		for _, v := range cur {
			obj, ok := v.(map[string]any)
			if !ok {
				continue
			}
			x, ok := obj[st.name]
			if !ok {
				continue
			}
			if st.each {
				list, ok := x.([]any)
				if !ok {
					continue
				}
				next = append(next, list...)
			} else {
				next = append(next, x)
			}
		}
		cur = next
	}
	return cur
}

// remove deletes the field the path names (paths without []).
func (fp fieldPath) remove(doc map[string]any) {
	cur := doc
	for i, st := range fp.steps {
		if i == len(fp.steps)-1 {
			delete(cur, st.name)
			return
		}
		next, ok := cur[st.name].(map[string]any)
		if !ok {
			return
		}
		cur = next
	}
}

// pointer is the path as an RFC 6901 JSON pointer (paths without []).
func (fp fieldPath) pointer() string {
	var b strings.Builder
	for _, st := range fp.steps {
		b.WriteByte('/')
		b.WriteString(strings.ReplaceAll(strings.ReplaceAll(st.name, "~", "~0"), "/", "~1"))
	}
	return b.String()
}

// scalarString is an id as text: a string, or a number exactly as
// written.
func scalarString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	}
	return "", false
}

// A selector picks values out of a response body: "$" (or nothing) is the
// body itself, "data.items" a field path, "$.data[*].items" an RFC 9535
// JSONPath.
type selector struct {
	text  string
	field fieldPath
	path  *jsonpath.Path
}

func (p *parser) selector(n *yaml.Node, what string) selector {
	s := p.scalar(n, what)
	sel, err := parseSelector(s)
	if err != nil {
		p.errorf(n, "%s: %v", what, err)
	}
	return sel
}

func parseSelector(s string) (selector, error) {
	sel := selector{text: s}
	switch {
	case s == "" || s == "$":
		return sel, nil
	case strings.HasPrefix(s, "$"):
		path, err := jsonpath.Parse(s)
		if err != nil {
			return sel, fmt.Errorf("%q is not a JSONPath: %v", s, strings.TrimPrefix(err.Error(), "jsonpath: "))
		}
		sel.path = path
		return sel, nil
	}
	fp, err := parseFieldPath(s, false)
	sel.field = fp
	return sel, err
}

// whole says the selector is the body itself.
func (s selector) whole() bool { return s.path == nil && len(s.field.steps) == 0 }

// nodes are the values the selector picks in body.
func (s selector) nodes(body any) []any {
	switch {
	case s.path != nil:
		return s.path.Select(body)
	case len(s.field.steps) > 0:
		return s.field.values(body)
	}
	return []any{body}
}

// items are the items of a list response: each value picked, a list
// counting as its elements.
func (s selector) items(body any) ([]any, error) {
	var out []any
	nodes := s.nodes(body)
	for _, n := range nodes {
		if list, ok := n.([]any); ok {
			out = append(out, list...)
		} else if n != nil {
			out = append(out, n)
		}
	}
	if len(nodes) == 0 && s.whole() {
		return nil, errors.New("the response is empty")
	}
	if len(nodes) == 0 {
		return nil, fmt.Errorf("the response has nothing at %s, where the adapter says the items are", s.text)
	}
	return out, nil
}

// scalar is the first value picked, as text; "" when there is none (or
// it is null or empty), which ends a pagination.
func (s selector) scalar(body any) (string, error) {
	nodes := s.nodes(body)
	if len(nodes) == 0 || nodes[0] == nil {
		return "", nil
	}
	v, ok := scalarString(nodes[0])
	if !ok {
		return "", fmt.Errorf("%s is not a string or a number", s.text)
	}
	return v, nil
}

// A template is a URL path (and query) with placeholders: {id} (an
// item's id, escaped) and {collection} (the collection's name).
type template struct {
	text  string
	parts []tplPart
}

type tplPart struct {
	literal string
	field   string // "id" or "collection"
	inQuery bool
}

func (p *parser) template(n *yaml.Node, what, collection string, item bool) template {
	s := p.scalar(n, what)
	t, err := parseTemplate(s, item)
	if err != nil && s != "" {
		p.errorf(n, "%s: %v", what, err)
	}
	return t
}

func parseTemplate(s string, item bool) (template, error) {
	t := template{text: s}
	if s == "" {
		return t, errors.New("empty URL")
	}
	if strings.Contains(s, "://") {
		return t, fmt.Errorf("%q: write a path (appended to base_url), not a full URL", s)
	}
	if strings.Contains(s, "#") {
		return t, fmt.Errorf("%q: a URL here has no #fragment", s)
	}
	ids := 0
	inQuery := false
	rest := s
	for rest != "" {
		open := strings.IndexAny(rest, "{}")
		if open < 0 {
			t.parts = append(t.parts, tplPart{literal: rest})
			inQuery = inQuery || strings.Contains(rest, "?")
			break
		}
		if rest[open] == '}' {
			return t, fmt.Errorf("%q: } without a {", s)
		}
		lit := rest[:open]
		inQuery = inQuery || strings.Contains(lit, "?")
		if lit != "" {
			t.parts = append(t.parts, tplPart{literal: lit})
		}
		end := strings.IndexByte(rest[open:], '}')
		if end < 0 {
			return t, fmt.Errorf("%q: { without a closing }", s)
		}
		name := rest[open+1 : open+end]
		switch name {
		case "id":
			if !item {
				return t, fmt.Errorf("%q: a list URL has no {id} (that is for the item URL)", s)
			}
			ids++
		case "collection":
		default:
			return t, fmt.Errorf("%q: unknown placeholder {%s} (want {id} or {collection})", s, name)
		}
		t.parts = append(t.parts, tplPart{field: name, inQuery: inQuery})
		rest = rest[open+end+1:]
	}
	if item && ids != 1 {
		return t, fmt.Errorf("%q: an item URL has {id} exactly once, where the item's id goes", s)
	}
	if _, err := url.Parse(t.expand("c", "1")); err != nil {
		return t, fmt.Errorf("%q is not a URL path: %v", s, err)
	}
	return t, nil
}

// expand fills in the placeholders, escaping them for where they are.
func (t template) expand(collection, id string) string {
	var b strings.Builder
	for _, part := range t.parts {
		v := part.literal
		switch part.field {
		case "id":
			v = id
		case "collection":
			v = collection
		}
		if part.field != "" {
			if part.inQuery {
				v = url.QueryEscape(v)
			} else {
				v = url.PathEscape(v)
			}
		}
		b.WriteString(v)
	}
	return b.String()
}

// checkBase says why s cannot be a base URL.
func checkBase(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return fmt.Errorf("%q is not a URL", s)
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("%q: want an http:// or https:// URL", s)
	case u.Host == "":
		return fmt.Errorf("%q has no host", s)
	case u.User != nil:
		return fmt.Errorf("%q holds credentials: give them under auth, from the environment", redactUserinfo(u))
	case u.RawQuery != "" || u.Fragment != "":
		return fmt.Errorf("%q: a base URL has no query or fragment (put a query in a collection's list URL)", s)
	}
	return nil
}

func redactUserinfo(u *url.URL) string {
	c := *u
	c.User = nil
	return strings.Replace(c.String(), "://", "://***@", 1)
}

// resolve appends a template's expansion to the base URL: the adapter's
// paths are below the base ("/posts" under "https://h/api" is
// "https://h/api/posts"), as every API description reads them.
func resolve(base *url.URL, path string) (*url.URL, error) {
	return url.Parse(strings.TrimSuffix(base.String(), "/") + "/" + strings.TrimPrefix(path, "/"))
}

// checkEnvRefs refuses a "${" that is not ${env:NAME}.
func checkEnvRefs(s string) error {
	_, err := envref.Expand(s, func(string) (string, bool) { return "", true })
	return err
}
