package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/resource-sync/resource-sync/sdk"
	"github.com/resource-sync/resource-sync/server"
)

// jsonFormatter is the smallest formatter the server can use: one JSON
// value per document, written indented, or on one line when compact.
type jsonFormatter struct{ compact bool }

func (jsonFormatter) Decode(doc sdk.Document) ([]sdk.Value, error) {
	canon, err := sdk.CanonicalJSON(doc.Content)
	if err != nil {
		return nil, &sdk.Error{Source: doc.Source, Line: 1, Msg: err.Error()}
	}
	return []sdk.Value{{JSON: canon, Source: doc.Source, Line: 1, Location: doc.Location}}, nil
}

func (f jsonFormatter) Encode(v sdk.Value, _ sdk.Style) ([]byte, error) {
	if f.compact {
		return append(bytes.Clone(v.JSON), '\n'), nil
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, v.JSON, "", "  "); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// testFormats reads and writes ".json" indented and ".compact" on one
// line, so tests can tell which format a file was written in.
func testFormats() map[string]sdk.Formatter {
	return map[string]sdk.Formatter{".json": jsonFormatter{}, ".compact": jsonFormatter{compact: true}}
}

// writeTree creates files (slash paths relative to dir) under a new
// directory and returns it.
func writeTree(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// serve starts the server for opts over loopback; opts.Formats and
// opts.WriteExt default to testFormats and ".json".
func serve(t testing.TB, opts server.Options) (*server.Server, *httptest.Server) {
	t.Helper()
	if opts.Formats == nil {
		opts.Formats = testFormats()
	}
	if opts.WriteExt == "" {
		opts.WriteExt = ".json"
	}
	s, err := server.New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return s, ts
}

// response is what a test request got back.
type response struct {
	status int
	header http.Header
	body   []byte
}

// object decodes the body as a JSON object.
func (r response) object(t testing.TB) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, r.body)
	}
	return v
}

// errorMessage is the "error" of a JSON error body.
func (r response) errorMessage(t testing.TB) string {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("error Content-Type = %q, want application/json", ct)
	}
	msg, _ := r.object(t)["error"].(string)
	if msg == "" {
		t.Errorf("error body has no error message: %s", r.body)
	}
	return msg
}

// do sends one request; header is "Name: value" pairs.
func do(t testing.TB, method, url, body string, header ...string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, h := range header {
		name, value, _ := strings.Cut(h, ": ")
		req.Header.Set(name, value)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, data}
}

// href is the href of rel in doc's _links.
func href(t testing.TB, doc map[string]any, rel string) string {
	t.Helper()
	links, _ := doc["_links"].(map[string]any)
	link, _ := links[rel].(map[string]any)
	h, _ := link["href"].(string)
	return h
}

// readFile returns a file under dir, failing the test when it is missing.
func readFile(t testing.TB, dir, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func contains(s, substr string) bool { return strings.Contains(s, substr) }
