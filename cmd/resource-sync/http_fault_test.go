package main

import (
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/resource-sync/resource-sync/internal/testserver"
	"github.com/resource-sync/resource-sync/sdk"
)

// Pushes through testserver, which refuses children before their parents
// and injects 503s, 429s and cut connections.

// shopResource is one generated resource.
type shopResource struct {
	key    string // "order/o0001", its file without extension
	path   string // "/api/order/o0001", where it is written
	parent string // its parent's path; "" for a customer
	json   []byte // canonical JSON, as in its file
}

// shopOrigin is the host of the generated resources' links, which a push
// swaps for the destination's.
const shopOrigin = "http://origin.invalid"

// generateShop writes a tree of HAL resources in the dir layout: customers,
// orders (parent:customer) and order lines (parent:order), spread evenly
// over their parents, as JSON files. It returns them parents first.
func generateShop(t *testing.T, customers, orders, lines int) (string, []shopResource) {
	t.Helper()
	dir := t.TempDir()
	var all []shopResource
	add := func(typ, id, parentRel, parentPath string, n int) string {
		p := "/api/" + typ + "/" + id
		links := map[string]any{"self": map[string]any{"href": shopOrigin + p}}
		if parentRel != "" {
			links[parentRel] = map[string]any{"href": shopOrigin + parentPath}
		}
		canon, err := sdk.MarshalCanonical(map[string]any{
			"_links": links, "id": id, "n": n, "note": fmt.Sprintf("%s number %d of the generated shop", typ, n),
		})
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(dir, typ, id+".json")
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, canon, 0o644); err != nil {
			t.Fatal(err)
		}
		all = append(all, shopResource{key: typ + "/" + id, path: p, parent: parentPath, json: canon})
		return p
	}
	customerPaths := make([]string, customers)
	for i := range customers {
		customerPaths[i] = add("customer", fmt.Sprintf("c%03d", i), "", "", i)
	}
	orderPaths := make([]string, orders)
	for i := range orders {
		orderPaths[i] = add("order", fmt.Sprintf("o%04d", i), "parent:customer", customerPaths[i%customers], i)
	}
	for i := range lines {
		add("orderline", fmt.Sprintf("l%04d", i), "parent:order", orderPaths[i%orders], i)
	}
	return dir, all
}

// serveFaulty serves a testserver on loopback until the test ends.
func serveFaulty(t *testing.T, opts testserver.Options) (*testserver.Server, string) {
	t.Helper()
	s := testserver.New(opts)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts.URL
}

// TestHTTPFaultyServerPush pushes 3000 resources, three levels deep,
// through a server that fails about one request in ten (503, 429 with
// Retry-After, connections cut before or after storing, at most three
// times per resource) and refuses a child whose parent it does not hold.
// With six attempts the push succeeds: the server ends up holding exactly
// the input, each resource stored once plus once per retry after a cut
// that followed storing, and never a child before its parent.
func TestHTTPFaultyServerPush(t *testing.T) {
	t.Parallel()
	dir, shop := generateShop(t, 100, 900, 2000)
	srv, base := serveFaulty(t, testserver.Options{Seed: 4, FaultRate: 0.1, MaxFaults: 3})

	r := mustRun(t, "--keep-links", "--max-attempts", "6", "--concurrency", "8", dir, base+"/")
	if want := "3000 read: 3000 created"; !strings.Contains(r.stderr, want) {
		t.Errorf("summary %q, want %q", r.stderr, want)
	}

	if c := srv.Conflicts(); len(c) > 0 {
		t.Errorf("%d children sent before their parents were stored, first: %s", len(c), c[0])
	}
	stored := srv.Resources()
	if len(stored) != len(shop) {
		t.Errorf("the server holds %d resources, want %d", len(stored), len(shop))
	}
	for _, res := range shop {
		body, ok := stored[res.path]
		if !ok {
			t.Errorf("%s was never stored", res.path)
			continue
		}
		canon, err := sdk.CanonicalJSON(body)
		if err != nil {
			t.Errorf("%s: stored body is not JSON: %v", res.path, err)
		} else if diff := cmp.Diff(string(res.json), string(canon)); diff != "" {
			t.Errorf("%s: stored body differs from %s (-want +got):\n%s", res.path, res.key, diff)
		}
		cutAfter := 0
		for _, f := range srv.Faults(res.path) {
			if f == testserver.CutAfter {
				cutAfter++
			}
		}
		if got, want := srv.Stores(res.path), 1+cutAfter; got != want {
			t.Errorf("%s stored %d times, want %d (once, and once more per cut after storing: faults %v)",
				res.path, got, want, srv.Faults(res.path))
		}
		if res.parent != "" && !srv.StoredBefore(res.parent, res.path) {
			t.Errorf("%s stored before its parent %s", res.path, res.parent)
		}
	}
	// The faults are drawn from a fixed seed: this run met every kind.
	counts := srv.FaultCounts()
	t.Logf("faults injected: %v", counts)
	for f := testserver.Unavailable; f <= testserver.CutAfter; f++ {
		if counts[f] == 0 {
			t.Errorf("no %v was injected; the test no longer covers it", f)
		}
	}
}

