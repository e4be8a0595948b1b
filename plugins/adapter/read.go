package adapter

import (
	"context"
	"crypto/sha256"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/resource-sync/resource-sync/sdk"
)

// Read yields every item of every collection, in the file's order, one
// document per item: its JSON without server-managed fields, its item
// URL, its collection as the type hint.
func (e *Endpoint) Read(ctx context.Context) iter.Seq2[sdk.Document, error] {
	return func(yield func(sdk.Document, error) bool) {
		for _, c := range e.file.Collections {
			if !e.list(ctx, c, false, yield) {
				return
			}
		}
	}
}

// Inventory yields the items of the collections the scope's resources
// belong to. A collection the server does not know (404, 410) holds
// nothing. The items are kept, for updates that merge (see held).
func (e *Endpoint) Inventory(ctx context.Context, scope []sdk.Resource) iter.Seq2[sdk.Document, error] {
	return e.inventory(ctx, scope, true)
}

// ExtendInventory lists the collections of scope that the inventory the
// last Inventory call began did not.
func (e *Endpoint) ExtendInventory(ctx context.Context, scope []sdk.Resource) iter.Seq2[sdk.Document, error] {
	return e.inventory(ctx, scope, false)
}

func (e *Endpoint) inventory(ctx context.Context, scope []sdk.Resource, fresh bool) iter.Seq2[sdk.Document, error] {
	return func(yield func(sdk.Document, error) bool) {
		types := map[string]bool{}
		for _, r := range scope {
			types[r.Type] = true
		}
		e.mu.Lock()
		if fresh || e.listed == nil {
			e.listed = map[string]bool{}
		}
		var todo []*Collection
		for _, c := range e.file.Collections {
			if types[c.Name] && !e.listed[c.Name] {
				e.listed[c.Name] = true
				todo = append(todo, c)
			}
		}
		e.mu.Unlock()
		for _, c := range todo {
			if !e.list(ctx, c, true, yield) {
				return
			}
		}
	}
}

// list reads collection c page by page and yields its items; it reports
// whether to go on. inventory says the read is of a destination: an
// absent collection is empty, and items are kept for merges.
func (e *Endpoint) list(ctx context.Context, c *Collection, inventory bool, yield func(sdk.Document, error) bool) bool {
	first, err := e.collectionURL(c)
	if err != nil {
		return yield(sdk.Document{}, &sdk.Error{Source: e.file.Path, Line: c.Line, Msg: fmt.Sprintf("collection %s: list URL: %v", c.Name, err)})
	}
	pg := pager{c: c, first: first, seen: map[string]bool{}}
	u := pg.start()
	for pages := 0; u != nil; pages++ {
		if pages == e.opts.MaxPages {
			return yield(sdk.Document{}, &sdk.Error{Source: e.client.redact(first.String()), Incomplete: true,
				Msg: fmt.Sprintf("collection %s has more than %d pages (option max-pages); %s and the pages after it were not read", c.Name, pages, e.client.redact(u.String()))})
		}
		resp, err := e.client.do(ctx, http.MethodGet, u, nil)
		if err != nil {
			yield(sdk.Document{}, err)
			return false
		}
		if inventory && pages == 0 && (resp.status == http.StatusNotFound || resp.status == http.StatusGone) {
			e.log.Debug("collection absent: its items are all new", "collection", c.Name)
			return true
		}
		if resp.status < 200 || resp.status > 299 {
			return yield(sdk.Document{}, e.client.statusError(http.MethodGet, u, resp))
		}
		body, err := sdk.UnmarshalJSON(resp.body)
		if err != nil {
			return yield(sdk.Document{}, e.client.errorf(u, "GET: the response is not JSON: %v", err))
		}
		items, err := c.Items.items(body)
		if err != nil {
			return yield(sdk.Document{}, e.client.errorf(u, "collection %s: %v (items: in %s)", c.Name, err, e.file.Path))
		}
		if len(items) > 0 && pg.repeats(resp.body) {
			return yield(sdk.Document{}, &sdk.Error{Source: e.client.redact(u.String()), Warning: true, Incomplete: true,
				Msg: fmt.Sprintf("collection %s: a page repeats the page before it; the server seems to ignore the pagination parameters, so the rest of the collection may be missing", c.Name)})
		}
		for i, item := range items {
			doc, err := e.itemDocument(c, item, inventory)
			if err != nil {
				err = e.client.errorf(u, "collection %s, item %d: %v", c.Name, i+1, err)
			}
			if !yield(doc, err) {
				return false
			}
		}
		next, warn := pg.next(u, resp, body, len(items))
		if warn != "" && !yield(sdk.Document{}, &sdk.Error{Source: e.client.redact(u.String()), Warning: true, Incomplete: true,
			Msg: fmt.Sprintf("collection %s: %s", c.Name, warn)}) {
			return false
		}
		u = next
	}
	return true
}

// itemDocument makes an item of c a document.
func (e *Endpoint) itemDocument(c *Collection, item any, keep bool) (sdk.Document, error) {
	doc, ok := item.(map[string]any)
	if !ok {
		return sdk.Document{}, fmt.Errorf("an item is a JSON object, this is not one")
	}
	id, err := c.itemID(doc)
	if err != nil {
		return sdk.Document{}, err
	}
	for _, f := range c.ServerManaged {
		f.remove(doc)
	}
	content, err := sdk.MarshalCanonical(doc)
	if err != nil {
		return sdk.Document{}, err
	}
	u, err := e.itemURL(c, id)
	if err != nil {
		return sdk.Document{}, err
	}
	if keep && c.merges() {
		e.hold(c.Name, id, doc)
	}
	// Location says the item exists here: Write gets it back as
	// ExistingLocation, and updates instead of creating.
	return sdk.Document{Content: content, MediaType: "application/json", Source: e.client.redact(u.String()),
		URI: u.String(), TypeHint: c.Name, Location: u.String()}, nil
}

