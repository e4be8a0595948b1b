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
// Link rel="next" headers and the schema's page links lead to. Each Read is a new traversal: it
// forgets what earlier ones fetched, so reading twice reads everything
// twice, while Fetch calls after it skip what it fetched.
func (e *Endpoint) Read(ctx context.Context) iter.Seq2[sdk.Document, error] {
	return func(yield func(sdk.Document, error) bool) {
		// A new set rather than a cleared one: goroutines of a cancelled
		// earlier traversal may still be claiming pages in the old set.
		e.mu.Lock()
		e.trav = newTraversal()
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
		trav := e.trav // this traversal's, even if a Read starts another
		e.mu.Unlock()
		jobs := e.claimAll(trav, uris)
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
				wg.Go(func() { e.fetchChain(ctx, trav, j.url, slots, pages[i]) })
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
func (e *Endpoint) claimAll(trav *traversal, uris []string) []fetchJob {
	jobs := make([]fetchJob, len(uris))
	for i, uri := range uris {
		u, err := e.location.Parse(uri)
		switch {
		case err != nil:
			jobs[i].err = e.errorf(uri, "not a uri: %v", err)
		default:
			ok, skipped := e.claim(trav, u)
			if ok {
				jobs[i].url = cleanURL(u)
			}
			jobs[i].err = skipped
		}
	}
	return jobs
}

// claim reports whether u is to be fetched: not seen by trav yet, http or
// https, and on an allowed host. It records u as seen, so a skipped link
// warns once. A link this endpoint cannot follow (mailto:, gopher://) is
// skipped with a warning: it is a part of the data, not a page of it. A
// link to another host comes back as a warning that the read is
// incomplete: what it leads to was not read, so nothing may be deleted for
// its absence.
func (e *Endpoint) claim(trav *traversal, u *url.URL) (bool, error) {
	key := pageKey(u)
	trav.mu.Lock()
	already := trav.seen[key]
	trav.seen[key] = true
	trav.mu.Unlock()
	switch {
	case already:
		e.log.Debug("already fetched", "uri", e.redact.URL(u))
		return false, nil
	case u.Scheme != "http" && u.Scheme != "https":
		e.log.Warn("not following a link that is not http or https", "uri", e.redact.URL(u))
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
//
// A server whose pagination never ends is stopped. Pages count against
// the collection of the chain's first uri (its path, query aside), also
// across Fetch calls, since the host follows next links found in bodies
// one Fetch at a time: past max-pages, an error (the collection was not
// read to its end). A page identical to one already read from its
// collection is dropped with a warning, and so are its links: nothing new
// was to be read there. A next link back to a page of this chain is not
// followed, with a warning.
func (e *Endpoint) fetchChain(ctx context.Context, trav *traversal, u *url.URL, slots chan struct{}, out chan<- page) {
	defer close(out)
	coll := collectionOf(u)
	chain := map[string]bool{pageKey(u): true}
	queue := []*url.URL{u}
	for len(queue) > 0 {
		u, queue = queue[0], queue[1:]
		count, reported := trav.countPage(coll, e.cfg.maxPages)
		if !count {
			if reported {
				e.log.Debug("collection over the page limit", "uri", e.redact.URL(u))
				return
			}
			err := e.overPages(coll, u)
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
		doc, next, sum, err := e.getPage(ctx, u)
		<-slots
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			if same := trav.readBefore(coll, u, sum); same != nil {
				e.log.Warn("pagination repeats itself: this page is the same as one already read; not following its links",
					"uri", e.redact.URL(u), "same_as", e.redact.URL(same))
				continue
			}
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
			ok, skipped := e.claim(trav, n)
			if ok {
				chain[key] = true
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

// traversal is what one Read and the Fetch calls after it share.
type traversal struct {
	mu sync.Mutex
	// seen holds the pageKey of every uri fetched, being fetched or
	// skipped.
	seen        map[string]bool
	collections map[string]*collectionPages
	// unlisted holds the pageKey of every collection an inventory could
	// not list, so that a later part of it GETs its resources one by one.
	unlisted map[string]bool
}

// collectionPages is what was read from one collection.
type collectionPages struct {
	count int
	// overLimit is set once a page over the limit was refused.
	overLimit bool
	// sums maps each page's content hash to the first uri it came from.
	sums map[[sha256.Size]byte]*url.URL
}

func newTraversal() *traversal {
	return &traversal{seen: map[string]bool{}, collections: map[string]*collectionPages{}, unlisted: map[string]bool{}}
}

func (t *traversal) markUnlisted(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.unlisted[key] = true
}

func (t *traversal) isUnlisted(key string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.unlisted[key]
}

// collectionOf is the collection a page uri belongs to, for the page
// limit: its origin and path, without query.
func collectionOf(u *url.URL) *url.URL {
	c := cleanURL(u)
	c.RawQuery, c.ForceQuery = "", false
	return c
}

func (t *traversal) pages(coll *url.URL) *collectionPages {
	key := pageKey(coll)
	p := t.collections[key]
	if p == nil {
		p = &collectionPages{sums: map[[sha256.Size]byte]*url.URL{}}
		t.collections[key] = p
	}
	return p
}

// overPages is the error for a collection whose pages went past the
// limit, u being the next one not read.
func (e *Endpoint) overPages(coll, u *url.URL) error {
	return e.errorf(e.redact.URL(coll), "GET: stopped after %d pages of this collection, the next still to read being %s: the server's next links may never end (option max-pages, --max-pages)",
		e.cfg.maxPages, e.redact.URL(u))
}

// countPage counts one more page of coll, unless limit were already read;
// then reported says whether a page refused before was reported.
func (t *traversal) countPage(coll *url.URL, limit int) (ok, reported bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	p := t.pages(coll)
	if p.count >= limit {
		reported, p.overLimit = p.overLimit, true
		return false, reported
	}
	p.count++
	return true, false
}

// readBefore records a page of content sum as read from u in coll and
// returns the uri it was read from before, if it was.
func (t *traversal) readBefore(coll, u *url.URL, sum [sha256.Size]byte) *url.URL {
	t.mu.Lock()
	defer t.mu.Unlock()
	p := t.pages(coll)
	if first, ok := p.sums[sum]; ok {
		return first
	}
	p.sums[sum] = u
	return nil
}

// request GETs u with the page headers and extra ones.
func (e *Endpoint) request(ctx context.Context, u *url.URL, extra http.Header) (*response, error) {
	hdr := http.Header{
		"Accept":          {e.media.accept},
		"X-Request-Limit": {strconv.Itoa(e.cfg.limit)},
	}
	for name, values := range extra {
		hdr[name] = values
	}
	r, err := e.client.do(ctx, http.MethodGet, u, nil, hdr)
	if err != nil {
		return nil, e.errorf(e.redact.URL(u), "GET: %v", err)
	}
	return r, nil
}

// document is the document a GET of u answered, and, when following, its
// next pages: the targets of its Link rel="next" headers, and the uris at
// the schema's page links of a JSON body.
func (e *Endpoint) document(u *url.URL, r *response) (sdk.Document, []*url.URL, error) {
	shown := e.redact.URL(u)
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
		ETag:      r.header.Get("ETag"),
	}
	var next []*url.URL
	if e.cfg.followNext {
		next = nextLinks(r.header, r.url)
		next = append(next, bodyLinks(r.body, mediaType, e.cfg.pageLinks, u)...)
	}
	return doc, next, nil
}
