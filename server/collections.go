package server

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/resource-sync/resource-sync/sdk"
)

// getCollection serves one microcosm Search page, items sorted by id.
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
	links, err := sdk.MarshalCanonical(pageLinks(base+p, offset, limit, total))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// The page is assembled by hand, keys in canonical order, so the
	// items' bytes are copied rather than parsed again.
	body := make([]byte, 0, 512+len(items)*512)
	body = append(body, `{"_links":`...)
	body = append(body, links...)
	body = append(body, `,"count":`...)
	body = strconv.AppendInt(body, int64(total), 10)
	body = append(body, `,"items":[`...)
	for i, res := range items {
		if i > 0 {
			body = append(body, ',')
		}
		if body, err = res.appendServed(body, base); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	body = append(body, `],"limit":`...)
	body = strconv.AppendInt(body, int64(limit), 10)
	body = append(body, `,"offset":`...)
	body = strconv.AppendInt(body, int64(offset), 10)
	body = append(body, '}')
	writeRepresentation(w, r, halJSON, body)
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
		_, result, err := s.store.put(wr.t, wr.canon, precondition{})
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
