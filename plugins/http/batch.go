package http

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// allowEntry caches one collection's OPTIONS answer.
type allowEntry struct {
	once  sync.Once
	patch bool
	known atomic.Bool
}

// batchable reports whether j can start a PATCH batch: it is placeable,
// JSON (the batch body is JSON), and its collection is not known to
// refuse PATCH, in which case its items are written one by one at once.
func (e *Endpoint) batchable(j writeJob) bool {
	if j.err != nil || j.item.Unchanged || conditional(j.item) || !isJSON(baseMediaType(j.item.MediaType)) {
		return false
	}
	v, ok := e.patchable.Load(collection(j.target).String())
	if !ok {
		return true
	}
	a := v.(*allowEntry)
	return !a.known.Load() || a.patch
}

// sameBatch reports whether j may join the batch started by first: same
// type, same collection path (not merely a common character prefix).
func sameBatch(first, j writeJob) bool {
	return j.err == nil && !j.item.Unchanged && !conditional(j.item) &&
		j.item.Resource.Type == first.item.Resource.Type &&
		isJSON(baseMediaType(j.item.MediaType)) &&
		collection(j.target).String() == collection(first.target).String()
}

// patchAllowed asks the collection once, with OPTIONS and the same
// credentials as every request, whether its Allow header lists PATCH.
// Concurrent batches to one collection share the one request.
func (e *Endpoint) patchAllowed(ctx context.Context, coll *url.URL) bool {
	v, _ := e.patchable.LoadOrStore(coll.String(), &allowEntry{})
	a := v.(*allowEntry)
	a.once.Do(func() {
		defer a.known.Store(true)
		r, err := e.client.do(ctx, http.MethodOptions, coll, nil, nil)
		switch {
		case err != nil:
			e.log.Debug("OPTIONS failed; writing one by one", "uri", e.redact.URL(coll), "error", err.Error())
		case !r.ok():
			e.log.Debug("OPTIONS refused; writing one by one", "uri", e.redact.URL(coll), "status", r.status)
		default:
			a.patch = allowsMethod(r.header, http.MethodPatch)
		}
	})
	return a.patch
}

// allowsMethod reports whether an Allow header lists method.
func allowsMethod(h http.Header, method string) bool {
	for _, v := range h.Values("Allow") {
		for m := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(m), method) {
				return true
			}
		}
	}
	return false
}

// patch sends batch as one PATCH <collection> with {"items": [...]}. It
// replaces whole items, so it is retried like PUT.
func (e *Endpoint) patch(ctx context.Context, coll *url.URL, batch []writeJob) error {
	var body bytes.Buffer
	body.WriteString(`{"items":[`)
	for i, j := range batch {
		b := e.body(j.item)
		if !json.Valid(b) {
			return e.errorf(e.redact.URL(j.target), "PATCH %s: the body is not JSON", e.redact.URL(coll))
		}
		if i > 0 {
			body.WriteByte(',')
		}
		body.Write(b)
	}
	body.WriteString(`]}`)
	hdr := http.Header{"Content-Type": {"application/json"}}
	r, err := e.client.do(ctx, http.MethodPatch, coll, body.Bytes(), hdr)
	if err != nil {
		return e.errorf(e.redact.URL(coll), "PATCH (batch of %d): %v", len(batch), err)
	}
	if !r.ok() {
		return e.statusError(http.MethodPatch+" (batch of "+strconv.Itoa(len(batch))+")", coll, r)
	}
	return nil
}
