package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"

	"github.com/resource-sync/resource-sync/sdk"
)

// pathKind is what a request path names.
type pathKind int

const (
	// unknownPath names nothing yet: a PUT may make it a resource and a
	// PATCH a collection, so OPTIONS allows both (a client batching into
	// an empty server asks OPTIONS before its first PATCH).
	unknownPath pathKind = iota
	collectionPath
	resourcePath
)

const (
	allowDiscovery  = "GET, OPTIONS"
	allowCollection = "GET, PATCH, OPTIONS"
	allowResource   = "GET, PUT, DELETE, OPTIONS"
	allowUnknown    = "GET, PUT, DELETE, PATCH, OPTIONS"
)

func (k pathKind) allow() string {
	switch k {
	case collectionPath:
		return allowCollection
	case resourcePath:
		return allowResource
	}
	return allowUnknown
}

// kindOf looks p up. A path can be both a resource and a collection
// (/api/v1 holding /api/v1/order/o1 while /api/v1 is a resource of type
// api): the resource wins unless the request path ends with a slash.
func (s *Server) kindOf(p string, trailingSlash bool) pathKind {
	isResource := s.store.get(p) != nil
	if s.store.hasCollection(p) && (trailingSlash || !isResource) {
		return collectionPath
	}
	if isResource {
		return resourcePath
	}
	return unknownPath
}

// route dispatches on the path and the method: PUT and DELETE always mean a
// resource and PATCH a collection; GET and OPTIONS go to what the path
// names.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	segs, trailingSlash, err := splitPath(r.URL.EscapedPath())
	if err != nil {
		s.fail(w, r, badRequest(err))
		return
	}
	p := joinPath(segs)
	if p == discoveryPath {
		s.serveDiscovery(w, r)
		return
	}
	kind := s.kindOf(p, trailingSlash)
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		switch kind {
		case collectionPath:
			s.getCollection(w, r, p)
		case resourcePath:
			s.getResource(w, r, p)
		default:
			s.fail(w, r, &httpError{http.StatusNotFound,
				fmt.Sprintf("no resource or collection at %s; discovery is at %s/", p, discoveryPath)})
		}
	case http.MethodPut, http.MethodDelete:
		if kind == collectionPath {
			s.notAllowed(w, r, p, allowCollection)
			return
		}
		if r.Method == http.MethodPut {
			s.putResource(w, r, segs)
		} else {
			s.deleteResource(w, r, segs)
		}
	case http.MethodPatch:
		if kind == resourcePath {
			s.notAllowed(w, r, p, allowResource)
			return
		}
		s.patchCollection(w, r, segs)
	case http.MethodOptions:
		w.Header().Set("Allow", kind.allow())
		w.WriteHeader(http.StatusNoContent)
	default:
		s.notAllowed(w, r, p, kind.allow())
	}
}

func (s *Server) notAllowed(w http.ResponseWriter, r *http.Request, p, allow string) {
	w.Header().Set("Allow", allow)
	s.fail(w, r, &httpError{http.StatusMethodNotAllowed,
		fmt.Sprintf("method %s is not allowed on %s; allowed: %s", r.Method, p, allow)})
}

// serveDiscovery lists a search link per collection, sorted by type.
func (s *Server) serveDiscovery(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
	case http.MethodOptions:
		w.Header().Set("Allow", allowDiscovery)
		w.WriteHeader(http.StatusNoContent)
		return
	default:
		s.notAllowed(w, r, discoveryPath+"/", allowDiscovery)
		return
	}
	base := baseURL(r)
	search := []any{}
	for _, c := range s.store.collectionList() {
		search = append(search, map[string]any{"href": base + c.path, "name": c.typ})
	}
	writeJSON(w, http.StatusOK, halJSON, map[string]any{
		"_links": map[string]any{
			"self":   map[string]any{"href": base + discoveryPath + "/"},
			"search": search,
		},
	})
}

