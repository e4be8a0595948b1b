package http

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"sync"

	"github.com/resource-sync/resource-sync/sdk"
)

// readAhead is how many uris, per request slot, may be fetched ahead of
// the one being yielded. It bounds memory when the host is slow.
const readAhead = 4

// Read fetches the location and, unless follow is none, the pages its
// Link rel="next" headers lead to. Each Read is a new traversal: it
// forgets what earlier ones fetched, so reading twice reads everything
// twice, while Fetch calls after it skip what it fetched.
func (e *Endpoint) Read(ctx context.Context) iter.Seq2[sdk.Document, error] {
	return func(yield func(sdk.Document, error) bool) {
		// A new set rather than a cleared one: goroutines of a cancelled
		// earlier traversal may still be claiming pages in the old set.
		e.mu.Lock()
		e.fetched = map[string]bool{}
		e.mu.Unlock()
		e.Fetch(ctx, []string{e.location.String()})(yield)
	}
}

// Fetch fetches uris, several at a time, and yields their documents in
// the order of uris, each followed by its next pages: the output never
// depends on timing. A uri fetched before by this endpoint (query order
// and fragment aside) is skipped, and so is one on a host that is neither
// the location's nor allowed. A failed uri is yielded as an *sdk.Error and
// the others go on; only cancellation ends the sequence early.
func (e *Endpoint) Fetch(ctx context.Context, uris []string) iter.Seq2[sdk.Document, error] {
	return func(yield func(sdk.Document, error) bool) {
		e.mu.Lock()
		seen := e.fetched // this traversal's, even if a Read starts another
		e.mu.Unlock()
		jobs := e.claimAll(seen, uris)
		ctx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		defer wg.Wait()
		defer cancel()

		pages := make([]chan page, len(jobs))
		for i := range pages {
			pages[i] = make(chan page, 1)
		}
		slots := make(chan struct{}, e.cfg.concurrency)
		window := make(chan struct{}, e.cfg.concurrency*readAhead)
		wg.Go(func() {
			for i, j := range jobs {
				if j.url == nil {
					continue
				}
				select {
				case window <- struct{}{}:
				case <-ctx.Done():
					return
				}
				wg.Go(func() { e.fetchChain(ctx, seen, j.url, slots, pages[i]) })
			}
		})

		for i, j := range jobs {
			switch {
			case j.err != nil:
				if !yield(sdk.Document{}, j.err) {
					return
				}
				continue
			case j.url == nil:
				continue
			}
			for done := false; !done; {
				select {
				case p, ok := <-pages[i]:
					if !ok {
						if ctx.Err() != nil {
							// The chain stopped because we were cancelled.
							yield(sdk.Document{}, ctx.Err())
							return
						}
						done = true
						break
					}
					if !yield(p.doc, p.err) {
						return
					}
				case <-ctx.Done():
					yield(sdk.Document{}, ctx.Err())
					return
				}
			}
			<-window
		}
	}
}

// fetchJob is one uri given to Fetch: a url to fetch, an error to yield,
// or neither when it is skipped.
type fetchJob struct {
	url *url.URL
	err error
}

// page is one fetched document or the error fetching it.
type page struct {
	doc sdk.Document
	err error
}

// claimAll resolves uris and claims the ones to fetch, all before any
// fetch starts, so a next link that is also a later uri is fetched for the
// later uri whatever the timing.
func (e *Endpoint) claimAll(seen map[string]bool, uris []string) []fetchJob {
	jobs := make([]fetchJob, len(uris))
	for i, uri := range uris {
		u, err := e.location.Parse(uri)
		switch {
		case err != nil:
			jobs[i].err = e.errorf(uri, "not a uri: %v", err)
		case u.Scheme != "http" && u.Scheme != "https":
			jobs[i].err = e.errorf(uri, "cannot fetch a %q uri", u.Scheme)
		default:
			ok, skipped := e.claim(seen, u)
			if ok {
				jobs[i].url = cleanURL(u)
			}
			jobs[i].err = skipped
		}
	}
	return jobs
}

