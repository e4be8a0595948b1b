package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/resource-sync/resource-sync/internal/testserver"
)

// End-to-end runs against hostile or careless servers (issue 8): each
// server is a small handler on loopback, the command line is the real
// one, with its plugins in their own processes.

// halPage is a HAL page holding one item, with a body next link to next
// when next is not "".
func halPage(id, next string) string {
	links := ""
	if next != "" {
		links = fmt.Sprintf(`,"_links":{"next":{"href":%q}}`, next)
	}
	return fmt.Sprintf(`{"items":[{"id":%q,"name":"item %s","_links":{"self":{"href":"/api/t/%s"}}}]%s}`, id, id, id, links)
}

// hostile serves h on loopback until the test ends.
func hostile(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// mustNotExist fails if the pull created its destination.
func mustNotExist(t *testing.T, dest string) {
	t.Helper()
	if _, err := os.Stat(dest); !os.IsNotExist(err) {
		t.Errorf("the destination %s exists after a failed pull (%v)", dest, err)
	}
}

// TestHostileTricklingBody (case 2): a server that sends its headers and
// then a byte now and then no longer hangs the pull: it fails within
// --request-timeout, naming the uri and the flag; one that stops sending
// fails within --idle-timeout.
func TestHostileTricklingBody(t *testing.T) {
	t.Parallel()
	srv := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/hal+json")
		io.WriteString(w, `{"items": [`)
		w.(http.Flusher).Flush()
		for r.URL.Path == "/api/trickle" {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(50 * time.Millisecond):
				io.WriteString(w, " ")
				w.(http.Flusher).Flush()
			}
		}
		<-r.Context().Done()
	})
	for _, tc := range []struct{ path, flag string }{{"/api/trickle", "--request-timeout"}, {"/api/stall", "--idle-timeout"}} {
		dest := filepath.Join(t.TempDir(), "out")
		start := time.Now()
		r := runCLI(t, "--request-timeout", "1s", "--idle-timeout", "300ms", srv.URL+tc.path, dest)
		if took := time.Since(start); took > 20*time.Second {
			t.Errorf("%s: took %v", tc.path, took)
		}
		if r.code == 0 || !strings.Contains(r.stderr, srv.URL+tc.path) || !strings.Contains(r.stderr, tc.flag) {
			t.Errorf("%s: exit %d, want a failure naming the uri and %s:\n%s", tc.path, r.code, tc.flag, r.stderr)
		}
		mustNotExist(t, dest)
	}
}

// TestHostileEndlessPagination (case 3): next links in the bodies that
// always name a new page stop at --max-pages with an error naming the
// collection and the flag; nothing is written.
func TestHostileEndlessPagination(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	requests := 0
	srv := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		requests++
		mu.Unlock()
		n, _ := strconv.Atoi(r.URL.Query().Get("page"))
		w.Header().Set("Content-Type", "application/hal+json")
		io.WriteString(w, halPage("i"+strconv.Itoa(n), fmt.Sprintf("/api/t?page=%d", n+1)))
	})
	dest := filepath.Join(t.TempDir(), "out")
	r := runCLI(t, "--max-pages", "25", srv.URL+"/api/t?page=1", dest)
	if r.code == 0 || !strings.Contains(r.stderr, srv.URL+"/api/t:") || !strings.Contains(r.stderr, "after 25 pages") || !strings.Contains(r.stderr, "--max-pages") {
		t.Errorf("exit %d, want a failure naming the collection and --max-pages:\n%s", r.code, r.stderr)
	}
	mu.Lock()
	defer mu.Unlock()
	if requests != 25 {
		t.Errorf("%d requests, want 25", requests)
	}
	mustNotExist(t, dest)
}

// TestHostileSchemeDowngrade (case 4): with --token for an https location,
// a next link to plain http on the same host and port is followed without
// the token, with a warning.
func TestHostileSchemeDowngrade(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	auth := map[string]string{} // "https /api/t" -> Authorization
	var addr string
	d, err := testserver.NewDual(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		mu.Lock()
		auth[scheme+" "+r.URL.RequestURI()] = r.Header.Get("Authorization")
		mu.Unlock()
		w.Header().Set("Content-Type", "application/hal+json")
		if r.URL.Query().Get("page") == "" {
			io.WriteString(w, halPage("a", "http://"+addr+"/api/t?page=2"))
			return
		}
		io.WriteString(w, halPage("b", ""))
	}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	addr = d.Addr
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, d.CertPEM, 0o600); err != nil {
		t.Fatal(err)
	}

	r := mustRun(t, "--token", "tok-Sup3r-s3cret", "--ca-cert", ca, "https://"+addr+"/api/t", filepath.Join(t.TempDir(), "out"))
	if !strings.Contains(r.stderr, "2 read: 2 created") || !strings.Contains(r.stderr, "sending no credentials over plain http") {
		t.Errorf("want both pages read and a warning:\n%s", r.stderr)
	}
	mu.Lock()
	defer mu.Unlock()
	if got := auth["https /api/t"]; got != "Bearer tok-Sup3r-s3cret" {
		t.Errorf("the https page got Authorization %q", got)
	}
	if got, ok := auth["http /api/t?page=2"]; !ok || got != "" {
		t.Errorf("the plain http page: requested %v, Authorization %q; want requested without", ok, got)
	}
}

