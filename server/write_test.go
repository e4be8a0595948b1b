package server_test

import (
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/resource-sync/resource-sync/server"
)

// files lists every file below dir, hidden ones included, as slash paths.
func files(t testing.TB, dir string) []string {
	t.Helper()
	var list []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			list = append(list, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(list)
	return list
}

func TestPutCreatesAndReplaces(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"order/o1.compact": `{"id":"o1","n":1,"_links":{"self":{"href":"http://localhost/api/v1/order/o1"}}}`,
	})
	_, ts := serve(t, server.Options{Dir: dir})

	body := `{"total": 9007199254740993, "id": "o2", "note": "Zoë \"q\" <&>"}`
	resp := do(t, "PUT", ts.URL+"/api/v1/order/o2", body)
	if resp.status != http.StatusCreated {
		t.Fatalf("PUT new: %d %s", resp.status, resp.body)
	}
	if got := resp.header.Get("Location"); got != ts.URL+"/api/v1/order/o2" {
		t.Errorf("Location = %q", got)
	}
	if got := href(t, resp.object(t), "self"); got != ts.URL+"/api/v1/order/o2" {
		t.Errorf("self in response = %q", got)
	}
	// New files take WriteExt; the self href is stored path-only.
	wantFile := `{
  "_links": {
    "self": {
      "href": "/api/v1/order/o2"
    }
  },
  "id": "o2",
  "note": "Zoë \"q\" <&>",
  "total": 9007199254740993
}
`
	if got := readFile(t, dir, "order/o2.json"); got != wantFile {
		t.Errorf("order/o2.json =\n%s\nwant\n%s", got, wantFile)
	}

	// Replacing keeps the file and its format.
	resp = do(t, "PUT", ts.URL+"/api/v1/order/o1", `{"id": "o1", "n": 2}`)
	if resp.status != http.StatusOK {
		t.Fatalf("PUT existing: %d %s", resp.status, resp.body)
	}
	if got, want := readFile(t, dir, "order/o1.compact"), `{"_links":{"self":{"href":"/api/v1/order/o1"}},"id":"o1","n":2}`+"\n"; got != want {
		t.Errorf("order/o1.compact = %q, want %q", got, want)
	}
	if got, want := files(t, dir), []string{"order/o1.compact", "order/o2.json"}; !reflect.DeepEqual(got, want) {
		t.Errorf("files = %v, want %v (no temporary files left)", got, want)
	}

	// What was written loads again and serves the same.
	before := do(t, "GET", ts.URL+"/api/v1/order/o2", "").body
	_, ts2 := serve(t, server.Options{Dir: dir})
	after := do(t, "GET", ts2.URL+"/api/v1/order/o2", "").body
	if want := strings.ReplaceAll(string(before), ts.URL, ts2.URL); string(after) != want {
		t.Errorf("after reload GET = %s\nwant %s", after, want)
	}
	if !strings.Contains(string(after), `"total":9007199254740993`) {
		t.Errorf("big integer lost: %s", after)
	}
}

func TestPutSelfHref(t *testing.T) {
	dir := t.TempDir()
	_, ts := serve(t, server.Options{Dir: dir})

	// A self href naming the same path keeps its host in the file.
	do(t, "PUT", ts.URL+"/api/v1/order/o1", `{"id": "o1", "_links": {"self": {"href": "http://origin:8/api/v1/order/o1"}}}`)
	if got := readFile(t, dir, "order/o1.json"); !strings.Contains(got, `"href": "http://origin:8/api/v1/order/o1"`) {
		t.Errorf("same-path self href not kept:\n%s", got)
	}
	// One naming another path is replaced: the resource lives where it was PUT.
	resp := do(t, "PUT", ts.URL+"/api/v1/order/o2", `{"id": "o2", "_links": {"self": {"href": "http://origin:8/prefix/api/v1/order/o2", "title": "two"}}}`)
	if resp.status != http.StatusCreated {
		t.Fatalf("PUT: %d %s", resp.status, resp.body)
	}
	if got := readFile(t, dir, "order/o2.json"); !strings.Contains(got, `"href": "/api/v1/order/o2"`) || !strings.Contains(got, `"title": "two"`) {
		t.Errorf("other-path self href not replaced by the path:\n%s", got)
	}
	if got := href(t, do(t, "GET", ts.URL+"/api/v1/order/o2", "").object(t), "self"); got != ts.URL+"/api/v1/order/o2" {
		t.Errorf("served self = %q", got)
	}
}

