package watch

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/builtin"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmdutil"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/iostreams"
	"github.com/resource-sync/resource-sync/host"
	jsonfmt "github.com/resource-sync/resource-sync/plugins/json"
	"github.com/resource-sync/resource-sync/plugins/yaml"
	"github.com/resource-sync/resource-sync/sdk"
	"github.com/resource-sync/resource-sync/server"
)

// lockedBuffer takes writes from several goroutines (plugin logs).
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

// newFactory wires the built-in plugins, served by this test binary (see
// TestMain), as the CLI does.
func newFactory(t testing.TB) (*cmdutil.Factory, *lockedBuffer) {
	ios, _, _, _ := iostreams.Test()
	errOut := &lockedBuffer{}
	ios.ErrOut, ios.Out = errOut, &lockedBuffer{}
	config := filepath.Join(t.TempDir(), "resource-sync.yaml")
	if err := os.WriteFile(config, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return &cmdutil.Factory{
		IO:              ios,
		EndpointOptions: builtin.EndpointOptions(),
		ConfigPath:      config,
		Host: func(level hclog.Level) (*host.Host, error) {
			builtins, err := builtin.Sources()
			if err != nil {
				return nil, err
			}
			return host.New(host.Options{Builtins: builtins, Log: errOut, Level: level, Stdin: ios.In, Stdout: ios.Out})
		},
	}, errOut
}

// pass is what OnPass heard.
type pass struct {
	sum  host.Summary
	idle bool
	err  error
}

// watching is a watch running in this process.
type watching struct {
	passes chan pass
	done   chan error
	errOut *lockedBuffer
}

// runWatch runs watch with args until ctx ends.
func runWatch(t testing.TB, ctx context.Context, args ...string) *watching {
	t.Helper()
	f, errOut := newFactory(t)
	w := &watching{passes: make(chan pass, 10000), done: make(chan error, 1), errOut: errOut}
	cmd := NewCmdWatch(f, func(o *Options) error {
		o.OnPass = func(sum host.Summary, idle bool, err error) {
			select {
			case w.passes <- pass{sum, idle, err}:
			default:
			}
		}
		return watchRun(ctx, o)
	})
	cmd.SetArgs(args)
	cmd.SilenceUsage = true
	cmd.SetOut(errOut)
	cmd.SetErr(errOut)
	go func() { w.done <- cmd.Execute() }()
	return w
}

// next waits for the watch's next pass that was not idle.
func (w *watching) next(t testing.TB) pass {
	t.Helper()
	for {
		p, ok := w.nextAny(t)
		if ok && !p.idle {
			return p
		}
	}
}

// drain forgets the passes made so far.
func (w *watching) drain() {
	for {
		select {
		case <-w.passes:
		default:
			return
		}
	}
}

func (w *watching) nextAny(t testing.TB) (pass, bool) {
	t.Helper()
	select {
	case p := <-w.passes:
		return p, true
	case err := <-w.done:
		t.Fatalf("watch ended: %v\n%s", err, w.errOut)
	case <-time.After(30 * time.Second):
		t.Fatalf("no pass in 30s\n%s", w.errOut)
	}
	return pass{}, false
}

// stop waits for the watch to end after its context did, cleanly.
func (w *watching) stop(t testing.TB) {
	t.Helper()
	select {
	case err := <-w.done:
		if err != nil {
			t.Errorf("watch ended with %v\n%s", err, w.errOut)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("watch did not stop\n%s", w.errOut)
	}
}

// waitFor polls cond until it holds.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// writeFiles writes files (slash paths under dir).
func writeFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// tree reads every non-hidden file under dir: slash path -> content.
func tree(dir string) map[string]string {
	out := map[string]string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		data, err := os.ReadFile(p)
		if err == nil {
			rel, _ := filepath.Rel(dir, p)
			out[filepath.ToSlash(rel)] = string(data)
		}
		return nil
	})
	return out
}

// served is `resource-sync serve` on a directory over loopback, counting
// its answers.
type served struct {
	URL string
	Dir string
	mu  sync.Mutex
	// statuses counts answers by method and status ("GET 304").
	statuses map[string]int
	// hold, when set, may keep a request waiting until the client goes
	// away (the request then fails with 503).
	hold func(r *http.Request) bool
}

