package bench

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	jsonfmt "github.com/resource-sync/resource-sync/plugins/json"
	"github.com/resource-sync/resource-sync/plugins/yaml"
	"github.com/resource-sync/resource-sync/sdk"
	"github.com/resource-sync/resource-sync/server"
)

const (
	// benchResources is how many resources each benchmark moves.
	benchResources = 10_000
	// concurrency is resource-sync's default --concurrency, and what the
	// plain client uses for requests and, like the dir endpoint, for
	// file writes.
	concurrency = 8
	// pageLimit is resource-sync's default --limit.
	pageLimit = 100
	// collectionPath is where the generated resources are served.
	collectionPath = "/api/v1/order"
)

// benchDir is a new, empty directory on disk for one tree, such as a
// benchmark's origin. Like the runs' trees (medium) it stays until the
// last benchmark ends: removed as its benchmark ended, its files made
// the next benchmark's first run on disk slow (ext4's recently_deleted).
func benchDir(tb testing.TB) string {
	tb.Helper()
	dir, err := os.MkdirTemp(diskRoot, "src-")
	if err != nil {
		tb.Fatal(err)
	}
	return dir
}

// binary is resource-sync, built on first use.
var binary struct {
	once sync.Once
	dir  string
	path string
	err  error
}

func TestMain(m *testing.M) {
	// What resource-sync keeps between runs (versions.go in host) goes to
	// a cache of the benchmarks' own, not the user's, and starts empty;
	// the go command building resource-sync keeps its own build cache.
	cache, err := os.MkdirTemp("", "resource-sync-bench-cache-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if user, err := os.UserCacheDir(); err == nil && os.Getenv("GOCACHE") == "" {
		os.Setenv("GOCACHE", filepath.Join(user, "go-build"))
	}
	os.Setenv("XDG_CACHE_HOME", cache)
	if diskRoot, err = os.MkdirTemp("", "resource-sync-bench-disk-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	if binary.dir != "" {
		os.RemoveAll(binary.dir)
	}
	os.RemoveAll(cache)
	os.RemoveAll(diskRoot)
	os.Exit(code)
}