func TestPutRefusesMismatchedBody(t *testing.T) {
	dir := t.TempDir()
	_, ts := serve(t, server.Options{Dir: dir})
	for _, tt := range []struct{ body, want string }{
		{`{"id": "o2"}`, `"o2"`},
		{`{"id": true}`, "id must be a string or a number"},
		{`{"id": "o1", "_links": []}`, "_links must be an object"},
		{`{"id": "o1", "_links": {"self": [{"href": "/api/order/o1"}]}}`, "_links.self"},
	} {
		resp := do(t, "PUT", ts.URL+"/api/order/o1", tt.body)
		if resp.status != http.StatusBadRequest {
			t.Errorf("PUT %s: %d, want 400", tt.body, resp.status)
			continue
		}
		if msg := resp.errorMessage(t); !strings.Contains(msg, tt.want) {
			t.Errorf("PUT %s: error %q does not mention %s", tt.body, msg, tt.want)
		}
	}
	if got := files(t, dir); len(got) != 0 {
		t.Errorf("refused PUTs wrote %v", got)
	}
}

func TestPutNumericID(t *testing.T) {
	dir := t.TempDir()
	_, ts := serve(t, server.Options{Dir: dir})
	if resp := do(t, "PUT", ts.URL+"/api/order/42", `{"id": 42}`); resp.status != http.StatusCreated {
		t.Fatalf("PUT: %d %s", resp.status, resp.body)
	}
	readFile(t, dir, "order/42.json")
}

func TestIdenticalPutLeavesTheFileAlone(t *testing.T) {
	dir := t.TempDir()
	_, ts := serve(t, server.Options{Dir: dir})
	url := ts.URL + "/api/order/o1"
	if resp := do(t, "PUT", url, `{"id": "o1", "n": 1, "s": "x"}`); resp.status != http.StatusCreated {
		t.Fatalf("PUT: %d %s", resp.status, resp.body)
	}
	file := filepath.Join(dir, "order", "o1.json")
	old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	if err := os.Chtimes(file, old, old); err != nil {
		t.Fatal(err)
	}
	mtime := func() time.Time {
		info, err := os.Stat(file)
		if err != nil {
			t.Fatal(err)
		}
		return info.ModTime()
	}

	// Same value, other key order and spacing: the same bytes.
	resp := do(t, "PUT", url, `{ "s":"x","n":1 ,"id":"o1"}`)
	if resp.status != http.StatusOK {
		t.Fatalf("identical PUT: %d %s", resp.status, resp.body)
	}
	if !mtime().Equal(old) {
		t.Errorf("identical PUT rewrote the file (mtime %v)", mtime())
	}

	if resp := do(t, "PUT", url, `{"id": "o1", "n": 2, "s": "x"}`); resp.status != http.StatusOK {
		t.Fatalf("changed PUT: %d %s", resp.status, resp.body)
	}
	if mtime().Equal(old) {
		t.Error("changed PUT did not rewrite the file")
	}
}

