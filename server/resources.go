package server

import (
	"net/http"

	"github.com/resource-sync/resource-sync/sdk"
)

// getResource serves one resource, its links rebased onto the request's address.
func (s *Server) getResource(w http.ResponseWriter, r *http.Request, p string) {
	res := s.store.get(p)
	if res == nil { // deleted since routing
		s.fail(w, r, &httpError{http.StatusNotFound, "no resource at " + p})
		return
	}
	body, err := res.appendServed(nil, baseURL(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// The stored content's ETag: what If-Match on a write compares with.
	writeTagged(w, r, halJSON, body, res.etag)
}

// putResource creates (201, with Location) or replaces (200) the resource
// at the request path and answers with it as stored.
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
	res, result, err := s.store.put(t, canon, preconditionOf(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	base := baseURL(r)
	body, err := res.appendServed(nil, base)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	status := http.StatusOK
	w.Header().Set("ETag", res.etag)
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
	if err := s.store.delete(t.path, preconditionOf(r)); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
