package http

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/resource-sync/resource-sync/sdk"
)

// endlessServer answers /items?page=N with body(N) and a next link to
// page N+1, for every N: pagination that never ends.
func endlessServer(t *testing.T, body func(n int) string) (string, *recorder) {
	srv, rec := newServer(t, func(w http.ResponseWriter, r *http.Request, _ recorded) {
		n, _ := strconv.Atoi(r.URL.Query().Get("page"))
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Link", fmt.Sprintf(`</items?page=%d>; rel="next"`, n+1))
		fmt.Fprint(w, body(n))
	})
	return srv.URL, rec
}

// TestPageLimit: next links that always name a new page stop after
// max-pages pages, with an error naming the collection and the option.
func TestPageLimit(t *testing.T) {
	base, rec := endlessServer(t, func(n int) string { return fmt.Sprintf(`[{"id":"%d"}]`, n) })
	e := openTest(t, base+"/items?page=1", "max-pages", "5")
	docs, errs := collect(t, e.Read(context.Background()))
	if len(docs) != 5 || len(errs) != 1 {
		t.Fatalf("docs %q errs %v, want 5 pages and one error", contents(docs), errs)
	}
	mustContain(t, "error", errs[0].Error(), base+"/items:", "after 5 pages", base+"/items?page=6", "option max-pages", "--max-pages")
	if n := len(rec.all()); n != 5 {
		t.Errorf("%d requests, want 5", n)
	}
}

// TestPaginationRepeatingItself: a server past its last page that answers
// the same empty page for every next link is stopped at the first
// repetition, with a warning.
func TestPaginationRepeatingItself(t *testing.T) {
	base, rec := endlessServer(t, func(n int) string {
		if n < 3 {
			return fmt.Sprintf(`[{"id":"%d"}]`, n)
		}
		return `[]`
	})
	e := openTest(t, base+"/items?page=1")
	docs, errs := collect(t, e.Read(context.Background()))
	if len(errs) != 0 || !reflect.DeepEqual(contents(docs), []string{`[{"id":"1"}]`, `[{"id":"2"}]`, `[]`}) {
		t.Fatalf("docs %q errs %v", contents(docs), errs)
	}
	if n := len(rec.all()); n != 4 {
		t.Errorf("%d requests, want 4 (pages 1 to 4, 4 the same as 3)", n)
	}
	mustContain(t, "log", e.logs.String(), "pagination repeats itself", "uri="+base+"/items?page=4", "same_as="+base+"/items?page=3")
}

// TestPaginationLoop: a next link back to a page already read ends the
// collection with a warning naming both pages.
func TestPaginationLoop(t *testing.T) {
	srv, rec := newServer(t, func(w http.ResponseWriter, r *http.Request, _ recorded) {
		n, _ := strconv.Atoi(r.URL.Query().Get("page"))
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Link", fmt.Sprintf(`</items?page=%d>; rel="next"`, n%3+1))
		fmt.Fprintf(w, `[{"id":"%d"}]`, n)
	})
	e := openTest(t, srv.URL+"/items?page=1")
	docs, errs := collect(t, e.Read(context.Background()))
	if len(errs) != 0 || len(docs) != 3 || len(rec.all()) != 3 {
		t.Fatalf("docs %q errs %v requests %d", contents(docs), errs, len(rec.all()))
	}
	logs := e.logs.String()
	mustContain(t, "log", logs, "pagination loops", "uri="+srv.URL+"/items?page=3", "next="+srv.URL+"/items?page=1")
	if strings.Count(logs, "pagination loops") != 1 {
		t.Errorf("want one warning:\n%s", logs)
	}
}

// TestPageLimitAcrossFetches: next links in bodies are followed by the
// host, one Fetch call per page; the pages still count against their
// collection, and a page repeating an earlier one ends the chain there.
func TestPageLimitAcrossFetches(t *testing.T) {
	base, _ := endlessServer(t, func(n int) string { return fmt.Sprintf(`{"n":%d}`, n) })
	e := openTest(t, base+"/items?page=1", "max-pages", "4", "follow", "none")
	docs, errs := collect(t, e.Read(context.Background()))
	for n := 2; n <= 6; n++ { // as the host does, wave by wave
		d, err := collect(t, e.Fetch(context.Background(), []string{fmt.Sprintf("%s/items?page=%d", base, n)}))
		docs, errs = append(docs, d...), append(errs, err...)
	}
	if len(docs) != 4 || len(errs) != 1 {
		t.Fatalf("docs %q errs %v, want 4 pages and one error", contents(docs), errs)
	}
	mustContain(t, "error", errs[0].Error(), base+"/items:", "after 4 pages", base+"/items?page=5", "max-pages")

	base, rec := endlessServer(t, func(n int) string { return `{"items":[]}` })
	e = openTest(t, base+"/items?page=1", "follow", "none")
	for n := 1; n <= 3; n++ {
		d, err := collect(t, e.Fetch(context.Background(), []string{fmt.Sprintf("%s/items?page=%d", base, n)}))
		if len(err) != 0 || len(d) != map[bool]int{true: 1, false: 0}[n == 1] {
			t.Errorf("page %d: docs %q errs %v", n, contents(d), err)
		}
	}
	if n := len(rec.all()); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
}

// bodyPagedServer answers /items (page 1) and /items?page=N up to page 3,
// each naming the next in its body only (HAL _links.next.href, absolute,
// relative, after the items, with spaces), never in a Link header.
func bodyPagedServer(t *testing.T) (string, *recorder) {
	srv, rec := newServer(t, func(w http.ResponseWriter, r *http.Request, _ recorded) {
		n, _ := strconv.Atoi(r.URL.Query().Get("page"))
		w.Header().Set("Content-Type", "application/hal+json")
		switch n {
		case 0, 1:
			fmt.Fprintf(w, `{"_links":{"next":{"href":"http://%s/items?page=2"}},"items":[{"id":"1"}]}`, r.Host)
		case 2:
			fmt.Fprint(w, `{ "items" : [ {"id":"2"} ], "_links" : { "self": {"href": "items?page=2"}, "next" : { "href" : "items?page=3" } } }`)
		default:
			fmt.Fprint(w, `{"_links":{"prev":{"href":"items?page=2"}},"items":[{"id":"3"}]}`)
		}
	})
	return srv.URL, rec
}

// TestBodyPageLinks: given the schema's page links, Read and Inventory go
// from page to page by themselves, as with Link headers; without them, or
// under follow none, they stop at the first page and leave it to the host.
func TestBodyPageLinks(t *testing.T) {
	const next = "/_links/next/href"
	base, _ := bodyPagedServer(t)
	for _, tc := range []struct {
		name  string
		opts  []string
		pages int
	}{
		{"page links", []string{"page-links", next}, 3},
		{"no page links", nil, 1},
		{"follow none", []string{"page-links", next, "follow", "none"}, 1},
		{"a page link that is no pointer", []string{"page-links", "_links.next"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := openTest(t, base+"/items", tc.opts...)
			docs, errs := collect(t, e.Read(t.Context()))
			if len(docs) != tc.pages || errs != nil {
				t.Errorf("Read: %d pages, %v; want %d", len(docs), errs, tc.pages)
			}
		})
	}
	t.Run("inventory", func(t *testing.T) {
		e := openTest(t, base+"/", "page-links", next)
		docs, errs := collect(t, e.Inventory(t.Context(), []sdk.Resource{{Type: "items", ID: "1", URI: base + "/items/1"}}))
		if len(docs) != 3 || errs != nil {
			t.Errorf("Inventory: %d pages, %v; want 3", len(docs), errs)
		}
	})
}
