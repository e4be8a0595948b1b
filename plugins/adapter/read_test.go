package adapter

import (
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/go-hclog"

	"github.com/resource-sync/resource-sync/sdk"
)

// openAdapter writes an adapter file for base and opens it.
func openAdapter(t *testing.T, base, body string, role sdk.Role) *Endpoint {
	t.Helper()
	path := filepath.Join(t.TempDir(), "api.yaml")
	if err := os.WriteFile(path, []byte("base_url: "+base+"\n"+body), 0o644); err != nil {
		t.Fatal(err)
	}
	e, err := open(sdk.OpenRequest{Location: "adapter:" + path, Role: role,
		Options: map[string]string{"max-pages": "20"}}, hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// readIDs reads every document and returns the ids (the item URLs' last
// segment), and the problems met.
func readIDs(t *testing.T, e *Endpoint) (ids []string, problems []string) {
	t.Helper()
	for doc, err := range e.Read(t.Context()) {
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		ids = append(ids, doc.URI[strings.LastIndex(doc.URI, "/")+1:])
	}
	return ids, problems
}

// items is a collection of n items with ids 1..n.
func items(n int) []map[string]any {
	out := make([]map[string]any, n)
	for i := range out {
		out[i] = map[string]any{"id": i + 1}
	}
	return out
}

func ids(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = strconv.Itoa(i + 1)
	}
	return out
}

func TestPagination(t *testing.T) {
	t.Parallel()
	const n = 7
	for name, tc := range map[string]struct {
		adapter string
		handler func(w http.ResponseWriter, r *http.Request)
		want    []string
		problem string
	}{
		"offset, the server giving fewer than asked": {
			adapter: "  a: {list: /a, item: '/a/{id}', pagination: {type: offset, limit: 100}}\n",
			handler: func(w http.ResponseWriter, r *http.Request) {
				off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
				all := items(n)
				json.NewEncoder(w).Encode(all[min(off, n):min(off+3, n)]) // at most 3 a page
			},
			want: ids(n),
		},
		"page and per-page in a field": {
			adapter: "  a: {list: /a, item: '/a/{id}', items: items, pagination: {type: page, page_param: p, size_param: s, size: 2, first: 0}}\n",
			handler: func(w http.ResponseWriter, r *http.Request) {
				p, _ := strconv.Atoi(r.URL.Query().Get("p"))
				all := items(n)
				json.NewEncoder(w).Encode(map[string]any{"items": all[min(p*2, n):min(p*2+2, n)]})
			},
			want: ids(n),
		},
		"Link headers": {
			adapter: "  a: {list: '/a?page=1', item: '/a/{id}', pagination: link}\n",
			handler: func(w http.ResponseWriter, r *http.Request) {
				p, _ := strconv.Atoi(r.URL.Query().Get("page"))
				if p*2 < n {
					w.Header().Add("Link", fmt.Sprintf(`</a?page=1>; rel="first", </a?page=%d>; rel="next last"`, p+1))
				}
				json.NewEncoder(w).Encode(items(n)[(p-1)*2 : min(p*2, n)])
			},
			want: ids(n),
		},
		"a cursor in a JSONPath": {
			adapter: "  a: {list: /a, item: '/a/{id}', items: '$.data[*]', pagination: {type: cursor, cursor: '$.meta.next', cursor_param: after}}\n",
			handler: func(w http.ResponseWriter, r *http.Request) {
				after, _ := strconv.Atoi(r.URL.Query().Get("after"))
				page := items(n)[after:min(after+3, n)]
				next := any(nil)
				if after+3 < n {
					next = strconv.Itoa(after + 3)
				}
				json.NewEncoder(w).Encode(map[string]any{"data": page, "meta": map[string]any{"next": next}})
			},
			want: ids(n),
		},
		"a next URL, relative": {
			adapter: "  a: {list: /a, item: '/a/{id}', items: results, pagination: {type: next_url, next: next}}\n",
			handler: func(w http.ResponseWriter, r *http.Request) {
				from, _ := strconv.Atoi(r.URL.Query().Get("from"))
				resp := map[string]any{"results": items(n)[from:min(from+4, n)]}
				if from+4 < n {
					resp["next"] = "a?from=" + strconv.Itoa(from+4)
				}
				json.NewEncoder(w).Encode(resp)
			},
			want: ids(n),
		},
		"a server ignoring the page parameter": {
			adapter: "  a: {list: /a, item: '/a/{id}', pagination: {type: page, size: 2}}\n",
			handler: func(w http.ResponseWriter, r *http.Request) { json.NewEncoder(w).Encode(items(2)) },
			want:    ids(2),
			problem: "a page repeats the page before it",
		},
		"a cursor that comes back": {
			adapter: "  a: {list: /a, item: '/a/{id}', items: data, pagination: {type: cursor, cursor: next}}\n",
			handler: func(w http.ResponseWriter, r *http.Request) {
				c := r.URL.Query().Get("cursor")
				page := items(2)[:1]
				if c != "" {
					page = items(2)[1:]
				}
				json.NewEncoder(w).Encode(map[string]any{"data": page, "next": "same"})
			},
			want:    ids(2),
			problem: "the server gave a cursor it gave before",
		},
		"more pages than max-pages": {
			adapter: "  a: {list: /a, item: '/a/{id}', pagination: {type: offset, limit: 1}}\n",
			handler: func(w http.ResponseWriter, r *http.Request) {
				off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
				json.NewEncoder(w).Encode([]any{map[string]any{"id": off + 1}})
			},
			want:    ids(20),
			problem: "collection a has more than 20 pages (option max-pages)",
		},
		"items without an id": {
			adapter: "  a: {list: /a, item: '/a/{id}', id: key}\n",
			handler: func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprint(w, `[{"key": "k1"}, {"id": 2}, {"key": 3}]`)
			},
			want:    []string{"k1", "3"},
			problem: "collection a, item 2: a item has no id field key",
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ts := httptest.NewServer(http.HandlerFunc(tc.handler))
			t.Cleanup(ts.Close)
			e := openAdapter(t, ts.URL, "collections:\n"+tc.adapter, sdk.RoleOrigin)
			got, problems := readIDs(t, e)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
			joined := strings.Join(problems, "\n")
			if tc.problem == "" && joined != "" || !strings.Contains(joined, tc.problem) {
				t.Errorf("problems %q, want one with %q", joined, tc.problem)
			}
		})
	}
}

