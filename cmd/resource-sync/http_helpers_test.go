package main

import (
	"bytes"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cli"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/iostreams"
	jsonfmt "github.com/resource-sync/resource-sync/plugins/json"
	"github.com/resource-sync/resource-sync/plugins/yaml"
	"github.com/resource-sync/resource-sync/sdk"
	"github.com/resource-sync/resource-sync/server"
)

// examplesDir is the HAL dataset shipped with the repository.
const examplesDir = "../../examples/data"

// result is what one run of the command line left behind.
type result struct {
	code        int
	out, stderr string
}

// runCLI runs resource-sync in process, as main does, with buffers for
// its streams. Plugins still run as processes: the test binary re-executes
// itself to serve them (see TestMain).
func runCLI(t *testing.T, args ...string) result {
	t.Helper()
	ios, _, out, _ := iostreams.Test()
	// Plugin logs arrive on go-plugin's goroutines while the command
	// writes its summary: on a buffer, the writes must take turns.
	errOut := &lockedBuffer{}
	ios.ErrOut = errOut
	code := cli.Run(t.Context(), cli.NewFactory(ios), args)
	t.Logf("resource-sync %s: exit %d\n%s", strings.Join(args, " "), code, errOut)
	return result{code, out.String(), errOut.String()}
}

// lockedBuffer is a bytes.Buffer safe for concurrent use.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// mustRun runs the command line and fails the test unless it exits 0.
func mustRun(t *testing.T, args ...string) result {
	t.Helper()
	r := runCLI(t, args...)
	if r.code != 0 {
		t.Fatalf("resource-sync %s: exit %d, want 0\n%s", strings.Join(args, " "), r.code, r.stderr)
	}
	return r
}

// formats are what `resource-sync serve` reads and writes.
func formats() map[string]sdk.Formatter {
	return map[string]sdk.Formatter{".json": jsonfmt.Formatter{}, ".yaml": yaml.Formatter{}, ".yml": yaml.Formatter{}}
}

// served is a `resource-sync serve` of a directory on loopback, with every
// request it answered recorded.
type served struct {
	*server.Server
	dir string
	url string // http://127.0.0.1:PORT, no trailing slash
	log *requestLog
}

// serveDir serves dir as `resource-sync serve DIR` does, on a
// 127.0.0.1:0 listener, until the test ends.
func serveDir(t testing.TB, dir string) *served {
	t.Helper()
	return serveWith(t, server.Options{Dir: dir})
}

// serveWith is serveDir with more options; Formats and WriteExt default
// to those of the serve command.
func serveWith(t testing.TB, opts server.Options) *served {
	t.Helper()
	if opts.Formats == nil {
		opts.Formats, opts.WriteExt = formats(), ".yaml"
	}
	dir := opts.Dir
	srv, err := server.New(opts)
	if err != nil {
		t.Fatalf("server.New(%s): %v", dir, err)
	}
	t.Cleanup(func() { srv.Close() })
	log := &requestLog{}
	ts := httptest.NewServer(log.wrap(srv.Handler()))
	t.Cleanup(ts.Close)
	return &served{Server: srv, dir: dir, url: ts.URL, log: log}
}

// request is one request a server answered.
type request struct {
	method string
	uri    string // path and query, as sent
	// items is the length of a PATCH body's items list.
	items int
}

// requestLog records requests in the order they arrived.
type requestLog struct {
	mu   sync.Mutex
	reqs []request
}

func (l *requestLog) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := request{method: r.Method, uri: r.URL.RequestURI()}
		if r.Method == http.MethodPatch {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			var doc struct{ Items []json.RawMessage }
			if json.Unmarshal(body, &doc) == nil {
				req.items = len(doc.Items)
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		l.mu.Lock()
		l.reqs = append(l.reqs, req)
		l.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

// all returns the requests recorded so far.
func (l *requestLog) all() []request {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.reqs)
}

// count returns how many requests of each method arrived.
func (l *requestLog) count() map[string]int {
	n := map[string]int{}
	for _, r := range l.all() {
		n[r.method]++
	}
	return n
}

// copyExamples copies the example dataset into a new directory.
func copyExamples(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	if err := os.CopyFS(dst, os.DirFS(examplesDir)); err != nil {
		t.Fatal(err)
	}
	return dst
}

// loadTree decodes every resource file below dir (hidden ones and other
// extensions skipped, as the dir endpoint does) into a map from its slash
// path without extension ("order/o1") to its JSON value.
func loadTree(t *testing.T, dir string) map[string]any {
	t.Helper()
	tree := map[string]any{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), ".") && p != dir {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		f := formats()[filepath.Ext(p)]
		if d.IsDir() || f == nil {
			return nil
		}
		content, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		values, err := f.Decode(sdk.Document{Content: content, Extension: filepath.Ext(p), Source: rel})
		if err != nil {
			return err
		}
		if len(values) != 1 {
			t.Errorf("%s holds %d documents, want 1", rel, len(values))
			return nil
		}
		tree[strings.TrimSuffix(rel, path.Ext(rel))] = decodeJSON(t, values[0].JSON)
		return nil
	})
	if err != nil {
		t.Fatalf("loading %s: %v", dir, err)
	}
	return tree
}

// decodeJSON decodes canonical JSON, numbers kept as written.
func decodeJSON(t *testing.T, data []byte) any {
	t.Helper()
	v, err := sdk.UnmarshalJSON(data)
	if err != nil {
		t.Fatalf("not JSON: %v\n%s", err, data)
	}
	return v
}

// pathOnly returns a copy of v in which every href (in _links, and in
// items) is cut down to its path and query: the same links whatever host
// served them.
func pathOnly(v any) any {
	switch v := v.(type) {
	case map[string]any:
		c := make(map[string]any, len(v))
		for k, x := range v {
			if s, ok := x.(string); ok && k == "href" {
				if u, err := url.Parse(s); err == nil {
					c[k] = u.RequestURI()
					continue
				}
			}
			c[k] = pathOnly(x)
		}
		return c
	case []any:
		c := make([]any, len(v))
		for i, x := range v {
			c[i] = pathOnly(x)
		}
		return c
	}
	return v
}

// withoutLinks returns a copy of the object v without _links.
func withoutLinks(v any) map[string]any {
	obj := v.(map[string]any)
	c := make(map[string]any, len(obj))
	for k, x := range obj {
		if k != "_links" {
			c[k] = x
		}
	}
	return c
}

// getJSON GETs u and decodes the JSON answer; want is the status expected.
func getJSON(t *testing.T, u string, want int) any {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != want {
		t.Fatalf("GET %s: %s, want %d\n%s", u, resp.Status, want, body)
	}
	if want != http.StatusOK {
		return nil
	}
	canon, err := sdk.CanonicalJSON(body)
	if err != nil {
		t.Fatalf("GET %s: %v\n%s", u, err, body)
	}
	return decodeJSON(t, canon)
}
