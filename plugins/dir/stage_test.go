package dir_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/resource-sync/resource-sync/plugins/dir"
	"github.com/resource-sync/resource-sync/sdk"
)

// Ids of up to 250 bytes fit the 255-byte file name limit with ".yaml";
// the temporary name a file is written under must not make them fail.
func TestWriteIDsUpToTheFileNameLimit(t *testing.T) {
	root := t.TempDir()
	var items []sdk.WriteItem
	for n := 235; n <= 250; n++ {
		id := strings.Repeat("é", (n-1)/2) + strings.Repeat("x", n-2*((n-1)/2)) // n bytes, multi-byte runes
		if len(id) != n {
			t.Fatalf("id of %d bytes, want %d", len(id), n)
		}
		items = append(items, item(int64(n), "order", id, fmt.Sprintf("---\nn: %d\n", n)))
	}
	results, _, err := write(t, open(t, root, sdk.RoleDestination, false), items...)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if r := results[it.Seq]; r.Status != sdk.Written {
			t.Errorf("id of %d bytes: %+v", len(it.Resource.ID), r)
		}
	}
	docs, errs := readAll(t, open(t, root, sdk.RoleOrigin, false))
	if len(docs) != len(items) || len(errs) > 0 {
		t.Errorf("read back %d documents and %v, want %d", len(docs), errs, len(items))
	}

	// One byte more does not fit any file system: a clear error.
	results, _, err = write(t, open(t, root, sdk.RoleDestination, false), item(1, "order", strings.Repeat("x", 251), "---\n"))
	if err != nil {
		t.Fatal(err)
	}
	if r := results[1]; r.Status != sdk.Failed || !strings.Contains(fmt.Sprint(r.Err), "file name too long") {
		t.Errorf("id of 251 bytes: %+v, want Failed with file name too long", r)
	}
}

// A write killed mid-way leaves its staging directory (and an earlier
// version its renameio temporary files). They are never read as
// resources, and the next write removes them, but not the staging
// directory of a write still running, nor hidden files of the user's.
func TestWriteRemovesWhatAnInterruptedWriteLeft(t *testing.T) {
	root := t.TempDir()
	mkfiles(t, root, map[string]string{
		"order/o1.yaml":                          "---\nid: o1\n",
		dir.StagingDir + "/w-0123456789abcdef/0": "---\nid: half writ",
		dir.StagingDir + "/w-0123456789abcdef/1": "---\nid: o1\n",
		dir.StagingDir + "/w-fedcba9876543210/0": "---\nid: still running\n",
		".o1.yaml5577006791947779410":            "---\nid: o1\n",
		".keep.yaml":                             "the user's",
		".notes.yaml2024":                        "the user's too: a short number",
		"README.md1234567890123":                 "not hidden: not a temporary file",
	})
	// Another write, still running, holds its staging directory.
	running, err := os.Open(filepath.Join(root, dir.StagingDir, "w-fedcba9876543210"))
	if err != nil {
		t.Fatal(err)
	}
	defer running.Close()
	if err := unix.Flock(int(running.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		t.Fatal(err)
	}

	docs, errs := readAll(t, open(t, root, sdk.RoleOrigin, false))
	if len(docs) != 1 || docs[0].Location != "order/o1.yaml" || len(errs) > 0 {
		t.Fatalf("Read gave %d documents (%v) and %v, want just order/o1.yaml", len(docs), docs, errs)
	}

	results, _, err := write(t, open(t, root, sdk.RoleDestination, false), item(1, "order", "o2", "---\nid: o2\n"))
	if err != nil || results[1].Status != sdk.Written {
		t.Fatalf("write: %+v, %v", results[1], err)
	}
	want := map[string]string{
		"order/":                                 "",
		"order/o1.yaml":                          "---\nid: o1\n",
		"order/o2.yaml":                          "---\nid: o2\n",
		dir.StagingDir + "/":                     "",
		dir.StagingDir + "/w-fedcba9876543210/":  "",
		dir.StagingDir + "/w-fedcba9876543210/0": "---\nid: still running\n",
		".keep.yaml":                             "the user's",
		".notes.yaml2024":                        "the user's too: a short number",
		"README.md1234567890123":                 "not hidden: not a temporary file",
	}
	if diff := cmp.Diff(want, tree(t, root)); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}

	// Once that write is gone too, the next write leaves no trace.
	running.Close()
	if _, _, err := write(t, open(t, root, sdk.RoleDestination, false)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, dir.StagingDir)); !os.IsNotExist(err) {
		t.Errorf("%s is still there: %v", dir.StagingDir, err)
	}
}

// An existing file keeps its permissions when it is replaced.
func TestWriteKeepsPermissions(t *testing.T) {
	root := t.TempDir()
	mkfiles(t, root, map[string]string{"order/o1.yaml": "---\nold: true\n"})
	path := filepath.Join(root, "order", "o1.yaml")
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	results, _, err := write(t, open(t, root, sdk.RoleDestination, false), item(1, "order", "o1", "---\nnew: true\n"))
	if err != nil || results[1].Status != sdk.Written {
		t.Fatalf("write: %+v, %v", results[1], err)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("mode after the rewrite: %v, %v; want 0600", info.Mode(), err)
	}
}
