package main

import (
	"maps"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/builtin"
	"github.com/resource-sync/resource-sync/internal/wire"
	"github.com/resource-sync/resource-sync/internal/wire/fromproto"
	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
	"github.com/resource-sync/resource-sync/server"
)

// Tests against `resource-sync serve` (the server package, as the serve
// command runs it) on loopback, through the whole command line and real
// plugin processes.

// examplePaths maps each example resource ("order/o1") to the path it is
// served at ("/api/v1/order/o1").
func examplePaths(t *testing.T, tree map[string]any) map[string]string {
	t.Helper()
	paths := map[string]string{}
	for key, v := range tree {
		self := v.(map[string]any)["_links"].(map[string]any)["self"].(map[string]any)["href"].(string)
		u, err := url.Parse(self)
		if err != nil {
			t.Fatalf("%s: self %q: %v", key, self, err)
		}
		paths[key] = u.EscapedPath()
	}
	return paths
}

// TestHTTPServeQuickStart is the README's quick start: serve the example
// dataset, pull it with -a from discovery into a directory (the same
// resources, links rebased onto the server), then push that directory into
// a second, empty server (the same data, HAL links stripped) and read it
// back over HTTP.
func TestHTTPServeQuickStart(t *testing.T) {
	t.Parallel()
	want := loadTree(t, examplesDir)
	if len(want) != 12 {
		t.Fatalf("the example dataset holds %d resources, want 12", len(want))
	}
	src := serveDir(t, copyExamples(t))

	pulled := filepath.Join(t.TempDir(), "pulled")
	r := mustRun(t, "-a", src.url+"/api/", pulled)
	if !strings.Contains(r.stderr, "12 read: 12 created") {
		t.Errorf("summary: %q, want 12 read: 12 created", r.stderr)
	}
	got := loadTree(t, pulled)
	for key, v := range got {
		// Every link now names the server it was pulled from.
		for _, href := range hrefs(v) {
			if !strings.HasPrefix(href, src.url+"/") {
				t.Errorf("%s: link %s does not name %s", key, href, src.url)
			}
		}
	}
	if diff := cmp.Diff(pathOnly(want), pathOnly(got)); diff != "" {
		t.Fatalf("pulled tree differs from examples/data, links compared by path (-want +got):\n%s", diff)
	}

	dest := serveDir(t, t.TempDir())
	mustRun(t, pulled, dest.url+"/")
	for _, req := range dest.log.all() {
		if req.method != http.MethodPut && !isCollectionGET(req) {
			t.Errorf("push sent %s %s; want only PUTs without -b, after GETs of the collections", req.method, req.uri)
		}
	}
	if n := dest.Len(); n != len(want) {
		t.Errorf("the destination serves %d resources, want %d", n, len(want))
	}
	for key, p := range examplePaths(t, want) {
		doc := getJSON(t, dest.url+p, http.StatusOK)
		if diff := cmp.Diff(withoutLinks(want[key]), withoutLinks(doc)); diff != "" {
			t.Errorf("GET %s differs from examples/data/%s (-want +got):\n%s", p, key, diff)
		}
		// _links were stripped: the server serves only its own self link.
		wantLinks := map[string]any{"self": map[string]any{"href": dest.url + p}}
		if diff := cmp.Diff(wantLinks, doc.(map[string]any)["_links"]); diff != "" {
			t.Errorf("GET %s: _links (-want +got):\n%s", p, diff)
		}
	}
	if diff := cmp.Diff(slices.Sorted(maps.Keys(want)), slices.Sorted(maps.Keys(loadTree(t, dest.dir)))); diff != "" {
		t.Errorf("files written by the destination server (-want +got):\n%s", diff)
	}
}

// hrefs lists every href in v's _links.
// isCollectionGET is a push reading what the destination holds: a GET of
// a collection of the examples (/api/v1/TYPE, pages included).
func isCollectionGET(req request) bool {
	p, _, _ := strings.Cut(req.uri, "?")
	return req.method == http.MethodGet && slices.Contains([]string{"/api/v1/customer", "/api/v1/order", "/api/v1/orderline"}, p)
}

func hrefs(v any) []string {
	var out []string
	links, _ := v.(map[string]any)["_links"].(map[string]any)
	for _, rel := range links {
		list, ok := rel.([]any)
		if !ok {
			list = []any{rel}
		}
		for _, l := range list {
			if h, ok := l.(map[string]any)["href"].(string); ok {
				out = append(out, h)
			}
		}
	}
	return out
}

