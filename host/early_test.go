package host_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/resource-sync/resource-sync/host"
)

// logBuffer keeps a host's log for a test to read.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// newDebugHost is newHost logging at debug level into log.
func newDebugHost(t *testing.T, log *logBuffer) *host.Host {
	t.Helper()
	h, err := host.New(host.Options{Builtins: sources(t), SearchPath: []string{}, Log: log, Level: hclog.Debug})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	return h
}

// origin is where a test reads from, and which links it follows.
type origin struct {
	at     string
	follow string
}

// syncOutcomes syncs from o into dst and returns the summary and each
// resource's outcome.
func syncOutcomes(t *testing.T, h *host.Host, o origin, dst string, stage bool) (host.Summary, map[string]host.Outcome, error) {
	t.Helper()
	outcomes := map[string]host.Outcome{}
	opts := host.SyncOptions{Origins: []host.Location{host.At(o.at)}, Follow: o.follow, Destination: host.At(dst), Format: "json", Schema: "hal",
		StageWhileReading: stage, Events: func(e host.Event) {
			if e.Outcome != host.OutcomePlanned {
				outcomes[e.Type+"/"+e.ID] = e.Outcome
			}
		}}
	run, err := h.Prepare(context.Background(), opts)
	if err != nil {
		return host.Summary{}, nil, err
	}
	defer run.Close()
	sum, err := run.Apply(context.Background())
	return sum, outcomes, err
}

// dirTree reads every file below dir by slash path, or nil when dir does
// not exist.
func dirTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	tree := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		tree[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

const (
	stagingWhileReading = "staging the writes while reading"
	notStaging          = "not staging while reading"
)

// TestStagingWhileReadingWritesWhatAPlainSyncWrites pulls a collection
// from an API into a new directory with the writes staged while the
// origin is read, and without: the same files, the same outcomes.
func TestStagingWhileReadingWritesWhatAPlainSyncWrites(t *testing.T) {
	tree := t.TempDir()
	writeCompanies(t, tree, 3, 4, 40)
	employees := origin{at: serveTree(t, tree) + "/api/employee"} // 480, in pages of 20: several batches
	if sum, _ := stagedAndPlain(t, employees, 480); sum.Read != 480 {
		t.Errorf("summary = %+v, want 480 read", sum)
	}
}

// TestStagingWhileReadingStagesAResourceReadTwiceOnce follows every link
// of an API whose resources link their parents: each company and
// department is read in its collection and again at its own uri. The
// staged write takes each once and is used, and writes what a plain sync
// writes.
func TestStagingWhileReadingStagesAResourceReadTwiceOnce(t *testing.T) {
	tree := t.TempDir()
	writeCompanies(t, tree, 2, 2, 3) // 2 companies, 4 departments, 12 employees
	stagedAndPlain(t, origin{at: serveTree(t, tree) + "/api/", follow: "all"}, 18)
}

// stagedAndPlain syncs o into a new directory with the writes staged
// while reading, failing unless the staged write was used, then into
// another without staging, each with a cache of its own. It fails unless
// both created want resources and nothing failed, with the same outcomes
// and the same files, and returns both summaries.
func stagedAndPlain(t *testing.T, o origin, want int) (sum, plainSum host.Summary) {
	t.Helper()
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	var log logBuffer
	h := newDebugHost(t, &log)
	staged := filepath.Join(t.TempDir(), "staged")
	sum, outcomes, err := syncOutcomes(t, h, o, staged, true)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), stagingWhileReading) || strings.Contains(log.String(), notStaging) {
		t.Fatalf("the staged write was not used:\n%s", log.String())
	}
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	plain := filepath.Join(t.TempDir(), "plain")
	plainSum, plainOutcomes, err := syncOutcomes(t, h, o, plain, false)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Created != want || sum.Failed+sum.Skipped != 0 {
		t.Errorf("summary = %+v, want %d created", sum, want)
	}
	if sum.Created != plainSum.Created || sum.Read != plainSum.Read {
		t.Errorf("summary = %+v, plain sync's %+v", sum, plainSum)
	}
	if !maps.Equal(outcomes, plainOutcomes) || len(outcomes) != want {
		t.Errorf("%d outcomes differ from the plain sync's %d", len(outcomes), len(plainOutcomes))
	}
	if got, wantTree := dirTree(t, staged), dirTree(t, plain); len(got) != want || !maps.Equal(got, wantTree) {
		t.Errorf("staged while reading: %d files; plain sync: %d; the trees differ", len(got), len(wantTree))
	}
	return sum, plainSum
}