// resourceSync returns the path of the resource-sync binary, building it
// on first use.
func resourceSync(tb testing.TB) string {
	tb.Helper()
	binary.once.Do(func() {
		if binary.path = os.Getenv(envBinary); binary.path != "" {
			return
		}
		goTool, err := exec.LookPath("go")
		if err != nil {
			binary.err = fmt.Errorf("the go command is needed to build resource-sync: %w", err)
			return
		}
		if binary.dir, err = os.MkdirTemp("", "resource-sync-bench-"); err != nil {
			binary.err = err
			return
		}
		binary.path = filepath.Join(binary.dir, "resource-sync")
		out, err := exec.Command(goTool, "build", "-o", binary.path, "github.com/resource-sync/resource-sync/cmd/resource-sync").CombinedOutput()
		if err != nil {
			binary.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binary.err != nil {
		tb.Fatal(binary.err)
	}
	return binary.path
}

// runResourceSync runs the binary with args and fails on a non-zero exit.
func runResourceSync(tb testing.TB, args ...string) {
	tb.Helper()
	cmd := exec.Command(resourceSync(tb), args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		tb.Fatalf("resource-sync %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
}

// generate writes n HAL resources of about 1 KiB each, as `resource-sync`
// pulls them: DIR/order/oNNNNN.yaml.
func generate(tb testing.TB, dir string, n int) {
	tb.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "order"), 0o755); err != nil {
		tb.Fatal(err)
	}
	note := strings.Repeat("Resources of about one kibibyte, as an API would serve them. ", 12)
	for i := range n {
		id := fmt.Sprintf("o%05d", i)
		canon, err := sdk.MarshalCanonical(map[string]any{
			"_links":   map[string]any{"self": map[string]any{"href": "http://localhost" + collectionPath + "/" + id}},
			"id":       id,
			"customer": fmt.Sprintf("c%04d", i%1000),
			"status":   []string{"placed", "paid", "shipped"}[i%3],
			"total":    json.Number(fmt.Sprintf("%d.%02d", i%500, i%100)),
			"lines":    []any{map[string]any{"sku": "BOOK-" + id, "quantity": 1 + i%4}},
			"note":     note,
		})
		if err != nil {
			tb.Fatal(err)
		}
		content, err := yaml.Formatter{}.Encode(sdk.Value{JSON: canon}, sdk.StyleFile)
		if err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "order", id+".yaml"), content, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}

// requestLog counts requests by method and uri, and remembers a digest of
// each PUT body.
type requestLog struct {
	mu     sync.Mutex
	counts map[string]int
	bodies map[string][sha256.Size]byte
}

func (l *requestLog) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Method + " " + r.URL.RequestURI()
		var sum [sha256.Size]byte
		if r.Method == http.MethodPut {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			sum = sha256.Sum256(body)
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		l.mu.Lock()
		if l.counts == nil {
			l.counts, l.bodies = map[string]int{}, map[string][sha256.Size]byte{}
		}
		l.counts[key]++
		if r.Method == http.MethodPut {
			l.bodies[key] = sum
		}
		l.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

// take returns what was logged and starts afresh.
func (l *requestLog) take() (map[string]int, map[string][sha256.Size]byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	counts, bodies := l.counts, l.bodies
	l.counts, l.bodies = nil, nil
	return counts, bodies
}

// formats are those of `resource-sync serve`.
func formats() map[string]sdk.Formatter {
	return map[string]sdk.Formatter{".json": jsonfmt.Formatter{}, ".yaml": yaml.Formatter{}, ".yml": yaml.Formatter{}}
}

// serveDir serves dir as `resource-sync serve` does, on loopback, and
// returns its base URL and its request log. The server is closed by
// the returned function (and at the latest when the test ends).
func serveDir(tb testing.TB, dir string) (string, *requestLog, func()) {
	tb.Helper()
	srv, err := server.New(server.Options{Dir: dir, Formats: formats(), WriteExt: ".yaml"})
	if err != nil {
		tb.Fatal(err)
	}
	log := &requestLog{}
	ts := httptest.NewServer(log.wrap(srv.Handler()))
	var once sync.Once
	stop := func() {
		once.Do(func() {
			ts.Close()
			srv.Close()
		})
	}
	tb.Cleanup(stop)
	return ts.URL, log, stop
}

// plainClient is what a hand-written client would use: one transport
// keeping a connection per worker.
func plainClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = concurrency
	return &http.Client{Transport: t}
}

// plainPull does what `resource-sync URL DIR` does for a Search
// collection: GET each page in turn (its next link is in the body), and
// write each item as DIR/<type>/<id>.yaml, YAML with sorted keys, with a
// plain os.WriteFile, concurrency files at a time while the next pages
// are fetched. It returns how many it wrote.
func plainPull(ctx context.Context, client *http.Client, first, dir string) (int, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	items := make(chan json.RawMessage, 2*pageLimit)
	errs := make(chan error, concurrency+1)
	var wg sync.WaitGroup
	var dirs sync.Map // type directories made
	for range concurrency {
		wg.Go(func() {
			for item := range items {
				if err := writeItem(dir, &dirs, item); err != nil {
					errs <- err
					for range items {
					}
					return
				}
			}
		})
	}
	n := 0
	fetchErr := func() error {
		defer close(items)
		for next := first; next != ""; {
			page, err := getPage(ctx, client, next)
			if err != nil {
				return err
			}
			for _, item := range page.Items {
				items <- item
			}
			n += len(page.Items)
			next = page.Links.Next.Href
		}
		return nil
	}()
	wg.Wait()
	close(errs)
	return n, errors.Join(fetchErr, <-errs)
}

// searchPage is the part of a Search page a client reads.
type searchPage struct {
	Links struct {
		Next struct{ Href string } `json:"next"`
	} `json:"_links"`
	Items []json.RawMessage `json:"items"`
}

func getPage(ctx context.Context, client *http.Client, u string) (*searchPage, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/hal+json, application/json")
	req.Header.Set("X-Request-Limit", fmt.Sprint(pageLimit))
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	var page searchPage
	if err := json.Unmarshal(body, &page); err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	return &page, nil
}

// writeItem writes one HAL item where the dir endpoint would: its type is
// the second-to-last segment of its self link.
func writeItem(dir string, dirs *sync.Map, item json.RawMessage) error {
	var head struct {
		ID    string `json:"id"`
		Links struct {
			Self struct{ Href string } `json:"self"`
		} `json:"_links"`
	}
	if err := json.Unmarshal(item, &head); err != nil {
		return err
	}
	self, err := url.Parse(head.Links.Self.Href)
	if err != nil {
		return err
	}
	typ := path.Base(path.Dir(strings.TrimSuffix(self.Path, "/")))
	canon, err := sdk.CanonicalJSON(item)
	if err != nil {
		return err
	}
	content, err := yaml.Formatter{}.Encode(sdk.Value{JSON: canon}, sdk.StyleFile)
	if err != nil {
		return err
	}
	// One MkdirAll per type directory; the Once makes every other writer
	// of that type wait until the directory exists.
	once, _ := dirs.LoadOrStore(typ, new(sync.Once))
	var mkErr error
	once.(*sync.Once).Do(func() { mkErr = os.MkdirAll(filepath.Join(dir, typ), 0o755) })
	if mkErr != nil {
		return mkErr
	}
	return os.WriteFile(filepath.Join(dir, typ, head.ID+".yaml"), content, 0o644)
}

// plainPush does what `resource-sync DIR URL` does with HAL files: read
// and decode each file, drop _links and _embedded, and PUT the resource as
// canonical JSON at its self link's path on the destination, concurrency
// requests at a time. It returns how many it sent.
func plainPush(ctx context.Context, client *http.Client, dir, dest string) (int, error) {
	files, err := yamlFiles(dir)
	if err != nil {
		return 0, err
	}
	jobs := make(chan string)
	errs := make([]error, concurrency)
	var wg sync.WaitGroup
	for w := range concurrency {
		wg.Go(func() {
			for file := range jobs {
				if errs[w] == nil {
					errs[w] = putFile(ctx, client, file, dest)
				}
			}
		})
	}
	for _, f := range files {
		jobs <- f
	}
	close(jobs)
	wg.Wait()
	return len(files), errors.Join(errs...)
}

// yamlFiles lists the .yaml files below dir.
func yamlFiles(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Ext(p) == ".yaml" {
			files = append(files, p)
		}
		return err
	})
	return files, err
}

func putFile(ctx context.Context, client *http.Client, file, dest string) error {
	raw, err := readYAMLResource(file)
	if err != nil {
		return err
	}
	path, body, err := selfAndBody(raw)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, dest+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("PUT %s: %s", req.URL, resp.Status)
	}
	return nil
}

