package dir

import (
	"os"
	"path/filepath"
	"testing"
)

// A case-insensitive file system takes "order/O1.json" for the kept
// "order/o1.json"; a hard link stands in for that here.
func TestKeptSetCoversAnotherNameForTheSameFile(t *testing.T) {
	dir := t.TempDir()
	must(t, os.Mkdir(filepath.Join(dir, "order"), 0o755))
	for _, name := range []string{"o1.json", "o2.json", "O2.json"} {
		must(t, os.WriteFile(filepath.Join(dir, "order", name), []byte("{}"), 0o644))
	}
	must(t, os.Link(filepath.Join(dir, "order", "o1.json"), filepath.Join(dir, "order", "O1.json")))
	root, err := os.OpenRoot(dir)
	must(t, err)
	defer root.Close()

	kept := newKeptSet()
	kept.add("order/o1.json")
	kept.add("order/o2.json")
	for rel, want := range map[string]bool{
		"order/o1.json": true,
		"order/O1.json": true,  // same file
		"order/O2.json": false, // a different file that only looks alike
		"order/o3.json": false,
	} {
		if got := kept.covers(root, rel); got != want {
			t.Errorf("covers(%q) = %v, want %v", rel, got, want)
		}
	}
}

func TestDeepestIsDeterministic(t *testing.T) {
	got := deepest(map[string]bool{"b": true, "a/x": true, "a/w": true, ".": true})
	if got != "a/w" {
		t.Errorf("deepest = %q, want a/w", got)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
