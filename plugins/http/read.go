package http

import (
	"context"
	"crypto/sha256"
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
		case e.claim(seen, u):
			jobs[i].url = cleanURL(u)
		}
	}
	return jobs
}

// claim reports whether u is to be fetched: not in seen yet, http or
// https, and on an allowed host. It records u in seen, so a skipped link
// warns once. A link this endpoint cannot follow (mailto:, gopher://, a
// link elsewhere) is skipped like one to another host: it is a part of
// the data, not a page of it.
func (e *Endpoint) claim(seen map[string]bool, u *url.URL) bool {
	key := pageKey(u)
	e.mu.Lock()
	already := seen[key]
	seen[key] = true
	e.mu.Unlock()
	switch {
	case already:
		e.log.Debug("already fetched", "uri", e.redact.URL(u))
		return false
	case u.Scheme != "http" && u.Scheme != "https":
		e.log.Warn("not following a link that is not http or https", "uri", e.redact.URL(u))
		return false
	case !e.hosts.allowed(u):
		e.log.Warn("not following a link to another host (add it to option allow-host to follow it)", "uri", e.redact.URL(u))
		return false
	}
	return true
}

// fetchChain fetches u and the pages its next links lead to, one after
// the other, sending each to out. It takes a request slot per request
// only, so a chain waiting for the consumer holds none. A server whose
// next links never end is stopped: at a link back to a page of this
// chain, at a page identical to the one before it (both with a warning:
// nothing new was to be read) and after max-pages pages (an error: the
// collection was not read to its end).
func (e *Endpoint) fetchChain(ctx context.Context, seen map[string]bool, u *url.URL, slots chan struct{}, out chan<- page) {
	defer close(out)
	start := u
	chain := map[string]bool{pageKey(u): true}
	var prev *url.URL
	var prevSum [sha256.Size]byte
	queue := []*url.URL{u}
	for pages := 0; len(queue) > 0; pages++ {
		u, queue = queue[0], queue[1:]
		if pages == e.cfg.maxPages {
			err := e.errorf(e.redact.URL(start), "GET: stopped after %d pages, the next still to read being %s: the server's next links may never end (option max-pages, --max-pages)",
				pages, e.redact.URL(u))
			select {
			case out <- page{err: err}:
			case <-ctx.Done():
			}
			return
		}
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
		if err == nil {
			sum := sha256.Sum256(doc.Content)
			if prev != nil && sum == prevSum {
				e.log.Warn("pagination repeats itself: this page is the same as the one before; not following its next links",
					"uri", e.redact.URL(u), "previous", e.redact.URL(prev))
				continue
			}
			prev, prevSum = u, sum
		}
		select {
		case out <- page{doc, err}:
		case <-ctx.Done():
			return
		}
		for _, n := range next {
			key := pageKey(n)
			if chain[key] {
				e.log.Warn("pagination loops: a next link leads back to a page already read; not following it",
					"uri", e.redact.URL(u), "next", e.redact.URL(n))
				continue
			}
			if e.claim(seen, n) {
				chain[key] = true
				queue = append(queue, cleanURL(n))
			}
		}
	}
}

// get fetches one uri and returns its document and, when following, the
// targets of its Link rel="next" headers.
func (e *Endpoint) get(ctx context.Context, u *url.URL) (sdk.Document, []*url.URL, error) {
	shown := e.redact.URL(u)
	hdr := http.Header{
		"Accept":          {e.media.accept},
		"X-Request-Limit": {strconv.Itoa(e.cfg.limit)},
	}
	r, err := e.client.do(ctx, http.MethodGet, u, nil, hdr)
	if err != nil {
		return sdk.Document{}, nil, e.errorf(shown, "GET: %v", err)
	}
	if r.status >= 400 {
		return sdk.Document{}, nil, e.statusError(http.MethodGet, u, r)
	}
	contentType := r.header.Get("Content-Type")
	mediaType := baseMediaType(contentType)
	if !e.media.claims(mediaType) {
		what := "no Content-Type"
		if contentType != "" {
			what = "Content-Type " + strconv.Quote(contentType) + ", which no installed format reads"
		}
		return sdk.Document{}, nil, e.errorf(shown, "GET: %s with %s: %s", r.statusLine, what, serverMessage(r.body))
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
	return doc, next, nil
}
