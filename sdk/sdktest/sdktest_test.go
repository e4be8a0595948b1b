package sdktest_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/resource-sync/resource-sync/sdk"
	"github.com/resource-sync/resource-sync/sdk/sdktest"
)

// The kit checks itself against a tiny plugin defined here: a JSON
// formatter and an in-memory endpoint, plus deliberately broken twins that
// TestKitCatchesBrokenPlugins runs to show the checks can fail.

func TestMain(m *testing.M) { sdktest.Main(m, testPlugin()) }

func testPlugin() sdk.Plugin {
	return sdk.Plugin{
		Name:    "sdktest-self",
		Version: "0.0.1",
		Formatters: []sdk.FormatterSpec{
			{Name: "json", Extensions: []string{".json"}, MediaTypes: []string{"application/json"}, Formatter: jsonFormatter{}},
			{Name: "lossy", Extensions: []string{".lossy"}, MediaTypes: []string{"application/x-lossy"}, Formatter: lossyFormatter{}},
		},
		Endpoints: []sdk.EndpointSpec{
			{Name: "memory", Schemes: []string{"memory"}, Replaces: true, Open: openMemory(false), Implements: (*memoryEndpoint)(nil)},
			{Name: "leaky", Schemes: []string{"leaky"}, Replaces: true, HoldsCommits: true, Open: openMemory(true), Implements: (*memoryEndpoint)(nil)},
			{Name: "shelf", Schemes: []string{"shelf"}, Open: openShelf, Implements: (*shelfEndpoint)(nil)},
		},
		Schemas: []sdk.SchemaSpec{
			{Name: "tidy", Summary: "key, kind, owner and results fields", Schema: tidy},
			{Name: "sloppy", Schema: sloppy{}},
		},
	}
}

func TestFormatter(t *testing.T) {
	sdktest.RunFormatter(t, sdktest.FormatterOpt{Plugin: testPlugin(), Name: "json"})
}

func TestEndpoint(t *testing.T) {
	sdktest.RunEndpoint(t, sdktest.EndpointOpt{
		Plugin: testPlugin(),
		Name:   "memory",
		// A real directory, though nothing is stored there, so that the
		// EscapingIDs check watches the directory around it.
		Location:           func(t *testing.T) string { return filepath.Join(t.TempDir(), "location") },
		RefusesEscapingIDs: true,
		ExpectUnchanged:    true,
	})
}