// TestHTTPFaultyServerParentFails pushes a tree in which one customer is
// refused with 400 every time: its orders and their lines are never
// attempted, the summary lists the failure, exit 1; everything else is
// stored, unless --fail-fast stopped the push at that first failure.
func TestHTTPFaultyServerParentFails(t *testing.T) {
	t.Parallel()
	const rejected = "/api/customer/c000"
	tests := []struct {
		name     string
		failFast bool
	}{
		{name: "descendants skipped, the rest written"},
		{name: "fail-fast stops early", failFast: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir, shop := generateShop(t, 20, 180, 400)
			srv, base := serveFaulty(t, testserver.Options{Reject: func(p string) bool { return p == rejected }})
			args := []string{"--keep-links", "--concurrency", "8"}
			if tt.failFast {
				args = append(args, "--fail-fast")
			}
			r := runCLI(t, append(args, dir, base+"/")...)
			if r.code != 1 {
				t.Errorf("exit %d, want 1", r.code)
			}
			if !strings.Contains(r.stderr, "customer/c000") || !strings.Contains(r.stderr, "400 Bad Request") {
				t.Errorf("stderr does not name the failed customer/c000 and its 400:\n%s", r.stderr)
			}

			doomed := map[string]bool{rejected: true} // c000 and its descendants
			for _, res := range shop {                // parents come first
				if doomed[res.parent] {
					doomed[res.path] = true
				}
			}
			stored := srv.Resources()
			for _, res := range shop {
				_, ok := stored[res.path]
				switch {
				case res.path == rejected:
					if n := srv.Attempts(res.path); n != 1 {
						t.Errorf("%s attempted %d times; a 400 is not retried", res.path, n)
					}
				case doomed[res.path]:
					if n := srv.Attempts(res.path); n > 0 {
						t.Errorf("%s, a descendant of the failed %s, was attempted %d times", res.path, rejected, n)
					}
				case !ok && !tt.failFast:
					t.Errorf("%s was not stored", res.path)
				}
			}
			if c := srv.Conflicts(); len(c) > 0 {
				t.Errorf("children sent before their parents: %v", c)
			}
			if tt.failFast {
				// The failure is the very first write answered; what was
				// already sent completes, nothing after it starts.
				if len(stored) >= len(shop)/2 {
					t.Errorf("--fail-fast: %d of %d resources stored; want it to stop early", len(stored), len(shop))
				}
				return
			}
			want := fmt.Sprintf("%d read: %d created, 0 updated, 0 unchanged, 0 deleted, 1 failed, %d skipped",
				len(shop), len(shop)-len(doomed), len(doomed)-1)
			if !strings.Contains(r.stderr, want) {
				t.Errorf("summary: want %q in\n%s", want, r.stderr)
			}
			if len(stored) != len(shop)-len(doomed) {
				t.Errorf("%d resources stored, want %d", len(stored), len(shop)-len(doomed))
			}
		})
	}
}
