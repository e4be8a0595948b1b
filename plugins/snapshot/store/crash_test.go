package store_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/resource-sync/resource-sync/plugins/snapshot/store"
)

// envWriter makes the test binary a snapshot writer (see runWriter), so
// that a test can kill it with SIGKILL in the middle.
const envWriter = "STORE_TEST_WRITER"

func TestMain(m *testing.M) {
	if dir := os.Getenv(envWriter); dir != "" {
		if err := runWriter(dir); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

const crashResources = 3000

// runWriter takes the snapshot "after" of crashResources resources,
// saying on stdout how far it got.
func runWriter(dir string) error {
	s, err := store.Create(dir)
	if err != nil {
		return err
	}
	lock, err := s.ShareLock(context.Background())
	if err != nil {
		return err
	}
	defer lock.Unlock()
	w := s.NewBlobWriter()
	m := &store.Manifest{Info: store.Info{Name: "after"}}
	written := 0
	for i := range crashResources {
		data := resource("item", fmt.Sprint(i), strings.Repeat("x", i%200))
		h, wrote, err := w.Put(data)
		if err != nil {
			return err
		}
		if wrote {
			written++
		}
		m.Resources = append(m.Resources, store.Entry{Type: "item", ID: fmt.Sprint(i), Hash: h, Size: int64(len(data))})
		if i%100 == 99 {
			fmt.Printf("put %d\n", i+1)
		}
	}
	fmt.Println("committing")
	if _, err := w.Commit(m); err != nil {
		return err
	}
	fmt.Printf("done, %d new blobs\n", written)
	return nil
}

// startWriter runs the writer and returns it with its stdout lines.
func startWriter(t *testing.T, dir string) (*exec.Cmd, <-chan string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envWriter+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 100)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	return cmd, lines
}

// TestKilledSnapshotLeavesTheStoreIntact kills a writer with SIGKILL at
// several points, from the first blobs to the commit: each time the
// earlier snapshot stays whole, and "after" is either absent or whole.
// A final run completes, reusing the blobs the killed ones left.
func TestKilledSnapshotLeavesTheStoreIntact(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	s, err := store.Create(dir)
	if err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, s, "before", time.Now(), map[string]string{"item/0": "", "item/1": "x", "other/o": "kept"})

	for _, at := range []string{"put 200", "put 1500", "committing"} {
		cmd, lines := startWriter(t, dir)
		for line := range lines {
			if line == at {
				break
			}
		}
		if err := cmd.Process.Kill(); err != nil { // SIGKILL
			t.Fatal(err)
		}
		_ = cmd.Wait()
		if cmd.ProcessState.Success() {
			t.Logf("killed at %q after it finished", at)
		}

		infos, err := s.List()
		if err != nil {
			t.Fatalf("killed at %q: listing: %v", at, err)
		}
		for _, in := range infos {
			m, err := s.Load(in.Name)
			if err != nil {
				t.Fatalf("killed at %q: snapshot %s: %v", at, in.Name, err)
			}
			if missing := s.Missing(m); len(missing) > 0 {
				t.Fatalf("killed at %q: snapshot %s lacks %d blobs", at, in.Name, len(missing))
			}
			if in.Name == "before" && m.Count != len(before.Resources) {
				t.Fatalf("killed at %q: the earlier snapshot changed: %+v", at, in)
			}
		}
		rep, err := s.Verify(t.Context())
		if err != nil || len(rep.Problems) > 0 {
			t.Fatalf("killed at %q: verify: %v %v", at, rep.Problems, err)
		}
		if len(infos) == 2 {
			return // the kill came after the commit: nothing left to rerun
		}
	}

	cmd, lines := startWriter(t, dir)
	var last string
	for line := range lines {
		last = line
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("rerun: %v", err)
	}
	var fresh int
	if _, err := fmt.Sscanf(last, "done, %d new blobs", &fresh); err != nil {
		t.Fatalf("rerun said %q", last)
	}
	if fresh >= crashResources {
		t.Errorf("the rerun wrote %d blobs: it reused none of those the killed runs stored", fresh)
	}
	m, err := s.Load("after")
	if err != nil || m.Count != crashResources || len(s.Missing(m)) > 0 {
		t.Fatalf("after the rerun: %v, %v", m.Info, err)
	}
	if rep, err := s.Verify(t.Context()); err != nil || len(rep.Problems) > 0 {
		t.Fatalf("verify after the rerun: %v %v", rep.Problems, err)
	}
	// A prune then removes what the killed runs left in tmp/.
	if _, err := s.Prune(t.Context(), store.Policy{Last: 2}, false); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(filepath.Join(dir, "tmp")); len(left) > 0 {
		t.Errorf("prune left %d files in tmp/", len(left))
	}
}
