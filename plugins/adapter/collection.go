package adapter

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// collectionKeys are what a collection (and defaults) may say.
var collectionKeys = []string{"list", "item", "id", "items", "pagination", "create", "update", "put_replaces",
	"references", "server_managed", "secrets"}

// collectionSpec is a collection's keys as written, before defaults fill
// in what it leaves out.
type collectionSpec map[string]*yaml.Node

func (p *parser) collectionSpec(n *yaml.Node, what string, defaults bool) collectionSpec {
	spec := collectionSpec{}
	p.mapping(n, what, collectionKeys, func(key, value *yaml.Node) {
		if defaults && key.Value == "references" {
			p.errorf(key, "defaults: references belong to one collection; write them under it")
			return
		}
		spec[key.Value] = value
	})
	return spec
}

func (p *parser) collections(n *yaml.Node, defaults collectionSpec, f *File) {
	p.mapping(n, "collections", nil, func(key, value *yaml.Node) {
		name := key.Value
		if why := checkTypeName(name); why != "" {
			p.errorf(key, "collection %q cannot name a resource type: %s", name, why)
			return
		}
		spec := p.collectionSpec(value, "collection "+name, false)
		c := p.collection(name, key, spec, defaults)
		f.Collections = append(f.Collections, c)
		f.byName[name] = c
	})
	if n.Kind == yaml.MappingNode && len(n.Content) == 0 {
		p.errorf(n, "collections is empty: name at least one")
	}
}

