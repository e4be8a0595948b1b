package server_test

import (
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/resource-sync/resource-sync/plugins/yaml"
	"github.com/resource-sync/resource-sync/sdk"
	"github.com/resource-sync/resource-sync/server"
)

const examplesDir = "../examples/data"

// yamlFormats is what `resource-sync serve` passes: YAML written, JSON read.
func yamlFormats() map[string]sdk.Formatter {
	return map[string]sdk.Formatter{".yaml": yaml.Formatter{}, ".yml": yaml.Formatter{}, ".json": jsonFormatter{}}
}

func serveYAML(t testing.TB, dir string) (*server.Server, string) {
	t.Helper()
	s, ts := serve(t, server.Options{Dir: dir, Formats: yamlFormats(), WriteExt: ".yaml"})
	return s, ts.URL
}

// copyTree copies src into a new directory.
func copyTree(t testing.TB, src string) string {
	t.Helper()
	dst := t.TempDir()
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestExamplesData(t *testing.T) {
	s, base := serveYAML(t, examplesDir)
	if s.Len() != 12 {
		t.Errorf("Len = %d, want 12", s.Len())
	}

	var names []string
	for _, l := range do(t, "GET", base+"/api/", "").object(t)["_links"].(map[string]any)["search"].([]any) {
		names = append(names, l.(map[string]any)["name"].(string))
	}
	if want := []string{"customer", "order", "orderline"}; !reflect.DeepEqual(names, want) {
		t.Errorf("types = %v, want %v", names, want)
	}

	c2 := do(t, "GET", base+"/api/v1/customer/c%202", "")
	if c2.status != http.StatusOK {
		t.Fatalf("GET c 2: %d %s", c2.status, c2.body)
	}
	doc := c2.object(t)
	if doc["id"] != "c 2" || doc["branch_code"] != "0755" || doc["customer_since"] != "2019-06-30" || doc["newsletter"] != "yes" {
		t.Errorf("c 2 = %v", doc)
	}
	if got := href(t, doc, "self"); got != base+"/api/v1/customer/c%202" {
		t.Errorf("self = %q", got)
	}

	c1 := do(t, "GET", base+"/api/v1/customer/c1", "").body
	for _, want := range []string{`"account_number":9007199254740993`, `"customer_since":"2017-01-01"`} {
		if !strings.Contains(string(c1), want) {
			t.Errorf("c1 lacks %s: %s", want, c1)
		}
	}

	line := do(t, "GET", base+"/api/v1/orderline/l%275", "").object(t)
	if got := href(t, line, "parent:order"); got != base+"/api/v1/order/o4" {
		t.Errorf("l'5 parent = %q", got)
	}
	o4 := do(t, "GET", base+"/api/v1/order/o4", "").object(t)
	if got := href(t, o4, "parent:customer"); got != base+"/api/v1/customer/zo%C3%AB" {
		t.Errorf("o4 parent = %q", got)
	}
	// Every link in the dataset leads to a resource the server has.
	for _, coll := range []string{"customer", "order", "orderline"} {
		page := do(t, "GET", base+"/api/v1/"+coll, "").object(t)
		for _, item := range page["items"].([]any) {
			for rel, v := range item.(map[string]any)["_links"].(map[string]any) {
				for _, l := range asList(v) {
					h := l.(map[string]any)["href"].(string)
					if resp := do(t, "GET", h, ""); resp.status != http.StatusOK {
						t.Errorf("%s link %s: %d", rel, h, resp.status)
					}
				}
			}
		}
	}
}

func asList(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{v}
}

// TestExamplesAreWrittenAsTheServerWritesThem puts every example back
// unchanged: the files must already be in the YAML formatter's layout, so
// nothing is rewritten.
func TestExamplesAreWrittenAsTheServerWritesThem(t *testing.T) {
	dir := copyTree(t, examplesDir)
	old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	var paths []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".yaml") {
			os.Chtimes(p, old, old)
			paths = append(paths, p)
		}
		return err
	})
	_, base := serveYAML(t, dir)
	for _, p := range paths {
		content, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		values, err := yaml.Formatter{}.Decode(sdk.Document{Content: content, Source: p})
		if err != nil {
			t.Fatal(err)
		}
		self := href(t, decodeExact(t, values[0].JSON), "self")
		path := self[strings.Index(self, "/api/"):]
		resp := do(t, "PUT", base+path, string(values[0].JSON))
		if resp.status != http.StatusOK {
			t.Errorf("PUT %s: %d %s", path, resp.status, resp.body)
		}
		info, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if !info.ModTime().Equal(old) {
			t.Errorf("%s was rewritten", p)
		}
	}
}

// decodeExact decodes a JSON object keeping numbers as written.
func decodeExact(t testing.TB, data []byte) map[string]any {
	t.Helper()
	v, err := sdk.UnmarshalJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	doc, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("not an object: %s", data)
	}
	return doc
}

// TestExamplesPushedIntoAnEmptyServer copies every example through the
// API into an empty server, as YAML bodies: the new server, and one loaded
// from its files, serve the same resources as the first.
func TestExamplesPushedIntoAnEmptyServer(t *testing.T) {
	_, from := serveYAML(t, examplesDir)
	dir := t.TempDir()
	_, to := serveYAML(t, dir)

	for _, coll := range []string{"customer", "order", "orderline"} {
		// Decoded with json.Number: float64 would round the big integer.
		page := decodeExact(t, do(t, "GET", from+"/api/v1/"+coll, "").body)
		for _, item := range page["items"].([]any) {
			canon, err := sdk.MarshalCanonical(item)
			if err != nil {
				t.Fatal(err)
			}
			body, err := yaml.Formatter{}.Encode(sdk.Value{JSON: canon}, sdk.StyleFile)
			if err != nil {
				t.Fatal(err)
			}
			self := href(t, item.(map[string]any), "self")
			path := strings.TrimPrefix(self, from)
			resp := do(t, "PUT", to+path, string(body), "Content-Type: application/yaml")
			if resp.status != http.StatusCreated {
				t.Fatalf("PUT %s: %d %s", path, resp.status, resp.body)
			}
		}
	}
	_, reloaded := serveYAML(t, dir)
	for _, coll := range []string{"customer", "order", "orderline"} {
		want := strings.ReplaceAll(string(do(t, "GET", from+"/api/v1/"+coll, "").body), from, "")
		for _, base := range []string{to, reloaded} {
			got := strings.ReplaceAll(string(do(t, "GET", base+"/api/v1/"+coll, "").body), base, "")
			if got != want {
				t.Errorf("%s from %s:\n%s\nwant\n%s", coll, base, got, want)
			}
		}
	}
	if got := readFile(t, dir, "customer/c 2.yaml"); !strings.Contains(got, "branch_code: '0755'") {
		t.Errorf("customer/c 2.yaml:\n%s", got)
	}
}
