package http

import (
	"context"
	"iter"
	"net/http"
	"net/url"

	"github.com/resource-sync/resource-sync/sdk"
)

// Inventory reads what the API holds of the resources about to be
// written: the collection each of them would be written to, page by page
// (Link rel="next" and the schema's page links here; the host follows the
// other body links with Fetch, which skips what this fetched). A collection that does not exist (404, 410)
// holds nothing. One that cannot be listed (400, 403, 405, 406, 501) is
// replaced by a GET of each resource, where 404 means absent.
func (e *Endpoint) Inventory(ctx context.Context, scope []sdk.Resource) iter.Seq2[sdk.Document, error] {
	return e.inventory(ctx, scope, true)
}

// ExtendInventory lists the collections of scope that the inventory
// begun by the last Inventory call did not: it goes on with the same
// traversal, which knows every page listed or fetched since.
func (e *Endpoint) ExtendInventory(ctx context.Context, scope []sdk.Resource) iter.Seq2[sdk.Document, error] {
	return e.inventory(ctx, scope, false)
}

func (e *Endpoint) inventory(ctx context.Context, scope []sdk.Resource, fresh bool) iter.Seq2[sdk.Document, error] {
	return func(yield func(sdk.Document, error) bool) {
		e.mu.Lock()
		if fresh || e.trav == nil {
			e.trav = newTraversal() // a new traversal, as Read starts one
		}
		trav := e.trav
		e.mu.Unlock()
		ahead := e.newLookahead(ctx)
		defer ahead.close()

		colls := e.collections(scope)
		for _, c := range colls {
			if ok, _ := e.claim(trav, c.url); !ok {
				// Listed by an earlier part of this inventory, unless it
				// could not be: then this part's resources are GET too.
				if trav.isUnlisted(c.key) && !e.yieldEach(ctx, trav, c.targets(e.location), yield) {
					return
				}
				continue
			}
			trav.countPage(collectionOf(c.url), e.cfg.maxPages)
			ahead.from(c.url)
			doc, next, status, err := ahead.getStatus(ctx, c.url)
			switch {
			case ctx.Err() != nil:
				yield(sdk.Document{}, ctx.Err())
				return
			case err == nil:
				if !e.yieldChain(ctx, trav, ahead, doc, next, yield) {
					return
				}
			case status == http.StatusNotFound || status == http.StatusGone:
				e.log.Debug("collection absent: its resources are all new", "uri", e.redact.URL(c.url))
			case status == http.StatusBadRequest || status == http.StatusForbidden || status == http.StatusMethodNotAllowed ||
				status == http.StatusNotAcceptable || status == http.StatusNotImplemented:
				e.log.Debug("collection cannot be listed; fetching its resources one by one", "uri", e.redact.URL(c.url), "status", status)
				trav.markUnlisted(c.key)
				if !e.yieldEach(ctx, trav, c.targets(e.location), yield) {
					return
				}
			default:
				if !yield(sdk.Document{}, err) {
					return
				}
			}
		}
	}
}

// yieldChain yields a page and those its next links lead to, taking
// what ahead fetched of them.
func (e *Endpoint) yieldChain(ctx context.Context, trav *traversal, ahead *lookahead, doc sdk.Document, next []*url.URL, yield func(sdk.Document, error) bool) bool {
	if !yield(doc, nil) {
		return false
	}
	queue := next
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		ok, skipped := e.claim(trav, u)
		if skipped != nil && !yield(sdk.Document{}, skipped) {
			return false
		}
		if !ok {
			continue
		}
		if count, reported := trav.countPage(collectionOf(u), e.cfg.maxPages); !count {
			return reported || yield(sdk.Document{}, e.overPages(collectionOf(u), u))
		}
		u = cleanURL(u)
		ahead.from(u)
		doc, more, _, err := ahead.getStatus(ctx, u)
		if ctx.Err() != nil {
			yield(sdk.Document{}, ctx.Err())
			return false
		}
		if !yield(doc, err) {
			return false
		}
		queue = append(queue, more...)
	}
	return true
}

// yieldEach GETs each target; a 404 or 410 means the resource is absent.
func (e *Endpoint) yieldEach(ctx context.Context, trav *traversal, targets []*url.URL, yield func(sdk.Document, error) bool) bool {
	for _, t := range targets {
		if ok, _ := e.claim(trav, t); !ok {
			continue
		}
		doc, _, status, err := e.getStatus(ctx, t)
		switch {
		case ctx.Err() != nil:
			yield(sdk.Document{}, ctx.Err())
			return false
		case status == http.StatusNotFound || status == http.StatusGone:
			continue
		}
		if !yield(doc, err) {
			return false
		}
	}
	return true
}

var _ sdk.InventoryExtender = (*Endpoint)(nil)
