package http

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/resource-sync/resource-sync/sdk"
)

// okServer answers 204 to everything and records it.
func okServer(t *testing.T) (string, *recorder) {
	srv, rec := newServer(t, func(w http.ResponseWriter, r *http.Request, _ recorded) {
		w.WriteHeader(http.StatusNoContent)
	})
	return srv.URL, rec
}

func TestPutTargets(t *testing.T) {
	base, rec := okServer(t)
	for _, tc := range []struct {
		dest string
		item sdk.WriteItem
		path string
	}{
		{base, jsonItem(1, "order", "o1", "http://origin.example/api/order/o1", `{"id":"o1"}`), "/api/order/o1"},
		{base + "/prefix", jsonItem(2, "order", "o1", "http://origin.example/api/order/o1", `{"id":"o1"}`), "/prefix/api/order/o1"},
		{base + "/prefix/", jsonItem(3, "order", "o1", "http://origin.example/prefix/order/o1", `{"id":"o1"}`), "/prefix/order/o1"},
		{base + "/prefix", jsonItem(4, "order line", "a/b", "", `{"id":"a/b"}`), "/prefix/order%20line/a%2Fb"},
	} {
		e := openTest(t, tc.dest)
		if r := writeAll(t, e.Endpoint, tc.item)[tc.item.Seq]; r.Status != sdk.Written || r.Err != nil {
			t.Fatalf("%s: %+v", tc.path, r)
		}
		reqs := rec.all()
		got := reqs[len(reqs)-1]
		if got.Method != http.MethodPut || got.Path != tc.path || got.Body != string(tc.item.Content) || got.Header.Get("Content-Type") != "application/json" {
			t.Errorf("request %s %s %q %q, want PUT %s", got.Method, got.Path, got.Body, got.Header.Get("Content-Type"), tc.path)
		}
	}
}

func TestPutBodyLinks(t *testing.T) {
	base, rec := okServer(t)
	hal := `{"_embedded":{"items":[]},"_links":{"self":{"href":"http://o/api/order/o1"}},"big":12345678901234567890123,"id":"o1","sci":1e20}`
	yaml := "---\n_links:\n  self:\n    href: http://o/api/order/o1\nid: o1\n"
	withoutContent := jsonItem(1, "order", "o1", "http://o/api/order/o1", hal)
	withoutContent.Content = nil // as the host sends it once Open answered json_bodies
	for _, tc := range []struct {
		name       string
		schema     string
		opts       []string
		item       sdk.WriteItem
		want       string
		jsonBodies bool // recommended
	}{
		{"stripped", "hal", nil, jsonItem(1, "order", "o1", "http://o/api/order/o1", hal),
			`{"big":12345678901234567890123,"id":"o1","sci":1e20}`, true},
		{"stripped, without content", "hal", nil, withoutContent, `{"big":12345678901234567890123,"id":"o1","sci":1e20}`, true},
		{"keep-links", "hal", []string{"keep-links", "true"}, jsonItem(1, "order", "o1", "http://o/api/order/o1", hal), hal, false},
		{"simple schema", "simple", nil, jsonItem(1, "order", "o1", "http://o/api/order/o1", hal), hal, false},
		{"not JSON", "hal", nil, sdk.WriteItem{Seq: 1, Resource: sdk.Resource{Type: "order", ID: "o1", URI: "http://o/api/order/o1", JSON: []byte(hal)},
			Content: []byte(yaml), MediaType: "application/yaml"}, yaml, true},
	} {
		logs := &logBuffer{}
		log := hclog.New(&hclog.LoggerOptions{Output: logs, Level: hclog.Debug})
		e, err := open(sdk.OpenRequest{Location: base, Formats: testFormats, Schema: tc.schema, Options: optionMap(tc.opts)}, log)
		if err != nil {
			t.Fatal(err)
		}
		if got := e.Recommend().JSONBodies; got != tc.jsonBodies {
			t.Errorf("%s: recommends JSONBodies %v", tc.name, got)
		}
		writeAll(t, e, tc.item)
		reqs := rec.all()
		got := reqs[len(reqs)-1]
		if got.Body != tc.want {
			t.Errorf("%s: sent %s\nwant %s", tc.name, got.Body, tc.want)
		}
		if got.Header.Get("Content-Type") != tc.item.MediaType {
			t.Errorf("%s: Content-Type %q", tc.name, got.Header.Get("Content-Type"))
		}
		if logged := strings.Contains(logs.String(), "HAL links are kept"); logged != (tc.name == "not JSON") {
			t.Errorf("%s: debug line about kept links logged: %v", tc.name, logged)
		}
	}
}