// TestWriteMerges checks that an update by PATCH sends null for each field
// the server holds and the resource does not, and that a create the
// server refuses because the item exists becomes an update.
func TestWriteMerges(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, r.Method+" "+r.URL.Path+" "+string(body))
		mu.Unlock()
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/a":
			fmt.Fprint(w, `[{"id": "x", "keep": 1, "gone": 2, "ts": "t"}]`)
		case r.Method == http.MethodGet && r.URL.Path == "/a/y":
			fmt.Fprint(w, `{"id": "y", "old": true, "ts": "t"}`)
		case r.Method == http.MethodPost:
			w.WriteHeader(http.StatusConflict)
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	t.Cleanup(ts.Close)
	e := openAdapter(t, ts.URL, "collections:\n  a: {list: /a, item: '/a/{id}', update: patch, server_managed: [ts]}\n", sdk.RoleDestination)
	var existing string
	for doc, err := range e.Inventory(t.Context(), []sdk.Resource{{Type: "a", ID: "x"}}) {
		if err != nil {
			t.Fatal(err)
		}
		existing = doc.Location
	}
	writes := []sdk.WriteItem{
		{Seq: 1, Resource: sdk.Resource{Type: "a", ID: "x", JSON: []byte(`{"id":"x","keep":1,"ts":"mine"}`)}, ExistingLocation: existing},
		{Seq: 2, Resource: sdk.Resource{Type: "a", ID: "y", JSON: []byte(`{"id":"y","new":true}`)}},
	}
	results := map[int64]sdk.WriteStatus{}
	_, err := e.Write(t.Context(), func(yield func(sdk.WriteItem) bool) {
		for _, w := range writes {
			if !yield(w) {
				return
			}
		}
	}, func(r sdk.WriteResult) {
		mu.Lock()
		results[r.Seq] = r.Status
		mu.Unlock()
		if r.Err != nil {
			t.Errorf("item %d: %v", r.Seq, r.Err)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if results[1] != sdk.Written || results[2] != sdk.Written {
		t.Errorf("results %v", results)
	}
	want := []string{
		`GET /a `,
		`PATCH /a/x {"gone":null,"id":"x","keep":1}`,
		`POST /a {"id":"y","new":true}`,
		`GET /a/y `,
		`PATCH /a/y {"id":"y","new":true,"old":null}`,
	}
	mu.Lock()
	defer mu.Unlock()
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || g == w
		}
		if !found {
			t.Errorf("no request %q among %q", w, got)
		}
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "s.yaml")
	os.WriteFile(path, []byte(`base_url: http://h
collections:
  devices: {list: /d, item: '/rest/devices/{id}', id: deviceID}
  folders:
    list: /f
    item: /rest/folders/{id}
    references:
      - devices[].deviceID -> devices
      - parent -> folders
`), 0o644)
	s := NewSchema()
	opts := map[string]string{OptionFile: path, OptionBase: "https://api.example/v1/"}
	c, err := s.ClassifyWithOptions(sdk.Value{TypeHint: "folders", Source: "folders/f 1.yaml",
		JSON: []byte(`{"devices":[{"deviceID":"D1"},{"deviceID":"D 2"},{"deviceID":""},{"deviceID":"D1"}],"id":"f 1","parent":null}`)},
		sdk.FollowPage, opts)
	if err != nil {
		t.Fatal(err)
	}
	r := c.Resources[0]
	want := []string{"https://api.example/v1/rest/devices/D1", "https://api.example/v1/rest/devices/D%202"}
	if r.ID != "f 1" || r.Type != "folders" || r.URI != "https://api.example/v1/rest/folders/f%201" || !cmp.Equal(r.Parents, want) {
		t.Errorf("classified %+v", r)
	}
	c, err = s.ClassifyWithOptions(sdk.Value{TypeHint: "devices", JSON: []byte(`{"deviceID":12345678901234567890}`)}, sdk.FollowPage, opts)
	if err != nil || c.Resources[0].ID != "12345678901234567890" {
		t.Errorf("a number id: %+v, %v", c, err)
	}
	for hint, want := range map[string]string{"": "cannot tell which collection", "users": "has no collection users (it has devices, folders)"} {
		_, err := s.ClassifyWithOptions(sdk.Value{TypeHint: hint, Source: "x.yaml", Line: 3, JSON: []byte(`{"id":"1"}`)}, sdk.FollowPage, opts)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "x.yaml:3: ") {
			t.Errorf("type hint %q: %v, want %q", hint, err, want)
		}
	}
	if _, err := s.Classify(sdk.Value{TypeHint: "devices", JSON: []byte(`{}`)}, sdk.FollowPage); err == nil || !strings.Contains(err.Error(), "adapter:FILE") {
		t.Errorf("without options: %v", err)
	}
}

