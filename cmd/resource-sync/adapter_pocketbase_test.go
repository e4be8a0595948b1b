//go:build unix

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// Tests against PocketBase v0.40.4 (its examples/base server, built by
// scripts/setup from the Go module proxy): records paged as
// {page, perPage, items}, ids in "id", server-managed created and updated,
// relation fields that PocketBase checks (a post's author must exist; an
// author still referenced by a post cannot be deleted).

// EnvPocketBase names the PocketBase server binary; scripts/test sets it.
const EnvPocketBase = "RESOURCE_SYNC_POCKETBASE"

// pocketBaseBinary returns the server binary; without it the test is
// skipped, unless $CI is set: CI must run it.
func pocketBaseBinary(t *testing.T) string {
	t.Helper()
	bin := os.Getenv(EnvPocketBase)
	msg := ""
	if bin == "" {
		msg = "$" + EnvPocketBase + " is not set"
	} else if _, err := os.Stat(bin); err != nil {
		msg = "PocketBase not found: " + err.Error()
	}
	if msg != "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s; $CI is set, so this test must run (./scripts/setup builds PocketBase)", msg)
		}
		t.Skipf("%s; run ./scripts/setup and set $%s=$PWD/.cache/pocketbase/base to run it", msg, EnvPocketBase)
	}
	return bin
}

// pocketBase is a running PocketBase with a superuser's token.
type pocketBase struct {
	t     *testing.T
	url   string
	token string
}