// firstPage is where both pull: the collection's first page named as its
// next and prev links name pages, so that page 2's prev link is known to
// be fetched already (the bare collection uri would be fetched twice).
func firstPage(base string) string {
	return fmt.Sprintf("%s%s?limit=%d&offset=0", base, collectionPath, pageLimit)
}

// timed runs f and returns how long it took.
func timed(f func()) time.Duration {
	// Nothing written before is left to save (an origin just generated):
	// resource-sync's syncfs, or the server's fsyncs, would pay for it.
	syscall.Sync()
	start := time.Now()
	f()
	return time.Since(start)
}

// report adds both throughputs and their ratio to b's results.
func report(b *testing.B, n int, rs, plain time.Duration) {
	total := float64(n * b.N)
	b.ReportMetric(total/rs.Seconds(), "rs-res/s")
	b.ReportMetric(total/plain.Seconds(), "plain-res/s")
	b.ReportMetric(plain.Seconds()/rs.Seconds(), "ratio")
}

// withoutInventory drops the GETs of the collection a push makes to learn
// what the destination holds (one for an empty server): the plain client
// does not make them, so the ratio counts their cost. Any other GET fails.
func withoutInventory(tb testing.TB, counts map[string]int) map[string]int {
	tb.Helper()
	out := map[string]int{}
	for req, n := range counts {
		if strings.HasPrefix(req, "GET ") {
			if !strings.HasPrefix(req, "GET "+collectionPath) {
				tb.Fatalf("a push sent %s", req)
			}
			continue
		}
		out[req] = n
	}
	return out
}