// pageOf names the collection page a GET asked for, "" for another
// request: "/api/v1/order offset=2". A page asked for without offset is
// the first.
func pageOf(req request, collections []string) string {
	u, err := url.Parse(req.uri)
	if err != nil || req.method != http.MethodGet || !slices.Contains(collections, u.Path) {
		return ""
	}
	offset := u.Query().Get("offset")
	if offset == "" {
		offset = "0"
	}
	return u.Path + " offset=" + offset
}

// TestHTTPServePagination pulls collections that span several pages and
// checks, on the server side, which pages were asked for and how often.
func TestHTTPServePagination(t *testing.T) {
	t.Parallel()
	collections := []string{"/api/v1/customer", "/api/v1/order", "/api/v1/orderline"}
	tests := []struct {
		name   string
		args   []string
		origin string
		// pages maps each page that must be fetched to how often.
		pages map[string]int
		files int
	}{
		{
			name:   "next links from the first page, each page once",
			args:   []string{"-l", "2"},
			origin: "/api/v1/orderline?limit=2&offset=0",
			pages:  map[string]int{"/api/v1/orderline offset=0": 1, "/api/v1/orderline offset=2": 1, "/api/v1/orderline offset=4": 1},
			files:  5,
		},
		{
			// Page 2's prev link names the first page as ?limit=2&offset=0;
			// the first page's self link says that is the page already
			// fetched from the bare collection uri.
			name:   "from the bare collection uri, each page once",
			args:   []string{"-l", "2"},
			origin: "/api/v1/orderline",
			pages:  map[string]int{"/api/v1/orderline offset=0": 1, "/api/v1/orderline offset=2": 1, "/api/v1/orderline offset=4": 1},
			files:  5,
		},
		{
			name:   "limit sent as X-Request-Limit",
			args:   []string{"-l", "5"},
			origin: "/api/v1/orderline",
			pages:  map[string]int{"/api/v1/orderline offset=0": 1},
			files:  5,
		},
		{
			name:   "follow none reads the first page only",
			args:   []string{"-n", "-l", "2"},
			origin: "/api/v1/orderline",
			pages:  map[string]int{"/api/v1/orderline offset=0": 1},
			files:  2,
		},
		{
			name:   "follow all from discovery",
			args:   []string{"-a", "-l", "2"},
			origin: "/api/",
			pages: map[string]int{
				"/api/v1/customer offset=0": 1, "/api/v1/customer offset=2": 1,
				"/api/v1/order offset=0": 1, "/api/v1/order offset=2": 1,
				"/api/v1/orderline offset=0": 1, "/api/v1/orderline offset=2": 1, "/api/v1/orderline offset=4": 1,
			},
			files: 12,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := serveDir(t, copyExamples(t))
			out := t.TempDir()
			mustRun(t, append(tt.args, src.url+tt.origin, out)...)
			if got := len(loadTree(t, out)); got != tt.files {
				t.Errorf("pulled %d resources, want %d", got, tt.files)
			}
			pages := map[string]int{}
			uris := map[string]int{}
			for _, req := range src.log.all() {
				if req.method != http.MethodGet {
					t.Errorf("pull sent %s %s", req.method, req.uri)
				}
				if uris[req.uri]++; uris[req.uri] == 2 {
					t.Errorf("GET %s more than once", req.uri)
				}
				if p := pageOf(req, collections); p != "" {
					pages[p]++
				}
			}
			if diff := cmp.Diff(tt.pages, pages); diff != "" {
				t.Errorf("pages fetched, and how often (-want +got):\n%s", diff)
			}
		})
	}
}

