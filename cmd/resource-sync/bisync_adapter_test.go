//go:build unix

package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBisyncAdapter keeps a directory and json-server, reached through
// the shipped adapter file, alike: the adapter's schema classifies both
// sides, an edit on each side reaches the other.
func TestBisyncAdapter(t *testing.T) {
	t.Parallel()
	loc := adapterLocation(t, "json-server.yaml")
	api := startJSONServer(t, jsonServerDB)
	dir := filepath.Join(t.TempDir(), "tree")
	os.Mkdir(dir, 0o755)
	to := "--to-base-url=" + api

	r := mustRun(t, "bisync", "--resync", to, dir, loc)
	if n := countFiles(t, dir, "posts") + countFiles(t, dir, "comments"); n != 10 {
		t.Fatalf("after --resync the directory holds %d files, want 10\n%s", n, r.stderr)
	}
	// One edit on each side.
	post := filepath.Join(dir, "posts", "1.yaml")
	content, err := os.ReadFile(post)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(post, []byte(strings.Replace(string(content), "title: ", "title: edited in git, ", 1)), 0o644)
	putJSON(t, api+"/comments/1", `{"id": 1, "postId": 1, "body": "edited in the API"}`)

	r = mustRun(t, "bisync", to, dir, loc)
	if !strings.Contains(r.stderr, "1 updated") {
		t.Errorf("bisync: %s", r.stderr)
	}
	if c := getJSON(t, api+"/posts/1", 200).(map[string]any); !strings.HasPrefix(c["title"].(string), "edited in git, ") {
		t.Errorf("the API's post 1: %v", c)
	}
	comment, _ := os.ReadFile(filepath.Join(dir, "comments", "1.yaml"))
	if !strings.Contains(string(comment), "edited in the API") {
		t.Errorf("the directory's comment 1:\n%s", comment)
	}
	if r = runCLI(t, "bisync", "--dry-run", to, dir, loc); r.code != 0 {
		t.Errorf("a dry run after the sync: exit %d\n%s%s", r.code, r.out, r.stderr)
	}
}

// putJSON replaces u with body, as another writer would.
func putJSON(t *testing.T, u, body string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPut, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		t.Fatalf("PUT %s: %s", u, resp.Status)
	}
}
