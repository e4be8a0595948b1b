package http

import (
	"bytes"
	"context"
	"iter"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/resource-sync/resource-sync/sdk"
)

// testFormats are the built-in formatters' claims, JSON first.
var testFormats = []sdk.FormatInfo{
	{Name: "json", Extensions: []string{".json"}, MediaTypes: []string{"application/json", "text/json", "application/hal+json"}},
	{Name: "yaml", Extensions: []string{".yaml", ".yml"}, MediaTypes: []string{"application/yaml", "application/x-yaml", "text/vnd.yaml", "text/yaml", "text/x-yaml"}},
}

// logBuffer collects log output from several goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testEndpoint is an open endpoint with its log and a fast backoff.
type testEndpoint struct {
	*Endpoint
	logs *logBuffer
}

// openTest opens location with opts (key, value pairs) as a HAL origin or
// destination, logging at trace level into a buffer, with backoff in
// milliseconds so retry tests stay fast.
func openTest(t *testing.T, location string, opts ...string) testEndpoint {
	t.Helper()
	e, logs, err := tryOpen(location, opts...)
	if err != nil {
		t.Fatalf("open %s: %v", location, err)
	}
	t.Cleanup(func() { e.Close() })
	return testEndpoint{e, logs}
}

// tryOpen opens location with options given as name, value pairs; the
// pair "follow", "none" sets the request's Follow instead, as the host
// does for -n, "conditional-reads", "true" asks for conditional reads,
// as resource-sync watch does, and "page-links", POINTER passes a schema's
// page link.
func tryOpen(location string, opts ...string) (*Endpoint, *logBuffer, error) {
	req := sdk.OpenRequest{Location: location, Formats: testFormats, Options: map[string]string{}, Schema: "hal"}
	for i := 0; i+1 < len(opts); i += 2 {
		if opts[i] == "follow" && opts[i+1] == "none" {
			req.Follow = sdk.FollowNone
			continue
		}
		if opts[i] == "conditional-reads" {
			req.ConditionalReads = opts[i+1] == "true"
			continue
		}
		if opts[i] == "page-links" {
			req.PageLinks = append(req.PageLinks, opts[i+1])
			continue
		}
		req.Options[opts[i]] = opts[i+1]
	}
	logs := &logBuffer{}
	log := hclog.New(&hclog.LoggerOptions{Output: logs, Level: hclog.Trace})
	e, err := open(req, log)
	if err != nil {
		return nil, logs, err
	}
	e.client.retry.RetryWaitMin = time.Millisecond
	e.client.retry.RetryWaitMax = 5 * time.Millisecond
	return e, logs, nil
}

// collect runs a document sequence to its end.
func collect(t *testing.T, seq iter.Seq2[sdk.Document, error]) (docs []sdk.Document, errs []error) {
	t.Helper()
	for d, err := range seq {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		docs = append(docs, d)
	}
	return docs, errs
}

// contents is each document's body, as strings.
func contents(docs []sdk.Document) []string {
	var s []string
	for _, d := range docs {
		s = append(s, string(d.Content))
	}
	return s
}

// writeAll writes items and returns the results by Seq.
func writeAll(t *testing.T, e *Endpoint, items ...sdk.WriteItem) map[int64]sdk.WriteResult {
	t.Helper()
	var mu sync.Mutex
	results := map[int64]sdk.WriteResult{}
	_, err := e.Write(context.Background(), func(yield func(sdk.WriteItem) bool) {
		for _, it := range items {
			if !yield(it) {
				return
			}
		}
	}, func(r sdk.WriteResult) {
		mu.Lock()
		defer mu.Unlock()
		if _, dup := results[r.Seq]; dup {
			t.Errorf("item %d reported twice", r.Seq)
		}
		results[r.Seq] = r
	})
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	if len(results) != len(items) {
		t.Fatalf("%d results for %d items", len(results), len(items))
	}
	return results
}

// jsonItem is a JSON write item for a HAL resource at uri.
func jsonItem(seq int64, typ, id, uri, body string) sdk.WriteItem {
	return sdk.WriteItem{
		Seq:       seq,
		Resource:  sdk.Resource{ID: id, Type: typ, URI: uri, JSON: []byte(body)},
		Content:   []byte(body),
		Extension: ".json",
		MediaType: "application/json",
	}
}

// recorded is one request a recorder saw.
type recorded struct {
	// Path is escaped, as sent.
	Method, Path, Query string
	Header              http.Header
	Body                string
}

// recorder keeps every request a test server gets.
type recorder struct {
	mu   sync.Mutex
	reqs []recorded
}

func (r *recorder) add(req *http.Request) recorded {
	var body bytes.Buffer
	body.ReadFrom(req.Body)
	rec := recorded{req.Method, req.URL.EscapedPath(), req.URL.RawQuery, req.Header.Clone(), body.String()}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqs = append(r.reqs, rec)
	return rec
}

func (r *recorder) all() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recorded(nil), r.reqs...)
}

// count is how many requests had method and path.
func (r *recorder) count(method, path string) int {
	n := 0
	for _, q := range r.all() {
		if q.Method == method && q.Path == path {
			n++
		}
	}
	return n
}

// newServer starts a loopback server that records every request before
// handing it to h.
func newServer(t *testing.T, h func(w http.ResponseWriter, r *http.Request, rec recorded)) (*httptest.Server, *recorder) {
	t.Helper()
	rec := &recorder{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h(w, r, rec.add(r))
	}))
	t.Cleanup(srv.Close)
	return srv, rec
}

// mustContain fails unless s holds every part.
func mustContain(t *testing.T, what, s string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(s, p) {
			t.Errorf("%s %q does not contain %q", what, s, p)
		}
	}
}