// TestHTTPServeBatching pushes with -b: consecutive resources of a type go
// in PATCH batches of at most N, after one OPTIONS per collection.
func TestHTTPServeBatching(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		batch     int
		token     string // required by the server, sent with --token
		wantPatch bool
	}{
		{name: "b=1", batch: 1, wantPatch: false},
		{name: "b=3", batch: 3, wantPatch: true},
		{name: "b=100", batch: 100, wantPatch: true},
		// OPTIONS carries the same credentials as the writes: otherwise
		// it would get 401 and the push fall back to single PUTs.
		{name: "b=3 with a bearer token", batch: 3, token: "s3cret-token", wantPatch: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dest := serveWith(t, server.Options{Dir: t.TempDir(), Token: tt.token})
			args := []string{"-b", strconv.Itoa(tt.batch), examplesDir, dest.url + "/"}
			if tt.token != "" {
				args = append([]string{"--token", tt.token}, args...)
			}
			mustRun(t, args...)
			if n := dest.Len(); n != 12 {
				t.Errorf("the destination serves %d resources, want 12", n)
			}
			written, patches := 0, 0
			options := map[string]int{}
			for _, req := range dest.log.all() {
				switch req.method {
				case http.MethodPut:
					written++
				case http.MethodPatch:
					patches++
					written += req.items
					if req.items < 2 || req.items > tt.batch {
						t.Errorf("PATCH %s with %d items; want 2 to %d", req.uri, req.items, tt.batch)
					}
				case http.MethodOptions:
					if options[req.uri]++; options[req.uri] > 1 {
						t.Errorf("OPTIONS %s asked again", req.uri)
					}
				case http.MethodGet:
					if !isCollectionGET(req) {
						t.Errorf("push sent GET %s, which is not a collection", req.uri)
					}
				default:
					t.Errorf("push sent %s %s", req.method, req.uri)
				}
			}
			if written != 12 {
				t.Errorf("%d resources sent in PUTs and PATCH items, want 12", written)
			}
			if got := patches > 0; got != tt.wantPatch {
				t.Errorf("%d PATCH requests; want some: %v", patches, tt.wantPatch)
			}
			if !tt.wantPatch && len(options) > 0 {
				t.Errorf("OPTIONS sent without batching: %v", options)
			}
		})
	}
}

// TestHTTPServeKeepLinks: HAL _links are stripped from pushed bodies
// unless --keep-links, which stores them as sent (and the server serves
// them rebased onto itself).
func TestHTTPServeKeepLinks(t *testing.T) {
	t.Parallel()
	want := loadTree(t, examplesDir)
	paths := examplePaths(t, want)
	for _, keep := range []bool{false, true} {
		name := "stripped"
		args := []string{examplesDir}
		if keep {
			name = "kept"
			args = append([]string{"--keep-links"}, args...)
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dest := serveDir(t, t.TempDir())
			mustRun(t, append(args, dest.url+"/")...)
			stored := loadTree(t, dest.dir)
			for key, src := range want {
				wantLinks := map[string]any{"self": map[string]any{"href": paths[key]}}
				if keep {
					wantLinks = pathOnly(src).(map[string]any)["_links"].(map[string]any)
				}
				gotLinks := pathOnly(stored[key]).(map[string]any)["_links"]
				if diff := cmp.Diff(wantLinks, gotLinks); diff != "" {
					t.Errorf("%s: stored _links (-want +got):\n%s", key, diff)
				}
			}
			order := getJSON(t, dest.url+"/api/v1/order/o1", http.StatusOK)
			parent := hrefOf(order, "parent:customer")
			if wantParent := dest.url + "/api/v1/customer/c1"; keep && parent != wantParent {
				t.Errorf("served parent:customer = %q, want %q", parent, wantParent)
			} else if !keep && parent != "" {
				t.Errorf("served parent:customer = %q, want none", parent)
			}
		})
	}
}

// hrefOf is the href of the single link rel in v's _links, "" if none.
func hrefOf(v any, rel string) string {
	links, _ := v.(map[string]any)["_links"].(map[string]any)
	link, _ := links[rel].(map[string]any)
	h, _ := link["href"].(string)
	return h
}

// TestHTTPServePathPrefix: a destination URL with a path keeps it in front
// of every resource path, for PUT and for PATCH batches.
func TestHTTPServePathPrefix(t *testing.T) {
	t.Parallel()
	for _, batch := range []string{"1", "3"} {
		t.Run("b="+batch, func(t *testing.T) {
			t.Parallel()
			dest := serveDir(t, t.TempDir())
			mustRun(t, "-b", batch, examplesDir, dest.url+"/tenant/a/")
			for _, req := range dest.log.all() {
				if !strings.HasPrefix(req.uri, "/tenant/a/api/v1/") {
					t.Errorf("%s %s: not under the destination's path /tenant/a/", req.method, req.uri)
				}
			}
			getJSON(t, dest.url+"/tenant/a/api/v1/order/o1", http.StatusOK)
			getJSON(t, dest.url+"/tenant/a/api/v1/customer/c%202", http.StatusOK)
			getJSON(t, dest.url+"/api/v1/order/o1", http.StatusNotFound)
			if n := dest.Len(); n != 12 {
				t.Errorf("the destination serves %d resources, want 12", n)
			}
		})
	}
}