// claim reports whether u is to be fetched: not in seen yet and on an
// allowed host. It records u in seen, so a skipped link warns once. A link
// to another host comes back as a warning that the read is incomplete:
// what it leads to was not read, so nothing may be deleted for its absence.
func (e *Endpoint) claim(seen map[string]bool, u *url.URL) (bool, error) {
	key := pageKey(u)
	e.mu.Lock()
	already := seen[key]
	seen[key] = true
	e.mu.Unlock()
	switch {
	case already:
		e.log.Debug("already fetched", "uri", e.redact.URL(u))
		return false, nil
	case !e.hosts.allowed(u):
		err := e.errorf(e.redact.URL(u), "not following a link to another host (--allow-host follows it)")
		err.Warning, err.Incomplete = true, true
		return false, err
	}
	return true, nil
}

// fetchChain fetches u and the pages its next links lead to, one after
// the other, sending each to out. It takes a request slot per request
// only, so a chain waiting for the consumer holds none.
func (e *Endpoint) fetchChain(ctx context.Context, seen map[string]bool, u *url.URL, slots chan struct{}, out chan<- page) {
	defer close(out)
	queue := []*url.URL{u}
	for len(queue) > 0 {
		u, queue = queue[0], queue[1:]
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return
		}
		doc, next, err := e.get(ctx, u)
		<-slots
		if ctx.Err() != nil {
			return
		}
		select {
		case out <- page{doc, err}:
		case <-ctx.Done():
			return
		}
		for _, n := range next {
			ok, skipped := e.claim(seen, n)
			if ok {
				queue = append(queue, cleanURL(n))
			}
			if skipped != nil {
				select {
				case out <- page{err: skipped}:
				case <-ctx.Done():
					return
				}
			}
		}
	}
}

// get fetches one uri and returns its document and, when following, the
// targets of its Link rel="next" headers.
func (e *Endpoint) get(ctx context.Context, u *url.URL) (sdk.Document, []*url.URL, error) {
	doc, next, _, err := e.getStatus(ctx, u)
	return doc, next, err
}

// getStatus is get, also saying the response's status (0 when none came).
func (e *Endpoint) getStatus(ctx context.Context, u *url.URL) (sdk.Document, []*url.URL, int, error) {
	doc, next, r, err := e.getResponse(ctx, u)
	status := 0
	if r != nil {
		status = r.status
	}
	return doc, next, status, err
}

func (e *Endpoint) getResponse(ctx context.Context, u *url.URL) (sdk.Document, []*url.URL, *response, error) {
	shown := e.redact.URL(u)
	hdr := http.Header{
		"Accept":          {e.media.accept},
		"X-Request-Limit": {strconv.Itoa(e.cfg.limit)},
	}
	r, err := e.client.do(ctx, http.MethodGet, u, nil, hdr)
	if err != nil {
		return sdk.Document{}, nil, nil, e.errorf(shown, "GET: %v", err)
	}
	if r.status >= 400 {
		return sdk.Document{}, nil, r, e.statusError(http.MethodGet, u, r)
	}
	contentType := r.header.Get("Content-Type")
	mediaType := baseMediaType(contentType)
	if !e.media.claims(mediaType) {
		what := "no Content-Type"
		if contentType != "" {
			what = "Content-Type " + strconv.Quote(contentType) + ", which no installed format reads"
		}
		return sdk.Document{}, nil, r, e.errorf(shown, "GET: %s with %s: %s", r.statusLine, what, serverMessage(r.body))
	}
	doc := sdk.Document{
		Content:   r.body,
		MediaType: mediaType,
		Source:    shown,
		URI:       shown,
		TypeHint:  typeHint(u),
	}
	var next []*url.URL
	if e.cfg.followNext {
		next = nextLinks(r.header, r.url)
	}
	return doc, next, r, nil
}