// TestStagingWhileReadingAResourceReadTwiceDiffering reads a company that
// its collection and its own uri give differently: the sync fails, naming
// it, and the new destination is not made.
func TestStagingWhileReadingAResourceReadTwiceDiffering(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	tree := t.TempDir()
	writeCompanies(t, tree, 1, 1, 2)
	api := serveTree(t, tree)
	// The company at its own uri is not the one in its collection.
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/company/c0" {
			w.Header().Set("Content-Type", "application/hal+json")
			fmt.Fprintf(w, `{"id":"c0","name":"Another name","_links":{"self":{"href":"http://%s/api/company/c0"}}}`, r.Host)
			return
		}
		proxy, err := http.NewRequestWithContext(r.Context(), r.Method, api+r.URL.RequestURI(), nil)
		if err != nil {
			t.Error(err)
			return
		}
		proxy.Host = r.Host // the links name this server
		resp, err := http.DefaultClient.Do(proxy)
		if err != nil {
			t.Error(err)
			return
		}
		defer resp.Body.Close()
		w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body)
	}))
	t.Cleanup(ts.Close)
	var log logBuffer
	h := newDebugHost(t, &log)
	dst := filepath.Join(t.TempDir(), "out")
	_, _, err := syncOutcomes(t, h, origin{at: ts.URL + "/api/", follow: "all"}, dst, true)
	if err == nil || !strings.Contains(err.Error(), "company/c0 is defined twice with different content") {
		t.Fatalf("err = %v, want company/c0 defined twice", err)
	}
	if !strings.Contains(log.String(), stagingWhileReading) {
		t.Errorf("nothing was staged while reading:\n%s", log.String())
	}
	if tree := dirTree(t, dst); tree != nil {
		t.Errorf("the destination was made: %v", tree)
	}
}

// TestStagingWhileReadingFallsBack covers syncs whose plan is not the
// creates staged while reading, or that do not stage at all: each writes
// what a plain sync writes.
func TestStagingWhileReadingFallsBack(t *testing.T) {
	for _, tc := range []struct {
		name string
		// prepare writes the origin's tree and the destination, and says
		// where to read.
		prepare func(t *testing.T, tree, dst string) origin
		reason  string // logged; "" when nothing is staged
	}{
		{
			name: "a directory origin",
			prepare: func(t *testing.T, tree, dst string) origin {
				// Read faster than it is written: nothing to overlap.
				writeCompanies(t, tree, 1, 2, 3)
				return origin{at: tree}
			},
		},
		{
			name: "a destination that holds something",
			prepare: func(t *testing.T, tree, dst string) origin {
				writeCompanies(t, tree, 2, 1, 1)
				writeFile(t, filepath.Join(dst, "company", "c0.json"), `{"id":"c0","name":"Old name","_links":{"self":{"href":"http://x/api/company/c0"}}}`)
				return origin{at: serveTree(t, tree) + "/api/company"}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("XDG_CACHE_HOME", t.TempDir())
			var log logBuffer
			h := newDebugHost(t, &log)
			dst := filepath.Join(t.TempDir(), "out")
			o := tc.prepare(t, t.TempDir(), dst)
			before := dirTree(t, dst)
			sum, outcomes, err := syncOutcomes(t, h, o, dst, true)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tc.reason == "" && strings.Contains(log.String(), stagingWhileReading):
				t.Errorf("staged while reading:\n%s", log.String())
			case tc.reason != "" && !strings.Contains(log.String(), tc.reason):
				t.Errorf("the log does not say %q:\n%s", tc.reason, log.String())
			}

			// The same sync, without staging while reading, into the
			// destination as it was.
			t.Setenv("XDG_CACHE_HOME", t.TempDir())
			plain := filepath.Join(t.TempDir(), "out")
			for rel, content := range before {
				writeFile(t, filepath.Join(plain, rel), content)
			}
			plainSum, plainOutcomes, err := syncOutcomes(t, h, o, plain, false)
			if err != nil {
				t.Fatal(err)
			}
			if sum.Created != plainSum.Created || sum.Updated != plainSum.Updated || sum.Written() == 0 {
				t.Errorf("summary = %+v, plain sync's %+v", sum, plainSum)
			}
			if !maps.Equal(outcomes, plainOutcomes) {
				t.Errorf("outcomes %v, plain sync's %v", outcomes, plainOutcomes)
			}
			if got, want := dirTree(t, dst), dirTree(t, plain); !maps.Equal(got, want) {
				t.Errorf("the trees differ: %d files, plain sync's %d", len(got), len(want))
			}
		})
	}
}

// TestStagedRunClosedUnappliedLeavesNothing prepares a sync that stages
// its writes while reading and closes it without applying: the new
// destination does not exist, not even empty.
func TestStagedRunClosedUnappliedLeavesNothing(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	tree, dst := t.TempDir(), filepath.Join(t.TempDir(), "out")
	writeCompanies(t, tree, 2, 3, 30)
	var log logBuffer
	h := newDebugHost(t, &log)
	run, err := h.Prepare(context.Background(), host.SyncOptions{Origins: []host.Location{host.At(serveTree(t, tree) + "/api/employee")},
		Destination: host.At(dst), Format: "json", Schema: "hal", StageWhileReading: true})
	if err != nil {
		t.Fatal(err)
	}
	if w, _ := run.Pending(); w != 180 {
		t.Fatalf("%d writes pending, want 180", w)
	}
	run.Close()
	if !strings.Contains(log.String(), stagingWhileReading) {
		t.Fatalf("the writes were not staged while reading:\n%s", log.String())
	}
	if _, err := os.Stat(dst); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the destination exists after a run closed unapplied: %v %v", err, dirTree(t, filepath.Dir(dst)))
	}
}
