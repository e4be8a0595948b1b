package main

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/resource-sync/resource-sync/server"
)

// Credentials belong to the endpoint they were given for (issue 7): with
// two HTTP APIs in one sync, each receives its own credentials and never
// the other's, whichever is the origin, and across redirects between them.

// The secrets live in the environment only: the command lines below name
// them with ${env:...}, so they are in no argv.
var testSecrets = map[string]string{
	"RS_TEST_A_TOKEN": "SECRET-FOR-A-7f3c1e",
	"RS_TEST_A_KEY":   "KEY-FOR-A-9b2d44",
	"RS_TEST_B_TOKEN": "SECRET-FOR-B-c81a0f",
	"RS_TEST_B_KEY":   "KEY-FOR-B-3e6f95",
}

// headerServer is a `resource-sync serve` of a directory that records the
// credentials of every request, and redirects /hop/... to its peer.
type headerServer struct {
	*served
	mu   sync.Mutex
	seen []seenRequest
	peer string // the other server's URL, set once both run
}

type seenRequest struct {
	method, path  string
	authorization string
	apiKey        string
}

func newHeaderServer(t *testing.T, dir string) *headerServer {
	t.Helper()
	hs := &headerServer{}
	srv, err := server.New(server.Options{Dir: dir, Formats: formats(), WriteExt: ".yaml"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	inner := srv.Handler()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hs.mu.Lock()
		hs.seen = append(hs.seen, seenRequest{r.Method, r.URL.Path, r.Header.Get("Authorization"), r.Header.Get("X-Api-Key")})
		hs.mu.Unlock()
		if rest, ok := strings.CutPrefix(r.URL.Path, "/hop/"); ok {
			// 307 keeps the method and body: a PUT is redirected as a PUT.
			http.Redirect(w, r, hs.peer+"/"+rest, http.StatusTemporaryRedirect)
			return
		}
		inner.ServeHTTP(w, r)
	})
	hs.served = serveHandler(t, srv, dir, h)
	return hs
}

func (hs *headerServer) requests() []seenRequest {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	return slices.Clone(hs.seen)
}

func (hs *headerServer) reset() {
	hs.mu.Lock()
	hs.seen = nil
	hs.mu.Unlock()
}

// credentialsOf are the header values a server's own credentials produce.
type credentialsOf struct{ authorization, apiKey string }

