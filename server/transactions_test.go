package server_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/resource-sync/resource-sync/server"
)

// ETags and conditional requests: a PUT or DELETE whose If-Match no longer
// holds, or a create whose If-None-Match: * finds the resource, is refused
// with 412 and changes nothing.
func TestConditionalRequests(t *testing.T) {
	t.Parallel()
	_, ts := serve(t, server.Options{Dir: t.TempDir()})
	u := ts.URL + "/api/item/a"

	r := do(t, http.MethodPut, u, `{"id":"a","v":1}`, "If-None-Match: *")
	first := r.header.Get("ETag")
	if r.status != http.StatusCreated || !strings.HasPrefix(first, `"`) {
		t.Fatalf("create: %d, ETag %q; want 201 and a strong ETag", r.status, first)
	}
	if got := do(t, http.MethodGet, u, "").header.Get("ETag"); got != first {
		t.Errorf("GET ETag %q, PUT said %q", got, first)
	}
	if r = do(t, http.MethodPut, u, `{"id":"a","v":2}`, "If-None-Match: *"); r.status != http.StatusPreconditionFailed {
		t.Errorf("create over an existing resource: %d, want 412", r.status)
	}
	r = do(t, http.MethodPut, u, `{"id":"a","v":2}`, "If-Match: "+first)
	second := r.header.Get("ETag")
	if r.status != http.StatusOK || second == first || second == "" {
		t.Fatalf("update with the current ETag: %d, ETag %q (was %q)", r.status, second, first)
	}
	for _, h := range []string{"If-Match: " + first, `If-Match: W/` + second, `If-Match: "nope", ` + first} {
		if r = do(t, http.MethodPut, u, `{"id":"a","v":3}`, h); r.status != http.StatusPreconditionFailed {
			t.Errorf("PUT with %s: %d, want 412", h, r.status)
		}
	}
	if r = do(t, http.MethodDelete, u, "", "If-Match: "+first); r.status != http.StatusPreconditionFailed {
		t.Errorf("DELETE with a stale ETag: %d, want 412", r.status)
	}
	if body := string(do(t, http.MethodGet, u, "").body); !strings.Contains(body, `"v":2`) {
		t.Errorf("refused requests changed the resource: %s", body)
	}
	if r = do(t, http.MethodPut, u, `{"id":"a","v":4}`, `If-Match: "x", `+second); r.status != http.StatusOK {
		t.Errorf("PUT with a list holding the current ETag: %d, want 200", r.status)
	}
	if r = do(t, http.MethodDelete, u, "", "If-Match: *"); r.status != http.StatusNoContent {
		t.Errorf("DELETE If-Match: *: %d, want 204", r.status)
	}
	if r = do(t, http.MethodPut, u, `{"id":"a"}`, "If-Match: *"); r.status != http.StatusPreconditionFailed {
		t.Errorf("PUT If-Match: * on a deleted resource: %d, want 412", r.status)
	}
}

// Two writers racing with the same ETag: exactly one wins.
func TestConditionalPutRace(t *testing.T) {
	t.Parallel()
	_, ts := serve(t, server.Options{Dir: t.TempDir()})
	u := ts.URL + "/api/item/a"
	etag := do(t, http.MethodPut, u, `{"id":"a","n":0}`).header.Get("ETag")
	var wg sync.WaitGroup
	statuses := make([]int, 8)
	for i := range statuses {
		wg.Go(func() {
			statuses[i] = do(t, http.MethodPut, u, fmt.Sprintf(`{"id":"a","n":%d}`, i+1), "If-Match: "+etag).status
		})
	}
	wg.Wait()
	won := 0
	for _, s := range statuses {
		switch s {
		case http.StatusOK:
			won++
		case http.StatusPreconditionFailed:
		default:
			t.Errorf("status %d", s)
		}
	}
	if won != 1 {
		t.Errorf("%d writers won with the same ETag (%v), want 1", won, statuses)
	}
}

type feedEntry struct {
	ItemID, ItemURI, Type, UpdatedAt, Fingerprint, Etag string
	Deleted                                             bool
}

