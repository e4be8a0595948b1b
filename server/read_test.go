package server_test

import (
	"bytes"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/resource-sync/resource-sync/sdk"
	"github.com/resource-sync/resource-sync/server"
)

func TestDiscovery(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"order/o1.json":    `{"id": "o1", "_links": {"self": {"href": "http://elsewhere/api/v1/order/o1"}}}`,
		"customer/c1.json": `{"id": "c1", "_links": {"self": {"href": "http://elsewhere/api/v1/customer/c1"}}}`,
		"widget/w1.json":   `{"id": "w1"}`,
		"README.md":        "not a resource",
	})
	_, ts := serve(t, server.Options{Dir: dir})

	for _, path := range []string{"/api/", "/api"} {
		resp := do(t, "GET", ts.URL+path, "")
		if resp.status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, resp.status, resp.body)
		}
		if ct := resp.header.Get("Content-Type"); ct != "application/hal+json" {
			t.Errorf("Content-Type = %q", ct)
		}
		doc := resp.object(t)
		if got := href(t, doc, "self"); got != ts.URL+"/api/" {
			t.Errorf("self = %q", got)
		}
		got := doc["_links"].(map[string]any)["search"]
		want := []any{
			map[string]any{"href": ts.URL + "/api/v1/customer", "name": "customer"},
			map[string]any{"href": ts.URL + "/api/v1/order", "name": "order"},
			map[string]any{"href": ts.URL + "/api/widget", "name": "widget"},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("GET %s search = %v, want %v", path, got, want)
		}
	}
}

// widgets is a tree of n widgets w00, w01, ... written in reverse order.
func widgets(t testing.TB, n int) string {
	files := map[string]string{}
	for i := n - 1; i >= 0; i-- {
		files[fmt.Sprintf("widget/w%02d.json", i)] = fmt.Sprintf(`{"id": "w%02d", "n": %d}`, i, i)
	}
	return writeTree(t, files)
}

func TestCollectionPages(t *testing.T) {
	_, ts := serve(t, server.Options{Dir: widgets(t, 25)})
	coll := ts.URL + "/api/widget"

	tests := []struct {
		name           string
		url            string
		header         []string
		wantFirst      string
		wantLen        int
		wantOffset     float64
		wantLimit      float64
		wantNext       string
		wantPrev       string
		wantSelfSuffix string
	}{
		{"default page", coll, nil, "w00", 20, 0, 20, coll + "?limit=20&offset=20", "", "?limit=20&offset=0"},
		{"trailing slash", coll + "/", nil, "w00", 20, 0, 20, coll + "?limit=20&offset=20", "", "?limit=20&offset=0"},
		{"last page", coll + "?offset=20", nil, "w20", 5, 20, 20, "", coll + "?limit=20&offset=0", "?limit=20&offset=20"},
		{"middle page", coll + "?offset=10&limit=5", nil, "w10", 5, 10, 5, coll + "?limit=5&offset=15", coll + "?limit=5&offset=5", "?limit=5&offset=10"},
		{"X-Request-Limit", coll, []string{"X-Request-Limit: 7"}, "w00", 7, 0, 7, coll + "?limit=7&offset=7", "", "?limit=7&offset=0"},
		{"query beats header", coll + "?limit=3", []string{"X-Request-Limit: 7"}, "w00", 3, 0, 3, coll + "?limit=3&offset=3", "", "?limit=3&offset=0"},
		{"limit capped", coll + "?limit=5000", nil, "w00", 25, 0, 1000, "", "", "?limit=1000&offset=0"},
		{"past the end", coll + "?offset=40&limit=10", nil, "", 0, 40, 10, "", coll + "?limit=10&offset=15", "?limit=10&offset=40"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := do(t, "GET", tt.url, "", tt.header...)
			if resp.status != http.StatusOK {
				t.Fatalf("%d %s", resp.status, resp.body)
			}
			doc := resp.object(t)
			items := doc["items"].([]any)
			if len(items) != tt.wantLen {
				t.Fatalf("%d items, want %d", len(items), tt.wantLen)
			}
			if tt.wantLen > 0 {
				if got := items[0].(map[string]any)["id"]; got != tt.wantFirst {
					t.Errorf("first item %v, want %s", got, tt.wantFirst)
				}
			}
			for i := 1; i < len(items); i++ {
				if a, b := items[i-1].(map[string]any)["id"].(string), items[i].(map[string]any)["id"].(string); a >= b {
					t.Errorf("items not sorted by id: %s before %s", a, b)
				}
			}
			if doc["count"] != 25.0 || doc["offset"] != tt.wantOffset || doc["limit"] != tt.wantLimit {
				t.Errorf("count, offset, limit = %v, %v, %v; want 25, %v, %v", doc["count"], doc["offset"], doc["limit"], tt.wantOffset, tt.wantLimit)
			}
			if got := href(t, doc, "next"); got != tt.wantNext {
				t.Errorf("next = %q, want %q", got, tt.wantNext)
			}
			if got := href(t, doc, "prev"); got != tt.wantPrev {
				t.Errorf("prev = %q, want %q", got, tt.wantPrev)
			}
			if got := href(t, doc, "self"); got != coll+tt.wantSelfSuffix {
				t.Errorf("self = %q, want %q", got, coll+tt.wantSelfSuffix)
			}
		})
	}
}