// TestExtendInventory lists an inventory in two parts: the second lists
// only the collections the first did not; a new inventory starts over.
func TestExtendInventory(t *testing.T) {
	var mu sync.Mutex
	gets := map[string]int{}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		gets[r.URL.Path]++
		mu.Unlock()
		fmt.Fprint(w, `[]`)
	}))
	t.Cleanup(ts.Close)
	e := openAdapter(t, ts.URL, "collections:\n  a: {list: /a, item: '/a/{id}'}\n  b: {list: /b, item: '/b/{id}'}\n", sdk.RoleDestination)
	drain := func(docs iter.Seq2[sdk.Document, error]) {
		for _, err := range docs {
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	count := func() (int, int) {
		mu.Lock()
		defer mu.Unlock()
		return gets["/a"], gets["/b"]
	}
	drain(e.Inventory(t.Context(), []sdk.Resource{{Type: "a", ID: "x"}}))
	drain(e.ExtendInventory(t.Context(), []sdk.Resource{{Type: "a", ID: "y"}, {Type: "b", ID: "z"}}))
	if a, b := count(); a != 1 || b != 1 {
		t.Errorf("two parts listed /a %d and /b %d times, want once each", a, b)
	}
	drain(e.Inventory(t.Context(), []sdk.Resource{{Type: "a", ID: "x"}}))
	if a, _ := count(); a != 2 {
		t.Errorf("a new inventory must list /a again: %d lists in all", a)
	}
}
