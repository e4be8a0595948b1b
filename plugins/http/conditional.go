package http

import (
	"context"
	"crypto/sha256"
	"net/http"
	"net/url"
	"sync"

	"github.com/resource-sync/resource-sync/sdk"
)

// Conditional reads (sdk.OpenRequest.ConditionalReads): resource-sync
// watch reads the same origin pass after pass, and the host keeps what it
// made of every document. The endpoint remembers, per page uri, the
// validators of the last answer (ETag, Last-Modified) and sends them back
// (If-None-Match, If-Modified-Since); a 304 Not Modified becomes a
// document marked Unchanged, which the host replaces with what it made of
// the page last time. The page's next links and content hash are
// remembered too, since a 304 carries neither, so pagination and the
// repeated-page check go on as if the page had been read.

// pageMemo is what the last 200 answer for a page left behind.
type pageMemo struct {
	etag         string
	lastModified string
	doc          sdk.Document // without Content
	sum          [sha256.Size]byte
	next         []*url.URL
}

// pageMemos are an endpoint's memos, by pageKey. They live as long as the
// open endpoint: the host keeps its own copies exactly as long.
type pageMemos struct {
	mu    sync.Mutex
	pages map[string]*pageMemo
}

func (m *pageMemos) get(key string) *pageMemo {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.pages[key]
}

func (m *pageMemos) put(key string, p *pageMemo) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.pages == nil {
		m.pages = map[string]*pageMemo{}
	}
	m.pages[key] = p
}

func (m *pageMemos) drop(key string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.pages, key)
}

// getPage fetches one page of a Read or Fetch: its document, its next
// links and its content hash. Under conditional reads a page answered
// before is asked for conditionally, and a 304 yields it Unchanged.
func (e *Endpoint) getPage(ctx context.Context, u *url.URL) (sdk.Document, []*url.URL, [sha256.Size]byte, error) {
	if !e.conditional {
		doc, next, err := e.get(ctx, u)
		return doc, next, sha256.Sum256(doc.Content), err
	}
	key := pageKey(u)
	memo := e.memos.get(key)
	hdr := http.Header{}
	if memo != nil {
		if memo.etag != "" {
			hdr.Set("If-None-Match", memo.etag)
		}
		if memo.lastModified != "" {
			hdr.Set("If-Modified-Since", memo.lastModified)
		}
	}
	r, err := e.request(ctx, u, hdr)
	if err != nil {
		e.memos.drop(key)
		return sdk.Document{}, nil, [sha256.Size]byte{}, err
	}
	if r.status == http.StatusNotModified {
		if memo == nil {
			// Not asked conditionally: nothing to stand for.
			return sdk.Document{}, nil, [sha256.Size]byte{}, e.errorf(e.redact.URL(u),
				"GET: %s to a request that was not conditional", r.statusLine)
		}
		doc := memo.doc
		doc.Unchanged = true
		return doc, memo.next, memo.sum, nil
	}
	doc, next, err := e.document(u, r)
	sum := sha256.Sum256(doc.Content)
	etag, lastModified := r.header.Get("ETag"), r.header.Get("Last-Modified")
	switch {
	case err != nil, etag == "" && lastModified == "":
		e.memos.drop(key)
	default:
		kept := doc
		kept.Content = nil
		e.memos.put(key, &pageMemo{etag: etag, lastModified: lastModified, doc: kept, sum: sum, next: next})
	}
	return doc, next, sum, err
}
