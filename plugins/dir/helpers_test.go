package dir_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/resource-sync/resource-sync/plugins/dir"
	"github.com/resource-sync/resource-sync/sdk"
)

// formats is what the host would pass: YAML first, so YAML is written.
var formats = []sdk.FormatInfo{
	{Name: "yaml", Extensions: []string{".yaml", ".yml"}},
	{Name: "json", Extensions: []string{".json"}},
}

// oldTime is an mtime no write in a test could produce.
var oldTime = time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)

func open(t *testing.T, location string, role sdk.Role, replace bool) *dir.Endpoint {
	t.Helper()
	ep, err := dir.Open(t.Context(), sdk.OpenRequest{Location: location, Role: role, Replace: replace, Formats: formats})
	if err != nil {
		t.Fatalf("Open(%q): %v", location, err)
	}
	t.Cleanup(func() { ep.Close() })
	return ep.(*dir.Endpoint)
}

func item(seq int64, typ, id, content string) sdk.WriteItem {
	return sdk.WriteItem{
		Seq:       seq,
		Resource:  sdk.Resource{Type: typ, ID: id, Source: "origin.yaml", Line: int(seq)},
		Content:   []byte(content),
		Extension: ".yaml",
	}
}

// write runs one Write and collects its reports by Seq, failing on a
// missing or repeated report.
func write(t *testing.T, ep *dir.Endpoint, items ...sdk.WriteItem) (map[int64]sdk.WriteResult, sdk.WriteSummary, error) {
	t.Helper()
	return writeWithReport(t, t.Context(), ep, items, nil)
}

func writeWithReport(t *testing.T, ctx context.Context, ep *dir.Endpoint, items []sdk.WriteItem, onReport func(sdk.WriteResult)) (map[int64]sdk.WriteResult, sdk.WriteSummary, error) {
	t.Helper()
	var mu sync.Mutex
	results := map[int64]sdk.WriteResult{}
	summary, err := ep.Write(ctx, func(yield func(sdk.WriteItem) bool) {
		for _, it := range items {
			if !yield(it) {
				return
			}
		}
	}, func(r sdk.WriteResult) {
		if onReport != nil {
			onReport(r)
		}
		mu.Lock()
		defer mu.Unlock()
		if _, dup := results[r.Seq]; dup {
			t.Errorf("item %d reported twice", r.Seq)
		}
		results[r.Seq] = r
	})
	return results, summary, err
}

// readAll drains Read, keeping documents and errors apart.
func readAll(t *testing.T, ep *dir.Endpoint) (docs []sdk.Document, errs []error) {
	t.Helper()
	for doc, err := range ep.Read(t.Context()) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		docs = append(docs, doc)
	}
	return docs, errs
}

// mkfiles creates files (slash-separated paths) with their parents.
func mkfiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for rel, content := range files {
		path := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// tree lists every file below root, hidden ones too, with its content;
// directories appear with a trailing slash.
func tree(t *testing.T, root string) map[string]string {
	t.Helper()
	got := map[string]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == root {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			got[rel+"/"] = ""
			return nil
		}
		content, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		got[rel] = string(content)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func setOldMtime(t *testing.T, path string) {
	t.Helper()
	if err := os.Chtimes(path, oldTime, oldTime); err != nil {
		t.Fatal(err)
	}
}

func mtime(t *testing.T, path string) time.Time {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.ModTime()
}