// TestHTTPServeDeleteThroughPlugin deletes through the http plugin's Delete,
// in a real plugin process over the plugin protocol: the command line has
// no delete yet and the host no Delete call, so this is the way in that a
// future `resource-sync delete` would take.
func TestHTTPServeDeleteThroughPlugin(t *testing.T) {
	t.Parallel()
	dest := serveDir(t, copyExamples(t))
	conn := startBuiltin(t, "http")
	ep := pb.NewEndpointClient(conn)
	open, err := ep.Open(t.Context(), &pb.Open_Request{
		Endpoint: "http", Location: dest.url + "/api/v1/", Role: pb.Open_ROLE_DESTINATION, Schema: "hal",
	})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { ep.Close(t.Context(), &pb.Close_Request{Handle: open.GetHandle()}) })

	tests := []struct {
		name      string
		resources []*pb.Resource
		gone      []string // paths no longer served
		wantErr   string
	}{
		{
			name: "by uri, the origin host swapped for the destination",
			resources: []*pb.Resource{
				{Type: "orderline", Id: "l1", Uri: "http://localhost/api/v1/orderline/l1"},
				{Type: "customer", Id: "c 2", Uri: "http://localhost/api/v1/customer/c%202"},
			},
			gone: []string{"/api/v1/orderline/l1", "/api/v1/customer/c%202"},
		},
		{
			name:      "already gone is not an error",
			resources: []*pb.Resource{{Type: "orderline", Id: "l1", Uri: "http://localhost/api/v1/orderline/l1"}},
			gone:      []string{"/api/v1/orderline/l1"},
		},
		{
			name:      "without uri, at destination/type/id",
			resources: []*pb.Resource{{Type: "order", Id: "o4"}},
			gone:      []string{"/api/v1/order/o4"},
		},
		{
			name:      "a refused DELETE is reported",
			resources: []*pb.Resource{{Type: "v1", Id: "order", Uri: "http://localhost/api/v1/order"}},
			wantErr:   "405",
		},
	}
	for _, tt := range tests {
		resp, err := ep.Delete(t.Context(), &pb.Delete_Request{Handle: open.GetHandle(), Resources: tt.resources})
		if err != nil {
			t.Fatalf("%s: Delete: %v", tt.name, err)
		}
		var msgs []string
		for _, d := range resp.GetErrors() {
			msgs = append(msgs, fromproto.Error(d).Error())
		}
		switch got := strings.Join(msgs, "\n"); {
		case tt.wantErr == "" && got != "":
			t.Errorf("%s: Delete errors: %s", tt.name, got)
		case tt.wantErr != "" && !strings.Contains(got, tt.wantErr):
			t.Errorf("%s: Delete errors %q, want one with %q", tt.name, got, tt.wantErr)
		}
		for _, p := range tt.gone {
			getJSON(t, dest.url+p, http.StatusNotFound)
		}
	}
	left := slices.Sorted(maps.Keys(loadTree(t, dest.dir)))
	want := slices.DeleteFunc(slices.Sorted(maps.Keys(loadTree(t, examplesDir))), func(k string) bool {
		return k == "orderline/l1" || k == "customer/c 2" || k == "order/o4"
	})
	if diff := cmp.Diff(want, left); diff != "" {
		t.Errorf("files left after three deletes (-want +got):\n%s", diff)
	}
	if n := dest.Len(); n != len(want) {
		t.Errorf("the server serves %d resources after three deletes, want %d", n, len(want))
	}
}

// startBuiltin starts the test binary as the named built-in plugin, as the
// host does, and returns its connection; the process is killed when the
// test ends.
func startBuiltin(t *testing.T, name string) *grpc.ClientConn {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), builtin.EnvServe+"="+name)
	logs := &testWriter{t: t}
	t.Cleanup(logs.stop) // runs after the kill below
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  wire.Handshake,
		VersionedPlugins: wire.PluginSet(nil),
		Cmd:              cmd,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		Logger:           hclog.New(&hclog.LoggerOptions{Name: name, Level: hclog.Error, Output: logs}),
	})
	t.Cleanup(client.Kill)
	rpc, err := client.Client()
	if err != nil {
		t.Fatalf("starting plugin %s: %v", name, err)
	}
	raw, err := rpc.Dispense(wire.PluginKey)
	if err != nil {
		t.Fatalf("plugin %s: %v", name, err)
	}
	return raw.(*grpc.ClientConn)
}

// testWriter logs to the test until stopped: go-plugin's goroutines may
// still log after the test ends, when t.Log would panic.
type testWriter struct {
	mu      sync.Mutex
	t       *testing.T
	stopped bool
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.stopped {
		w.t.Log(strings.TrimSuffix(string(p), "\n"))
	}
	return len(p), nil
}

func (w *testWriter) stop() {
	w.mu.Lock()
	w.stopped = true
	w.mu.Unlock()
}
