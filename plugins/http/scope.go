package http

import (
	"net/url"
	"strings"

	"github.com/resource-sync/resource-sync/sdk"
)

// scopeCollection is a collection an inventory lists, with the resources
// in scope that would be written to it.
type scopeCollection struct {
	url   *url.URL
	key   string // pageKey(url)
	scope []*sdk.Resource
}

// targets are where c's resources would be written, for a collection that
// cannot be listed: those without a valid target are left out (Write
// reports them).
func (c *scopeCollection) targets(dest *url.URL) []*url.URL {
	ts := make([]*url.URL, 0, len(c.scope))
	for _, r := range c.scope {
		if t, err := target(dest, r.URI, r.Type, r.ID); err == nil {
			ts = append(ts, t)
		}
	}
	return ts
}

// collections groups scope by the collection each resource would be
// written to, in the order first met. A resource without a valid target
// starts no collection.
//
// Working out a collection parses the resource's uri, and a sync hands an
// inventory thousands of resources of one collection. So the first
// resource whose uri's part before its last slash is shown to decide its
// collection (dirDecides) stands for every later one with the same part
// (uriDir); a resource placed by type and id stands for the others of its
// type.
func (e *Endpoint) collections(scope []sdk.Resource) []*scopeCollection {
	var colls []*scopeCollection
	byKey := map[string]*scopeCollection{}
	byDir := map[string]*scopeCollection{}
	for i := range scope {
		r := &scope[i]
		dir, shared := uriDir(r)
		if c := byDir[dir]; shared && c != nil {
			c.scope = append(c.scope, r)
			continue
		}
		t, err := target(e.location, r.URI, r.Type, r.ID)
		if err != nil {
			continue
		}
		cu := collection(t)
		k := pageKey(cu)
		c := byKey[k]
		if c == nil {
			c = &scopeCollection{url: cu, key: k}
			byKey[k] = c
			colls = append(colls, c)
		}
		c.scope = append(c.scope, r)
		if shared && e.dirDecides(r, cu) {
			byDir[dir] = c
		}
	}
	return colls
}

// uriDir is what r shares with the resources of its collection: its uri
// up to the last slash, or its type when it has no uri. shared is false
// for a uri where that part might not decide: one whose last segment is
// empty or a dot segment, and one whose part before it holds anything but
// letters, digits and -._~/:@ (a query, a fragment, or percent-escapes,
// which parsing may rewrite). A query or fragment after the last slash
// leaves the collection as it is.
func uriDir(r *sdk.Resource) (dir string, shared bool) {
	if r.URI == "" {
		return "\x00" + r.Type, r.Type != ""
	}
	i := strings.LastIndexByte(r.URI, '/')
	if i < 0 {
		return "", false
	}
	switch r.URI[i+1:] {
	case "", ".", "..":
		return "", false
	}
	for _, c := range []byte(r.URI[:i]) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~/:@", c) >= 0) {
			return "", false
		}
	}
	return r.URI[:i], true
}

// dirDecides says whether every resource sharing r's uriDir goes to cu,
// r's collection. A resource placed by type and id goes to the type's
// collection whatever its id. For a uri, the collection must be the path
// before the last slash as it is (no dot segment resolved, no path prefix
// added), and the destination's path prefix must end within that part:
// then only the last segment differs between those uris, and target and
// collection drop it.
func (e *Endpoint) dirDecides(r *sdk.Resource, cu *url.URL) bool {
	if r.URI == "" {
		return true
	}
	u, err := url.Parse(r.URI)
	if err != nil {
		return false
	}
	p := u.EscapedPath()
	i := strings.LastIndexByte(p, '/')
	if i <= 0 || p[:i] != cu.EscapedPath() {
		return false
	}
	prefix := strings.TrimSuffix(e.location.EscapedPath(), "/")
	return prefix == "" || strings.HasPrefix(p[:i]+"/", prefix+"/")
}