// sameRequests fails b when two runs did not send the same requests.
func sameRequests(tb testing.TB, what string, rsCounts, plainCounts map[string]int) {
	tb.Helper()
	if !maps.Equal(rsCounts, plainCounts) {
		tb.Fatalf("%s: resource-sync sent %d distinct requests, the plain client %d: not the same work",
			what, len(rsCounts), len(plainCounts))
	}
}

// BenchmarkPull pulls 10,000 resources (and 100,000 with -large) from
// `serve` into a new directory, on disk and on tmpfs: resource-sync (page
// links followed from the first page, default limit and concurrency)
// against plainPull, each a child process. Both GET the same pages. The
// metrics are BenchmarkLocalDirToDir's.
func BenchmarkPull(b *testing.B) {
	rs := resourceSync(b)
	for _, n := range benchSizes() {
		// Served from memory: where the origin's files are does not
		// matter. The server lives as long as this size's runs.
		src := benchDir(b)
		generate(b, src, n)
		base, log, stop := serveDir(b, src)
		for _, medium := range benchMedia(b) {
			b.Run(fmt.Sprintf("n=%d/%s", n, medium.name), func(b *testing.B) {
				work := medium.dir(b)
				var rsUse, plainUse usage
				runs := benchRuns(b, n)
				b.ResetTimer()
				for i := range runs {
					var rsCounts, plainCounts map[string]int
					for _, plainFirst := range []bool{i%2 == 1, i%2 == 0} {
						dst := filepath.Join(work, fmt.Sprintf("pulled-%d-%t", i, plainFirst))
						if plainFirst {
							b.StopTimer()
							plainUse.add(localRun(b, plainPullCmd(b, firstPage(base), dst), n))
							plainCounts, _ = log.take()
						} else {
							b.StartTimer()
							rsUse.add(localRun(b, rsCmd(rs, work, "-q", firstPage(base), dst), n))
							b.StopTimer()
							rsCounts, _ = log.take()
						}
					}
					sameRequests(b, "pull", rsCounts, plainCounts)
				}
				reportLocal(b, runs, rsUse, plainUse)
			})
		}
		stop()
	}
}

// BenchmarkPush pushes a directory of 10,000 resources (and 100,000 with
// -large) into an empty `serve`: resource-sync (default concurrency, PUTs)
// against plainPush, each a child process, alternating which goes first.
// Each run gets its own empty server; both send the same PUTs. The server
// writes each resource durably (an fsync per file), as an API with a
// database would: on disk that is most of a push's time, and the tmpfs
// run shows what the clients themselves cost. The metrics are
// BenchmarkLocalDirToDir's; the CPU is the clients', not the server's.
func BenchmarkPush(b *testing.B) {
	rs := resourceSync(b)
	for _, n := range benchSizes() {
		src := benchDir(b)
		generate(b, src, n)
		for _, m := range benchMedia(b) {
			b.Run(fmt.Sprintf("n=%d/server=%s", n, m.name), func(b *testing.B) {
				work := m.dir(b)
				var rsUse, plainUse usage
				runs := benchRuns(b, n)
				b.ResetTimer()
				for i := range runs {
					b.StopTimer()
					rsBase, rsLog, rsStop := serveDir(b, m.dir(b))
					plainBase, plainLog, plainStop := serveDir(b, m.dir(b))
					for _, plainFirst := range []bool{i%2 == 1, i%2 == 0} {
						if plainFirst {
							plainUse.add(localRun(b, plainPushCmd(b, src, plainBase), n))
							continue
						}
						b.StartTimer()
						rsUse.add(localRun(b, rsCmd(rs, work, "-q", src, rsBase+"/"), n))
						b.StopTimer()
					}
					rsCounts, _ := rsLog.take()
					plainCounts, _ := plainLog.take()
					sameRequests(b, "push", withoutInventory(b, rsCounts), plainCounts)
					rsStop()
					plainStop()
				}
				reportLocal(b, runs, rsUse, plainUse)
			})
		}
	}
}

