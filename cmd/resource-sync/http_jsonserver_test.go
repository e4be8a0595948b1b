//go:build unix

package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
)

// Tests against json-server 0.17.4 (npm), a third-party REST server:
// plain JSON arrays, RFC 8288 Link headers for pages, resources with an
// id and nothing else to say what or where they are, PUT that cannot
// create.

// EnvJSONServer names json-server's executable script; scripts/setup
// installs it and scripts/test sets it.
const EnvJSONServer = "RESOURCE_SYNC_JSON_SERVER"

// jsonServerScript returns json-server's script and node. Without them
// the test is skipped, unless $CI is set: CI must run it.
func jsonServerScript(t *testing.T) (node, script string) {
	t.Helper()
	missing := func(format string, args ...any) {
		t.Helper()
		msg := fmt.Sprintf(format, args...)
		if os.Getenv("CI") != "" {
			t.Fatalf("%s; $CI is set, so this test must run (./scripts/setup installs json-server)", msg)
		}
		t.Skipf("%s; run ./scripts/setup and set $%s=$PWD/.cache/json-server/node_modules/.bin/json-server to run it", msg, EnvJSONServer)
	}
	script = os.Getenv(EnvJSONServer)
	if script == "" {
		missing("$%s is not set", EnvJSONServer)
	}
	if _, err := os.Stat(script); err != nil {
		missing("json-server not found: %v", err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node not found: %v", err)
	}
	return node, script
}

// jsonServerDB is the data the first json-server starts with.
const jsonServerDB = `{
  "posts": [
    {"id": 1, "title": "json-server", "author": "typicode", "tags": ["rest", "mock"]},
    {"id": 2, "title": "Zoë's \"quoted\" post", "author": "zoë", "draft": false},
    {"id": 3, "title": "2017-01-01", "author": "yes", "meta": {"views": 12.5, "likes": 0}},
    {"id": 4, "title": "multi\nline", "author": null},
    {"id": 5, "title": "🙂", "author": "emoji", "rating": 1e2}
  ],
  "comments": [
    {"id": 1, "body": "first", "postId": 1},
    {"id": 2, "body": "second", "postId": 1},
    {"id": 3, "body": "third", "postId": 2},
    {"id": 4, "body": "fourth", "postId": 3},
    {"id": 5, "body": "fifth", "postId": 5}
  ]
}`

// startJSONServer runs json-server on a free loopback port over a db.json
// holding db, waits until it answers and kills it (and its process group)
// when the test ends. It returns the server's base URL.
func startJSONServer(t *testing.T, db string) string {
	t.Helper()
	node, script := jsonServerScript(t)
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "db.json")
	if err := os.WriteFile(dbPath, []byte(db), 0o644); err != nil {
		t.Fatal(err)
	}
	// The port is picked, then given to json-server, which cannot report
	// one it picked itself; another process may take it in between, so a
	// server that exits before answering is tried again on another port.
	var lastErr error
	for range 3 {
		base, err := tryJSONServer(t, node, script, dir, dbPath)
		if err == nil {
			return base
		}
		lastErr = err
	}
	t.Fatalf("json-server did not start: %v", lastErr)
	return ""
}

func tryJSONServer(t *testing.T, node, script, dir, dbPath string) (string, error) {
	t.Helper()
	port, err := freePort()
	if err != nil {
		return "", err
	}
	var output syncBuffer
	// --quiet: no log line per request; the snapshot directory is the
	// test's own.
	cmd := exec.Command(node, script, "--host", "127.0.0.1", "--port", strconv.Itoa(port), "--quiet", "--snapshots", dir, dbPath)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = &output, &output
	// Its own process group, so that Cleanup kills whatever node started.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return "", err
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
	if err := waitAnswering(t.Context(), base+"/db", exited); err != nil {
		stop()
		return "", fmt.Errorf("%w\n%s", err, output.String())
	}
	t.Cleanup(stop)
	return base, nil
}

