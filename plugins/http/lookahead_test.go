package http

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/resource-sync/resource-sync/sdk"
)

// chainServer serves a collection, /items, as a chain of pages: page 1 at
// /items, page N at /items?page=N, each with an ETag and a Link to the
// page next[N] names (none when 0). Every answer takes delay, and the
// server counts how many it answers at once.
type chainServer struct {
	delay time.Duration

	mu      sync.Mutex
	next    map[int]int
	version map[int]int
	active  int
	most    int // most requests answered at once
	gets    map[int]int
}

func newChainServer(t *testing.T, pages int, delay time.Duration) (string, *chainServer) {
	s := &chainServer{delay: delay, next: map[int]int{}, version: map[int]int{}, gets: map[int]int{}}
	for n := 1; n < pages; n++ {
		s.next[n] = n + 1
	}
	srv, _ := newServer(t, s.handle)
	return srv.URL, s
}

func (s *chainServer) pageURL(base string, n int) string {
	if n == 1 {
		return base + "/items"
	}
	return base + "/items?page=" + strconv.Itoa(n)
}

// link points page n at page to, changing n's content.
func (s *chainServer) link(n, to int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next[n] = to
	s.version[n]++
}

func (s *chainServer) handle(w http.ResponseWriter, r *http.Request, _ recorded) {
	n := 1
	if p := r.URL.Query().Get("page"); p != "" {
		n, _ = strconv.Atoi(p)
	}
	s.mu.Lock()
	s.active++
	s.most = max(s.most, s.active)
	s.gets[n]++
	next, version := s.next[n], s.version[n]
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.active--
		s.mu.Unlock()
	}()
	time.Sleep(s.delay)

	body := fmt.Sprintf(`{"_embedded":{"items":[{"id":"%d","v":%d}]}}`, n, version)
	sum := sha256.Sum256([]byte(body))
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	w.Header().Set("ETag", etag)
	if next != 0 {
		w.Header().Set("Link", fmt.Sprintf(`<%s>; rel="next"`, s.pageURL("", next)))
	}
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprint(w, body)
}

// stats returns the most requests answered at once and the GETs per page
// since the last call.
func (s *chainServer) stats() (most int, gets map[int]int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	most, gets = s.most, s.gets
	s.most, s.gets = 0, map[int]int{}
	return most, gets
}

// inventoryWithMemos lists /items on a new handle given memos, as the
// next sync does, and returns the documents' uris, whether each was
// unchanged, and their memos.
func inventoryWithMemos(t *testing.T, base string, memos []sdk.Memo, opts ...string) (uris []string, unchanged []bool, kept []sdk.Memo) {
	t.Helper()
	e := openTest(t, base+"/", append([]string{"conditional-reads", "true"}, opts...)...)
	e.RestoreMemos(memos)
	docs, errs := collect(t, e.Inventory(t.Context(), []sdk.Resource{{Type: "items", ID: "1", URI: base + "/items/1"}}))
	if len(errs) != 0 {
		t.Fatalf("inventory: %v", errs)
	}
	for _, d := range docs {
		uris = append(uris, d.URI)
		unchanged = append(unchanged, d.Unchanged)
		kept = append(kept, sdk.Memo{URI: d.URI, Memo: d.Memo})
	}
	return uris, unchanged, kept
}