// TestHostileWriteRedirect (case 5): a PUT answered 307 to another host is
// not re-sent there; the resource fails with both uris named, the summary
// says so, and -v logs no success for it.
func TestHostileWriteRedirect(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var stolen []string
	other := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		stolen = append(stolen, r.Method+" "+r.URL.Path+" "+string(body))
		mu.Unlock()
		w.WriteHeader(http.StatusOK)
	})
	dest := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/collect"+r.URL.Path, http.StatusTemporaryRedirect)
	})
	src := t.TempDir()
	if err := os.MkdirAll(filepath.Join(src, "customer"), 0o755); err != nil {
		t.Fatal(err)
	}
	err := os.WriteFile(filepath.Join(src, "customer", "c1.yaml"), []byte("id: c1\ncard: 4111-1111-1111-1111\n_links:\n  self:\n    href: http://origin.invalid/api/customer/c1\n"), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, "-v", src, dest.URL+"/")
	if r.code != 1 {
		t.Errorf("exit %d, want 1", r.code)
	}
	for _, want := range []string{dest.URL + "/api/customer/c1", other.URL + "/collect/api/customer/c1", "another origin", "0 created", "1 failed"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if strings.Contains(r.stderr, "status=200") {
		t.Errorf("-v logged a success:\n%s", r.stderr)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(stolen) != 0 {
		t.Errorf("the other host got %q", stolen)
	}
}

// TestHostileReadRedirect (case 5): a GET redirected to another host is
// not followed unless --allow-host names it.
func TestHostileReadRedirect(t *testing.T) {
	t.Parallel()
	other := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/hal+json")
		io.WriteString(w, halPage("foreign", ""))
	})
	home := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/api/t", http.StatusFound)
	})
	dest := filepath.Join(t.TempDir(), "out")
	r := runCLI(t, home.URL+"/api/t", dest)
	if r.code == 0 || !strings.Contains(r.stderr, other.URL+"/api/t") || !strings.Contains(r.stderr, "--allow-host") {
		t.Errorf("exit %d, want a failure naming %s and --allow-host:\n%s", r.code, other.URL, r.stderr)
	}
	mustNotExist(t, dest)
	r = mustRun(t, "-v", "--allow-host", strings.TrimPrefix(other.URL, "http://"), home.URL+"/api/t", dest)
	if !strings.Contains(r.stderr, "GET "+other.URL+"/api/t: ") || !strings.Contains(r.stderr, "redirected_from="+home.URL+"/api/t") {
		t.Errorf("-v does not name where the answer came from:\n%s", r.stderr)
	}
}

// TestHostileQuerySecrets (case 7): an api key in the location's query
// string appears neither in errors nor in -v logs, even where the server
// quotes it back.
func TestHostileQuerySecrets(t *testing.T) {
	t.Parallel()
	const secret = "k3y-Sup3r-s3cret"
	srv := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("page") == "2" {
			http.Error(w, "quota exceeded for "+r.URL.RawQuery, http.StatusForbidden)
			return
		}
		w.Header().Set("Content-Type", "application/hal+json")
		io.WriteString(w, halPage("a", "/api/t?page=2&api_key="+r.URL.Query().Get("api_key")))
	})
	r := runCLI(t, "-v", srv.URL+"/api/t?api_key="+secret, filepath.Join(t.TempDir(), "out"))
	if r.code == 0 || !strings.Contains(r.stderr, "403 Forbidden") || !strings.Contains(r.stderr, "api_key=***") {
		t.Errorf("exit %d, want the 403 reported with the key hidden:\n%s", r.code, r.stderr)
	}
	if strings.Contains(r.stderr, secret) {
		t.Errorf("the key appears on stderr:\n%s", r.stderr)
	}
}

// TestHostileNonHTTPLinks (case 18): under -a, links that are not http or
// https are skipped with a warning, as links to other hosts are. (The
// schema already drops links without a host, such as mailto:, so only
// gopher:// reaches the endpoint.)
func TestHostileNonHTTPLinks(t *testing.T) {
	t.Parallel()
	srv := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/hal+json")
		io.WriteString(w, `{"id":"a","_links":{"self":{"href":"/api/t/a"},"about":{"href":"gopher://127.0.0.1/1about"},"contact":{"href":"mailto:ops@example.com"}}}`)
	})
	r := mustRun(t, "-a", srv.URL+"/api/t/a", filepath.Join(t.TempDir(), "out"))
	for _, want := range []string{"1 read: 1 created", "gopher://127.0.0.1/1about", "not http or https"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
}

// TestHostileMaxBody (case 20): the error for a response over the limit
// names --max-body, which raises it.
func TestHostileMaxBody(t *testing.T) {
	t.Parallel()
	srv := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/hal+json")
		io.WriteString(w, `{"id":"a","pad":"`+strings.Repeat("x", 5000)+`","_links":{"self":{"href":"/api/t/a"}}}`)
	})
	dest := filepath.Join(t.TempDir(), "out")
	r := runCLI(t, "--max-body", "4096", srv.URL+"/api/t/a", dest)
	if r.code == 0 || !strings.Contains(r.stderr, "4096 bytes") || !strings.Contains(r.stderr, "--max-body") {
		t.Errorf("exit %d, want a failure naming the limit and --max-body:\n%s", r.code, r.stderr)
	}
	mustNotExist(t, dest)
	mustRun(t, "--max-body", "8192", srv.URL+"/api/t/a", dest)
}
