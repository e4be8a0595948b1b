package server

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// Page sizes: microcosm's default, and a cap so one request cannot make
// the server render everything.
const (
	defaultLimit = 20
	maxLimit     = 1000
)

// pageParams reads offset and limit from the query; limit also from the
// X-Request-Limit header, which the query overrides. Limits above maxLimit
// are lowered to it.
func pageParams(r *http.Request) (offset, limit int, err error) {
	q := r.URL.Query()
	if v := q.Get("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			return 0, 0, fmt.Errorf("offset must be a non-negative integer, not %q", v)
		}
	}
	limit = defaultLimit
	v, from := q.Get("limit"), "limit"
	if v == "" {
		v, from = r.Header.Get("X-Request-Limit"), "X-Request-Limit"
	}
	if v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 {
			return 0, 0, fmt.Errorf("%s must be a positive integer, not %q", from, v)
		}
	}
	return offset, min(limit, maxLimit), nil
}

// pageLinks are a Search page's self, next (when items follow) and prev
// (when it does not start at 0) links.
func pageLinks(collURL string, offset, limit, total int) map[string]any {
	at := func(offset int) map[string]any {
		q := url.Values{"offset": {strconv.Itoa(offset)}, "limit": {strconv.Itoa(limit)}}
		return map[string]any{"href": collURL + "?" + q.Encode()}
	}
	links := map[string]any{"self": at(offset)}
	if offset+limit < total {
		links["next"] = at(offset + limit)
	}
	if offset > 0 {
		// From past the end, prev goes back to the last full page.
		links["prev"] = at(max(0, min(offset, total)-limit))
	}
	return links
}
