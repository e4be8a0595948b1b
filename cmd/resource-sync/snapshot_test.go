package main

import (
	"bufio"
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// serveSnapshots runs `resource-sync serve --snapshots DIR` as its own
// process on a free loopback port and returns its base URL; env is added
// to its environment.
func serveSnapshots(t *testing.T, dir string, env ...string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "serve", "--snapshots", dir, "--addr", "127.0.0.1:0")
	cmd.Env = append(append(os.Environ(), envRunCLI+"=1"), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		re := regexp.MustCompile(`serving snapshots in .* at (http://\S+/) `)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
			t.Log("serve: " + sc.Text())
		}
	}()
	select {
	case u := <-found:
		return u
	case <-time.After(20 * time.Second):
		t.Fatal("serve --snapshots never said where it listens")
		return ""
	}
}

// fileTree maps each file below dir (slash-separated) to its bytes.
func fileTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		files[filepath.ToSlash(rel)] = string(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestSnapshotRemoteStoreRestoresExactly pulls an API, snapshots it into
// a snapshot server (serve --snapshots, its own process, on loopback),
// and restores it into a directory and into another API: the restored
// directory is the pulled one byte for byte, and so is a pull of the
// restored API (up to the server's address in links, which every pull
// rewrites).
func TestSnapshotRemoteStoreRestoresExactly(t *testing.T) {
	api := serveDir(t, copyExamples(t))
	storeURL := serveSnapshots(t, filepath.Join(t.TempDir(), "store"))
	snap := "snapshot:" + storeURL

	pulled := filepath.Join(t.TempDir(), "pulled")
	mustRun(t, "-a", api.url+"/api/", pulled)
	r := mustRun(t, "-a", api.url+"/api/", snap)
	if !strings.Contains(r.stderr, "12 read: 12 created, 0 updated, 0 unchanged") {
		t.Errorf("first snapshot: %q", r.stderr)
	}
	// The same content again: nothing is uploaded.
	if r = mustRun(t, "-a", api.url+"/api/", snap); !strings.Contains(r.stderr, "12 read: 0 created, 0 updated, 12 unchanged") {
		t.Errorf("second snapshot: %q", r.stderr)
	}

	restored := filepath.Join(t.TempDir(), "restored")
	mustRun(t, snap, restored)
	if diff := cmp.Diff(fileTree(t, pulled), fileTree(t, restored)); diff != "" {
		t.Errorf("restored directory differs from the pull (-pulled +restored):\n%s", diff)
	}

	empty := serveDir(t, t.TempDir())
	mustRun(t, "--keep-links", snap, empty.url+"/")
	again := filepath.Join(t.TempDir(), "again")
	mustRun(t, "-a", empty.url+"/api/", again)
	want := fileTree(t, pulled)
	got := fileTree(t, again)
	for name, data := range got {
		got[name] = strings.ReplaceAll(data, empty.url, api.url)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("pull of the restored API differs from the original pull (-want +got):\n%s", diff)
	}

	// A token guards the store as it guards the API; neither side takes
	// it from the command line here.
	guarded := serveSnapshots(t, filepath.Join(t.TempDir(), "guarded"), "RESOURCE_SYNC_SERVE_TOKEN=s3cret-snap")
	if r := runCLI(t, pulled, "snapshot:"+guarded); r.code != 1 || !strings.Contains(r.stderr, "401 Unauthorized") {
		t.Errorf("snapshot without the token: exit %d, %q", r.code, r.stderr)
	}
	t.Setenv("RESOURCE_SYNC_SNAPSHOT_TOKEN", "s3cret-snap")
	mustRun(t, pulled, "snapshot:"+guarded)
	if r := mustRun(t, "snapshot:"+guarded, "-"); !bytes.Contains([]byte(r.out), []byte("Ada Lovelace")) {
		t.Errorf("restore to stdout with the token: %q", r.out)
	}
}
