package bench

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/resource-sync/resource-sync/plugins/yaml"
	"github.com/resource-sync/resource-sync/sdk"
)

// plainGetAll is the reference for a sync that writes nothing: GET every
// page of the collection, following next links, and decode each, as a
// hand-written "is anything different?" client would before comparing.
func plainGetAll(ctx context.Context, client *http.Client, first string) (int, error) {
	n := 0
	for u := first; u != ""; {
		page, err := getPage(ctx, client, u)
		if err != nil {
			return n, err
		}
		n += len(page.Items)
		u = page.Links.Next.Href
	}
	return n, nil
}

// plainCompare is the reference for the whole job of a re-push or a
// diff, as a hand-written program would do it with the same libraries:
// read and decode every file of dir (concurrency at a time), GET every
// page of the collection, and compare each resource's canonical JSON
// without _links and _embedded by its self link's path. It returns how
// many resources differ (changed, or on one side only).
func plainCompare(ctx context.Context, client *http.Client, dir, first string) (int, error) {
	files, err := yamlFiles(dir)
	if err != nil {
		return 0, err
	}
	local := make(map[string][sha256.Size]byte, len(files))
	var mu sync.Mutex
	jobs := make(chan string)
	g, gctx := errgroup.WithContext(ctx)
	for range concurrency {
		g.Go(func() error {
			for file := range jobs {
				raw, err := readYAMLResource(file)
				if err != nil {
					return err
				}
				key, sum, err := selfAndSum(raw)
				if err != nil {
					return fmt.Errorf("%s: %w", file, err)
				}
				mu.Lock()
				local[key] = sum
				mu.Unlock()
			}
			return nil
		})
	}
	g.Go(func() error {
		defer close(jobs)
		for _, f := range files {
			select {
			case jobs <- f:
			case <-gctx.Done():
				return nil
			}
		}
		return nil
	})
	remote := map[string][sha256.Size]byte{}
	fetchErr := func() error {
		for u := first; u != ""; {
			page, err := getPage(ctx, client, u)
			if err != nil {
				return err
			}
			for _, item := range page.Items {
				key, sum, err := selfAndSum(item)
				if err != nil {
					return fmt.Errorf("%s: %w", u, err)
				}
				remote[key] = sum
			}
			u = page.Links.Next.Href
		}
		return nil
	}()
	if err := errors.Join(g.Wait(), fetchErr); err != nil {
		return 0, err
	}
	differ := 0
	for key, sum := range local {
		if other, ok := remote[key]; !ok || other != sum {
			differ++
		}
	}
	for key := range remote {
		if _, ok := local[key]; !ok {
			differ++
		}
	}
	return differ, nil
}

// selfAndSum returns a HAL resource's self link path and the sha256 of its
// canonical JSON without _links and _embedded.
func selfAndSum(raw []byte) (string, [sha256.Size]byte, error) {
	path, body, err := selfAndBody(raw)
	if err != nil {
		return "", [sha256.Size]byte{}, err
	}
	return path, sha256.Sum256(body), nil
}

// selfAndBody returns a HAL resource's self link path and its canonical
// JSON without _links and _embedded: what a plain client PUTs there.
func selfAndBody(raw []byte) (string, []byte, error) {
	v, err := sdk.UnmarshalJSON(raw)
	if err != nil {
		return "", nil, err
	}
	doc, ok := v.(map[string]any)
	if !ok {
		return "", nil, errors.New("not a mapping")
	}
	links, _ := doc["_links"].(map[string]any)
	self, _ := links["self"].(map[string]any)
	href, _ := self["href"].(string)
	u, err := url.Parse(href)
	if err != nil || href == "" {
		return "", nil, fmt.Errorf("no self link: %v", err)
	}
	delete(doc, "_links")
	delete(doc, "_embedded")
	body, err := sdk.MarshalCanonical(doc)
	if err != nil {
		return "", nil, err
	}
	return u.EscapedPath(), body, nil
}

// readYAMLResource reads a file holding one resource as canonical JSON.
func readYAMLResource(file string) ([]byte, error) {
	content, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	values, err := yaml.Formatter{}.Decode(sdk.Document{Content: content, Extension: ".yaml", Source: file})
	if err != nil {
		return nil, err
	}
	if len(values) != 1 {
		return nil, fmt.Errorf("%s holds %d values, not one resource", file, len(values))
	}
	return values[0].JSON, nil
}

