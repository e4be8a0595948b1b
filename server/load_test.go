package server_test

import (
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/resource-sync/resource-sync/sdk"
	"github.com/resource-sync/resource-sync/server"
)

func TestNewSkipsHiddenAndForeignFiles(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"order/o1.json":          `{"id": "o1"}`,
		"order/.o2.json":         `not even JSON`,
		".git/objects/x.json":    `not even JSON`,
		"order/notes.txt":        `not even JSON`,
		"README.md":              `# data`,
		".order1234.json567":     `a leftover temporary file`,
		"order/UPPER.JSON":       `{"id": "UPPER"}`,
		"nested/deep/thing.json": `{"id": "t1", "_links": {"self": {"href": "/api/thing/t1"}}}`,
	})
	s, ts := serve(t, server.Options{Dir: dir})
	if s.Len() != 3 {
		t.Errorf("Len = %d, want 3", s.Len())
	}
	for _, path := range []string{"/api/order/o1", "/api/order/UPPER", "/api/thing/t1"} {
		if resp := do(t, "GET", ts.URL+path, ""); resp.status != http.StatusOK {
			t.Errorf("GET %s: %d", path, resp.status)
		}
	}
}

func TestNewFallsBackToTheFileName(t *testing.T) {
	dir := writeTree(t, map[string]string{"customer/Zoë Smith.json": `{"name": "Zoë"}`})
	_, ts := serve(t, server.Options{Dir: dir})
	resp := do(t, "GET", ts.URL+"/api/customer/Zo%C3%AB%20Smith", "")
	if resp.status != http.StatusOK {
		t.Fatalf("GET: %d %s", resp.status, resp.body)
	}
}

func TestNewErrorsNameTheFileAndLine(t *testing.T) {
	for _, tt := range []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"bad JSON", map[string]string{"order/o1.json": `{"id": `}, []string{"order/o1.json:1:"}},
		{"not an object", map[string]string{"order/o1.json": `[1, 2]`}, []string{"order/o1.json:1: not an object"}},
		{"same path twice", map[string]string{
			"order/o1.json":   `{"id": "o1", "_links": {"self": {"href": "http://a/api/order/o1"}}}`,
			"order/copy.json": `{"id": "o1", "_links": {"self": {"href": "http://b/api/order/o1"}}}`,
		}, []string{"order/o1.json:1: /api/order/o1 is also the path of", "order/copy.json"}},
		{"escaping self href", map[string]string{
			"order/o1.json": `{"_links": {"self": {"href": "http://a/api/order/..%2Fx"}}}`,
		}, []string{"order/o1.json:1: _links.self", "contains a slash"}},
		{"id against self href", map[string]string{
			"order/o1.json": `{"id": "o2", "_links": {"self": {"href": "/api/order/o1"}}}`,
		}, []string{`order/o1.json:1: id "o2" does not match`}},
		{"no type directory", map[string]string{"o1.json": `{"id": "o1"}`}, []string{"o1.json:1: no _links.self.href"}},
		{"two bad files", map[string]string{"a/1.json": `x`, "b/2.json": `y`}, []string{"a/1.json:1:", "b/2.json:1:"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeTree(t, tt.files)
			_, err := server.New(server.Options{Dir: dir, Formats: testFormats(), WriteExt: ".json"})
			if err == nil {
				t.Fatal("New succeeded")
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), filepath.FromSlash(want)) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
			if !strings.Contains(err.Error(), dir) {
				t.Errorf("error %q does not give the file's full path", err)
			}
			var serr *sdk.Error
			if !errors.As(err, &serr) {
				t.Errorf("error %T is not an *sdk.Error", err)
			}
		})
	}
}

func TestNewRefusesBadOptions(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		name string
		opts server.Options
		want string
	}{
		{"no dir", server.Options{Formats: testFormats(), WriteExt: ".json"}, "no directory"},
		{"no formatter for new files", server.Options{Dir: dir, Formats: testFormats()}, ".yaml"},
		{"missing dir", server.Options{Dir: filepath.Join(dir, "nope"), Formats: testFormats(), WriteExt: ".json"}, "nope"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := server.New(tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New: %v, want an error about %s", err, tt.want)
			}
		})
	}
}