func (e *Endpoint) hold(collection, id string, doc map[string]any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.held == nil {
		e.held = map[string]map[string]map[string]any{}
	}
	if e.held[collection] == nil {
		e.held[collection] = map[string]map[string]any{}
	}
	e.held[collection][id] = doc
}

func (e *Endpoint) heldItem(collection, id string) (map[string]any, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	doc, ok := e.held[collection][id]
	return doc, ok
}

// pager walks a collection's pages as its pagination says.
type pager struct {
	c     *Collection
	first *url.URL
	// position is the next offset or page number.
	position int
	// longest is the most items a page held so far: a page shorter than
	// both it and the size asked for is the last (a server may give
	// fewer than asked for on every page; the first short page tells).
	longest int
	seen    map[string]bool // pages, cursors and next URLs met
	last    [sha256.Size]byte
}

func (p *pager) start() *url.URL {
	pg := p.c.Pagination
	switch pg.Type {
	case "offset":
		return withQuery(p.first, pg.OffsetParam, "0", pg.LimitParam, strconv.Itoa(pg.Size))
	case "page":
		p.position = pg.First
		return withQuery(p.first, pg.PageParam, strconv.Itoa(pg.First), pg.SizeParam, strconv.Itoa(pg.Size))
	}
	return p.first
}

// next is the page after u, nil after the last; warn says why a chain
// was cut short.
func (p *pager) next(u *url.URL, resp *response, body any, n int) (next *url.URL, warn string) {
	pg := p.c.Pagination
	p.seen[u.String()] = true
	short := n == 0 || n < pg.Size && n < p.longest
	p.longest = max(p.longest, n)
	switch pg.Type {
	case "link":
		next = nextLink(u, resp.header)
	case "offset":
		if short {
			return nil, ""
		}
		p.position += n
		next = withQuery(p.first, pg.OffsetParam, strconv.Itoa(p.position), pg.LimitParam, strconv.Itoa(pg.Size))
	case "page":
		if short {
			return nil, ""
		}
		p.position++
		next = withQuery(p.first, pg.PageParam, strconv.Itoa(p.position), pg.SizeParam, strconv.Itoa(pg.Size))
	case "cursor":
		cursor, err := pg.Cursor.scalar(body)
		if err != nil {
			return nil, fmt.Sprintf("the cursor (%v) is not usable, so the pages after this one were not read", err)
		}
		if cursor == "" || n == 0 {
			return nil, ""
		}
		if p.seen["cursor "+cursor] {
			return nil, "the server gave a cursor it gave before; the pages stop here"
		}
		p.seen["cursor "+cursor] = true
		next = withQuery(p.first, pg.CursorParam, cursor)
	case "next_url":
		s, err := pg.Next.scalar(body)
		if err != nil {
			return nil, fmt.Sprintf("the next page's URL (%v) is not usable, so the pages after this one were not read", err)
		}
		if s == "" {
			return nil, ""
		}
		ref, err := url.Parse(s)
		if err != nil {
			return nil, fmt.Sprintf("the next page's URL %q is not a URL, so the pages after this one were not read", s)
		}
		next = u.ResolveReference(ref)
	default:
		return nil, ""
	}
	if next == nil {
		return nil, ""
	}
	if next.Scheme != p.first.Scheme || next.Host != p.first.Host {
		return nil, fmt.Sprintf("the next page is on another server (%s), which is not followed", next.Redacted())
	}
	if p.seen[next.String()] {
		return nil, "" // a chain back to a page read: nothing new is left
	}
	return next, ""
}

// repeats says a page's body is the one before it, byte for byte.
func (p *pager) repeats(body []byte) bool {
	sum := sha256.Sum256(body)
	same := sum == p.last
	p.last = sum
	return same
}

// withQuery is u with the given query parameters set (name, value...).
func withQuery(u *url.URL, kv ...string) *url.URL {
	c := *u
	q := c.Query()
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	c.RawQuery = q.Encode()
	return &c
}

// linkRe matches one link of an RFC 8288 Link header: <uri> and its
// parameters.
var linkRe = regexp.MustCompile(`<([^>]*)>([^<]*)`)

// nextLink is the Link header's rel="next", resolved against u.
func nextLink(u *url.URL, h http.Header) *url.URL {
	for _, v := range h.Values("Link") {
		for _, m := range linkRe.FindAllStringSubmatch(v, -1) {
			for _, param := range strings.Split(m[2], ";") {
				name, value, ok := strings.Cut(strings.TrimSpace(param), "=")
				if !ok || !strings.EqualFold(strings.TrimSpace(name), "rel") {
					continue
				}
				for _, rel := range strings.Fields(strings.Trim(strings.TrimSpace(value), `"`)) {
					if strings.EqualFold(rel, "next") {
						if ref, err := url.Parse(strings.TrimSpace(m[1])); err == nil {
							return u.ResolveReference(ref)
						}
					}
				}
			}
		}
	}
	return nil
}