// serveDir serves dir (created with files) as `resource-sync serve` does.
func serveDir(t testing.TB, files map[string]string) *served {
	t.Helper()
	dir := t.TempDir()
	writeFiles(t, dir, files)
	srv, err := server.New(server.Options{Dir: dir, WriteExt: ".json",
		Formats: map[string]sdk.Formatter{".json": jsonfmt.Formatter{}, ".yaml": yaml.Formatter{}, ".yml": yaml.Formatter{}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	s := &served{Dir: dir, statuses: map[string]int{}}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		hold := s.hold
		s.mu.Unlock()
		if hold != nil && hold(r) {
			// Read to the end, the server notices the client leaving.
			io.Copy(io.Discard, r.Body)
			<-r.Context().Done()
			http.Error(w, "held", http.StatusServiceUnavailable)
			return
		}
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		srv.Handler().ServeHTTP(rec, r)
		s.mu.Lock()
		s.statuses[fmt.Sprintf("%s %d", r.Method, rec.status)]++
		s.mu.Unlock()
	}))
	t.Cleanup(ts.Close)
	s.URL = ts.URL
	return s
}

func (s *served) count(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.statuses[key]
}

func (s *served) do(t testing.TB, method, path, body string) {
	t.Helper()
	req, _ := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		t.Fatalf("%s %s: %s", method, path, resp.Status)
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// widget is a widget's file content.
func widget(id string, n int) string { return fmt.Sprintf(`{"id":%q,"n":%d}`, id, n) }

// EnvTestCLI makes the test binary run as resource-sync itself (see
// TestMain), for tests that kill a watch process.
const EnvTestCLI = "RESOURCE_SYNC_WATCH_TEST_CLI"

// receiver is a webhook subscriber on loopback. While holding, it keeps
// requests unanswered until the caller goes away (recorded with status
// 0); otherwise it answers 200.
type receiver struct {
	*httptest.Server
	mu      sync.Mutex
	calls   []call
	holding func(successes int) bool
	lastAt  time.Time
}

type call struct {
	Method, Path, Body string
	Key                string // Idempotency-Key
	Status             int
}

func newReceiver(t testing.TB) *receiver {
	r := &receiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		c := call{Method: req.Method, Path: req.URL.Path, Body: string(body), Key: req.Header.Get("Idempotency-Key")}
		r.mu.Lock()
		r.lastAt = time.Now()
		if r.holding != nil && r.holding(len(r.successesLocked())) {
			r.calls = append(r.calls, c)
			r.mu.Unlock()
			<-req.Context().Done()
			return
		}
		c.Status = http.StatusOK
		r.calls = append(r.calls, c)
		r.mu.Unlock()
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) successesLocked() []call {
	var out []call
	for _, c := range r.calls {
		if c.Status == http.StatusOK {
			out = append(out, c)
		}
	}
	return out
}

// successes are the calls answered 200.
func (r *receiver) successes() []call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.successesLocked()
}

// hold sets when requests are held; nil answers every one.
func (r *receiver) hold(holding func(successes int) bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.holding = holding
}

// quietFor says no request arrived for d.
func (r *receiver) quietFor(d time.Duration) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return !r.lastAt.IsZero() && time.Since(r.lastAt) > d
}

// subscriptions writes a subscriptions file telling rcv about the items
// of origin, versioned by rev.
func subscriptions(t testing.TB, origin string, rcv *receiver) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "subs.yaml")
	writeFiles(t, filepath.Dir(path), map[string]string{"subs.yaml": fmt.Sprintf(`resources:
  items:
    endpoint: %s/api/item/{id}
    change: {field: rev}
    subscriptions:
      audit:
        endpoint: {url: "%s/item/{id}"}
`, origin, rcv.URL)})
	return path
}

// item is an item's document at rev.
func item(id string, rev int) string { return fmt.Sprintf(`{"id":%q,"rev":%d}`, id, rev) }

// String is a call as "METHOD PATH rev=N" (its document's rev, if any).
func (c call) String() string {
	var doc struct{ Rev *int }
	if json.Unmarshal([]byte(c.Body), &doc) == nil && doc.Rev != nil {
		return fmt.Sprintf("%s %s rev=%d", c.Method, c.Path, *doc.Rev)
	}
	return c.Method + " " + c.Path
}
