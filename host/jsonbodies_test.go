package host_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/resource-sync/resource-sync/host"
	jsonformat "github.com/resource-sync/resource-sync/plugins/json"
	"github.com/resource-sync/resource-sync/sdk"
	"github.com/resource-sync/resource-sync/server"
)

// writeCompanies writes companies, their departments and their
// employees as HAL files, children linking their parents.
func writeCompanies(t *testing.T, dir string, companies, departments, employees int) {
	t.Helper()
	for c := range companies {
		writeFile(t, filepath.Join(dir, "company", fmt.Sprintf("c%d.json", c)),
			fmt.Sprintf(`{"id":"c%d","name":"Company %d","_links":{"self":{"href":"http://x/api/company/c%d"}}}`, c, c, c))
		for d := range departments {
			dep := fmt.Sprintf("c%d-d%d", c, d)
			writeFile(t, filepath.Join(dir, "department", dep+".json"),
				fmt.Sprintf(`{"id":%q,"_links":{"self":{"href":"http://x/api/department/%s"},"parent:company":{"href":"http://x/api/company/c%d"}}}`, dep, dep, c))
			for e := range employees {
				emp := fmt.Sprintf("%s-e%d", dep, e)
				writeFile(t, filepath.Join(dir, "employee", emp+".json"),
					fmt.Sprintf(`{"id":%q,"name":"Zoë \"%d\"","_links":{"self":{"href":"http://x/api/employee/%s"},"parent:department":{"href":"http://x/api/department/%s"}}}`, emp, e, emp, dep))
			}
		}
	}
}

// serveAPI starts resource-sync's own server over loopback, storing JSON
// files in a new directory.
func serveAPI(t *testing.T) (url, dir string) {
	t.Helper()
	dir = t.TempDir()
	return serveTree(t, dir), dir
}

// serveTree serves the JSON files below dir with resource-sync's own
// server over loopback.
func serveTree(t *testing.T, dir string) (url string) {
	t.Helper()
	s, err := server.New(server.Options{Dir: dir, Formats: map[string]sdk.Formatter{".json": jsonformat.Formatter{}}, WriteExt: ".json"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return ts.URL
}

// TestJSONBodiesAreNotEncoded pushes with a formatter that refuses every
// encode: under HAL the http endpoint builds each body from the
// resource's JSON (json_bodies), so nothing is encoded and the push
// succeeds; with keep-links it sends the encoded content, and the
// refusal stops the sync before anything is written.
func TestJSONBodiesAreNotEncoded(t *testing.T) {
	src := t.TempDir()
	writeCompanies(t, src, 1, 2, 3) // 9 resources
	h := newHost(t)

	url, _ := serveAPI(t)
	sum, err := h.Sync(context.Background(), host.SyncOptions{Origins: []host.Location{host.At(src)},
		Destination: host.At(url + "/"), Format: "refusejson", Schema: "hal"})
	if err != nil || sum.Created != 9 {
		t.Fatalf("push: %+v, %v; want 9 created", sum, err)
	}
	resp, err := http.Get(url + "/api/employee/c0-d1-e2")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || got["name"] != `Zoë "2"` {
		t.Errorf("the server holds %v (%v), want the employee's name", got, err)
	}

	url, dir := serveAPI(t)
	dest := host.Location{Name: url + "/", Spec: url + "/", Options: map[string]string{"keep-links": "true"}}
	_, err = h.Sync(context.Background(), host.SyncOptions{Origins: []host.Location{host.At(src)},
		Destination: dest, Format: "refusejson", Schema: "hal"})
	if err == nil || !strings.Contains(err.Error(), "refuses to encode") {
		t.Fatalf("push with keep-links: %v, want the formatter's refusal", err)
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "*", "*")); len(files) > 0 {
		t.Errorf("the refused push wrote %v", files)
	}
}