func feed(t *testing.T, url string) (entries []feedEntry, latest string, status int) {
	t.Helper()
	r := do(t, http.MethodGet, url, "")
	if r.status != http.StatusOK {
		return nil, "", r.status
	}
	obj := r.object(t)
	latest, _ = obj["latest"].(string)
	for _, x := range obj["transactions"].([]any) {
		m := x.(map[string]any)
		e := feedEntry{}
		e.ItemID, _ = m["itemId"].(string)
		e.ItemURI, _ = m["itemURI"].(string)
		e.Type, _ = m["type"].(string)
		e.UpdatedAt, _ = m["updatedAt"].(string)
		e.Fingerprint, _ = m["fingerprint"].(string)
		e.Etag, _ = m["etag"].(string)
		e.Deleted, _ = m["deleted"].(bool)
		entries = append(entries, e)
	}
	return entries, latest, r.status
}

// The transaction log: every write and delete since a cursor, the latest
// change of each resource once, at /api/transactions for the whole server
// and at <collection>/transactions for one collection; the seed's
// ?earliest=TIME works too.
func TestTransactionLog(t *testing.T) {
	t.Parallel()
	_, ts := serve(t, server.Options{Dir: writeTree(t, map[string]string{"item/old.json": `{"id":"old"}`})})
	all := ts.URL + "/api/transactions"
	entries, start, _ := feed(t, all)
	if len(entries) != 0 || start == "" {
		t.Fatalf("a new server's log: %v, latest %q; want empty, with a cursor (loading records nothing)", entries, start)
	}
	before := time.Now().UTC()
	etagA := do(t, http.MethodPut, ts.URL+"/api/item/a", `{"id":"a","v":1}`).header.Get("ETag")
	do(t, http.MethodPut, ts.URL+"/api/item/b", `{"id":"b"}`)
	etagA = do(t, http.MethodPut, ts.URL+"/api/item/a", `{"id":"a","v":2}`, "If-Match: "+etagA).header.Get("ETag")
	do(t, http.MethodDelete, ts.URL+"/api/item/old", "")
	do(t, http.MethodPut, ts.URL+"/api/other/x", `{"id":"x"}`)

	entries, latest, _ := feed(t, all+"?after="+start)
	if len(entries) != 4 {
		t.Fatalf("entries after %s: %+v, want 4 (b, a once, old deleted, x)", start, entries)
	}
	byID := map[string]feedEntry{}
	for _, e := range entries {
		byID[e.ItemID] = e
	}
	if a := byID["a"]; a.Etag != etagA || a.ItemURI != ts.URL+"/api/item/a" || a.Type != "item" || !strings.HasPrefix(a.Fingerprint, "sha256:") {
		t.Errorf("entry of a: %+v; want its last ETag %s, its uri and type", a, etagA)
	}
	if !byID["old"].Deleted {
		t.Errorf("the delete of old is not in the log: %+v", byID["old"])
	}
	if entries[len(entries)-1].ItemID != "x" {
		t.Errorf("entries are not in the order of their last change: %+v", entries)
	}
	if e, _, _ := feed(t, all+"?after="+latest); len(e) != 0 {
		t.Errorf("after the latest cursor: %+v, want nothing", e)
	}
	if e, _, _ := feed(t, ts.URL+"/api/item/transactions?after="+start); len(e) != 3 {
		t.Errorf("the item collection's log: %+v, want a, b and old", e)
	}
	if e, _, _ := feed(t, all+"?earliest="+before.Format(time.RFC3339Nano)); len(e) != 4 {
		t.Errorf("?earliest=%s: %d entries, want 4", before.Format(time.RFC3339Nano), len(e))
	}
	if e, l, _ := feed(t, all+"?limit=0"); len(e) != 0 || l != latest {
		t.Errorf("?limit=0: %d entries, cursor %q; want none and %q", len(e), l, latest)
	}
	// A cursor of another server (or from before a restart) is refused:
	// a feed with a hole in it would lose changes.
	_, ts2 := serve(t, server.Options{Dir: t.TempDir()})
	if _, _, status := feed(t, ts2.URL+"/api/transactions?after="+latest); status != http.StatusGone {
		t.Errorf("a cursor from another server: %d, want 410", status)
	}
}

