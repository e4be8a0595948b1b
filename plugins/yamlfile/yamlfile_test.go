package yamlfile_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/resource-sync/resource-sync/plugins/yamlfile"
	"github.com/resource-sync/resource-sync/sdk"
)

var (
	yamlFormat = sdk.FormatInfo{Name: "yaml", Extensions: []string{".yaml", ".yml"}}
	jsonFormat = sdk.FormatInfo{Name: "json", Extensions: []string{".json"}}
	formats    = []sdk.FormatInfo{yamlFormat, jsonFormat}
	oldTime    = time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
)

func openErr(t *testing.T, req sdk.OpenRequest) error {
	t.Helper()
	ep, err := yamlfile.Open(t.Context(), req)
	if err == nil {
		ep.Close()
	}
	return err
}

func open(t *testing.T, path string, role sdk.Role, replace bool) *yamlfile.Endpoint {
	t.Helper()
	ep, err := yamlfile.Open(t.Context(), sdk.OpenRequest{Location: path, Role: role, Replace: replace, Formats: formats})
	if err != nil {
		t.Fatalf("Open(%q): %v", path, err)
	}
	t.Cleanup(func() { ep.Close() })
	return ep.(*yamlfile.Endpoint)
}

func item(seq int64, content string) sdk.WriteItem {
	return sdk.WriteItem{Seq: seq, Content: []byte(content), Extension: ".yaml", Resource: sdk.Resource{Type: "order", ID: "o"}}
}

// write runs one Write and returns its reports in the order they came.
func write(t *testing.T, ctx context.Context, ep *yamlfile.Endpoint, items ...sdk.WriteItem) ([]sdk.WriteResult, error) {
	t.Helper()
	var mu sync.Mutex
	var results []sdk.WriteResult
	_, err := ep.Write(ctx, func(yield func(sdk.WriteItem) bool) {
		for _, it := range items {
			if !yield(it) {
				return
			}
		}
	}, func(r sdk.WriteResult) {
		mu.Lock()
		defer mu.Unlock()
		results = append(results, r)
	})
	return results, err
}

func statuses(results []sdk.WriteResult) map[int64]sdk.WriteStatus {
	m := map[int64]sdk.WriteStatus{}
	for _, r := range results {
		m[r.Seq] = r.Status
	}
	return m
}

func TestPlugin(t *testing.T) {
	p := yamlfile.Plugin()
	if p.Name != "yamlfile" || p.Version != "1.0.0" || len(p.Endpoints) != 1 {
		t.Fatalf("Plugin() = %+v", p)
	}
	spec := p.Endpoints[0]
	if diff := cmp.Diff([]string{"*.yaml", "*.yml"}, spec.PathPatterns); diff != "" || spec.Directories || spec.Open == nil {
		t.Errorf("Spec() = %+v %s", spec, diff)
	}
	if _, ok := spec.Implements.(sdk.Writer); !ok {
		t.Errorf("Implements %T is not a Writer", spec.Implements)
	}
	if _, ok := spec.Implements.(sdk.Reader); !ok {
		t.Errorf("Implements %T is not a Reader", spec.Implements)
	}
	if _, ok := spec.Implements.(sdk.Deleter); ok {
		t.Errorf("Implements %T claims to delete", spec.Implements)
	}
}

func TestOpenRefusesToOverwriteWithoutReplace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hello? sausage 🦀.yaml")
	if err := os.WriteFile(path, []byte("---\nid: precious\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := openErr(t, sdk.OpenRequest{Location: path, Role: sdk.RoleDestination, Formats: formats})
	want := "File already exists: " + path + "; perhaps you mean to use '--rm'?"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
	if err := openErr(t, sdk.OpenRequest{Location: path, Role: sdk.RoleDestination, Replace: true, Formats: formats}); err != nil {
		t.Errorf("with Replace: %v", err)
	}
}

func TestOpenRefusesToWriteAnythingButYAML(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.yml")
	err := openErr(t, sdk.OpenRequest{Location: path, Role: sdk.RoleDestination, Formats: []sdk.FormatInfo{jsonFormat, yamlFormat}})
	want := path + ": a YAML file can only be written as YAML (got json)"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused Open created the file: %v", err)
	}
}

func TestOpenChecksTheFileAndItsDirectory(t *testing.T) {
	tmp := t.TempDir()
	for _, tc := range []struct {
		name string
		req  sdk.OpenRequest
		want string
	}{
		{"missing origin", sdk.OpenRequest{Location: filepath.Join(tmp, "missing.yaml")}, filepath.Join(tmp, "missing.yaml") + ": no such file"},
		{"origin is a directory", sdk.OpenRequest{Location: tmp}, tmp + ": is a directory"},
		{"destination without a parent", sdk.OpenRequest{Location: filepath.Join(tmp, "no dir", "x.yaml"), Role: sdk.RoleDestination, Formats: formats},
			filepath.Join(tmp, "no dir", "x.yaml") + ": cannot create the file: its directory " + filepath.Join(tmp, "no dir") + " does not exist"},
	} {
		err := openErr(t, tc.req)
		var sdkErr *sdk.Error
		if !errors.As(err, &sdkErr) || err.Error() != tc.want {
			t.Errorf("%s: error = %v, want *sdk.Error %q", tc.name, err, tc.want)
		}
	}
}

func TestReadYieldsTheWholeFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), `Hello, 世界 " ' ≠.yml`)
	content := "---\nid: a\n---\nid: b\n---\n"
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	var docs []sdk.Document
	for doc, err := range open(t, path, sdk.RoleOrigin, false).Read(t.Context()) {
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, doc)
	}
	want := []sdk.Document{{Content: []byte(content), Extension: ".yaml", Source: path}}
	if diff := cmp.Diff(want, docs); diff != "" {
		t.Errorf("Read (-want +got):\n%s", diff)
	}
}

func TestReadStopsWhenCancelled(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.yaml")
	if err := os.WriteFile(path, []byte("---\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	for doc, err := range open(t, path, sdk.RoleOrigin, false).Read(ctx) {
		if !errors.Is(err, context.Canceled) || doc.Content != nil {
			t.Errorf("after cancel: %+v, %v", doc, err)
		}
	}
}

func TestWriteJoinsDocumentsInSeqOrder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hello? sausage.yaml")
	results, err := write(t, t.Context(), open(t, path, sdk.RoleDestination, false),
		item(3, "---\nid: \"🦀\"\n"),
		item(1, "---\nid: a\n"),
		item(2, "---\nid: no newline"),
	)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	if want := "---\nid: a\n---\nid: no newline\n---\nid: \"🦀\"\n"; string(got) != want {
		t.Errorf("file = %q, want %q", got, want)
	}
	if diff := cmp.Diff(map[int64]sdk.WriteStatus{1: sdk.Written, 2: sdk.Written, 3: sdk.Written}, statuses(results)); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
}

func TestWriteLeavesAnIdenticalFileAlone(t *testing.T) {
	path := filepath.Join(t.TempDir(), "same.yaml")
	content := "---\nid: a\n---\nid: b\n"
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, oldTime, oldTime); err != nil {
		t.Fatal(err)
	}
	results, err := write(t, t.Context(), open(t, path, sdk.RoleDestination, true), item(1, "---\nid: a\n"), item(2, "---\nid: b\n"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[int64]sdk.WriteStatus{1: sdk.Unchanged, 2: sdk.Unchanged}, statuses(results)); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	info, err := os.Stat(path)
	if err != nil || !info.ModTime().Equal(oldTime) {
		t.Errorf("an identical rewrite touched the file: %v, %v", info.ModTime(), err)
	}
}

func TestWriteReplacesUnderReplace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.yaml")
	if err := os.WriteFile(path, []byte("---\nid: stale\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	results, err := write(t, t.Context(), open(t, path, sdk.RoleDestination, true), item(1, "---\nid: fresh\n"))
	if err != nil || len(results) != 1 || results[0].Status != sdk.Written {
		t.Fatalf("results %+v, error %v", results, err)
	}
	info, _ := os.Stat(path)
	got, _ := os.ReadFile(path)
	if string(got) != "---\nid: fresh\n" || info.Mode().Perm() != 0o600 {
		t.Errorf("file = %q mode %v, want the new content and its old mode", got, info.Mode())
	}
}

func TestWriteKeepsASymlinkedFileALink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "real 🦀.yaml")
	link := filepath.Join(dir, "link.yaml")
	if err := os.WriteFile(target, []byte("---\nold: true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if _, err := write(t, t.Context(), open(t, link, sdk.RoleDestination, true), item(1, "---\nnew: true\n")); err != nil {
		t.Fatal(err)
	}
	if info, err := os.Lstat(link); err != nil || info.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v, %v", info.Mode(), err)
	}
	if got, _ := os.ReadFile(target); string(got) != "---\nnew: true\n" {
		t.Errorf("target = %q", got)
	}
}

func TestWriteReportsEveryItemFailedWhenTheFileCannotBeWritten(t *testing.T) {
	parent := filepath.Join(t.TempDir(), "vanishing")
	if err := os.Mkdir(parent, 0o755); err != nil {
		t.Fatal(err)
	}
	ep := open(t, filepath.Join(parent, "out.yaml"), sdk.RoleDestination, false)
	if err := os.Remove(parent); err != nil {
		t.Fatal(err)
	}
	results, err := write(t, t.Context(), ep, item(1, "---\n"), item(2, "---\n"))
	if err == nil {
		t.Fatal("no error")
	}
	for _, r := range results {
		if r.Status != sdk.Failed || r.Err == nil {
			t.Errorf("item %d: %+v, want Failed with the error", r.Seq, r)
		}
	}
	if len(results) != 2 {
		t.Errorf("%d reports, want 2", len(results))
	}
}

func TestWriteCancelledWritesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.yaml")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	results, err := write(t, ctx, open(t, path, sdk.RoleDestination, false), item(1, "---\n"), item(2, "---\n"))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled", err)
	}
	for _, r := range results {
		if r.Status != sdk.Failed {
			t.Errorf("item %d: %+v, want Failed", r.Seq, r)
		}
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a cancelled write created the file: %v", err)
	}
}

// Reports come only once the file holds the result: a host that shows
// "written" must be able to trust it.
func TestWriteReportsAfterTheCommit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.yaml")
	ep := open(t, path, sdk.RoleDestination, false)
	_, err := ep.Write(t.Context(), func(yield func(sdk.WriteItem) bool) {
		yield(item(1, "---\nid: a\n"))
	}, func(r sdk.WriteResult) {
		if got, err := os.ReadFile(path); err != nil || string(got) != "---\nid: a\n" {
			t.Errorf("item %d reported before the file was written: %q, %v", r.Seq, got, err)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
}
