package http

import (
	"context"
	"crypto/sha256"
	"encoding/json"
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
//
// A destination's inventory does the same across syncs: the host keeps
// each page's memo (Document.Memo) with what it made of the page, and
// hands them back (RestoreMemos) before the next sync's inventory.

// pageMemo is what the last 200 answer for a page left behind.
type pageMemo struct {
	etag         string
	lastModified string
	doc          sdk.Document // without Content
	sum          [sha256.Size]byte
	next         []*url.URL
	// encoded is what the host may keep of it (Document.Memo); nil when
	// it must not be kept.
	encoded []byte
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
	doc, next, sum, _, err := e.getConditional(ctx, u, true)
	return doc, next, sum, err
}

// getStatus is get, also saying the response's status (0 when none came).
func (e *Endpoint) getStatus(ctx context.Context, u *url.URL) (sdk.Document, []*url.URL, int, error) {
	doc, next, _, status, err := e.getConditional(ctx, u, false)
	return doc, next, status, err
}

// getConditional GETs u, conditionally under conditional reads; the
// content hash is computed when summed, or when a memo keeps it.
func (e *Endpoint) getConditional(ctx context.Context, u *url.URL, summed bool) (doc sdk.Document, next []*url.URL, sum [sha256.Size]byte, status int, err error) {
	if !e.conditional {
		r, err := e.request(ctx, u, nil)
		if err != nil {
			return sdk.Document{}, nil, sum, 0, err
		}
		doc, next, err := e.document(u, r)
		if summed {
			sum = sha256.Sum256(doc.Content)
		}
		return doc, next, sum, r.status, err
	}
	key := pageKey(u)
	memo, hdr := e.conditionalHeaders(key)
	r, err := e.request(ctx, u, hdr)
	return e.conditionalAnswer(u, key, memo, r, err)
}

// conditionalHeaders are the validators of the page key's memo, if any.
func (e *Endpoint) conditionalHeaders(key string) (*pageMemo, http.Header) {
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
	return memo, hdr
}

// conditionalAnswer makes the document of the answer r (or err) to a GET
// of u sent with memo's validators, and keeps the memo of a new answer.
func (e *Endpoint) conditionalAnswer(u *url.URL, key string, memo *pageMemo, r *response, err error) (doc sdk.Document, next []*url.URL, sum [sha256.Size]byte, status int, _ error) {
	if err != nil {
		e.memos.drop(key)
		return sdk.Document{}, nil, sum, 0, err
	}
	if r.status == http.StatusNotModified {
		if memo == nil {
			// Not asked conditionally: nothing to stand for.
			return sdk.Document{}, nil, sum, r.status, e.errorf(e.redact.URL(u),
				"GET: %s to a request that was not conditional", r.statusLine)
		}
		doc := memo.doc
		doc.Unchanged = true
		doc.Memo = memo.encoded
		return doc, memo.next, memo.sum, r.status, nil
	}
	doc, next, err = e.document(u, r)
	sum = sha256.Sum256(doc.Content)
	etag, lastModified := r.header.Get("ETag"), r.header.Get("Last-Modified")
	switch {
	case err != nil, etag == "" && lastModified == "":
		e.memos.drop(key)
	default:
		kept := doc
		kept.Content = nil
		m := &pageMemo{etag: etag, lastModified: lastModified, doc: kept, sum: sum, next: next}
		m.encoded = e.encodeMemo(u, m)
		doc.Memo = m.encoded
		e.memos.put(key, m)
	}
	return doc, next, sum, r.status, err
}

// keptMemo is a pageMemo as the host keeps it between syncs
// (sdk.MemoRestorer): JSON, since it is small and read once per sync.
type keptMemo struct {
	ETag         string   `json:"etag,omitempty"`
	LastModified string   `json:"lastModified,omitempty"`
	MediaType    string   `json:"mediaType"`
	Next         []string `json:"next,omitempty"`
	Sum          []byte   `json:"sum"`
}

// encodeMemo is what the host may keep of m, the memo of u: nothing when
// u or a next link carries what the redactor hides (a token in the
// query), since the host's copy lives in the user's cache, nor without an
// ETag: Last-Modified counts whole seconds, so a page changed again in
// the second it was read would pass for unchanged in every later sync.
func (e *Endpoint) encodeMemo(u *url.URL, m *pageMemo) []byte {
	if m.etag == "" || e.redact.URL(u) != cleanURL(u).String() {
		return nil
	}
	k := keptMemo{ETag: m.etag, LastModified: m.lastModified, MediaType: m.doc.MediaType, Sum: m.sum[:]}
	for _, n := range m.next {
		s := cleanURL(n).String()
		if e.redact.URL(n) != s {
			return nil
		}
		k.Next = append(k.Next, s)
	}
	b, err := json.Marshal(k)
	if err != nil {
		return nil
	}
	return b
}

// RestoreMemos takes back the memos of an earlier sync: the pages they
// name are asked for conditionally. One that does not parse is ignored.
func (e *Endpoint) RestoreMemos(memos []sdk.Memo) {
	if !e.conditional {
		return
	}
	for _, m := range memos {
		u, err := url.Parse(m.URI)
		if err != nil || !u.IsAbs() {
			continue
		}
		var k keptMemo
		if json.Unmarshal(m.Memo, &k) != nil || len(k.Sum) != sha256.Size || k.ETag == "" {
			continue
		}
		pm := &pageMemo{etag: k.ETag, lastModified: k.LastModified, encoded: m.Memo}
		copy(pm.sum[:], k.Sum)
		ok := true
		for _, s := range k.Next {
			n, err := url.Parse(s)
			if err != nil || !n.IsAbs() {
				ok = false
				break
			}
			pm.next = append(pm.next, n)
		}
		if !ok {
			continue
		}
		shown := e.redact.URL(u)
		pm.doc = sdk.Document{MediaType: k.MediaType, Source: shown, URI: shown, TypeHint: typeHint(u), ETag: k.ETag}
		e.memos.put(pageKey(u), pm)
	}
}

var _ sdk.MemoRestorer = (*Endpoint)(nil)