// checkTypeName says why name cannot be a resource type (the host's rule:
// every resource must fit in DIR/TYPE/ID.EXT), or "".
func checkTypeName(name string) string {
	switch {
	case name == "":
		return "it is empty"
	case name == "." || name == "..":
		return "it names a directory"
	case strings.ContainsAny(name, `/\`):
		return "it contains a path separator"
	case strings.HasPrefix(name, "."):
		return "it starts with a dot"
	}
	return ""
}

// collection builds a collection from its keys, defaults filling in the
// rest; server_managed and secrets add to the defaults' lists.
func (p *parser) collection(name string, key *yaml.Node, spec, defaults collectionSpec) *Collection {
	c := &Collection{Name: name, Line: key.Line, Create: "post", Update: "put", PutReplaces: true,
		ID: fieldPath{text: "id", steps: []step{{name: "id"}}}, Pagination: Pagination{Type: "none"}}
	what := "collection " + name
	get := func(k string) *yaml.Node {
		if n := spec[k]; n != nil {
			return n
		}
		return defaults[k]
	}
	if n := get("list"); n != nil {
		c.List = p.template(n, what+": list", name, false)
	} else {
		p.errorf(key, "%s has no list URL (list: /%s)", what, name)
	}
	if n := get("item"); n != nil {
		c.Item = p.template(n, what+": item", name, true)
	} else {
		p.errorf(key, "%s has no item URL template (item: /%s/{id})", what, name)
	}
	if n := get("id"); n != nil {
		c.ID = p.fieldPath(n, what+": id", false)
	}
	if n := get("items"); n != nil {
		c.Items = p.selector(n, what+": items")
	}
	if n := get("pagination"); n != nil {
		c.Pagination = p.pagination(n, what+": pagination")
	}
	if n := get("create"); n != nil {
		c.Create = p.oneOf(n, what+": create", "post", "put")
	}
	if n := get("update"); n != nil {
		c.Update = p.oneOf(n, what+": update", "put", "patch")
	}
	if n := get("put_replaces"); n != nil {
		c.PutReplaces = p.boolean(n, what+": put_replaces")
	}
	if n := spec["references"]; n != nil {
		for _, r := range p.list(n) {
			c.References = append(c.References, p.reference(r, what))
		}
	}
	for _, src := range []collectionSpec{defaults, spec} {
		if n := src["server_managed"]; n != nil {
			for _, f := range p.list(n) {
				c.ServerManaged = append(c.ServerManaged, p.fieldPath(f, what+": server_managed", false))
			}
		}
		if n := src["secrets"]; n != nil {
			for _, s := range p.list(n) {
				c.Secrets = append(c.Secrets, p.secret(s, what+": secrets"))
			}
		}
	}
	for _, sm := range c.ServerManaged {
		if sm.text == c.ID.text {
			p.errorf(get("server_managed"), "%s: the id field %s cannot be server-managed: resources are matched by it", what, sm.text)
		}
	}
	return c
}

// reference reads "PATH -> COLLECTION".
func (p *parser) reference(n *yaml.Node, what string) Reference {
	s := p.scalar(n, what+": reference")
	path, target, ok := strings.Cut(s, "->")
	path, target = strings.TrimSpace(path), strings.TrimSpace(target)
	if !ok || path == "" || target == "" {
		if s != "" {
			p.errorf(n, "%s: reference %q: want FIELD -> COLLECTION, such as devices[].deviceID -> devices", what, s)
		}
		return Reference{Line: n.Line}
	}
	fp, err := parseFieldPath(path, true)
	if err != nil {
		p.errorf(n, "%s: reference %q: %v", what, s, err)
	}
	return Reference{Path: fp, Target: target, Line: n.Line}
}

// secret reads "FIELD" or {field: FIELD, env: VARIABLE_{id}}.
func (p *parser) secret(n *yaml.Node, what string) SecretField {
	if n.Kind == yaml.MappingNode {
		var sf SecretField
		p.mapping(n, what, []string{"field", "env"}, func(key, value *yaml.Node) {
			switch key.Value {
			case "field":
				sf.Path = p.fieldPath(value, what, false)
			case "env":
				sf.Env = p.scalar(value, what+": env")
				if strings.ContainsAny(strings.NewReplacer("{type}", "", "{id}", "", "{field}", "").Replace(sf.Env), "{}") {
					p.errorf(value, "%s: env %q: only {type}, {id} and {field} can be filled in", what, sf.Env)
				}
			}
		})
		if sf.Path.text == "" {
			p.errorf(n, "%s: a secret needs field", what)
		}
		return sf
	}
	return SecretField{Path: p.fieldPath(n, what, false)}
}

func (p *parser) pagination(n *yaml.Node, what string) Pagination {
	pg := Pagination{OffsetParam: "offset", LimitParam: "limit", PageParam: "page", SizeParam: "per_page",
		Size: 100, First: 1, CursorParam: "cursor"}
	types := []string{"none", "link", "offset", "page", "cursor", "next_url"}
	if n.Kind == yaml.ScalarNode {
		pg.Type = p.oneOf(n, what, types...)
		switch pg.Type {
		case "cursor", "next_url":
			p.errorf(n, "%s: %s pagination needs to know where the next page is: {type: %s, %s: FIELD}",
				what, pg.Type, pg.Type, map[string]string{"cursor": "cursor", "next_url": "next"}[pg.Type])
		}
		return pg
	}
	keys := map[string][]string{
		"none":     {},
		"link":     {},
		"offset":   {"offset_param", "limit_param", "limit"},
		"page":     {"page_param", "size_param", "size", "first"},
		"cursor":   {"cursor", "cursor_param"},
		"next_url": {"next"},
	}
	given := map[string]*yaml.Node{}
	p.mapping(n, what, []string{"type", "offset_param", "limit_param", "limit", "page_param", "size_param", "size", "first",
		"cursor", "cursor_param", "next"}, func(key, value *yaml.Node) {
		given[key.Value] = value
	})
	if t := given["type"]; t != nil {
		pg.Type = p.oneOf(t, what+": type", types...)
	} else if n.Kind == yaml.MappingNode {
		p.errorf(n, "%s has no type (want one of %s)", what, strings.Join(types, ", "))
		return pg
	}
	for k, v := range given {
		if k != "type" && pg.Type != "" && !slices.Contains(keys[pg.Type], k) {
			takes := "nothing else"
			if len(keys[pg.Type]) > 0 {
				takes = strings.Join(keys[pg.Type], ", ")
			}
			p.errorf(v, "%s: %s pagination takes no %s (it takes %s)", what, pg.Type, k, takes)
		}
	}
	str := func(k string, dst *string) {
		if v := given[k]; v != nil {
			if *dst = p.scalar(v, what+": "+k); *dst == "" {
				p.errorf(v, "%s: %s is empty", what, k)
			}
		}
	}
	str("offset_param", &pg.OffsetParam)
	str("limit_param", &pg.LimitParam)
	str("page_param", &pg.PageParam)
	str("size_param", &pg.SizeParam)
	str("cursor_param", &pg.CursorParam)
	if v := given["limit"]; v != nil {
		pg.Size = p.integer(v, what+": limit", 1)
	}
	if v := given["size"]; v != nil {
		pg.Size = p.integer(v, what+": size", 1)
	}
	if v := given["first"]; v != nil {
		pg.First = p.integer(v, what+": first", 0)
	}
	switch pg.Type {
	case "cursor":
		if v := given["cursor"]; v != nil {
			pg.Cursor = p.selector(v, what+": cursor")
		} else {
			p.errorf(n, "%s: cursor pagination needs cursor: where the next page's cursor is in a response (a field or $.json.path)", what)
		}
	case "next_url":
		if v := given["next"]; v != nil {
			pg.Next = p.selector(v, what+": next")
		} else {
			p.errorf(n, "%s: next_url pagination needs next: where the next page's URL is in a response (a field or $.json.path)", what)
		}
	}
	return pg
}

// checkReferences reports references to collections the file does not
// have.
func (p *parser) checkReferences(f *File) {
	for _, c := range f.Collections {
		for _, r := range c.References {
			if r.Target == "" {
				continue
			}
			if _, ok := f.byName[r.Target]; !ok {
				msg := fmt.Sprintf("collection %s: reference %s -> %s: there is no collection %s", c.Name, r.Path.text, r.Target, r.Target)
				if s := nearest(r.Target, f.CollectionNames()); s != "" {
					msg += fmt.Sprintf(" (did you mean %s?)", s)
				}
				p.errs = append(p.errs, &Error{Path: p.path, Line: r.Line, Msg: msg + "; collections: " + strings.Join(f.CollectionNames(), ", ")})
			}
		}
	}
}

// nearest is the candidate closest to s, if it is close enough to be a
// typo (at most a third of it edited).
func nearest(s string, candidates []string) string {
	best, bestDist := "", len(s)/3+1
	for _, c := range candidates {
		if d := editDistance(s, c); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
