//go:build linux

package dir

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestFileVersion checks that a version is given only once a file has
// settled, and that every way of changing a file changes it: a rewrite of
// the same size with its modification time set back (the change time
// still moves), and a replacement by rename (a new inode).
func TestFileVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.yaml")
	if err := os.WriteFile(path, []byte("id: a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stat := func() *unix.Stat_t {
		t.Helper()
		var st unix.Stat_t
		if err := unix.Lstat(path, &st); err != nil {
			t.Fatal(err)
		}
		return &st
	}
	later := func() time.Time { return time.Now().Add(settle + time.Second) }
	if v := fileVersion(stat(), time.Now()); v != "" {
		t.Errorf("a file written just now has version %q; it should have none until it settles", v)
	}
	first := fileVersion(stat(), later())
	if first == "" {
		t.Fatal("a settled file has no version")
	}
	if again := fileVersion(stat(), later()); again != first {
		t.Errorf("version %q became %q with no change", first, again)
	}

	before := stat()
	mtime := time.Unix(before.Mtim.Sec, before.Mtim.Nsec)
	// Rewrite until the file system's clock has ticked (a few
	// milliseconds; a second on coarse file systems), so that the change
	// time moves.
	for deadline := time.Now().Add(3 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if err := os.WriteFile(path, []byte("id: b\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, mtime, mtime); err != nil {
			t.Fatal(err)
		}
		if stat().Ctim != before.Ctim || time.Now().After(deadline) {
			break
		}
	}
	rewritten := fileVersion(stat(), later())
	if rewritten == first {
		t.Errorf("rewritten with the same size and modification time, the version stays %q", first)
	}

	next := path + ".new"
	if err := os.WriteFile(next, []byte("id: c\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(next, path); err != nil {
		t.Fatal(err)
	}
	if replaced := fileVersion(stat(), later()); replaced == rewritten || replaced == "" {
		t.Errorf("replaced by rename, the version went from %q to %q", rewritten, replaced)
	}

	link := filepath.Join(filepath.Dir(path), "b.yaml")
	if err := os.Symlink("a.yaml", link); err != nil {
		t.Fatal(err)
	}
	var st unix.Stat_t
	if err := unix.Lstat(link, &st); err != nil {
		t.Fatal(err)
	}
	if v := fileVersion(&st, later()); v != "" {
		t.Errorf("a symlink has version %q; its target could change without it", v)
	}
}
