package dir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/resource-sync/resource-sync/sdk"
)

// A file the stagers fail to write is reported failed once, with its
// path, and left out of its commit; the files staged beside it, by other
// stagers and across flushes and commits, land; and a replace then keeps
// the files it did not produce.
func TestWriteLeavesOutWhatTheStagersFailedToWrite(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "order"), 0o755); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(root, "order", "gone.yaml")
	if err := os.WriteFile(stale, []byte("id: gone\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Staged names count from 0 in the order items come.
	failing := map[string]bool{"5": true, "2000": true, "4999": true}
	testHookStageWrite = func(name string) error {
		if failing[name] {
			return errors.New("disk on fire")
		}
		return nil
	}
	t.Cleanup(func() { testHookStageWrite = nil })

	ep, err := Open(t.Context(), sdk.OpenRequest{Location: root, Role: sdk.RoleDestination, Replace: true,
		Formats: []sdk.FormatInfo{{Name: "yaml", Extensions: []string{".yaml"}}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ep.Close() })
	const n = 2*commitFiles + 100 // several flushes and commits
	var mu sync.Mutex
	results := map[int64]sdk.WriteResult{}
	_, err = ep.(*Endpoint).Write(t.Context(), func(yield func(sdk.WriteItem) bool) {
		for i := range n {
			id := fmt.Sprintf("o%05d", i)
			it := sdk.WriteItem{Seq: int64(i), Extension: ".yaml", Content: []byte("id: " + id + "\n"),
				Resource: sdk.Resource{Type: "order", ID: id, Source: "origin.yaml", Line: i + 1}}
			if !yield(it) {
				return
			}
		}
	}, func(r sdk.WriteResult) {
		mu.Lock()
		defer mu.Unlock()
		if _, dup := results[r.Seq]; dup {
			t.Errorf("item %d reported twice", r.Seq)
		}
		results[r.Seq] = r
	})
	if err == nil || !strings.Contains(err.Error(), "stale files were kept because 3 writes failed") {
		t.Errorf("Write: %v, want it to say the stale files were kept", err)
	}
	if len(results) != n {
		t.Fatalf("%d items reported, want %d", len(results), n)
	}
	for seq, r := range results {
		id := fmt.Sprintf("o%05d", seq)
		path := filepath.Join(root, "order", id+".yaml")
		_, statErr := os.Stat(path)
		if failing[fmt.Sprint(seq)] {
			if r.Status != sdk.Failed || r.Err == nil || !strings.Contains(r.Err.Error(), "cannot write "+path+": disk on fire") {
				t.Errorf("item %d: %v %v, want it failed, naming %s", seq, r.Status, r.Err, path)
			}
			if statErr == nil {
				t.Errorf("%s was written, though its staging failed", path)
			}
			continue
		}
		if r.Status != sdk.Written || statErr != nil {
			t.Errorf("item %d: %v %v (%v), want it written", seq, r.Status, r.Err, statErr)
		}
	}
	if _, err := os.Stat(stale); err != nil {
		t.Errorf("a replace with failed items removed the stale %s: %v", stale, err)
	}
	if _, err := os.Stat(filepath.Join(root, StagingDir)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s left behind: %v", StagingDir, err)
	}
}
