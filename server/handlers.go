package server

import (
	"fmt"
	"net/http"
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
	if s.isFeed(segs, p) {
		s.serveFeed(w, r, joinPath(segs[:len(segs)-1]))
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