// A log that keeps only the last entries refuses a cursor older than
// them with 410.
func TestTransactionLogBound(t *testing.T) {
	t.Parallel()
	_, ts := serve(t, server.Options{Dir: t.TempDir(), LogEntries: 2})
	_, start, _ := feed(t, ts.URL+"/api/transactions")
	for i := range 3 {
		do(t, http.MethodPut, fmt.Sprintf("%s/api/item/%d", ts.URL, i), `{}`)
	}
	if _, _, status := feed(t, ts.URL+"/api/transactions?after="+start); status != http.StatusGone {
		t.Errorf("a cursor older than the log: %d, want 410", status)
	}
}

// The seed's PUT .../transactions applies a client's log as one
// optimistic transaction: 200 when every fingerprint still holds, else
// 409 with the uris that changed, and nothing applied.
func TestPushTransactions(t *testing.T) {
	t.Parallel()
	_, ts := serve(t, server.Options{Dir: writeTree(t, map[string]string{
		"item/a.json": `{"id":"a","v":1}`, "item/b.json": `{"id":"b"}`})})
	entries, _, _ := feed(t, ts.URL+"/api/item/transactions")
	if len(entries) != 0 {
		t.Fatal(entries)
	}
	// The fingerprint of a as the client read it.
	do(t, http.MethodPut, ts.URL+"/api/item/a", `{"id":"a","v":1,"_links":{"self":{"href":"/api/item/a"}}}`)
	e, latest, _ := feed(t, ts.URL+"/api/item/transactions")
	fpA := e[0].Fingerprint
	do(t, http.MethodPut, ts.URL+"/api/item/b", `{"id":"b","_links":{"self":{"href":"/api/item/b"}}}`)
	e, _, _ = feed(t, ts.URL+"/api/item/transactions?after="+latest)
	fpB := e[0].Fingerprint

	push := func(body string) response {
		return do(t, http.MethodPut, ts.URL+"/api/item/transactions", body)
	}
	stale := fmt.Sprintf(`{"transactions":[
		{"itemURI":"/api/item/a","fingerprint":%q,"data":{"id":"a","v":2}},
		{"itemURI":"/api/item/b","fingerprint":"sha256:00","deleted":true},
		{"itemURI":"/api/item/c","data":{"id":"c"}}]}`, fpA)
	r := push(stale)
	if r.status != http.StatusConflict || !strings.Contains(string(r.body), "/api/item/b") {
		t.Fatalf("push with a stale fingerprint: %d %s; want 409 naming b", r.status, r.body)
	}
	if body := string(do(t, http.MethodGet, ts.URL+"/api/item/a", "").body); !strings.Contains(body, `"v":1`) {
		t.Errorf("a 409 applied part of the transaction: a is %s", body)
	}
	if do(t, http.MethodGet, ts.URL+"/api/item/c", "").status != http.StatusNotFound {
		t.Errorf("a 409 created c")
	}
	r = push(strings.Replace(stale, "sha256:00", fpB, 1))
	if r.status != http.StatusOK {
		t.Fatalf("push with current fingerprints: %d %s", r.status, r.body)
	}
	if body := string(do(t, http.MethodGet, ts.URL+"/api/item/a", "").body); !strings.Contains(body, `"v":2`) {
		t.Errorf("a after the push: %s", body)
	}
	if do(t, http.MethodGet, ts.URL+"/api/item/b", "").status != http.StatusNotFound || do(t, http.MethodGet, ts.URL+"/api/item/c", "").status != http.StatusOK {
		t.Errorf("b was not deleted or c not created")
	}
	// c exists now: pushing it as new again is a conflict.
	if r = push(`{"transactions":[{"itemURI":"/api/item/c","data":{"id":"c","again":true}}]}`); r.status != http.StatusConflict {
		t.Errorf("pushing an existing resource as new: %d, want 409", r.status)
	}
	for _, bad := range []string{`{}`, `{"transactions":[{"data":{}}]}`, `{"transactions":[{"itemURI":"/api/other/x","data":{}}]}`,
		`{"transactions":[{"itemURI":"/api/item/d","data":{}},{"itemURI":"/api/item/d","data":{}}]}`} {
		if r = push(bad); r.status != http.StatusBadRequest {
			t.Errorf("push %s: %d, want 400", bad, r.status)
		}
	}
}