// freePort returns a loopback port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitAnswering polls u until it answers 200, the process exits or 30
// seconds pass. json-server prints its banner before it listens, so
// there is nothing to wait on but the port itself.
func waitAnswering(ctx context.Context, u string, exited <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return err
		}
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-exited:
			return errors.New("json-server exited before answering")
		case <-ctx.Done():
			return fmt.Errorf("json-server did not answer %s: %w", u, ctx.Err())
		case <-tick.C:
		}
	}
}

// syncBuffer is a bytes.Buffer safe for a process's two output pipes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// collection GETs a json-server collection, sorted by id.
func collection(t *testing.T, base, name string) []any {
	t.Helper()
	list, ok := getJSON(t, base+"/"+name, http.StatusOK).([]any)
	if !ok {
		t.Fatalf("GET %s/%s is not a JSON array", base, name)
	}
	slices.SortFunc(list, func(a, b any) int {
		return cmp.Compare(a.(map[string]any)["id"].(fmt.Stringer).String(), b.(map[string]any)["id"].(fmt.Stringer).String())
	})
	return list
}

// TestHTTPJSONServer pulls json-server's collections under the simple
// schema, following Link rel="next" headers (two items a page), with type
// and uri taken from the collection; then pushes them into a second, empty
// json-server, whose PUT answers 404 for a new id, with --create-with-post;
// both servers must then hold the same data. A second push finds every
// resource in place and sends nothing. With --delete, a comment the
// directory no longer holds is deleted from json-server.
func TestHTTPJSONServer(t *testing.T) {
	t.Parallel()
	origin := startJSONServer(t, jsonServerDB)
	pulled := t.TempDir()
	mustRun(t, "--simple",
		origin+"/posts?_page=1&_limit=2", origin+"/comments?_page=1&_limit=2", pulled)

	tree := loadTree(t, pulled)
	for _, name := range []string{"posts", "comments"} {
		for _, item := range collection(t, origin, name) {
			key := name + "/" + item.(map[string]any)["id"].(fmt.Stringer).String()
			got, ok := tree[key]
			if !ok {
				t.Errorf("%s.yaml was not pulled", key)
				continue
			}
			delete(tree, key)
			if diff := gocmp.Diff(item, got); diff != "" {
				t.Errorf("%s.yaml differs from the server's (-server +file):\n%s", key, diff)
			}
		}
	}
	for key := range tree {
		t.Errorf("pulled %s, which the server does not hold", key)
	}

	dest := startJSONServer(t, `{"posts": [], "comments": []}`)
	for i, want := range []string{"10 read: 10 created", "10 read: 0 created, 0 updated, 10 unchanged"} {
		r := mustRun(t, "--simple", "--create-with-post", pulled, dest+"/")
		if !strings.Contains(r.stderr, want) {
			t.Errorf("push %d: summary %q, want %q", i+1, r.stderr, want)
		}
		for _, name := range []string{"posts", "comments"} {
			if diff := gocmp.Diff(collection(t, origin, name), collection(t, dest, name)); diff != "" {
				t.Errorf("push %d: GET /%s differs between the servers (-origin +destination):\n%s", i+1, name, diff)
			}
		}
	}

	comments := collection(t, dest, "comments")
	gone := comments[0].(map[string]any)["id"].(fmt.Stringer).String()
	if err := os.Remove(filepath.Join(pulled, "comments", gone+".yaml")); err != nil {
		t.Fatal(err)
	}
	r := mustRun(t, "--simple", "--create-with-post", "--delete", pulled, dest+"/")
	if want := "0 created, 0 updated, 9 unchanged, 1 deleted"; !strings.Contains(r.stderr, want) {
		t.Errorf("push with --delete: summary %q, want %q", r.stderr, want)
	}
	if diff := gocmp.Diff(comments[1:], collection(t, dest, "comments")); diff != "" {
		t.Errorf("comments after --delete (-want +got):\n%s", diff)
	}
}
