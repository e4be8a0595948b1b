package dir_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/resource-sync/resource-sync/sdk"
)

func TestReadSkipsHiddenAndUnclaimedFiles(t *testing.T) {
	root := t.TempDir()
	mkfiles(t, root, map[string]string{
		"order/o1.json":                     `{"id":"o1"}`,
		"order/hello? sausage.YAML":         "id: sausage\n",
		`Hello, 世界/" ' @ < > & ? + ≠ 🦀.yml`: "id: awkward\n",
		"top.json":                  "{}",
		"a/b/deep.yaml":             "id: deep\n",
		"README.md":                 "# not a resource",
		"order/notes.txt":           "nor this",
		".hidden.json":              "{}",
		"order/.o2.json":            "{}",
		".git/config.json":          "{}",
		".git/refs/heads/main.yaml": "x: 1\n",
		"order/.cache/o3.json":      "{}",
	})
	docs, errs := readAll(t, open(t, root, sdk.RoleOrigin, false))
	if len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	// Every file holds one resource (SingleValue): the layout's rule.
	want := []sdk.Document{
		{Content: []byte(`id: awkward` + "\n"), Extension: ".yml", Source: filepath.Join(root, "Hello, 世界", `" ' @ < > & ? + ≠ 🦀.yml`), TypeHint: "Hello, 世界", Location: `Hello, 世界/" ' @ < > & ? + ≠ 🦀.yml`, SingleValue: true},
		{Content: []byte("id: deep\n"), Extension: ".yaml", Source: filepath.Join(root, "a", "b", "deep.yaml"), Location: "a/b/deep.yaml", SingleValue: true},
		{Content: []byte("id: sausage\n"), Extension: ".yaml", Source: filepath.Join(root, "order", "hello? sausage.YAML"), TypeHint: "order", Location: "order/hello? sausage.YAML", SingleValue: true},
		{Content: []byte(`{"id":"o1"}`), Extension: ".json", Source: filepath.Join(root, "order", "o1.json"), TypeHint: "order", Location: "order/o1.json", SingleValue: true},
		{Content: []byte("{}"), Extension: ".json", Source: filepath.Join(root, "top.json"), Location: "top.json", SingleValue: true},
	}
	if diff := cmp.Diff(want, docs); diff != "" {
		t.Errorf("Read (-want +got):\n%s", diff)
	}
}

func TestReadSourceIsThePathAsTyped(t *testing.T) {
	root := t.TempDir()
	mkfiles(t, root, map[string]string{"order/o1.json": "{}"})
	t.Chdir(root)
	docs, _ := readAll(t, open(t, "./", sdk.RoleOrigin, false))
	if len(docs) != 1 || docs[0].Source != filepath.Join("order", "o1.json") {
		t.Errorf("Read from ./ gave %+v, want Source order/o1.json", docs)
	}
}

func TestReadReportsAnUnreadableFileAndGoesOn(t *testing.T) {
	root := t.TempDir()
	mkfiles(t, root, map[string]string{"order/a.json": "{}", "order/c.json": "{}"})
	broken := filepath.Join(root, "order", "b ✗.json")
	if err := os.Symlink(filepath.Join(root, "nowhere"), broken); err != nil {
		t.Fatal(err)
	}
	escaping := filepath.Join(root, "order", "d.json")
	outside := filepath.Join(t.TempDir(), "secret.json")
	mkfiles(t, filepath.Dir(outside), map[string]string{"secret.json": `{"secret":true}`})
	if err := os.Symlink(outside, escaping); err != nil {
		t.Fatal(err)
	}

	var locations []string
	var sources []string
	for doc, err := range open(t, root, sdk.RoleOrigin, false).Read(t.Context()) {
		var sdkErr *sdk.Error
		switch {
		case errors.As(err, &sdkErr):
			if doc.Content != nil || doc.Location != "" {
				t.Errorf("error %v came with a document %+v", err, doc)
			}
			sources = append(sources, sdkErr.Source)
		case err != nil:
			t.Fatalf("error that ends the read: %v", err)
		default:
			locations = append(locations, doc.Location)
		}
	}
	if diff := cmp.Diff([]string{"order/a.json", "order/c.json"}, locations); diff != "" {
		t.Errorf("documents (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{broken, escaping}, sources); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

func TestReadStopsWhenCancelled(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{}
	for i := range 50 {
		files[fmt.Sprintf("order/o%02d.json", i)] = "{}"
	}
	mkfiles(t, root, files)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()

	docs := 0
	var last error
	for doc, err := range open(t, root, sdk.RoleOrigin, false).Read(ctx) {
		if err != nil {
			last = err
			continue
		}
		docs++
		_ = doc
		cancel()
	}
	if docs != 1 || !errors.Is(last, context.Canceled) {
		t.Errorf("read %d documents then %v; want 1 then context.Canceled", docs, last)
	}
}

func TestReadCanBeAbandoned(t *testing.T) {
	root := t.TempDir()
	mkfiles(t, root, map[string]string{"a/1.json": "{}", "a/2.json": "{}", "b/3.json": "{}"})
	n := 0
	for range open(t, root, sdk.RoleOrigin, false).Read(t.Context()) {
		n++
		break // the iterator must not yield again, or range panics
	}
	if n != 1 {
		t.Errorf("got %d documents before break", n)
	}
}

// TestReadLocations reads files named by a listing: one gone since is
// left out; a location that is not a resource file of the tree is refused,
// naming it.
func TestReadLocations(t *testing.T) {
	root := t.TempDir()
	mkfiles(t, root, map[string]string{
		"order/o1.json":   `{"id":"o1"}`,
		"order/.o2.json":  `{"id":"o2"}`,
		"order/notes.txt": "not a resource",
		"a/b/deep.yaml":   "id: deep\n",
	})
	outside := filepath.Join(filepath.Dir(root), "outside.json")
	if err := os.WriteFile(outside, []byte(`{"id":"x"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(outside) })
	ep := open(t, root, sdk.RoleOrigin, false)

	listed := map[string]sdk.Document{}
	for d, err := range ep.Versions(t.Context()) {
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Content) > 0 {
			t.Errorf("%s: listed with its content", d.Location)
		}
		listed[d.Location] = d
	}
	if len(listed) != 2 || listed["order/o1.json"].Location == "" || listed["a/b/deep.yaml"].Location == "" {
		t.Fatalf("listed %v; want order/o1.json and a/b/deep.yaml", listed)
	}

	var got []string
	var problems []string
	locations := []string{"a/b/deep.yaml", "order/gone.json", "order/.o2.json", "order/notes.txt", "../outside.json", "order/o1.json"}
	for d, err := range ep.ReadLocations(t.Context(), locations) {
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		got = append(got, d.Location+" "+string(d.Content))
		if want := listed[d.Location]; d.Source != want.Source || d.TypeHint != want.TypeHint || d.Extension != want.Extension || !d.SingleValue {
			t.Errorf("%s: read as %+v, listed as %+v", d.Location, d, want)
		}
	}
	want := []string{"a/b/deep.yaml id: deep\n", `order/o1.json {"id":"o1"}`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("documents read (-want +got):\n%s", diff)
	}
	wantProblems := []string{
		filepath.Join(root, "order/.o2.json") + ": a hidden file or directory",
		filepath.Join(root, "order/notes.txt") + ": no formatter reads this extension",
		filepath.Join(root, "../outside.json") + ": not a path inside the directory",
	}
	if diff := cmp.Diff(wantProblems, problems); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}