func (s *Server) getResource(w http.ResponseWriter, r *http.Request, p string) {
	res := s.store.get(p)
	if res == nil { // deleted since routing
		s.fail(w, r, &httpError{http.StatusNotFound, "no resource at " + p})
		return
	}
	body, err := render(res, baseURL(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeBody(w, http.StatusOK, halJSON, body)
}

func (s *Server) getCollection(w http.ResponseWriter, r *http.Request, p string) {
	offset, limit, err := pageParams(r)
	if err != nil {
		s.fail(w, r, badRequest(err))
		return
	}
	items, total, ok := s.store.page(p, offset, limit)
	if !ok { // emptied since routing
		s.fail(w, r, &httpError{http.StatusNotFound, "no collection at " + p})
		return
	}
	base := baseURL(r)
	rendered := make([]json.RawMessage, len(items))
	for i, res := range items {
		if rendered[i], err = render(res, base); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, halJSON, map[string]any{
		"items":  rendered,
		"count":  total,
		"offset": offset,
		"limit":  limit,
		"_links": pageLinks(base+p, offset, limit, total),
	})
}

func (s *Server) putResource(w http.ResponseWriter, r *http.Request, segs []string) {
	t, err := resourceTarget(segs)
	if err != nil {
		s.fail(w, r, badRequest(err))
		return
	}
	doc, err := s.readObject(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := prepareForPut(doc, t); err != nil {
		s.fail(w, r, badRequest(err))
		return
	}
	canon, err := sdk.MarshalCanonical(doc)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	res, result, err := s.store.put(t, canon)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	base := baseURL(r)
	body, err := render(res, base)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	status := http.StatusOK
	if result == created {
		status = http.StatusCreated
		w.Header().Set("Location", base+t.path)
	}
	writeBody(w, status, halJSON, body)
}

func (s *Server) deleteResource(w http.ResponseWriter, r *http.Request, segs []string) {
	t, err := resourceTarget(segs)
	if err != nil {
		s.fail(w, r, badRequest(err))
		return
	}
	if err := s.store.delete(t.path); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// patchCollection creates or replaces every item of {"items": [...]} at
// <collection>/<item id>. All items are checked before any is written;
// each write is atomic on its own, so a failure part-way leaves the items
// before it stored.
func (s *Server) patchCollection(w http.ResponseWriter, r *http.Request, segs []string) {
	coll, err := checkCollection(segs)
	if err != nil {
		s.fail(w, r, badRequest(err))
		return
	}
	doc, err := s.readObject(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items, ok := doc["items"].([]any)
	if !ok {
		s.fail(w, r, badRequest(fmt.Errorf(`PATCH %s: the body must be {"items": [...]}`, coll)))
		return
	}
	type write struct {
		t     target
		canon []byte
	}
	writes := make([]write, len(items))
	for i, item := range items {
		t, canon, err := prepareItem(segs, item)
		if err != nil {
			s.fail(w, r, badRequest(fmt.Errorf("items[%d]: %v", i, err)))
			return
		}
		writes[i] = write{t, canon}
	}
	var counts [3]int // by putResult
	for i, wr := range writes {
		_, result, err := s.store.put(wr.t, wr.canon)
		if err != nil {
			if i > 0 {
				err = fmt.Errorf("%w (items[0] to items[%d] were stored)", err, i-1)
			}
			s.fail(w, r, fmt.Errorf("items[%d] (%s): %w", i, wr.t.path, err))
			return
		}
		counts[result]++
	}
	writeJSON(w, http.StatusOK, plainJSON, map[string]any{
		"count":     len(writes),
		"created":   counts[created],
		"replaced":  counts[replaced],
		"unchanged": counts[unchanged],
	})
}

// prepareItem checks one PATCH item and returns where it goes and what is
// stored.
func prepareItem(collSegs []string, item any) (target, []byte, error) {
	doc, ok := item.(map[string]any)
	if !ok {
		return target{}, nil, fmt.Errorf("not an object")
	}
	id, ok, err := idOf(doc)
	if err != nil {
		return target{}, nil, err
	}
	if !ok {
		return target{}, nil, fmt.Errorf("no id; a PATCH item is stored at <collection>/<id>")
	}
	t, err := resourceTarget(append(slices.Clip(collSegs), id))
	if err != nil {
		return target{}, nil, err
	}
	if err := prepareForPut(doc, t); err != nil {
		return target{}, nil, err
	}
	canon, err := sdk.MarshalCanonical(doc)
	return t, canon, err
}