// startPocketBase runs PocketBase on a free loopback port over a new data
// directory, with a superuser created from its CLI, and the collections
// authors, tags and posts (author: a required relation to authors; tags:
// a relation to tags).
func startPocketBase(t *testing.T) *pocketBase {
	t.Helper()
	bin := pocketBaseBinary(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "pb_data")
	const email, password = "admin@example.com", "correct-horse-battery"
	if out, err := exec.Command(bin, "superuser", "upsert", email, password, "--dir", data).CombinedOutput(); err != nil {
		t.Fatalf("pocketbase superuser upsert: %v\n%s", err, out)
	}
	var lastErr error
	for range 3 { // the port may be taken between picking and listening
		port, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		var output syncBuffer
		cmd := exec.Command(bin, "serve", "--http", "127.0.0.1:"+strconv.Itoa(port), "--dir", data,
			"--automigrate=false", "--migrationsDir", filepath.Join(dir, "m"), "--hooksDir", filepath.Join(dir, "h"),
			"--publicDir", filepath.Join(dir, "p"))
		cmd.Stdout, cmd.Stderr = &output, &output
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() {
			cmd.Wait()
			close(exited)
		}()
		stop := func() {
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
		base := "http://127.0.0.1:" + strconv.Itoa(port)
		if err := waitAnswering(t.Context(), base+"/api/health", exited); err != nil {
			stop()
			lastErr = fmt.Errorf("%w\n%s", err, output.String())
			continue
		}
		t.Cleanup(stop)
		pb := &pocketBase{t: t, url: base}
		var auth struct{ Token string }
		pb.call("POST", "/api/collections/_superusers/auth-with-password", map[string]any{"identity": email, "password": password}, &auth)
		pb.token = auth.Token
		pb.createCollections()
		return pb
	}
	t.Fatalf("PocketBase did not start: %v", lastErr)
	return nil
}

func (pb *pocketBase) createCollections() {
	autodates := []any{
		map[string]any{"name": "created", "type": "autodate", "onCreate": true},
		map[string]any{"name": "updated", "type": "autodate", "onCreate": true, "onUpdate": true},
	}
	collection := func(id, name string, fields ...any) {
		pb.call("POST", "/api/collections", map[string]any{"id": id, "name": name, "type": "base",
			"fields": append(fields, autodates...)}, nil)
	}
	collection("pbc_authors0001", "authors", map[string]any{"name": "name", "type": "text", "required": true})
	collection("pbc_tags0000001", "tags", map[string]any{"name": "label", "type": "text", "required": true})
	collection("pbc_posts000001", "posts",
		map[string]any{"name": "title", "type": "text", "required": true},
		map[string]any{"name": "author", "type": "relation", "collectionId": "pbc_authors0001", "maxSelect": 1, "required": true},
		map[string]any{"name": "tags", "type": "relation", "collectionId": "pbc_tags0000001", "maxSelect": 10},
		map[string]any{"name": "meta", "type": "json"},
	)
}

// call sends a JSON request as the superuser and decodes the answer into
// out (when not nil); anything but 2xx fails the test.
func (pb *pocketBase) call(method, path string, body, out any) {
	pb.t.Helper()
	var r io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			pb.t.Fatal(err)
		}
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(pb.t.Context(), method, pb.url+path, r)
	if err != nil {
		pb.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if pb.token != "" {
		req.Header.Set("Authorization", pb.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		pb.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		pb.t.Fatalf("%s %s: %s\n%s", method, path, resp.Status, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			pb.t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

// seed fills the collections: 3 authors, 4 tags and 210 posts, more than
// one page of the adapter's 200.
func (pb *pocketBase) seed() {
	pb.t.Helper()
	for i, name := range []string{"Ada Lovelace", "Zoë Ångström", `O'Brien & "Sons"`} {
		pb.call("POST", "/api/collections/authors/records", map[string]any{"id": fmt.Sprintf("author%09d", i+1), "name": name}, nil)
	}
	for i, label := range []string{"rest", "sync", "2017-01-01", "true"} {
		pb.call("POST", "/api/collections/tags/records", map[string]any{"id": fmt.Sprintf("tag%012d", i+1), "label": label}, nil)
	}
	for i := range 210 {
		post := map[string]any{"id": fmt.Sprintf("post%011d", i+1), "title": fmt.Sprintf("Post %d", i+1),
			"author": fmt.Sprintf("author%09d", i%3+1)}
		if i%2 == 0 {
			post["tags"] = []string{fmt.Sprintf("tag%012d", i%4+1), fmt.Sprintf("tag%012d", (i+1)%4+1)}
		}
		if i%5 == 0 {
			post["meta"] = map[string]any{"views": i * 10, "ratio": 0.25, "note": "multi\nline"}
		}
		pb.call("POST", "/api/collections/posts/records", post, nil)
	}
}

// TestAdapterPocketBase syncs PocketBase through the shipped adapter file
// (examples/adapters/pocketbase.yaml), with a superuser token in the
// Authorization header. API -> directory -> an empty second PocketBase ->
// directory gives the same files, which hold no server-managed field;
// pushing again writes nothing, even where a file holds an old updated
// time; diff shows a change; --delete removes an author's posts before
// the author, which PocketBase would otherwise refuse.
func TestAdapterPocketBase(t *testing.T) {
	t.Parallel()
	loc := adapterLocation(t, "pocketbase.yaml")
	origin := startPocketBase(t)
	origin.seed()
	target := startPocketBase(t)
	dest, log := recordingProxy(t, target.url)
	setEnv(t, "RS_TEST_PB_ORIGIN_TOKEN", origin.token)
	setEnv(t, "RS_TEST_PB_DEST_TOKEN", target.token)
	from := []string{"--from-base-url", origin.url, "--from-token", "${env:RS_TEST_PB_ORIGIN_TOKEN}"}
	to := []string{"--to-base-url", dest, "--to-token", "${env:RS_TEST_PB_DEST_TOKEN}"}
	args := func(flags []string, rest ...string) []string { return append(append([]string(nil), flags...), rest...) }

	pulled := t.TempDir()
	mustRun(t, args(from, loc, pulled)...)
	if n := countFiles(t, pulled, "posts"); n != 210 {
		t.Fatalf("pulled %d posts, want 210 (two pages)", n)
	}
	for name, data := range treeFiles(t, pulled) {
		for _, field := range []string{"created:", "updated:", "collectionId:", "collectionName:"} {
			if bytes.Contains(data, []byte("\n"+field)) {
				t.Errorf("%s holds server-managed %s", name, field)
			}
		}
	}
	if r := mustRun(t, args(to, pulled, loc)...); !strings.Contains(r.stderr, "217 read: 217 created, 0 updated, 0 unchanged") {
		t.Errorf("push into the empty PocketBase: %q", r.stderr)
	}
	back := t.TempDir()
	mustRun(t, "--from-base-url", dest, "--from-token", "${env:RS_TEST_PB_DEST_TOKEN}", loc, back)
	sameTree(t, pulled, back)

	// A file holding a server-managed field compares equal all the same.
	author := filepath.Join(pulled, "authors", "author000000001.yaml")
	data, err := os.ReadFile(author)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(author, append(data, "updated: '2001-01-01 00:00:00.000Z'\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	before := len(log.all())
	if r := mustRun(t, args(to, pulled, loc)...); !strings.Contains(r.stderr, "217 read: 0 created, 0 updated, 217 unchanged") {
		t.Errorf("second push: %q", r.stderr)
	}
	if w := writesSince(log, before); len(w) > 0 {
		t.Errorf("a second push wrote %v; want nothing", w)
	}
	if err := os.WriteFile(author, data, 0o644); err != nil {
		t.Fatal(err)
	}

	post := filepath.Join(pulled, "posts", "post00000000007.yaml")
	data, err = os.ReadFile(post)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(post, bytes.Replace(data, []byte("title: Post 7"), []byte("title: Seventh"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, args(append([]string{"diff"}, to...), pulled, loc)...)
	if r.code != 3 || !strings.Contains(r.out, "update posts/post00000000007 (differs at /title)") {
		t.Errorf("diff: exit %d, want 3 and the change to post 7:\n%s", r.code, r.out)
	}

	// Author 3 goes with its 70 posts: the posts first, or PocketBase
	// refuses (the author is a required relation).
	removed := 0
	for name := range treeFiles(t, pulled) {
		if strings.HasPrefix(name, "posts/") {
			content, err := os.ReadFile(filepath.Join(pulled, name))
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(content, []byte("author: author000000003\n")) {
				os.Remove(filepath.Join(pulled, name))
				removed++
			}
		}
	}
	if err := os.Remove(filepath.Join(pulled, "authors", "author000000003.yaml")); err != nil {
		t.Fatal(err)
	}
	before = len(log.all())
	r = mustRun(t, args(to, "--delete", pulled, loc)...)
	if want := fmt.Sprintf("%d read: 0 created, 1 updated, %d unchanged, %d deleted", 216-removed, 215-removed, removed+1); !strings.Contains(r.stderr, want) {
		t.Errorf("push with --delete: %q, want %q", r.stderr, want)
	}
	writes := writesSince(log, before)
	if at, last := position(writes, "DELETE", "/authors/records/author000000003"), len(writes)-1; at != last {
		t.Errorf("the author was deleted at %d of %d writes; want last, after its posts", at, last+1)
	}
	final := t.TempDir()
	mustRun(t, "--from-base-url", dest, "--from-token", "${env:RS_TEST_PB_DEST_TOKEN}", loc, final)
	sameTree(t, pulled, final)
}
