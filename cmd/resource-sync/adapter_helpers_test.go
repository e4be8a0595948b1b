//go:build unix

package main

import (
	"bytes"
	"io/fs"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Helpers of the adapter tests: the shipped adapter files, a recording
// proxy in front of a third-party server, and tree comparisons.

const adaptersDir = "../../examples/adapters"

// adapterLocation is adapter:FILE for a shipped adapter file.
func adapterLocation(t *testing.T, name string) string {
	t.Helper()
	abs, err := filepath.Abs(filepath.Join(adaptersDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return "adapter:" + abs
}

// recordingProxy serves target through a proxy that records every
// request, so that a test can count a server's writes and see their
// order.
func recordingProxy(t *testing.T, target string) (string, *requestLog) {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	log := &requestLog{}
	ts := httptest.NewServer(log.wrap(httputil.NewSingleHostReverseProxy(u)))
	t.Cleanup(ts.Close)
	return ts.URL, log
}

// writesSince are the requests after the first n that change something.
func writesSince(log *requestLog, n int) []request {
	var out []request
	for _, r := range log.all()[n:] {
		if r.method != "GET" && r.method != "HEAD" {
			out = append(out, r)
		}
	}
	return out
}

// setEnv sets a variable for the rest of the test. Tests running in
// parallel use names of their own: t.Setenv refuses parallel tests.
func setEnv(t *testing.T, name, value string) {
	t.Helper()
	if err := os.Setenv(name, value); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Unsetenv(name) })
}

// sameTree fails unless a and b hold the same files, byte for byte.
func sameTree(t *testing.T, a, b string) {
	t.Helper()
	fa, fb := treeFiles(t, a), treeFiles(t, b)
	for _, name := range slices.Sorted(mapsKeys(fa, fb)) {
		x, inA := fa[name]
		y, inB := fb[name]
		switch {
		case !inA:
			t.Errorf("%s is in %s only", name, b)
		case !inB:
			t.Errorf("%s is in %s only", name, a)
		case !bytes.Equal(x, y):
			t.Errorf("%s differs:\n%s\n--- and ---\n%s", name, x, y)
		}
	}
	if len(fa) == 0 {
		t.Errorf("%s holds no files", a)
	}
}

func mapsKeys(ms ...map[string][]byte) func(func(string) bool) {
	return func(yield func(string) bool) {
		seen := map[string]bool{}
		for _, m := range ms {
			for k := range m {
				if !seen[k] {
					seen[k] = true
					if !yield(k) {
						return
					}
				}
			}
		}
	}
}

// treeFiles maps each file below dir (slash path) to its content.
func treeFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = data
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// countFiles counts the files below dir/sub.
func countFiles(t *testing.T, dir, sub string) int {
	t.Helper()
	n := 0
	for name := range treeFiles(t, dir) {
		if strings.HasPrefix(name, sub+"/") {
			n++
		}
	}
	return n
}

// position is where the first request with method and a path ending in
// suffix is in reqs, or -1.
func position(reqs []request, method, suffix string) int {
	for i, r := range reqs {
		path, _, _ := strings.Cut(r.uri, "?")
		if r.method == method && strings.HasSuffix(path, suffix) {
			return i
		}
	}
	return -1
}
