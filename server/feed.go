package server

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/resource-sync/resource-sync/sdk"
)

// isFeed says whether p (with its segments) names a transaction log:
// <collection>/transactions or /api/transactions, where no resource or
// collection has that path.
func (s *Server) isFeed(segs []string, p string) bool {
	n := len(segs)
	return n >= 1 && segs[n-1] == transactionsSegment && s.store.get(p) == nil && !s.store.hasCollection(p)
}

// serveFeed answers GET (the log since a cursor or time) and PUT (the
// seed's push of a client's log) at the feed of scope: a collection
// path, or the discovery path for every collection.
func (s *Server) serveFeed(w http.ResponseWriter, r *http.Request, scope string) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		s.getFeed(w, r, scope)
	case http.MethodPut:
		s.putFeed(w, r, scope)
	case http.MethodOptions:
		w.Header().Set("Allow", "GET, PUT, OPTIONS")
		w.WriteHeader(http.StatusNoContent)
	default:
		s.notAllowed(w, r, scope+"/"+transactionsSegment, "GET, PUT, OPTIONS")
	}
}

func inScope(scope, collection string) bool {
	return scope == discoveryPath || collection == scope
}

// getFeed lists, for each resource changed after ?after=CURSOR (or at or
// after ?earliest=RFC3339), its latest change, oldest first, and the
// cursor to ask from next time.
func (s *Server) getFeed(w http.ResponseWriter, r *http.Request, scope string) {
	q := r.URL.Query()
	var earliest time.Time
	if v := q.Get("earliest"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			s.fail(w, r, badRequest(fmt.Errorf("earliest=%q is not an RFC 3339 time", v)))
			return
		}
		earliest = t
	}
	entries, latest, err := s.store.log.since(q.Get("after"), earliest, func(e *logEntry) bool { return inScope(scope, e.collection) })
	var gone *errGone
	switch {
	case errors.As(err, &gone):
		s.fail(w, r, &httpError{http.StatusGone, gone.why})
		return
	case err != nil:
		s.fail(w, r, badRequest(err))
		return
	}
	if q.Get("limit") == "0" {
		entries = nil
	}
	base := baseURL(r)
	list := make([]any, len(entries))
	for i, e := range entries {
		item := map[string]any{
			"itemId":    e.id,
			"itemURI":   base + e.path,
			"type":      e.typ,
			"updatedAt": e.at.Format(time.RFC3339Nano),
		}
		if e.deleted {
			item["deleted"] = true
		} else {
			item["fingerprint"] = e.fingerprint
			item["etag"] = e.etag
		}
		list[i] = item
	}
	writeJSON(w, http.StatusOK, plainJSON, map[string]any{"latest": latest, "transactions": list})
}

// pushed is one entry of a pushed log.
type pushed struct {
	uri      string
	t        target
	expected string // the fingerprint the client saw; "" for "absent"
	canon    []byte // nil for a delete
}

// putFeed applies a client's log as one transaction: every entry names a
// resource, the fingerprint the client last saw of it ("" or none when it
// saw none) and either data or deleted. All preconditions are checked with
// every resource locked; if one fails, nothing is applied and the answer
// is 409 with the uris that changed, and the client starts again (the
// seed's optimistic lock). A write failing on disk part-way leaves the
// entries before it applied, each atomically.
func (s *Server) putFeed(w http.ResponseWriter, r *http.Request, scope string) {
	doc, err := s.readObject(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	raw, ok := doc["transactions"].([]any)
	if !ok {
		s.fail(w, r, badRequest(errors.New(`the body must be {"transactions": [...]}`)))
		return
	}
	entries := make([]pushed, len(raw))
	seen := map[string]bool{}
	for i, x := range raw {
		e, err := parsePushed(x, scope)
		if err != nil {
			s.fail(w, r, badRequest(fmt.Errorf("transactions[%d]: %v", i, err)))
			return
		}
		if seen[e.t.path] {
			s.fail(w, r, badRequest(fmt.Errorf("transactions[%d]: %s appears twice", i, e.t.path)))
			return
		}
		seen[e.t.path] = true
		entries[i] = e
	}
	paths := make([]string, 0, len(entries))
	for _, e := range entries {
		paths = append(paths, e.t.path)
	}
	slices.Sort(paths) // one order for every transaction: no deadlock
	for _, p := range paths {
		defer s.store.locks.lock(p)()
	}
	var conflicts []any
	for _, e := range entries {
		current := s.store.get(e.t.path)
		have := ""
		if current != nil {
			if have, err = contentFingerprint(current.json); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		if have != e.expected {
			conflicts = append(conflicts, e.uri)
		}
	}
	if len(conflicts) > 0 {
		writeJSON(w, http.StatusConflict, plainJSON, map[string]any{
			"error":     fmt.Sprintf("%d of %d resources changed since the client read them; nothing was applied: read them again and retry", len(conflicts), len(entries)),
			"conflicts": conflicts,
		})
		return
	}
	for i, e := range entries {
		if e.canon == nil {
			err = s.store.deleteLocked(e.t.path, precondition{})
		} else {
			_, _, err = s.store.putLocked(e.t, e.canon, precondition{})
		}
		if err != nil {
			if i > 0 {
				err = fmt.Errorf("%w (transactions[0] to transactions[%d] were applied)", err, i-1)
			}
			s.fail(w, r, fmt.Errorf("transactions[%d] (%s): %w", i, e.t.path, err))
			return
		}
	}
	_, latest, _ := s.store.log.since("", time.Time{}, func(*logEntry) bool { return false })
	writeJSON(w, http.StatusOK, plainJSON, map[string]any{"applied": len(entries), "latest": latest})
}

func parsePushed(x any, scope string) (pushed, error) {
	obj, ok := x.(map[string]any)
	if !ok {
		return pushed{}, errors.New("not an object")
	}
	uri, _ := obj["itemURI"].(string)
	if uri == "" {
		return pushed{}, errors.New("no itemURI")
	}
	u, err := url.Parse(uri)
	if err != nil {
		return pushed{}, fmt.Errorf("itemURI %q: %v", uri, err)
	}
	segs, _, err := splitPath(u.EscapedPath())
	if err != nil {
		return pushed{}, fmt.Errorf("itemURI: %v", err)
	}
	t, err := resourceTarget(segs)
	if err != nil {
		return pushed{}, fmt.Errorf("itemURI: %v", err)
	}
	if !inScope(scope, t.collection) {
		return pushed{}, fmt.Errorf("itemURI %s is not in the collection %s", t.path, scope)
	}
	e := pushed{uri: uri, t: t}
	switch fp := obj["fingerprint"].(type) {
	case nil:
	case string:
		e.expected = fp
	default:
		return pushed{}, errors.New("fingerprint must be a string")
	}
	if obj["deleted"] == true {
		if _, has := obj["data"]; has {
			return pushed{}, errors.New("both data and deleted")
		}
		if e.expected == "" {
			return pushed{}, errors.New("a delete needs the fingerprint of what is deleted")
		}
		return e, nil
	}
	data, ok := obj["data"].(map[string]any)
	if !ok {
		return pushed{}, errors.New("no data object (or deleted: true)")
	}
	if err := prepareForPut(data, t); err != nil {
		return pushed{}, err
	}
	if e.canon, err = sdk.MarshalCanonical(data); err != nil {
		return pushed{}, err
	}
	return e, nil
}