// runExpecting runs the binary with its cache in cache and fails unless
// it exits with code.
func runExpecting(tb testing.TB, cache string, code int, args ...string) {
	tb.Helper()
	cmd := exec.Command(resourceSync(tb), args...)
	cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+cache)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	got := 0
	if errors.As(err, &exitErr) {
		got = exitErr.ExitCode()
	} else if err != nil {
		tb.Fatal(err)
	}
	if got != code {
		tb.Fatalf("resource-sync %s: exit %d, want %d\n%s", strings.Join(args, " "), got, code, stderr.Bytes())
	}
}

// reconcileBench times a resource-sync command against a destination that
// already holds the origin (changed first by change), next to plainGetAll
// of the destination's collection (the reference: ratio) and
// plainCompare, the same job done by a plain program (same-job-ratio),
// rotating which goes first. want is how many resources differ.
//
// The origin's files are left to settle (a file gets a version two
// seconds after its last change, plugins/dir), then the command runs once
// untimed with an empty cache: it reads every file and every page, and
// keeps the files' versions and the pages' ETags. cold-s and cold-ratio
// (to the plain GETs) are that run's. The timed runs then list the
// versions, read only the files the plan writes, and ask for each page
// with If-None-Match (a 304 each, as nothing writes to the server).
func reconcileBench(b *testing.B, n int, change func(dir string), want, code int, args ...string) {
	src := benchDir(b)
	generate(b, src, n)
	base, log, _ := serveDir(b, benchDir(b))
	runResourceSync(b, "-q", src, base+"/")
	log.take()
	if change != nil {
		change(src)
	}
	time.Sleep(2100 * time.Millisecond)
	client := plainClient()
	cache := b.TempDir()
	rsRun := func() time.Duration {
		took := timed(func() { runExpecting(b, cache, code, append(args, src, base+"/")...) })
		counts, _ := log.take()
		for req := range counts {
			if !strings.HasPrefix(req, http.MethodGet+" ") {
				b.Fatalf("resource-sync sent %s: it must write nothing here", req)
			}
		}
		return took
	}
	cold := rsRun()
	var rsTime, plainTime, sameJobTime time.Duration
	b.ResetTimer()
	for i := range b.N {
		runRS := func() { rsTime += rsRun() }
		runPlain := func() {
			plainTime += timed(func() {
				got, err := plainGetAll(b.Context(), client, firstPage(base))
				if err != nil || got != n {
					b.Fatalf("plain GETs: %d resources, %v", got, err)
				}
			})
			log.take()
		}
		runSameJob := func() {
			sameJobTime += timed(func() {
				got, err := plainCompare(b.Context(), client, src, firstPage(base))
				if err != nil || got != want {
					b.Fatalf("plain compare: %d resources differ, want %d; %v", got, want, err)
				}
			})
			log.take()
		}
		runs := []func(){runRS, runPlain, runSameJob}
		for j := range runs {
			runs[(i+j)%len(runs)]()
		}
	}
	report(b, n, rsTime, plainTime)
	b.ReportMetric(sameJobTime.Seconds()/rsTime.Seconds(), "same-job-ratio")
	b.ReportMetric(cold.Seconds(), "cold-s")
	b.ReportMetric(cold.Seconds()/(plainTime.Seconds()/float64(b.N)), "cold-ratio")
}

// BenchmarkRepush re-pushes 10,000 resources (and 100,000 with -large)
// that `serve` already holds: resource-sync reads the directory and the
// destination's collection and sends no write, against a plain client
// that only GETs the collection. Goal: at most 1.3 times the plain
// client's time.
func BenchmarkRepush(b *testing.B) {
	for _, n := range benchSizes() {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) { reconcileBench(b, n, nil, 0, 0, "-q") })
	}
}

// BenchmarkDiff diffs 10,000 resources (and 100,000 with -large) against
// `serve` holding them, 1% of them changed in the directory, against the
// same plain GETs. Goal: at most 1.5 times the plain client's time.
func BenchmarkDiff(b *testing.B) {
	for _, n := range benchSizes() {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) { diffBench(b, n) })
	}
}

func diffBench(b *testing.B, n int) {
	change := func(dir string) {
		for i := 0; i < n; i += 100 {
			p := filepath.Join(dir, "order", fmt.Sprintf("o%05d.yaml", i))
			content, err := os.ReadFile(p)
			if err != nil {
				b.Fatal(err)
			}
			content = bytes.Replace(content, []byte("status: "), []byte("status: changed-"), 1)
			if err := os.WriteFile(p, content, 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
	reconcileBench(b, n, change, n/100, 3, "diff", "-q")
}
