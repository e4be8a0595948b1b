package http

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/resource-sync/resource-sync/sdk"
)

// conditionalChecks runs the conditional-write capability against a
// server at base, whose resources live at base/post/ID: creates with
// If-None-Match: *, updates and deletes with If-Match, each refused
// (PreconditionFailed, never overwritten) once the resource changed.
func conditionalChecks(t *testing.T, base string, settle func()) {
	e := openTest(t, base)
	item := func(seq int64, id, body string) sdk.WriteItem {
		return jsonItem(seq, "post", id, base+"/post/"+id, body)
	}
	created := item(1, "1", `{"id":"1","v":1}`)
	created.IfNoneMatch = true
	res := writeAll(t, e.Endpoint, created)[1]
	if res.Status != sdk.Written || res.URI != base+"/post/1" {
		t.Fatalf("create with If-None-Match: %+v", res)
	}
	res = writeAll(t, e.Endpoint, created)[1]
	if res.Status != sdk.PreconditionFailed {
		t.Fatalf("create over an existing resource: %+v, want PreconditionFailed", res)
	}
	settle()
	docs, errs := collect(t, e.Fetch(context.Background(), []string{base + "/post/1"}))
	if len(errs) > 0 || len(docs) != 1 || docs[0].ETag == "" {
		t.Fatalf("fetch: %v %v; want one document with an ETag", docs, errs)
	}
	etag := docs[0].ETag

	update := item(2, "1", `{"id":"1","v":2}`)
	update.IfMatch = etag
	if res = writeAll(t, e.Endpoint, update)[2]; res.Status != sdk.Written {
		t.Fatalf("update with the current ETag %s: %+v", etag, res)
	}
	stale := item(3, "1", `{"id":"1","v":3}`)
	stale.IfMatch = etag
	if res = writeAll(t, e.Endpoint, stale)[3]; res.Status != sdk.PreconditionFailed {
		t.Fatalf("update with a stale ETag: %+v, want PreconditionFailed", res)
	}
	err := e.Delete(context.Background(), []sdk.Resource{{ID: "1", Type: "post", URI: base + "/post/1", ETag: etag}})
	if !errors.Is(err, sdk.ErrPreconditionFailed) {
		t.Fatalf("delete with a stale ETag: %v, want ErrPreconditionFailed", err)
	}
	settle()
	e2 := openTest(t, base) // a new read: Fetch skips what this endpoint fetched
	docs, _ = collect(t, e2.Fetch(context.Background(), []string{base + "/post/1"}))
	if len(docs) != 1 || !strings.Contains(string(docs[0].Content), `"v":2`) {
		t.Fatalf("after the refused writes: %v", contents(docs))
	}
	if err := e.Delete(context.Background(), []sdk.Resource{{ID: "1", Type: "post", URI: base + "/post/1", ETag: docs[0].ETag}}); err != nil {
		t.Fatalf("delete with the current ETag: %v", err)
	}
}

// The conditional-write capability against resource-sync serve's rules
// (server.conditional.go), through a stand-in with the same semantics.
func TestConditionalWrites(t *testing.T) {
	t.Parallel()
	store := map[string]string{}
	etags := map[string]string{}
	n := 0
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		cur, exists := store[r.URL.Path]
		match, noneMatch := r.Header.Get("If-Match"), r.Header.Get("If-None-Match")
		switch {
		case r.Method == http.MethodGet && exists:
			w.Header().Set("ETag", etags[r.URL.Path])
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(cur))
			return
		case r.Method == http.MethodGet:
			w.WriteHeader(http.StatusNotFound)
			return
		case noneMatch == "*" && exists, match != "" && (!exists || match != etags[r.URL.Path]):
			w.WriteHeader(http.StatusPreconditionFailed)
			return
		case r.Method == http.MethodDelete:
			delete(store, r.URL.Path)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		body := make([]byte, r.ContentLength)
		r.Body.Read(body)
		n++
		store[r.URL.Path], etags[r.URL.Path] = string(body), fmt.Sprintf(`"%d"`, n)
		w.Header().Set("ETag", etags[r.URL.Path])
		w.WriteHeader(http.StatusCreated)
	}))
	t.Cleanup(srv.Close)
	conditionalChecks(t, srv.URL, func() {})
}

// EnvApache names Apache httpd's binary (Debian's apache2-bin, which
// scripts/setup installs), for the tests against a third-party server
// with ETags and If-Match: mod_dav.
const EnvApache = "RESOURCE_SYNC_APACHE"

