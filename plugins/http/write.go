package http

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"sync"

	"github.com/resource-sync/resource-sync/internal/jsonscan"
	"github.com/resource-sync/resource-sync/sdk"
)

// writeJob is one item with where it goes.
type writeJob struct {
	item   sdk.WriteItem
	target *url.URL
	// err says why the item cannot be written at all.
	err error
}

// Write PUTs each item at its target, concurrency at a time, pulling items
// only as workers free up and reporting each result as soon as it is
// known. A failed item is reported and the others go on. With batch-size
// above 1, items already available that share a type and a collection
// go in one PATCH when the collection allows it.
func (e *Endpoint) Write(ctx context.Context, items iter.Seq[sdk.WriteItem], report func(sdk.WriteResult)) (sdk.WriteSummary, error) {
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	// A buffer of batch-size-1 lets a batch fill from items the host has
	// ready without waiting for more.
	pulled := make(chan sdk.WriteItem, e.cfg.batchSize-1)
	batches := make(chan []writeJob)
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(pulled)
		for item := range items {
			select {
			case pulled <- item:
			case <-ctx.Done():
				report(sdk.WriteResult{Seq: item.Seq, Status: sdk.Failed, Err: ctx.Err()})
				return
			}
		}
	})
	wg.Go(func() {
		defer close(batches)
		e.group(ctx, pulled, batches, report)
	})
	for range e.cfg.concurrency {
		wg.Go(func() {
			for batch := range batches {
				e.writeBatch(ctx, batch, report)
			}
		})
	}
	wg.Wait()
	return sdk.WriteSummary{}, parent.Err()
}

// group turns pulled items into batches: consecutive items of one type and
// one collection, up to batch-size, from what is already pulled; it never
// waits for an item to fill a batch.
func (e *Endpoint) group(ctx context.Context, pulled <-chan sdk.WriteItem, batches chan<- []writeJob, report func(sdk.WriteResult)) {
	var pending *writeJob
	for {
		var first writeJob
		if pending != nil {
			first, pending = *pending, nil
		} else {
			item, ok := <-pulled
			if !ok {
				return
			}
			first = e.job(item)
		}
		batch := []writeJob{first}
		if e.cfg.batchSize > 1 && e.batchable(first) {
		fill:
			for len(batch) < e.cfg.batchSize {
				select {
				case item, ok := <-pulled:
					if !ok {
						break fill
					}
					j := e.job(item)
					if !sameBatch(first, j) {
						pending = &j
						break fill
					}
					batch = append(batch, j)
				default:
					break fill
				}
			}
		}
		select {
		case batches <- batch:
		case <-ctx.Done():
			if pending != nil {
				batch = append(batch, *pending)
			}
			for _, j := range batch {
				report(sdk.WriteResult{Seq: j.item.Seq, Status: sdk.Failed, Err: ctx.Err()})
			}
			return
		}
	}
}

// job finds where item goes.
func (e *Endpoint) job(item sdk.WriteItem) writeJob {
	r := item.Resource
	t, err := target(e.location, r.URI, r.Type, r.ID)
	if err != nil {
		source := r.URI
		if source == "" {
			source = r.Source
		}
		return writeJob{item: item, err: e.errorf(source, "cannot place resource %s/%s: %v", r.Type, r.ID, err)}
	}
	return writeJob{item: item, target: t}
}

// writeBatch writes one batch and reports each of its items.
func (e *Endpoint) writeBatch(ctx context.Context, batch []writeJob, report func(sdk.WriteResult)) {
	if len(batch) > 1 {
		coll := collection(batch[0].target)
		if e.patchAllowed(ctx, coll) {
			status, err := sdk.Written, error(nil)
			if err = e.patch(ctx, coll, batch); err != nil {
				status = sdk.Failed
			}
			for _, j := range batch {
				report(sdk.WriteResult{Seq: j.item.Seq, Status: status, Err: err})
			}
			return
		}
	}
	for _, j := range batch {
		report(e.writeOne(ctx, j))
	}
}

// writeOne PUTs one item, falling back to POST on its collection when
// create-with-post is on and PUT answers 404 or 405.
func (e *Endpoint) writeOne(ctx context.Context, j writeJob) sdk.WriteResult {
	res := sdk.WriteResult{Seq: j.item.Seq, Status: sdk.Written}
	fail := func(err error) sdk.WriteResult {
		res.Status, res.Err = sdk.Failed, err
		return res
	}
	if j.err != nil {
		return fail(j.err)
	}
	if j.item.Unchanged && j.item.ExistingLocation == j.target.String() {
		res.Status = sdk.Unchanged
		return res
	}
	res.URI = e.redact.URL(j.target)
	body, hdr := e.body(j.item), contentType(j.item.MediaType)
	if conditional(j.item) {
		if hdr == nil {
			hdr = http.Header{}
		}
		setPreconditions(hdr, j.item.IfMatch, j.item.IfNoneMatch)
	}
	r, err := e.client.do(ctx, http.MethodPut, j.target, body, hdr)
	if err != nil {
		return fail(e.errorf(e.redact.URL(j.target), "PUT: %v", err))
	}
	if r.ok() {
		res.ETag = r.header.Get("ETag")
		return res
	}
	if conditional(j.item) && preconditionFailed(r.status) {
		res.Status, res.Err = sdk.PreconditionFailed, e.statusError(http.MethodPut, j.target, r)
		return res
	}
	if e.cfg.createWithPost && (r.status == http.StatusNotFound || r.status == http.StatusMethodNotAllowed) {
		coll := collection(j.target)
		p, err := e.client.do(ctx, http.MethodPost, coll, body, hdr)
		switch {
		case err != nil:
			return fail(e.errorf(e.redact.URL(j.target), "PUT answered %s; POST %s: %v", r.statusLine, e.redact.URL(coll), err))
		case !p.ok():
			return fail(e.errorf(e.redact.URL(j.target), "PUT answered %s; POST %s: %s: %s", r.statusLine, e.redact.URL(coll), p.statusLine, serverMessage(p.body)))
		}
		return res
	}
	return fail(e.statusError(http.MethodPut, j.target, r))
}

