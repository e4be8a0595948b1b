package dir_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/resource-sync/resource-sync/sdk"
)

// existing is a destination from an earlier sync, with files that are not
// resources around it.
var existing = map[string]string{
	"order/o1.yaml":             "---\nid: o1\n",
	"order/hello? sausage.yaml": "---\nid: stale\n",
	"order/notes.txt":           "not a resource",
	"gone 🦀/g1.json":            "{}",
	"nested/deeper/x.yml":       "x: 1\n",
	"keep/k.json":               "{}",
	"keep/.keep":                "",
	"top.json":                  "{}",
	"README.md":                 "# hello",
	".git/HEAD":                 "ref: refs/heads/main\n",
	".git/objects/x.json":       "{}",
	"order/.swap.yaml":          "",
}

func TestReplaceRemovesStaleResourceFilesAfterTheWrites(t *testing.T) {
	root := t.TempDir()
	mkfiles(t, root, existing)
	stale := filepath.Join(root, "order", "hello? sausage.yaml")
	ep := open(t, root, sdk.RoleDestination, true)

	results, summary, err := writeWithReport(t, t.Context(), ep, []sdk.WriteItem{
		item(1, "order", "o1", "---\nid: o1\n"),
		item(2, "order", "o2", "---\nid: o2\n"),
		item(3, "Hello, 世界", `" ' @ < > & ? + ≠`, "---\nid: new\n"),
	}, func(sdk.WriteResult) {
		if _, err := os.Stat(stale); err != nil {
			t.Errorf("a stale file was removed before every item was reported: %v", err)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if results[1].Status != sdk.Unchanged || results[2].Status != sdk.Written || results[3].Status != sdk.Written {
		t.Errorf("results = %+v", results)
	}
	if summary.Removed != 5 {
		t.Errorf("Removed = %d, want 5", summary.Removed)
	}
	want := map[string]string{
		"order/":                           "",
		"order/o1.yaml":                    "---\nid: o1\n",
		"order/o2.yaml":                    "---\nid: o2\n",
		"order/notes.txt":                  "not a resource",
		"order/.swap.yaml":                 "",
		"Hello, 世界/":                       "",
		`Hello, 世界/" ' @ < > & ? + ≠.yaml`: "---\nid: new\n",
		"keep/":                            "",
		"keep/.keep":                       "",
		"README.md":                        "# hello",
		".git/":                            "",
		".git/HEAD":                        "ref: refs/heads/main\n",
		".git/objects/":                    "",
		".git/objects/x.json":              "{}",
	}
	if diff := cmp.Diff(want, tree(t, root)); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
}

func TestReplaceKeepsEverythingWhenAWriteFailed(t *testing.T) {
	root := t.TempDir()
	mkfiles(t, root, existing)
	results, summary, err := write(t, open(t, root, sdk.RoleDestination, true),
		item(1, "order", "o2", "---\nid: o2\n"),
		item(2, "order", "../escape", "---\n"),
	)
	if err == nil || !strings.Contains(err.Error(), "stale files were kept because 1 write failed") {
		t.Errorf("error = %v, want one saying stale files were kept", err)
	}
	var sdkErr *sdk.Error
	if !errors.As(err, &sdkErr) || sdkErr.Source != root {
		t.Errorf("error = %#v, want an *sdk.Error about %s", err, root)
	}
	if results[1].Status != sdk.Written || results[2].Status != sdk.Failed || summary.Removed != 0 {
		t.Errorf("results = %+v, summary = %+v", results, summary)
	}
	got := tree(t, root)
	for rel, content := range existing {
		if got[rel] != content {
			t.Errorf("%s: %q, want %q kept", rel, got[rel], content)
		}
	}
}

func TestWithoutReplaceOtherFilesStay(t *testing.T) {
	root := t.TempDir()
	mkfiles(t, root, existing)
	_, summary, err := write(t, open(t, root, sdk.RoleDestination, false), item(1, "order", "o2", "---\nid: o2\n"))
	if err != nil || summary.Removed != 0 {
		t.Fatalf("summary %+v, error %v", summary, err)
	}
	got := tree(t, root)
	for rel, content := range existing {
		if got[rel] != content {
			t.Errorf("%s: %q, want %q kept", rel, got[rel], content)
		}
	}
}

func TestReplaceWithNothingToWriteEmptiesTheResources(t *testing.T) {
	root := t.TempDir()
	mkfiles(t, root, map[string]string{"order/o1.yaml": "---\n", "README.md": "# hello"})
	_, summary, err := write(t, open(t, root, sdk.RoleDestination, true))
	if err != nil || summary.Removed != 1 {
		t.Fatalf("summary %+v, error %v", summary, err)
	}
	if diff := cmp.Diff(map[string]string{"README.md": "# hello"}, tree(t, root)); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
}