func TestCredentialsStayWithTheirEndpoint(t *testing.T) {
	for k, v := range testSecrets {
		t.Setenv(k, v)
	}
	a := newHeaderServer(t, copyExamples(t))
	b := newHeaderServer(t, copyExamples(t))
	a.peer, b.peer = b.url, a.url
	own := map[*headerServer]credentialsOf{
		a: {"Bearer " + testSecrets["RS_TEST_A_TOKEN"], testSecrets["RS_TEST_A_KEY"]},
		b: {"Bearer " + testSecrets["RS_TEST_B_TOKEN"], testSecrets["RS_TEST_B_KEY"]},
	}
	fromA := []string{"--from-token", "${env:RS_TEST_A_TOKEN}", "--from-header", "X-Api-Key: ${env:RS_TEST_A_KEY}"}
	toA := []string{"--to-token", "${env:RS_TEST_A_TOKEN}", "--to-header", "X-Api-Key: ${env:RS_TEST_A_KEY}"}
	fromB := []string{"--from-token", "${env:RS_TEST_B_TOKEN}", "--from-header", "X-Api-Key: ${env:RS_TEST_B_KEY}"}
	toB := []string{"--to-token", "${env:RS_TEST_B_TOKEN}", "--to-header", "X-Api-Key: ${env:RS_TEST_B_KEY}"}
	onlyA := []string{"--token", "${env:RS_TEST_A_TOKEN}", "-H", "X-Api-Key: ${env:RS_TEST_A_KEY}"}
	onlyB := []string{"--token", "${env:RS_TEST_B_TOKEN}", "-H", "X-Api-Key: ${env:RS_TEST_B_KEY}"}
	dir := t.TempDir()
	// The same endpoints as named environments, secrets from the
	// environment too.
	cfg := filepath.Join(dir, "resource-sync.yaml")
	writeFile(t, cfg, `environments:
  env-a:
    location: `+a.url+`/
    token: ${env:RS_TEST_A_TOKEN}
    header: ["X-Api-Key: ${env:RS_TEST_A_KEY}"]
  env-b:
    location: `+b.url+`/
    token: ${env:RS_TEST_B_TOKEN}
    header: ["X-Api-Key: ${env:RS_TEST_B_KEY}"]
`)

	for _, tc := range []struct {
		name string
		args []string
		// wantOwn are the servers that must have seen their own
		// credentials at least once.
		wantOwn []*headerServer
		// wantErr, when set, is part of the error the sync must end with:
		// a redirect to another host is not followed at all (a write),
		// or only to an allowed host (a read).
		wantErr string
	}{
		{"A to B", cat(fromA, toB, "-a", a.url+"/api/", b.url+"/"), []*headerServer{a, b}, ""},
		{"B to A", cat(fromB, toA, "-a", b.url+"/api/", a.url+"/"), []*headerServer{a, b}, ""},
		{"A to a directory, --token unscoped", cat(onlyA, "-a", a.url+"/api/", filepath.Join(dir, "pulled")), []*headerServer{a}, ""},
		{"a directory to B, --token unscoped", cat(onlyB, filepath.Join(dir, "pulled"), b.url+"/"), []*headerServer{b}, ""},
		{"environment A to environment B", cat("--config", cfg, "-a", "env-a:api/", "env-b:"), []*headerServer{a, b}, ""},
		{"environment B to environment A", cat("--config", cfg, "-a", "env-b:api/", "env-a:"), []*headerServer{a, b}, ""},
		// Every PUT on B's /hop/ is redirected to A: the write is not
		// followed, so B's credentials and the body stay with B.
		{"environment A to B redirecting to A", cat("--config", cfg, "-a", "env-a:api/", "env-b:hop/"), []*headerServer{a, b}, "another origin: a PUT is only sent where it was addressed"},
		// A's customer collection redirects to B's: not followed, as B is
		// not an allowed host for the origin, and nothing is written.
		{"A redirecting to B as the origin", cat(fromA, toB, "-n", a.url+"/hop/api/v1/customer", b.url+"/"), []*headerServer{a}, "another host: not followed"},
		{"the destination B redirecting to A", cat(fromA, toB, "-a", a.url+"/api/", b.url+"/hop/"), []*headerServer{a, b}, "another origin: a PUT is only sent where it was addressed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a.reset()
			b.reset()
			for _, arg := range tc.args {
				for _, secret := range testSecrets {
					if strings.Contains(arg, secret) {
						t.Fatalf("argument %q holds a secret", arg)
					}
				}
			}
			var r result
			if tc.wantErr == "" {
				r = mustRun(t, append([]string{"-v"}, tc.args...)...)
			} else if r = runCLI(t, append([]string{"-v"}, tc.args...)...); r.code != 1 || !strings.Contains(r.stderr, tc.wantErr) {
				t.Errorf("exit %d, want 1 and %q in stderr", r.code, tc.wantErr)
			}
			checkNoSecrets(t, "stderr", r.stderr)
			checkNoSecrets(t, "stdout", r.out)
			for srv, name := range map[*headerServer]string{a: "A", b: "B"} {
				other := own[a]
				if srv == a {
					other = own[b]
				}
				sawOwn := false
				for _, req := range srv.requests() {
					if req.authorization == other.authorization || req.apiKey == other.apiKey {
						t.Errorf("server %s received the other server's credentials: %s %s", name, req.method, req.path)
					}
					if req.authorization != "" && req.authorization != own[srv].authorization ||
						req.apiKey != "" && req.apiKey != own[srv].apiKey {
						t.Errorf("server %s received unexpected credentials: %s %s", name, req.method, req.path)
					}
					if req.authorization == own[srv].authorization && req.apiKey == own[srv].apiKey {
						sawOwn = true
					}
				}
				if slices.Contains(tc.wantOwn, srv) && !sawOwn {
					t.Errorf("server %s never received its own credentials in %d requests", name, len(srv.requests()))
				}
				if !slices.Contains(tc.wantOwn, srv) && len(srv.requests()) > 0 {
					t.Errorf("server %s is not in this sync but got %d requests", name, len(srv.requests()))
				}
			}
		})
	}
	checkNoSecretsInTree(t, dir)
}

// TestAmbiguousCredentialIsAUsageError: the command line, which
// sent A's token to B, is now refused before any request.
func TestAmbiguousCredentialIsAUsageError(t *testing.T) {
	for k, v := range testSecrets {
		t.Setenv(k, v)
	}
	a := newHeaderServer(t, copyExamples(t))
	b := newHeaderServer(t, t.TempDir())
	r := runCLI(t, "--token", "${env:RS_TEST_A_TOKEN}", a.url+"/api/item", b.url+"/")
	if r.code != 2 {
		t.Fatalf("exit %d, want 2\n%s", r.code, r.stderr)
	}
	want := "--token is ambiguous: " + a.url + "/api/item (origin) and " + b.url + "/ (destination) both take option token"
	if !strings.Contains(r.stderr, want) {
		t.Errorf("stderr %q\nwant it to hold %q", r.stderr, want)
	}
	if n := len(a.requests()) + len(b.requests()); n != 0 {
		t.Errorf("%d requests were sent", n)
	}
	checkNoSecrets(t, "stderr", r.stderr)
}

func cat(parts ...any) []string {
	var out []string
	for _, p := range parts {
		switch p := p.(type) {
		case string:
			out = append(out, p)
		case []string:
			out = append(out, p...)
		}
	}
	return out
}

func checkNoSecrets(t *testing.T, what, text string) {
	t.Helper()
	for name, secret := range testSecrets {
		if strings.Contains(text, secret) {
			t.Errorf("%s shows $%s's value", what, name)
		}
	}
}

func checkNoSecretsInTree(t *testing.T, dir string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		checkNoSecrets(t, p, string(data))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// serveHandler serves h, in front of srv, on loopback until the test ends.
func serveHandler(t *testing.T, srv *server.Server, dir string, h http.Handler) *served {
	t.Helper()
	log := &requestLog{}
	ts := httptest.NewServer(log.wrap(h))
	t.Cleanup(ts.Close)
	return &served{Server: srv, dir: dir, url: ts.URL, log: log}
}