func TestDelete(t *testing.T) {
	dir := widgets(t, 2)
	_, ts := serve(t, server.Options{Dir: dir})

	if resp := do(t, "DELETE", ts.URL+"/api/widget/w00", ""); resp.status != http.StatusNoContent {
		t.Fatalf("DELETE: %d %s", resp.status, resp.body)
	}
	if _, err := os.Stat(filepath.Join(dir, "widget", "w00.json")); !os.IsNotExist(err) {
		t.Errorf("file still there: %v", err)
	}
	if resp := do(t, "GET", ts.URL+"/api/widget/w00", ""); resp.status != http.StatusNotFound {
		t.Errorf("GET deleted: %d", resp.status)
	}
	resp := do(t, "DELETE", ts.URL+"/api/widget/w00", "")
	if resp.status != http.StatusNotFound {
		t.Errorf("DELETE again: %d, want 404", resp.status)
	} else if msg := resp.errorMessage(t); !strings.Contains(msg, "/api/widget/w00") {
		t.Errorf("error %q does not name the path", msg)
	}
	if got := do(t, "GET", ts.URL+"/api/widget", "").object(t)["count"]; got != 1.0 {
		t.Errorf("count after delete = %v", got)
	}

	// The last delete empties the collection: it leaves discovery.
	do(t, "DELETE", ts.URL+"/api/widget/w01", "")
	if got := do(t, "GET", ts.URL+"/api/", "").object(t)["_links"].(map[string]any)["search"]; len(got.([]any)) != 0 {
		t.Errorf("search after deleting everything = %v", got)
	}
	if resp := do(t, "GET", ts.URL+"/api/widget", ""); resp.status != http.StatusNotFound {
		t.Errorf("GET emptied collection: %d", resp.status)
	}
	if resp := do(t, "PUT", ts.URL+"/api/widget/w00", `{"id": "w00"}`); resp.status != http.StatusCreated {
		t.Errorf("PUT after delete: %d", resp.status)
	}
}

func TestPatchBatch(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"order/o1.json": `{"id": "o1", "n": 1, "_links": {"self": {"href": "http://localhost/api/v1/order/o1"}}}`,
	})
	_, ts := serve(t, server.Options{Dir: dir})
	coll := ts.URL + "/api/v1/order"

	batch := `{"items": [
		{"id": "o1", "n": 2, "_links": {"self": {"href": "http://localhost/api/v1/order/o1"}}},
		{"id": "o2", "_links": {"parent:customer": {"href": "http://localhost/api/v1/customer/c1"}}},
		{"id": 3}
	]}`
	resp := do(t, "PATCH", coll, batch)
	if resp.status != http.StatusOK {
		t.Fatalf("PATCH: %d %s", resp.status, resp.body)
	}
	want := map[string]any{"count": 3.0, "created": 2.0, "replaced": 1.0, "unchanged": 0.0}
	if got := resp.object(t); !reflect.DeepEqual(got, want) {
		t.Errorf("summary = %v, want %v", got, want)
	}
	if got, want := files(t, dir), []string{"order/3.json", "order/o1.json", "order/o2.json"}; !reflect.DeepEqual(got, want) {
		t.Errorf("files = %v, want %v", got, want)
	}
	o2 := do(t, "GET", coll+"/o2", "").object(t)
	if got := href(t, o2, "parent:customer"); got != ts.URL+"/api/v1/customer/c1" {
		t.Errorf("o2 parent = %q", got)
	}

	resp = do(t, "PATCH", coll, batch)
	want = map[string]any{"count": 3.0, "created": 0.0, "replaced": 0.0, "unchanged": 3.0}
	if got := resp.object(t); !reflect.DeepEqual(got, want) {
		t.Errorf("second summary = %v, want %v", got, want)
	}
}

