package fileutil_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/resource-sync/resource-sync/plugins/internal/fileutil"
)

func TestHoldsAndWriteFile(t *testing.T) {
	dir := t.TempDir()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	const name = "hello? sausage 🦀.yaml"
	content := []byte("---\nid: 世界\n")

	if fileutil.Holds(root, name, content) {
		t.Error("Holds on a missing file")
	}
	if err := fileutil.WriteFile(root, name, content); err != nil {
		t.Fatal(err)
	}
	if !fileutil.Holds(root, name, content) {
		t.Error("Holds after WriteFile is false")
	}
	for _, other := range [][]byte{[]byte("---\nid: 世界\n\n"), []byte("---\nid: 世界 \n"), nil} {
		if fileutil.Holds(root, name, other) {
			t.Errorf("Holds(%q) is true for a file holding %q", other, content)
		}
	}
	if err := root.Chmod(name, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := fileutil.WriteFile(root, name, []byte("---\n")); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(filepath.Join(dir, name))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("a replaced file's mode = %v, %v; want it kept at 0600", info.Mode(), err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("WriteFile left %d entries behind, want just the file", len(entries))
	}
	if fileutil.Holds(root, ".", nil) {
		t.Error("Holds on a directory")
	}
}

func TestReason(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing 🦀")
	_, err := os.Stat(path)
	if got := fileutil.Reason(err); got == "" || strings.Contains(got, path) {
		t.Errorf("Reason(%q) = %q, want the reason without the path", err, got)
	}
	if got := fileutil.Reason(os.ErrClosed); got != os.ErrClosed.Error() {
		t.Errorf("Reason(%q) = %q, want it unchanged", os.ErrClosed, got)
	}
}