// readTree returns every file below dir by slash path.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		content, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = string(content)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// sameTree fails t unless dirs a and b hold the same files, byte for byte.
func sameTree(t *testing.T, what, a, b string) {
	t.Helper()
	ta, tb := readTree(t, a), readTree(t, b)
	if len(ta) == 0 {
		t.Errorf("%s: no files", what)
	}
	for name, content := range ta {
		if other, ok := tb[name]; !ok {
			t.Errorf("%s: %s only written by resource-sync", what, name)
		} else if other != content {
			t.Errorf("%s: %s differs:\n%s\nand\n%s", what, name, content, other)
		}
	}
	for name := range tb {
		if _, ok := ta[name]; !ok {
			t.Errorf("%s: %s only written by the plain client", what, name)
		}
	}
}

// TestPlainMirrorsResourceSync keeps the benchmarks honest: on a small
// dataset spanning several pages, the plain clients send exactly the
// requests resource-sync sends (same uris, same PUT bodies) and leave
// exactly the same files behind.
func TestPlainMirrorsResourceSync(t *testing.T) {
	if testing.Short() {
		t.Skip("builds resource-sync")
	}
	const n = 2*pageLimit + 50
	src := t.TempDir()
	generate(t, src, n)
	client := plainClient()

	base, log, _ := serveDir(t, src)
	rsOut, plainOut := filepath.Join(t.TempDir(), "pulled"), filepath.Join(t.TempDir(), "pulled")
	runResourceSync(t, "-q", firstPage(base), rsOut)
	rsCounts, _ := log.take()
	if _, err := plainPull(t.Context(), client, firstPage(base), plainOut); err != nil {
		t.Fatal(err)
	}
	plainCounts, _ := log.take()
	if want := n/pageLimit + 1; len(rsCounts) != want {
		t.Errorf("resource-sync sent %d distinct requests, want %d pages: %v", len(rsCounts), want, rsCounts)
	}
	sameRequests(t, "pull", rsCounts, plainCounts)
	sameTree(t, "pull", rsOut, plainOut)
	if got := len(readTree(t, rsOut)); got != n {
		t.Errorf("pulled %d files, want %d", got, n)
	}

	rsDir, plainDir := t.TempDir(), t.TempDir()
	rsBase, rsLog, _ := serveDir(t, rsDir)
	plainBase, plainLog, _ := serveDir(t, plainDir)
	runResourceSync(t, "-q", src, rsBase+"/")
	if _, err := plainPush(t.Context(), client, src, plainBase); err != nil {
		t.Fatal(err)
	}
	rsCounts, rsBodies := rsLog.take()
	plainCounts, plainBodies := plainLog.take()
	rsCounts = withoutInventory(t, rsCounts)
	if len(rsCounts) != n {
		t.Errorf("resource-sync sent %d distinct requests, want %d PUTs", len(rsCounts), n)
	}
	sameRequests(t, "push", rsCounts, plainCounts)
	if !maps.Equal(rsBodies, plainBodies) {
		t.Error("push: the PUT bodies differ")
	}
	sameTree(t, "push", rsDir, plainDir)
}