// startApache runs Apache httpd with mod_dav over a new directory on a
// free loopback port and returns its base URL. Without httpd the test is
// skipped, unless $CI is set.
func startApache(t *testing.T) string {
	t.Helper()
	bin := os.Getenv(EnvApache)
	if bin == "" {
		bin = "/usr/sbin/apache2"
	}
	if _, err := os.Stat(bin); err != nil {
		msg := fmt.Sprintf("Apache httpd not found (%v); ./scripts/setup installs Debian's apache2-bin, or set $%s", err, EnvApache)
		if os.Getenv("CI") != "" {
			t.Fatalf("%s; $CI is set, so this test must run", msg)
		}
		t.Skip(msg)
	}
	modules := "/usr/lib/apache2/modules"
	// Not t.TempDir(): its parent is private, and Apache run as root
	// serves as nobody, who must reach the files.
	dir, err := os.MkdirTemp("", "resource-sync-apache-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	data, run := filepath.Join(dir, "data"), filepath.Join(dir, "run")
	for _, d := range []string{data, run} {
		if err := os.Mkdir(d, 0o777); err != nil {
			t.Fatal(err)
		}
		os.Chmod(d, 0o777) // Apache run as root serves as nobody
	}
	os.Chmod(dir, 0o755)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	user := ""
	if os.Geteuid() == 0 {
		user = "User nobody\nGroup nogroup\n"
	}
	conf := fmt.Sprintf(`ServerRoot %[1]s
LoadModule mpm_event_module %[2]s/mod_mpm_event.so
LoadModule authz_core_module %[2]s/mod_authz_core.so
LoadModule mime_module %[2]s/mod_mime.so
LoadModule dav_module %[2]s/mod_dav.so
LoadModule dav_fs_module %[2]s/mod_dav_fs.so
TypesConfig /dev/null
Listen %[3]s
ServerName 127.0.0.1
PidFile %[1]s/httpd.pid
ErrorLog %[1]s/error.log
DefaultRuntimeDir %[1]s
DavLockDB %[1]s/davlock
DocumentRoot %[4]s
%[5]s<Directory %[4]s>
  Dav On
  Options None
  AllowOverride None
  Require all granted
  ForceType application/json
</Directory>
`, run, modules, addr, data, user)
	confFile := filepath.Join(dir, "httpd.conf")
	if err := os.WriteFile(confFile, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(data, "post"), 0o777); err != nil {
		t.Fatal(err)
	}
	os.Chmod(filepath.Join(data, "post"), 0o777)
	cmd := exec.Command(bin, "-f", confFile, "-DFOREGROUND")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	base := "http://" + addr
	for end := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(base + "/"); err == nil {
			resp.Body.Close()
			return base
		}
		if time.Now().After(end) {
			log, _ := os.ReadFile(filepath.Join(run, "error.log"))
			t.Fatalf("Apache httpd did not answer on %s:\n%s", addr, log)
		}
	}
}

// Conditional writes against a third-party server: Apache httpd's
// mod_dav honours If-Match and If-None-Match: * on PUT and DELETE.
// Apache gives a weak ETag to a file changed within the last second
// (resource-sync never makes a write conditional on a weak ETag), so the
// checks wait for its ETags to become strong.
func TestConditionalWritesApache(t *testing.T) {
	t.Parallel()
	base := startApache(t)
	conditionalChecks(t, base, func() { time.Sleep(1100 * time.Millisecond) })
}

// The transaction log at <location>/transactions: entries since a cursor;
// a server without one (404), or one that lost the cursor (410), makes
// the feed unavailable, never an error; an entry on another host is
// refused.
func TestChanges(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var queries []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		queries = append(queries, r.URL.RequestURI())
		mu.Unlock()
		switch {
		case r.URL.Path == "/api/items/transactions" && r.URL.Query().Get("after") == "gone":
			http.Error(w, `{"error":"restarted"}`, http.StatusGone)
		case r.URL.Path == "/api/items/transactions":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"latest":"e.7","transactions":[{"itemId":"1","itemURI":"/api/items/1","type":"items","updatedAt":"2026-01-01T00:00:00Z","fingerprint":"sha256:ab","etag":"\"x\""},{"itemId":"2","itemURI":"http://%s/api/items/2","deleted":true}]}`, r.Host)
		case r.URL.Path == "/api/evil/transactions":
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"latest":"1","transactions":[{"itemId":"1","itemURI":"http://elsewhere.example/x"}]}`))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)

	e := openTest(t, srv.URL+"/api/items/")
	feed, err := e.Changes(context.Background(), sdk.ChangesRequest{Since: "e.3"})
	if err != nil || feed.Unavailable != "" || feed.Cursor != "e.7" || len(feed.Changes) != 2 {
		t.Fatalf("feed: %+v, %v", feed, err)
	}
	if c := feed.Changes[0]; c.URI != srv.URL+"/api/items/1" || c.ETag != `"x"` || c.Type != "items" || c.Deleted {
		t.Errorf("first change: %+v", c)
	}
	if !feed.Changes[1].Deleted {
		t.Errorf("second change: %+v", feed.Changes[1])
	}
	if feed, err = e.Changes(context.Background(), sdk.ChangesRequest{Since: "gone"}); err != nil || feed.Unavailable == "" {
		t.Errorf("a cursor the server lost: %+v, %v; want unavailable", feed, err)
	}
	if feed, err = openTest(t, srv.URL+"/other").Changes(context.Background(), sdk.ChangesRequest{CursorOnly: true}); err != nil || feed.Unavailable == "" {
		t.Errorf("a server without a log: %+v, %v; want unavailable", feed, err)
	}
	if _, err = openTest(t, srv.URL+"/api/evil").Changes(context.Background(), sdk.ChangesRequest{}); err == nil || !strings.Contains(err.Error(), "another host") {
		t.Errorf("an entry on another host: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if want := "/other/transactions?limit=0"; !slices.Contains(queries, want) {
		t.Errorf("requests %v lack %s", queries, want)
	}
}