func TestPatchRefusedBatchWritesNothing(t *testing.T) {
	dir := t.TempDir()
	_, ts := serve(t, server.Options{Dir: dir})
	for _, tt := range []struct{ body, want string }{
		{`{"items": [{"id": "o1"}, {"name": "no id"}]}`, "items[1]: no id"},
		{`{"items": [{"id": "o1"}, {"id": "../evil"}]}`, "items[1]"},
		{`{"items": [{"id": "o1"}, "text"]}`, "items[1]: not an object"},
		{`{"things": []}`, `{"items": [...]}`},
	} {
		resp := do(t, "PATCH", ts.URL+"/api/order", tt.body)
		if resp.status != http.StatusBadRequest {
			t.Errorf("PATCH %s: %d, want 400", tt.body, resp.status)
			continue
		}
		if msg := resp.errorMessage(t); !strings.Contains(msg, tt.want) {
			t.Errorf("PATCH %s: error %q does not contain %q", tt.body, msg, tt.want)
		}
	}
	if got := files(t, dir); len(got) != 0 {
		t.Errorf("refused batches wrote %v", got)
	}
}

func TestTwoPathsCannotShareAFile(t *testing.T) {
	dir := t.TempDir()
	_, ts := serve(t, server.Options{Dir: dir})
	if resp := do(t, "PUT", ts.URL+"/api/v1/thing/t1", `{"id": "t1", "v": 1}`); resp.status != http.StatusCreated {
		t.Fatalf("first PUT: %d %s", resp.status, resp.body)
	}
	resp := do(t, "PUT", ts.URL+"/api/v2/thing/t1", `{"id": "t1", "v": 2}`)
	if resp.status != http.StatusConflict {
		t.Fatalf("second PUT: %d, want 409", resp.status)
	}
	if msg := resp.errorMessage(t); !strings.Contains(msg, "thing/t1.json") || !strings.Contains(msg, "/api/v1/thing/t1") {
		t.Errorf("error %q should name the file and its resource", msg)
	}
	if got := readFile(t, dir, "thing/t1.json"); !strings.Contains(got, `"v": 1`) {
		t.Errorf("first resource overwritten:\n%s", got)
	}
}

func TestConcurrentWrites(t *testing.T) {
	dir := t.TempDir()
	s, ts := serve(t, server.Options{Dir: dir})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for j := range 40 {
				id := fmt.Sprintf("t%02d", (g*7+j)%24)
				url := ts.URL + "/api/thing/" + id
				switch j % 5 {
				case 3:
					do(t, "DELETE", url, "")
				case 4:
					do(t, "GET", ts.URL+"/api/thing?limit=50", "")
				default:
					resp := do(t, "PUT", url, fmt.Sprintf(`{"id": %q, "writer": %d, "j": %d}`, id, g, j))
					if resp.status != http.StatusOK && resp.status != http.StatusCreated {
						t.Errorf("PUT %s: %d %s", id, resp.status, resp.body)
					}
				}
			}
		})
	}
	wg.Wait()

	// Memory and disk agree: a fresh server over the files serves the same.
	s2, ts2 := serve(t, server.Options{Dir: dir})
	if s.Len() != s2.Len() || s.Len() == 0 {
		t.Fatalf("%d resources in memory, %d on disk", s.Len(), s2.Len())
	}
	a := do(t, "GET", ts.URL+"/api/thing?limit=50", "").body
	b := do(t, "GET", ts2.URL+"/api/thing?limit=50", "").body
	if strings.ReplaceAll(string(a), ts.URL, "") != strings.ReplaceAll(string(b), ts2.URL, "") {
		t.Errorf("memory and disk differ:\n%s\n%s", a, b)
	}
}

// Ids up to the server's limit of 250 bytes are written; the temporary
// file's name must not push them past the file system's 255.
func TestPutLongestIDs(t *testing.T) {
	dir := t.TempDir()
	_, ts := serve(t, server.Options{Dir: dir})
	for n := 235; n <= 250; n++ {
		id := strings.Repeat("x", n)
		resp := do(t, "PUT", ts.URL+"/api/v1/order/"+id, fmt.Sprintf(`{"id": %q}`, id))
		if resp.status != http.StatusCreated {
			t.Errorf("PUT an id of %d bytes: %d %s", n, resp.status, resp.body)
		}
	}
	if got := len(files(t, dir)); got != 16 {
		t.Errorf("%d files written, want 16", got)
	}
}