func optionMap(kv []string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// TestWriteReportsWhilePulling stands in for the host: it yields a child
// only after its parent is reported, so a Write that pulled everything
// before reporting would never finish.
func TestWriteReportsWhilePulling(t *testing.T) {
	base, _ := okServer(t)
	e := openTest(t, base, "concurrency", "4")
	reported := make(chan int64, 10)
	items := func(yield func(sdk.WriteItem) bool) {
		for i := int64(1); i <= 5; i++ {
			if !yield(jsonItem(i, "node", fmt.Sprint(i), fmt.Sprintf("http://o/node/%d", i), `{}`)) {
				return
			}
			select {
			case got := <-reported:
				if got != i {
					t.Errorf("reported %d, want %d", got, i)
				}
			case <-time.After(5 * time.Second):
				t.Errorf("item %d was not reported while Write was still pulling", i)
				return
			}
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.Write(context.Background(), items, func(r sdk.WriteResult) {
			if r.Status != sdk.Written {
				t.Errorf("%+v", r)
			}
			reported <- r.Seq
		})
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Write did not finish")
	}
}

func TestWriteConcurrentAndFailuresIsolated(t *testing.T) {
	var inFlight, peak atomic.Int32
	srv, rec := newServer(t, func(w http.ResponseWriter, r *http.Request, _ recorded) {
		now := inFlight.Add(1)
		defer inFlight.Add(-1)
		for old := peak.Load(); now > old && !peak.CompareAndSwap(old, now); old = peak.Load() {
		}
		time.Sleep(20 * time.Millisecond)
		if strings.HasSuffix(r.URL.Path, "/7") {
			w.WriteHeader(http.StatusUnprocessableEntity)
			fmt.Fprint(w, `{"error":"name must not be empty"}`)
			return
		}
		w.WriteHeader(http.StatusCreated)
	})
	e := openTest(t, srv.URL, "concurrency", "3")
	var items []sdk.WriteItem
	for i := range 20 {
		items = append(items, jsonItem(int64(i), "thing", fmt.Sprint(i), fmt.Sprintf("http://o/api/thing/%d", i), `{}`))
	}
	res := writeAll(t, e.Endpoint, items...)
	for seq, r := range res {
		if seq == 7 {
			var se *sdk.Error
			if r.Status != sdk.Failed || !errors.As(r.Err, &se) || se.Source != srv.URL+"/api/thing/7" {
				t.Errorf("item 7: %+v", r)
				continue
			}
			mustContain(t, "error", r.Err.Error(), "PUT", "422 Unprocessable Entity", "name must not be empty")
		} else if r.Status != sdk.Written {
			t.Errorf("item %d: %+v", seq, r)
		}
	}
	if p := peak.Load(); p < 2 || p > 3 {
		t.Errorf("peak writes in flight %d, want 2..3", p)
	}
	if n := rec.count(http.MethodPut, "/api/thing/7"); n != 1 {
		t.Errorf("422 sent %d times", n)
	}
}

// batchServer accepts PATCH batches when allowPatch, and records every
// item it stores with the request that carried it.
type batchServer struct {
	url    string
	rec    *recorder
	mu     sync.Mutex
	stored map[string][]string // path -> methods that stored it
}

func newBatchServer(t *testing.T, allowPatch bool, token string) *batchServer {
	s := &batchServer{stored: map[string][]string{}}
	srv, rec := newServer(t, func(w http.ResponseWriter, r *http.Request, got recorded) {
		if token != "" && r.Header.Get("Authorization") != "Bearer "+token {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		switch r.Method {
		case http.MethodOptions:
			if allowPatch {
				w.Header().Set("Allow", "GET, PUT, Patch, OPTIONS")
			} else {
				w.Header().Set("Allow", "GET, PUT, OPTIONS")
			}
		case http.MethodPatch:
			var body struct{ Items []map[string]any }
			if err := json.Unmarshal([]byte(got.Body), &body); err != nil || r.Header.Get("Content-Type") != "application/json" {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			for _, it := range body.Items {
				p := r.URL.Path + "/" + it["id"].(string)
				s.stored[p] = append(s.stored[p], "PATCH")
			}
		case http.MethodPut:
			s.stored[r.URL.Path] = append(s.stored[r.URL.Path], "PUT")
		}
		w.WriteHeader(http.StatusOK)
	})
	s.url, s.rec = srv.URL, rec
	return s
}

// batchItems are 5 orders, 2 order lines under /orderline (a collection
// sharing the character prefix "/api/order"), then 4 more orders, one of
// them in another collection.
func batchItems() []sdk.WriteItem {
	var items []sdk.WriteItem
	add := func(typ, id string) {
		items = append(items, jsonItem(int64(len(items)), typ, id, "http://o/api/"+typ+"/"+id, fmt.Sprintf(`{"id":%q}`, id)))
	}
	for i := range 5 {
		add("order", fmt.Sprint("o", i))
	}
	add("orderline", "l1")
	add("orderline", "l2")
	add("order", "o5")
	// Same type, another collection: never in a batch with its neighbours.
	items = append(items, jsonItem(int64(len(items)), "order", "o8", "http://o/api/v2/order/o8", `{"id":"o8"}`))
	add("order", "o6")
	add("order", "o7")
	return items
}

// batchPaths is where batchItems must end up.
var batchPaths = []string{
	"/api/order/o0", "/api/order/o1", "/api/order/o2", "/api/order/o3", "/api/order/o4",
	"/api/order/o5", "/api/order/o6", "/api/order/o7", "/api/orderline/l1", "/api/orderline/l2",
	"/api/v2/order/o8",
}

// storedPaths lists the paths s stored, sorted.
func (s *batchServer) storedPaths() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var paths []string
	for p := range s.stored {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	return paths
}

func TestBatchPatch(t *testing.T) {
	s := newBatchServer(t, true, "tok")
	e := openTest(t, s.url, "batch-size", "3", "concurrency", "2", "token", "tok")
	res := writeAll(t, e.Endpoint, batchItems()...)
	for _, r := range res {
		if r.Status != sdk.Written {
			t.Errorf("%+v", r)
		}
	}
	if got := s.storedPaths(); !reflect.DeepEqual(got, batchPaths) {
		t.Errorf("stored %v\nwant   %v", got, batchPaths)
	}
	for p, methods := range s.stored {
		if len(methods) != 1 {
			t.Errorf("%s stored by %v", p, methods)
		}
	}
	var patches []string
	for _, r := range s.rec.all() {
		switch r.Method {
		case http.MethodPatch:
			var body struct{ Items []json.RawMessage }
			json.Unmarshal([]byte(r.Body), &body)
			if len(body.Items) > 3 {
				t.Errorf("batch of %d over batch-size 3", len(body.Items))
			}
			if len(body.Items) < 2 {
				t.Errorf("a batch of %d was sent as PATCH", len(body.Items))
			}
			patches = append(patches, r.Path)
		case http.MethodPut:
		case http.MethodOptions:
		default:
			t.Errorf("unexpected %s %s", r.Method, r.Path)
		}
	}
	if len(patches) == 0 || !slices.Contains(patches, "/api/order") {
		t.Errorf("no PATCH on /api/order: %v", patches)
	}
	for _, p := range patches {
		if p != "/api/order" && p != "/api/orderline" && p != "/api/v2/order" {
			t.Errorf("PATCH on %s", p)
		}
	}
	for _, coll := range []string{"/api/order", "/api/orderline"} {
		if n := s.rec.count(http.MethodOptions, coll); n > 1 {
			t.Errorf("OPTIONS %s sent %d times; it is cached", coll, n)
		}
	}
	if s.rec.count(http.MethodOptions, "/api/order") != 1 {
		t.Error("no OPTIONS before the first batch")
	}
}

func TestBatchWithoutPatchFallsBackToPut(t *testing.T) {
	s := newBatchServer(t, false, "")
	e := openTest(t, s.url, "batch-size", "4", "concurrency", "1")
	res := writeAll(t, e.Endpoint, batchItems()...)
	for _, r := range res {
		if r.Status != sdk.Written {
			t.Errorf("%+v", r)
		}
	}
	for p, methods := range s.stored {
		if !reflect.DeepEqual(methods, []string{"PUT"}) {
			t.Errorf("%s stored by %v", p, methods)
		}
	}
	if got := s.storedPaths(); !reflect.DeepEqual(got, batchPaths) {
		t.Errorf("stored %v\nwant   %v", got, batchPaths)
	}
	if n := s.rec.count(http.MethodOptions, "/api/order"); n != 1 {
		t.Errorf("OPTIONS /api/order sent %d times", n)
	}
}

func TestCreateWithPost(t *testing.T) {
	for _, status := range []int{http.StatusNotFound, http.StatusMethodNotAllowed} {
		srv, rec := newServer(t, func(w http.ResponseWriter, r *http.Request, got recorded) {
			switch {
			case r.Method == http.MethodPut:
				w.WriteHeader(status)
			case r.Method == http.MethodPost && r.URL.Path == "/posts" && got.Body == `{"id":1}`:
				w.WriteHeader(http.StatusCreated)
			case r.Method == http.MethodPost:
				w.WriteHeader(http.StatusInternalServerError)
				fmt.Fprint(w, "insert failed")
			}
		})
		item := jsonItem(1, "posts", "1", "http://o/posts/1", `{"id":1}`)
		bad := jsonItem(2, "posts", "2", "http://o/posts/2", `{"id":2}`)

		e := openTest(t, srv.URL, "create-with-post", "true")
		res := writeAll(t, e.Endpoint, item, bad)
		if res[1].Status != sdk.Written {
			t.Errorf("PUT %d then POST: %+v", status, res[1])
		}
		if res[2].Status != sdk.Failed {
			t.Fatalf("failed POST: %+v", res[2])
		}
		mustContain(t, "error", res[2].Err.Error(), srv.URL+"/posts/2", fmt.Sprint(status), "POST "+srv.URL+"/posts", "500", "insert failed")
		if n := rec.count(http.MethodPost, "/posts"); n != 2 {
			t.Errorf("%d POSTs: a failed POST is never retried", n)
		}

		e = openTest(t, srv.URL)
		if r := writeAll(t, e.Endpoint, item)[1]; r.Status != sdk.Failed || !strings.Contains(r.Err.Error(), fmt.Sprint(status)) {
			t.Errorf("without create-with-post: %+v", r)
		}
	}
}

func TestUnchangedItemIsNotSent(t *testing.T) {
	base, rec := okServer(t)
	e := openTest(t, base)
	item := jsonItem(1, "order", "o1", "http://o/api/order/o1", `{}`)
	item.Unchanged, item.ExistingLocation = true, base+"/api/order/o1"
	if r := writeAll(t, e.Endpoint, item)[1]; r.Status != sdk.Unchanged {
		t.Errorf("%+v", r)
	}
	if n := len(rec.all()); n != 0 {
		t.Errorf("%d requests for an unchanged item", n)
	}
}

func TestDelete(t *testing.T) {
	srv, rec := newServer(t, func(w http.ResponseWriter, r *http.Request, _ recorded) {
		switch r.URL.Path {
		case "/pre/api/order/gone":
			http.NotFound(w, r)
		case "/pre/api/order/locked":
			w.WriteHeader(http.StatusConflict)
			fmt.Fprint(w, "order is locked")
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	})
	e := openTest(t, srv.URL+"/pre")
	err := e.Delete(context.Background(), []sdk.Resource{
		{URI: "http://o/api/order/o1"}, {URI: "http://o/api/order/gone"}, {Type: "order", ID: "o2"}, {URI: "http://o/api/order/locked"},
	})
	if err == nil {
		t.Fatal("no error for the 409")
	}
	mustContain(t, "error", err.Error(), srv.URL+"/pre/api/order/locked", "DELETE", "409", "order is locked")
	if strings.Contains(err.Error(), "gone") {
		t.Errorf("404 reported as an error: %v", err)
	}
	var paths []string
	for _, r := range rec.all() {
		if r.Method != http.MethodDelete {
			t.Errorf("%s %s", r.Method, r.Path)
		}
		paths = append(paths, r.Path)
	}
	sort.Strings(paths)
	if want := []string{"/pre/api/order/gone", "/pre/api/order/locked", "/pre/api/order/o1", "/pre/order/o2"}; !reflect.DeepEqual(paths, want) {
		t.Errorf("deleted %v, want %v", paths, want)
	}
}
