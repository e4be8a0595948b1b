//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAdapterJSONServer syncs json-server through the shipped adapter
// file (examples/adapters/json-server.yaml): bare arrays paged with Link
// headers, POST to create, PUT to update, comments referencing posts.
// API -> directory -> an empty second json-server -> directory gives the
// same files; a second push writes nothing; diff shows a change; --delete
// removes comments before the post they reference.
func TestAdapterJSONServer(t *testing.T) {
	t.Parallel()
	loc := adapterLocation(t, "json-server.yaml")
	origin := startJSONServer(t, jsonServerDB)
	dest, log := recordingProxy(t, startJSONServer(t, `{"posts": [], "comments": []}`))
	from, to := "--from-base-url="+origin, "--to-base-url="+dest

	pulled := t.TempDir()
	mustRun(t, from, loc, pulled)
	if n := countFiles(t, pulled, "posts") + countFiles(t, pulled, "comments"); n != 10 {
		t.Fatalf("pulled %d files, want 10", n)
	}
	if r := mustRun(t, to, pulled, loc); !strings.Contains(r.stderr, "10 read: 10 created, 0 updated, 0 unchanged") {
		t.Errorf("push into the empty server: %q", r.stderr)
	}
	back := t.TempDir()
	mustRun(t, "--from-base-url="+dest, loc, back)
	sameTree(t, pulled, back)

	before := len(log.all())
	if r := mustRun(t, to, pulled, loc); !strings.Contains(r.stderr, "10 read: 0 created, 0 updated, 10 unchanged") {
		t.Errorf("second push: %q", r.stderr)
	}
	if w := writesSince(log, before); len(w) > 0 {
		t.Errorf("a second push wrote %v; want nothing", w)
	}

	post := filepath.Join(pulled, "posts", "3.yaml")
	data, err := os.ReadFile(post)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(post, []byte(strings.Replace(string(data), "title: '2017-01-01'", "title: changed", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	before = len(log.all())
	r := runCLI(t, "diff", to, pulled, loc)
	if r.code != 3 || !strings.Contains(r.out, "update posts/3 (differs at /title)") || !strings.Contains(r.out, "+  \"title\": \"changed\"") {
		t.Errorf("diff: exit %d, want 3 and the change to posts/3:\n%s", r.code, r.out)
	}
	if w := writesSince(log, before); len(w) > 0 {
		t.Errorf("diff wrote %v", w)
	}

	// Post 1 goes, with the comments on it (comments 1 and 2).
	for _, name := range []string{"posts/1.yaml", "comments/1.yaml", "comments/2.yaml"} {
		if err := os.Remove(filepath.Join(pulled, name)); err != nil {
			t.Fatal(err)
		}
	}
	before = len(log.all())
	r = mustRun(t, to, "--delete", pulled, loc)
	if !strings.Contains(r.stderr, "7 read: 0 created, 1 updated, 6 unchanged, 3 deleted") {
		t.Errorf("push with --delete: %q", r.stderr)
	}
	writes := writesSince(log, before)
	post1 := position(writes, "DELETE", "/posts/1")
	for _, c := range []string{"/comments/1", "/comments/2"} {
		if at := position(writes, "DELETE", c); at < 0 || post1 < 0 || at > post1 {
			t.Errorf("DELETE %s at %d, DELETE /posts/1 at %d: a comment goes before the post it references (%v)", c, at, post1, writes)
		}
	}
	final := t.TempDir()
	mustRun(t, "--from-base-url="+dest, loc, final)
	sameTree(t, pulled, final)
}
