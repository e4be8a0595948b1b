package http

import (
	"context"
	"net/url"
	"sync"

	"github.com/resource-sync/resource-sync/sdk"
)

// lookahead fetches, while an inventory walks a collection page by page,
// the pages that the last sync's memos say come next, several at a time.
// Each is a conditional GET, most often answered 304, and a walk that
// waited for each in turn would take a round trip per page.
//
// The walk is unchanged: it still reaches each page through the links of
// the one before, claims it and counts it. A page fetched ahead is used
// only when the walk reaches it, with the memo its validators came from;
// so a collection that changed since the last sync is walked as without a
// lookahead, and what was fetched for nothing is dropped. Only pages the
// walk itself could fetch are fetched ahead: http or https, on an allowed
// host.
type lookahead struct {
	e      *Endpoint
	ctx    context.Context
	cancel context.CancelFunc
	slots  chan struct{} // requests in flight ahead of the walk
	wg     sync.WaitGroup

	mu sync.Mutex
	// ahead holds what was fetched ahead, by pageKey; nil once the walk
	// reached the page, so that it is not fetched ahead again (memos whose
	// next links loop).
	ahead map[string]*fetchedAhead
}

type fetchedAhead struct {
	memo *pageMemo // whose validators were sent
	done chan struct{}
	r    *response
	err  error
}

// newLookahead returns a lookahead that fetches nothing ahead unless
// pages are read conditionally and more than one request may be in
// flight.
func (e *Endpoint) newLookahead(ctx context.Context) *lookahead {
	ctx, cancel := context.WithCancel(ctx)
	l := &lookahead{e: e, ctx: ctx, cancel: cancel, ahead: map[string]*fetchedAhead{}}
	if e.conditional && e.cfg.concurrency > 1 {
		l.slots = make(chan struct{}, e.cfg.concurrency)
	}
	return l
}

// close stops what is still being fetched and waits for it.
func (l *lookahead) close() {
	l.cancel()
	l.wg.Wait()
}

// from starts fetching the pages that, by the memos, follow u: as many
// as requests may be in flight, skipping those started or reached
// already. It stops at a page without a memo or with more than one next
// link.
func (l *lookahead) from(u *url.URL) {
	cur := u
	for range cap(l.slots) {
		m := l.e.memos.get(pageKey(cur))
		if m == nil || len(m.next) != 1 {
			return
		}
		cur = cleanURL(m.next[0])
		if cur.Scheme != "http" && cur.Scheme != "https" || !l.e.hosts.allowed(cur) {
			return
		}
		key := pageKey(cur)
		l.mu.Lock()
		_, started := l.ahead[key]
		var f *fetchedAhead
		if !started {
			f = &fetchedAhead{done: make(chan struct{})}
			l.ahead[key] = f
		}
		l.mu.Unlock()
		if started {
			continue
		}
		memo, hdr := l.e.conditionalHeaders(key)
		f.memo = memo
		page := cur
		l.wg.Go(func() {
			defer close(f.done)
			select {
			case l.slots <- struct{}{}:
			case <-l.ctx.Done():
				f.err = l.ctx.Err()
				return
			}
			defer func() { <-l.slots }()
			f.r, f.err = l.e.request(l.ctx, page, hdr)
		})
	}
}

// getStatus is e.getStatus for the page the walk reached: the answer
// fetched ahead when there is one still valid, else a GET now.
func (l *lookahead) getStatus(ctx context.Context, u *url.URL) (sdk.Document, []*url.URL, int, error) {
	if l.slots == nil {
		return l.e.getStatus(ctx, u) // nothing is fetched ahead
	}
	key := pageKey(u)
	l.mu.Lock()
	f := l.ahead[key]
	l.ahead[key] = nil
	l.mu.Unlock()
	if f != nil {
		select {
		case <-f.done:
		case <-ctx.Done():
			return sdk.Document{}, nil, 0, ctx.Err()
		}
		// Fetched with the validators the walk would send now, and not
		// cut short by close: the answer is the walk's own.
		if l.e.memos.get(key) == f.memo && l.ctx.Err() == nil {
			doc, next, _, status, err := l.e.conditionalAnswer(u, key, f.memo, f.r, f.err)
			return doc, next, status, err
		}
	}
	return l.e.getStatus(ctx, u)
}
