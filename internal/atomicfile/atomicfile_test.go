package atomicfile_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/resource-sync/resource-sync/internal/atomicfile"
)

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	if err := root.Mkdir("order", 0o755); err != nil {
		t.Fatal(err)
	}
	// The longest name most file systems allow: the temporary name must
	// not be longer.
	name := filepath.Join("order", strings.Repeat("é", 125)+".yaml")
	if err := atomicfile.WriteFile(root, name, []byte("one\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := root.Chmod(name, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := atomicfile.WriteFile(root, name, []byte("two\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil || string(got) != "two\n" {
		t.Errorf("file holds %q, %v", got, err)
	}
	if info, err := os.Stat(filepath.Join(dir, name)); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, %v; want 0600 kept", info.Mode(), err)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "order"))
	if len(entries) != 1 {
		t.Errorf("order/ holds %d entries, want the file alone", len(entries))
	}
	if err := atomicfile.WriteFile(root, "missing/x.yaml", nil, 0o644); err == nil {
		t.Error("writing into a missing directory: no error")
	}
}