// conditional says the host asked for a conditional write.
func conditional(item sdk.WriteItem) bool { return item.IfMatch != "" || item.IfNoneMatch }

// setPreconditions adds If-Match (an ETag) or If-None-Match: * to hdr.
func setPreconditions(hdr http.Header, ifMatch string, ifNoneMatch bool) {
	if ifMatch != "" {
		hdr.Set("If-Match", ifMatch)
	}
	if ifNoneMatch {
		hdr.Set("If-None-Match", "*")
	}
}

// preconditionFailed reads a refused conditional request: 412, or 409 from
// servers that report an optimistic-lock failure as a conflict (CouchDB).
func preconditionFailed(status int) bool {
	return status == http.StatusPreconditionFailed || status == http.StatusConflict
}

// contentType is the request header for a body of mediaType.
func contentType(mediaType string) http.Header {
	if mediaType == "" {
		return nil
	}
	return http.Header{"Content-Type": {mediaType}}
}

// body is what is sent for item: its content, or under the HAL schema
// without keep-links, the resource without its top-level _links and
// _embedded, which describe the origin server, not the data.
func (e *Endpoint) body(item sdk.WriteItem) []byte {
	if !e.stripLinks || len(item.Resource.JSON) == 0 {
		return item.Content
	}
	if !isJSON(baseMediaType(item.MediaType)) {
		e.nonJSONOnce.Do(func() {
			e.log.Debug("HAL links are kept in bodies that are not JSON", "media_type", item.MediaType)
		})
		return item.Content
	}
	stripped, ok := withoutLinks(item.Resource.JSON)
	if !ok {
		stripped = withoutLinksDecoded(item.Resource.JSON)
	}
	switch {
	case stripped != nil:
		return stripped
	case len(item.Content) > 0:
		return item.Content
	}
	// Not an object: sent as it is (Recommend said JSON bodies).
	return item.Resource.JSON
}

// withoutLinks returns the canonical JSON object obj without its
// top-level _links and _embedded members, cutting them out of the bytes:
// what is left of a canonical object is canonical. It returns nil when
// obj has neither, and ok false when obj is not an object as canonical
// JSON writes it.
func withoutLinks(obj []byte) (stripped []byte, ok bool) {
	if len(obj) < 2 || obj[0] != '{' || obj[len(obj)-1] != '}' {
		return nil, false
	}
	if len(obj) == 2 {
		return nil, true
	}
	// The members kept, in order, as "key":value: the first few in place.
	var spans [8][2]int
	kept := spans[:0]
	dropped := false
	for pos := 1; ; {
		if obj[pos] != '"' {
			return nil, false
		}
		keyEnd := jsonscan.StringEnd(obj, pos)
		if keyEnd+1 >= len(obj) || obj[keyEnd] != ':' {
			return nil, false
		}
		valEnd := jsonscan.ValueEnd(obj, keyEnd+1)
		if valEnd >= len(obj) {
			return nil, false
		}
		switch key := string(obj[pos:keyEnd]); key {
		case `"_links"`, `"_embedded"`:
			dropped = true
		default:
			kept = append(kept, [2]int{pos, valEnd})
		}
		switch {
		case obj[valEnd] == '}' && valEnd == len(obj)-1:
			if !dropped {
				return nil, true
			}
			out := make([]byte, 1, len(obj))
			out[0] = '{'
			for i, m := range kept {
				if i > 0 {
					out = append(out, ',')
				}
				out = append(out, obj[m[0]:m[1]]...)
			}
			return append(out, '}'), true
		case obj[valEnd] == ',' && valEnd+1 < len(obj):
			pos = valEnd + 1
		default:
			return nil, false
		}
	}
}

// withoutLinksDecoded is withoutLinks for JSON that is not canonical,
// through a decode: nil when it is no object or has neither member.
func withoutLinksDecoded(data []byte) []byte {
	v, err := sdk.UnmarshalJSON(data)
	obj, isObject := v.(map[string]any)
	if err != nil || !isObject {
		return nil
	}
	_, links := obj["_links"]
	_, embedded := obj["_embedded"]
	if !links && !embedded {
		return nil
	}
	delete(obj, "_links")
	delete(obj, "_embedded")
	b, err := sdk.MarshalCanonical(obj)
	if err != nil {
		return nil
	}
	return b
}