// A read-only endpoint is read on what Seed puts in place: files of a
// directory, which the Process checks' plugin process sees too.
func TestReadOnlyEndpoint(t *testing.T) {
	sdktest.RunEndpoint(t, sdktest.EndpointOpt{
		Plugin:      testPlugin(),
		Name:        "shelf",
		Location:    func(t *testing.T) string { return t.TempDir() },
		ResourceURI: shelfURI,
		Seed: func(t *testing.T, location string, resources []sdk.Resource) {
			for _, r := range resources {
				if err := os.WriteFile(strings.TrimPrefix(shelfURI(location, r.Type, r.ID), "file://"), r.JSON, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		},
	})
}

// shelfURI is where the shelf holds a resource: a file named by a hash
// of its type and id.
func shelfURI(location, typ, id string) string {
	sum := sha256.Sum256([]byte(typ + "/" + id))
	return "file://" + filepath.Join(location, hex.EncodeToString(sum[:])+".json")
}

// shelfEndpoint reads the JSON files of a directory, and fetches them by
// file:// uri.
type shelfEndpoint struct{ dir string }

var (
	_ sdk.Reader  = (*shelfEndpoint)(nil)
	_ sdk.Fetcher = (*shelfEndpoint)(nil)
)

func openShelf(_ context.Context, req sdk.OpenRequest) (sdk.Endpoint, error) {
	return &shelfEndpoint{dir: req.Location}, nil
}

func (e *shelfEndpoint) Close() error { return nil }

func (e *shelfEndpoint) Read(ctx context.Context) iter.Seq2[sdk.Document, error] {
	return func(yield func(sdk.Document, error) bool) {
		names, err := filepath.Glob(filepath.Join(e.dir, "*.json"))
		if err != nil {
			yield(sdk.Document{}, err)
			return
		}
		sort.Strings(names)
		for _, n := range names {
			if ctx.Err() != nil {
				yield(sdk.Document{}, ctx.Err())
				return
			}
			if !yield(e.document(n)) {
				return
			}
		}
	}
}

func (e *shelfEndpoint) Fetch(_ context.Context, uris []string) iter.Seq2[sdk.Document, error] {
	return func(yield func(sdk.Document, error) bool) {
		for _, u := range uris {
			if !yield(e.document(strings.TrimPrefix(u, "file://"))) {
				return
			}
		}
	}
}

func (e *shelfEndpoint) document(path string) (sdk.Document, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return sdk.Document{}, &sdk.Error{Source: path, Msg: err.Error()}
	}
	return sdk.Document{Content: data, Extension: ".json", Source: path, URI: "file://" + path}, nil
}

// jsonFormatter reads one JSON value per document and writes it indented
// (StyleFile) or on one line (StyleStream).
type jsonFormatter struct{}

func (jsonFormatter) Decode(doc sdk.Document) ([]sdk.Value, error) {
	canon, err := sdk.CanonicalJSON(doc.Content)
	if err != nil {
		return nil, &sdk.Error{Source: doc.Source, Msg: "invalid JSON: " + err.Error()}
	}
	return []sdk.Value{{JSON: canon, Source: doc.Source, Line: 1, URI: doc.URI, TypeHint: doc.TypeHint, Location: doc.Location}}, nil
}

func (jsonFormatter) Encode(v sdk.Value, style sdk.Style) ([]byte, error) {
	canon, err := sdk.CanonicalJSON(v.JSON)
	if err != nil {
		return nil, &sdk.Error{Source: v.Source, Line: v.Line, Msg: "invalid JSON: " + err.Error()}
	}
	if style == sdk.StyleStream {
		return append(canon, '\n'), nil
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, canon, "", "  "); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// memory holds every memory endpoint's resources, by location, then by
// type and id. In the Process checks it lives in the plugin process.
var memory = struct {
	sync.Mutex
	locations map[string]map[string]sdk.Document
}{locations: map[string]map[string]sdk.Document{}}

// memoryEndpoint stores resources in memory. The leaky one has the bugs
// the kit must catch: it never reports Unchanged, ignores Replace and
// Delete, writes every id to disk as a path, even "../escape", and
// declares it holds its commits but reports items written before.
type memoryEndpoint struct {
	location string
	replace  bool
	leaky    bool
}

var (
	_ sdk.Reader  = (*memoryEndpoint)(nil)
	_ sdk.Writer  = (*memoryEndpoint)(nil)
	_ sdk.Deleter = (*memoryEndpoint)(nil)
)

func openMemory(leaky bool) func(context.Context, sdk.OpenRequest) (sdk.Endpoint, error) {
	return func(_ context.Context, req sdk.OpenRequest) (sdk.Endpoint, error) {
		return &memoryEndpoint{location: req.Location, replace: req.Replace, leaky: leaky}, nil
	}
}

func (e *memoryEndpoint) Close() error { return nil }

func (e *memoryEndpoint) Read(ctx context.Context) iter.Seq2[sdk.Document, error] {
	return func(yield func(sdk.Document, error) bool) {
		memory.Lock()
		held := memory.locations[e.location]
		keys := make([]string, 0, len(held))
		for k := range held {
			keys = append(keys, k)
		}
		docs := make([]sdk.Document, len(keys))
		sort.Strings(keys)
		for i, k := range keys {
			docs[i] = held[k]
		}
		memory.Unlock()
		for _, doc := range docs {
			if err := ctx.Err(); err != nil {
				yield(sdk.Document{}, err)
				return
			}
			if !yield(doc, nil) {
				return
			}
		}
	}
}

func (e *memoryEndpoint) Write(ctx context.Context, items iter.Seq[sdk.WriteItem], report func(sdk.WriteResult)) (sdk.WriteSummary, error) {
	staged := map[string]sdk.Document{}
	failed := false
	for it := range items {
		res := it.Resource
		key, err := e.key(res)
		if err != nil {
			report(sdk.WriteResult{Seq: it.Seq, Status: sdk.Failed, Err: err})
			failed = true
			continue
		}
		if e.leaky {
			path := filepath.Join(e.location, res.ID+it.Extension)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err == nil {
				_ = os.WriteFile(path, it.Content, 0o644)
			}
		}
		doc := sdk.Document{Content: it.Content, Extension: it.Extension, MediaType: it.MediaType,
			Source: e.location + "/" + key, TypeHint: res.Type, Location: key}
		status := sdk.Written
		memory.Lock()
		if old, ok := memory.locations[e.location][key]; ok && bytes.Equal(old.Content, it.Content) && !e.leaky {
			status = sdk.Unchanged
		}
		memory.Unlock()
		staged[key] = doc
		report(sdk.WriteResult{Seq: it.Seq, Status: status})
	}
	if err := ctx.Err(); err != nil {
		return sdk.WriteSummary{}, err
	}
	memory.Lock()
	defer memory.Unlock()
	held := memory.locations[e.location]
	if held == nil {
		held = map[string]sdk.Document{}
		memory.locations[e.location] = held
	}
	var sum sdk.WriteSummary
	if e.replace && !failed && !e.leaky {
		for k := range held {
			if _, ok := staged[k]; !ok {
				delete(held, k)
				sum.Removed++
			}
		}
	}
	for k, doc := range staged {
		held[k] = doc
	}
	return sum, nil
}

// key is where a resource is held; ids and types that would make a path
// leave the location are refused, as a directory endpoint must.
func (e *memoryEndpoint) key(res sdk.Resource) (string, error) {
	if e.leaky {
		return res.Type + "/" + res.ID, nil
	}
	for _, name := range []string{res.Type, res.ID} {
		if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) {
			return "", &sdk.Error{Source: res.Source, Msg: fmt.Sprintf("cannot store %s %q: it is not a plain name", res.Type, res.ID)}
		}
	}
	return res.Type + "/" + res.ID, nil
}

func (e *memoryEndpoint) Delete(_ context.Context, resources []sdk.Resource) error {
	if e.leaky {
		return nil
	}
	memory.Lock()
	defer memory.Unlock()
	var errs []error
	for _, res := range resources {
		key, err := e.key(res)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		delete(memory.locations[e.location], key)
	}
	return errors.Join(errs...)
}