func TestFollowingNextVisitsEveryItemOnce(t *testing.T) {
	_, ts := serve(t, server.Options{Dir: widgets(t, 25)})
	seen := map[string]bool{}
	pages := 0
	for next := ts.URL + "/api/widget"; next != ""; pages++ {
		doc := do(t, "GET", next, "", "X-Request-Limit: 4").object(t)
		for _, item := range doc["items"].([]any) {
			id := item.(map[string]any)["id"].(string)
			if seen[id] {
				t.Errorf("%s seen twice", id)
			}
			seen[id] = true
		}
		next = href(t, doc, "next")
	}
	if len(seen) != 25 || pages != 7 {
		t.Errorf("saw %d items in %d pages, want 25 in 7", len(seen), pages)
	}
}

func TestBadPageParameters(t *testing.T) {
	_, ts := serve(t, server.Options{Dir: widgets(t, 3)})
	for _, tt := range []struct{ query, header, want string }{
		{"?offset=-1", "", "offset"},
		{"?offset=x", "", "offset"},
		{"?limit=0", "", "limit"},
		{"", "X-Request-Limit: many", "X-Request-Limit"},
	} {
		var header []string
		if tt.header != "" {
			header = append(header, tt.header)
		}
		resp := do(t, "GET", ts.URL+"/api/widget"+tt.query, "", header...)
		if resp.status != http.StatusBadRequest {
			t.Errorf("%s %s: status %d, want 400", tt.query, tt.header, resp.status)
			continue
		}
		if msg := resp.errorMessage(t); !contains(msg, tt.want) {
			t.Errorf("%s %s: error %q does not name %s", tt.query, tt.header, msg, tt.want)
		}
	}
}

func TestLinksAreRebasedOntoTheServer(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"order/o1.json": `{
			"id": "o1",
			"_links": {
				"self": {"href": "http://localhost/api/v1/order/o1"},
				"parent:customer": {"href": "https://api.example.com:8443/api/v1/customer/c%201"},
				"child:orderline": [
					{"href": "/api/v1/orderline/l1"},
					{"href": "http://localhost/api/v1/orderline/l2?expand=1#top"}
				],
				"search": {"href": "http://localhost/api/v1/order{?q}", "templated": true},
				"profile": {"href": "urn:example:order"},
				"related": {"href": "relative/path"}
			},
			"_embedded": {"lines": [{"_links": {"self": {"href": "http://localhost/api/v1/orderline/l1"}}}]}
		}`,
		"customer/c1.json": `{"id": "c 1", "name": "no links"}`,
	})
	_, ts := serve(t, server.Options{Dir: dir})

	doc := do(t, "GET", ts.URL+"/api/v1/order/o1", "").object(t)
	links := doc["_links"].(map[string]any)
	want := map[string]any{
		"self":            map[string]any{"href": ts.URL + "/api/v1/order/o1"},
		"parent:customer": map[string]any{"href": ts.URL + "/api/v1/customer/c%201"},
		"child:orderline": []any{
			map[string]any{"href": ts.URL + "/api/v1/orderline/l1"},
			map[string]any{"href": ts.URL + "/api/v1/orderline/l2?expand=1#top"},
		},
		"search":  map[string]any{"href": ts.URL + "/api/v1/order{?q}", "templated": true},
		"profile": map[string]any{"href": "urn:example:order"},
		"related": map[string]any{"href": "relative/path"},
	}
	if !reflect.DeepEqual(links, want) {
		t.Errorf("_links = %v\nwant %v", links, want)
	}
	embedded := doc["_embedded"].(map[string]any)["lines"].([]any)[0].(map[string]any)
	if got := href(t, embedded, "self"); got != ts.URL+"/api/v1/orderline/l1" {
		t.Errorf("embedded self = %q", got)
	}

	// A resource without links is served at /api/<type>/<id> with a self link.
	c := do(t, "GET", ts.URL+"/api/customer/c%201", "")
	if c.status != http.StatusOK {
		t.Fatalf("GET customer: %d %s", c.status, c.body)
	}
	if got := href(t, c.object(t), "self"); got != ts.URL+"/api/customer/c%201" {
		t.Errorf("added self = %q", got)
	}

	// Items of a page are rebased the same way.
	page := do(t, "GET", ts.URL+"/api/v1/order", "").object(t)
	item := page["items"].([]any)[0].(map[string]any)
	if got := href(t, item, "parent:customer"); got != ts.URL+"/api/v1/customer/c%201" {
		t.Errorf("item parent = %q", got)
	}
}

func TestGetMissing(t *testing.T) {
	_, ts := serve(t, server.Options{Dir: widgets(t, 1)})
	for _, path := range []string{"/api/widget/nope", "/api/gadget", "/"} {
		resp := do(t, "GET", ts.URL+path, "")
		if resp.status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, resp.status)
			continue
		}
		if msg := resp.errorMessage(t); !contains(msg, path) {
			t.Errorf("GET %s: error %q does not name the path", path, msg)
		}
	}
}

