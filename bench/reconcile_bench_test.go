package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
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

// runExpecting runs the binary and fails unless it exits with code.
func runExpecting(tb testing.TB, code int, args ...string) {
	tb.Helper()
	cmd := exec.Command(resourceSync(tb), args...)
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
// of the destination's collection, alternating which goes first.
func reconcileBench(b *testing.B, change func(dir string), code int, args ...string) {
	src := benchDir(b)
	generate(b, src, benchResources)
	base, log, _ := serveDir(b, benchDir(b))
	runResourceSync(b, "-q", src, base+"/")
	log.take()
	if change != nil {
		change(src)
	}
	client := plainClient()
	var rsTime, plainTime time.Duration
	b.ResetTimer()
	for i := range b.N {
		runRS := func() {
			rsTime += timed(func() { runExpecting(b, code, append(args, src, base+"/")...) })
			counts, _ := log.take()
			for req := range counts {
				if !strings.HasPrefix(req, http.MethodGet+" ") {
					b.Fatalf("resource-sync sent %s: it must write nothing here", req)
				}
			}
		}
		runPlain := func() {
			plainTime += timed(func() {
				n, err := plainGetAll(b.Context(), client, firstPage(base))
				if err != nil || n != benchResources {
					b.Fatalf("plain GETs: %d resources, %v", n, err)
				}
			})
			log.take()
		}
		if i%2 == 0 {
			runRS()
		}
		runPlain()
		if i%2 == 1 {
			runRS()
		}
	}
	report(b, benchResources, rsTime, plainTime)
}

// BenchmarkRepush re-pushes 10,000 resources that `serve` already holds:
// resource-sync reads the directory and the destination's collection and
// sends no write, against a plain client that only GETs the collection.
// Goal: at most 1.3 times the plain client's time.
func BenchmarkRepush(b *testing.B) {
	reconcileBench(b, nil, 0, "-q")
}

// BenchmarkDiff diffs 10,000 resources against `serve` holding them, 1%
// of them changed in the directory, against the same plain GETs.
// Goal: at most 1.5 times the plain client's time.
func BenchmarkDiff(b *testing.B) {
	change := func(dir string) {
		for i := 0; i < benchResources; i += 100 {
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
	reconcileBench(b, change, 3, "diff", "-q")
}
