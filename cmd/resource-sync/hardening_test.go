package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runProcess runs resource-sync as a real process with the given stdout,
// and fails the test if it does not end within limit.
func runProcess(t *testing.T, stdout *os.File, limit time.Duration, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = append(os.Environ(), envRunCLI+"=1", "GORACE=atexit_sleep_ms=0")
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("resource-sync %s: still running after %v (hung); stderr:\n%s", strings.Join(args, " "), limit, stderr.String())
	}
	if err != nil && cmd.ProcessState == nil {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), stderr.String()
}

// bigTree writes n resources of about size bytes each under --simple.
func bigTree(t *testing.T, n, size int) string {
	t.Helper()
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "blob"), 0o755)
	filler := strings.Repeat("x", size)
	for i := range n {
		body := fmt.Sprintf(`{"id":"b%03d","data":%q}`, i, filler)
		if err := os.WriteFile(filepath.Join(dir, "blob", fmt.Sprintf("b%03d.json", i)), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// Issue 8, case 12: 256 resources of 270 KB (69 MB in all, more than one
// plugin message can carry) cross the plugin boundary in messages bounded
// by bytes, where batches of 256 items failed with "message too large".
func TestLargeBatchesCrossThePluginBoundary(t *testing.T) {
	src := bigTree(t, 256, 270<<10)
	code, stderr := runProcess(t, nil, 10*time.Minute, "-s", "--json", src, "null")
	if code != 0 || !strings.Contains(stderr, "256 read: 256 created") {
		t.Errorf("into null: exit %d, stderr:\n%s", code, stderr)
	}
}

// Issue 8, case 1: a destination that cannot be written (stdout on a full
// device) ends the sync with an error instead of hanging.
func TestFullStdoutFailsInsteadOfHanging(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skip("no /dev/full:", err)
	}
	defer full.Close()
	src := bigTree(t, 20, 1<<10)
	code, stderr := runProcess(t, full, 2*time.Minute, "-s", src, "-")
	if code != 1 || !strings.Contains(stderr, "no space left on device") {
		t.Errorf("into a full stdout: exit %d, stderr:\n%s", code, stderr)
	}
}

// Issue 8, case 13: one limit for a resource, enforced while reading: a
// resource over it is named before anything is written.
func TestResourceOverTheLimitIsRefusedWhileReading(t *testing.T) {
	src := bigTree(t, 1, 34<<20)
	os.WriteFile(filepath.Join(src, "blob", "small.json"), []byte(`{"id":"small"}`), 0o644)
	out := filepath.Join(t.TempDir(), "out")
	code, stderr := runProcess(t, nil, 2*time.Minute, "-s", src, out)
	if code != 1 || !strings.Contains(stderr, "blob/b000 (") || !strings.Contains(stderr, "a resource may hold at most 31 MiB") {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("%s was created; nothing should be written", out)
	}
}

// Issue 8, case 10: a read that skipped a page (its next link names
// another host) is incomplete, so --delete deletes nothing and says why.
func TestIncompleteReadDeletesNothing(t *testing.T) {
	var api *httptest.Server
	api = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/hal+json")
		// The next page is on the same server under another name.
		other := strings.Replace(api.URL, "127.0.0.1", "localhost", 1)
		fmt.Fprintf(w, `{"items":[{"id":"a","_links":{"self":{"href":"/api/t/a"}}}],"_links":{"next":{"href":"%s/api/t?page=2"}}}`, other)
	}))
	defer api.Close()
	dest := t.TempDir()
	for _, id := range []string{"a", "b"} {
		os.MkdirAll(filepath.Join(dest, "t"), 0o755)
		os.WriteFile(filepath.Join(dest, "t", id+".json"),
			[]byte(`{"id":"`+id+`","_links":{"self":{"href":"http://x/api/t/`+id+`"}}}`), 0o644)
	}
	code, stderr := runProcess(t, nil, time.Minute, "--delete", "--max-delete", "100%", api.URL+"/api/t", dest)
	if code != 1 || !strings.Contains(stderr, "an origin was read incompletely") || !strings.Contains(stderr, "page=2") {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dest, "t", "b.json")); err != nil {
		t.Errorf("b was deleted after an incomplete read: %v", err)
	}
	// Without --delete it is a warning, and the sync goes on.
	code, stderr = runProcess(t, nil, time.Minute, api.URL+"/api/t", dest)
	if code != 0 || !strings.Contains(stderr, "warning: ") || !strings.Contains(stderr, "not following a link to another host") {
		t.Errorf("without --delete: exit %d, stderr:\n%s", code, stderr)
	}
}

// kill -9 in the middle of deletes, then a rerun: the destination ends up
// holding exactly the origin, and the rerun deletes only what was left.
func TestKilledDuringDeletesRerunConverges(t *testing.T) {
	const stale = 3000
	origin, dest := t.TempDir(), t.TempDir()
	os.MkdirAll(filepath.Join(origin, "t"), 0o755)
	os.MkdirAll(filepath.Join(dest, "t"), 0o755)
	keep := `{"id":"keep","_links":{"self":{"href":"http://x/api/t/keep"}}}`
	os.WriteFile(filepath.Join(origin, "t", "keep.json"), []byte(keep), 0o644)
	os.WriteFile(filepath.Join(dest, "t", "keep.json"), []byte(keep), 0o644)
	for i := range stale {
		id := fmt.Sprintf("s%04d", i)
		os.WriteFile(filepath.Join(dest, "t", id+".json"),
			[]byte(`{"id":"`+id+`","_links":{"self":{"href":"http://x/api/t/`+id+`"}}}`), 0o644)
	}
	count := func() int {
		entries, _ := os.ReadDir(filepath.Join(dest, "t"))
		return len(entries)
	}
	args := []string{"--json", "--delete", "--max-delete", "100%", origin, dest}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), envRunCLI+"=1", "GORACE=atexit_sleep_ms=0")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	for end := time.Now().Add(time.Minute); time.Now().Before(end); time.Sleep(time.Millisecond) {
		if n := count(); n < stale-100 {
			cmd.Process.Kill()
			killed = true
			break
		}
	}
	cmd.Wait()
	left := count()
	if !killed || left <= 1 {
		t.Skipf("could not kill the sync in the middle of its deletes (%d files left)", left)
	}
	code, stderr := runProcess(t, nil, time.Minute, args...)
	want := fmt.Sprintf("1 read: 0 created, 0 updated, 1 unchanged, %d deleted", left-1)
	if code != 0 || !strings.Contains(stderr, want) {
		t.Errorf("rerun after kill -9 with %d files left: exit %d, want %q in stderr:\n%s", left, code, want, stderr)
	}
	entries, _ := os.ReadDir(filepath.Join(dest, "t"))
	if len(entries) != 1 || entries[0].Name() != "keep.json" {
		t.Errorf("the destination holds %d files, want keep.json alone", len(entries))
	}
}