// A path can name a resource and a collection at once; the trailing slash
// picks the collection.
func TestResourceAndCollectionAtOnePath(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"thing/box.json": `{"id": "box", "_links": {"self": {"href": "/api/thing/box"}}}`,
		"box/i1.json":    `{"id": "i1", "_links": {"self": {"href": "/api/thing/box/i1"}}}`,
	})
	_, ts := serve(t, server.Options{Dir: dir})

	if got := do(t, "GET", ts.URL+"/api/thing/box", "").object(t)["id"]; got != "box" {
		t.Errorf("GET without slash: id %v, want the resource box", got)
	}
	if got := do(t, "GET", ts.URL+"/api/thing/box/", "").object(t)["count"]; got != 1.0 {
		t.Errorf("GET with slash: count %v, want the collection of 1", got)
	}
	if got := do(t, "OPTIONS", ts.URL+"/api/thing/box", "").header.Get("Allow"); got != "GET, PUT, DELETE, OPTIONS" {
		t.Errorf("OPTIONS without slash: Allow %q", got)
	}
	if got := do(t, "OPTIONS", ts.URL+"/api/thing/box/", "").header.Get("Allow"); got != "GET, PATCH, OPTIONS" {
		t.Errorf("OPTIONS with slash: Allow %q", got)
	}
}

// Resources are served pre-rendered, cut where the base URL goes; data that
// looks like the cut mark must come out untouched.
func TestDataLikeTheInternalMarkIsServedIntact(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"note/n1.json": `{"id": "n1", "text": "\u0000base\u0000/x", "raw": "\\u0000base\\u0000", "_links": {"up": {"href": "/api/note"}}}`,
	})
	_, ts := serve(t, server.Options{Dir: dir})
	for _, url := range []string{ts.URL + "/api/note/n1", ts.URL + "/api/note"} {
		resp := do(t, "GET", url, "")
		want := `"_links":{"self":{"href":"` + ts.URL + `/api/note/n1"},"up":{"href":"` + ts.URL + `/api/note"}},"id":"n1","raw":"\\u0000base\\u0000","text":"\u0000base\u0000/x"}`
		if !strings.Contains(string(resp.body), want) {
			t.Errorf("GET %s = %s\nwant it to contain %s", url, resp.body, want)
		}
	}
}

func TestResponsesAreCanonicalJSON(t *testing.T) {
	_, ts := serve(t, server.Options{Dir: widgets(t, 3)})
	for _, path := range []string{"/api/", "/api/widget", "/api/widget/w01", "/api/widget/nope"} {
		body := do(t, "GET", ts.URL+path, "").body
		canon, err := sdk.CanonicalJSON(body)
		if err != nil || !bytes.Equal(canon, body) {
			t.Errorf("GET %s is not canonical JSON (%v):\n%s", path, err, body)
		}
	}
}

// TestConditionalGet: pages and resources carry an ETag; a GET naming it
// in If-None-Match gets 304 without a body until the content changes.
func TestConditionalGet(t *testing.T) {
	_, ts := serve(t, server.Options{Dir: widgets(t, 3)})
	for _, path := range []string{"/api/widget?offset=0&limit=2", "/api/widget/w01"} {
		first := do(t, "GET", ts.URL+path, "")
		etag := first.header.Get("ETag")
		if first.status != http.StatusOK || !strings.HasPrefix(etag, `"`) {
			t.Fatalf("GET %s: %d, ETag %q", path, first.status, etag)
		}
		for _, ifNoneMatch := range []string{etag, `"other", ` + etag, "W/" + etag, "*"} {
			again := do(t, "GET", ts.URL+path, "", "If-None-Match: "+ifNoneMatch)
			if again.status != http.StatusNotModified || len(again.body) != 0 || again.header.Get("ETag") != etag {
				t.Errorf("GET %s If-None-Match %s: %d, %d bytes, ETag %q", path, ifNoneMatch, again.status, len(again.body), again.header.Get("ETag"))
			}
		}
		if other := do(t, "GET", ts.URL+path, "", `If-None-Match: "other"`); other.status != http.StatusOK || !bytes.Equal(other.body, first.body) {
			t.Errorf("GET %s with another tag: %d", path, other.status)
		}
	}
	etag := do(t, "GET", ts.URL+"/api/widget/w01", "").header.Get("ETag")
	if resp := do(t, "PUT", ts.URL+"/api/widget/w01", `{"id":"w01","n":100}`); resp.status != http.StatusOK {
		t.Fatalf("PUT: %d %s", resp.status, resp.body)
	}
	changed := do(t, "GET", ts.URL+"/api/widget/w01", "", "If-None-Match: "+etag)
	if changed.status != http.StatusOK || changed.header.Get("ETag") == etag || !contains(string(changed.body), `"n":100`) {
		t.Errorf("GET after a change: %d, ETag %q, %s", changed.status, changed.header.Get("ETag"), changed.body)
	}
}