// TestInventoryLooksAhead: an inventory given the last sync's memos asks
// for the pages they say come next several at a time, and still yields
// what the walk from page to page finds: every page once, in order, and
// after a page's next link changed, the new chain and not the old one.
func TestInventoryLooksAhead(t *testing.T) {
	const pages = 12
	base, srv := newChainServer(t, pages, 20*time.Millisecond)
	var chain []string
	for n := 1; n <= pages; n++ {
		chain = append(chain, srv.pageURL(base, n))
	}

	uris, _, memos := inventoryWithMemos(t, base, nil)
	if !slices.Equal(uris, chain) {
		t.Fatalf("first inventory: %q, want %q", uris, chain)
	}
	if most, _ := srv.stats(); most != 1 {
		t.Errorf("without memos, %d pages were asked for at once; the walk alone asks for one at a time", most)
	}

	uris, unchanged, _ := inventoryWithMemos(t, base, memos)
	if !slices.Equal(uris, chain) || slices.Contains(unchanged, false) {
		t.Errorf("unchanged since: %q (unchanged %v), want %q, all unchanged", uris, unchanged, chain)
	}
	most, gets := srv.stats()
	if most < 2 {
		t.Errorf("with memos, at most %d page was asked for at once; want the next pages asked for ahead", most)
	}
	for n := 1; n <= pages; n++ {
		if gets[n] != 1 {
			t.Errorf("page %d: %d GETs, want 1", n, gets[n])
		}
	}

	// Page 3 now leads to page 6: 4 and 5 left the chain. They may be
	// fetched ahead, but only the walk's pages are yielded.
	srv.link(3, 6)
	uris, unchanged, _ = inventoryWithMemos(t, base, memos)
	want := slices.Concat(chain[:3], chain[5:])
	if !slices.Equal(uris, want) {
		t.Errorf("after page 3 changed: %q, want %q", uris, want)
	}
	if i := slices.Index(uris, chain[2]); i < 0 || unchanged[i] {
		t.Errorf("page 3 changed: it must come back whole (unchanged %v)", unchanged)
	}
	if _, gets := srv.stats(); gets[6] != 1 || gets[3] != 1 {
		t.Errorf("pages 3 and 6 asked for %d and %d times, want once each", gets[3], gets[6])
	}

	// One request at a time: nothing is asked for ahead.
	inventoryWithMemos(t, base, memos, "concurrency", "1")
	if most, _ := srv.stats(); most != 1 {
		t.Errorf("with concurrency 1, %d requests at once", most)
	}
}

// TestLookaheadStaysOnHost: a memo whose next link leads to another host
// (a tampered cache, or an API that moved) fetches nothing there: the walk
// itself would not follow it without --allow-host.
func TestLookaheadStaysOnHost(t *testing.T) {
	base, srv := newChainServer(t, 1, 0)
	other, otherSrv := newChainServer(t, 3, 0)
	_, _, memos := inventoryWithMemos(t, base, nil)
	if len(memos) != 1 {
		t.Fatalf("first inventory: %d memos", len(memos))
	}
	srv.stats()
	var k keptMemo
	if err := json.Unmarshal(memos[0].Memo, &k); err != nil {
		t.Fatal(err)
	}
	k.Next = []string{other + "/items?page=2"}
	memos[0].Memo, _ = json.Marshal(k)

	e := openTest(t, base+"/", "conditional-reads", "true")
	e.RestoreMemos(memos)
	collect(t, e.Inventory(t.Context(), []sdk.Resource{{Type: "items", ID: "1", URI: base + "/items/1"}}))
	if _, gets := otherSrv.stats(); len(gets) != 0 {
		t.Errorf("the other host got requests: %v", gets)
	}
	if _, gets := srv.stats(); gets[1] != 1 {
		t.Errorf("the collection got %d GETs, want 1", gets[1])
	}
}

// TestLookaheadLoopingMemos: memos whose next links loop (the last page
// leads back to the first) fetch each page once.
func TestLookaheadLoopingMemos(t *testing.T) {
	base, srv := newChainServer(t, 3, 0)
	srv.link(3, 1)
	uris, _, memos := inventoryWithMemos(t, base, nil)
	if len(uris) != 3 {
		t.Fatalf("first inventory: %q", uris)
	}
	srv.stats()
	inventoryWithMemos(t, base, memos)
	if _, gets := srv.stats(); gets[1] != 1 || gets[2] != 1 || gets[3] != 1 {
		t.Errorf("GETs per page: %v, want one each", gets)
	}
}
