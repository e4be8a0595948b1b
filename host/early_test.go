package host_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

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

// syncOutcomes syncs src into dst and returns the summary and each
// resource's outcome.
func syncOutcomes(t *testing.T, h *host.Host, src, dst string, stage bool) (host.Summary, map[string]host.Outcome, error) {
	t.Helper()
	outcomes := map[string]host.Outcome{}
	opts := host.SyncOptions{Origins: []host.Location{host.At(src)}, Destination: host.At(dst), Format: "json", Schema: "hal",
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

// TestStagingWhileReadingWritesWhatAPlainSyncWrites pulls a tree of
// parents and children into a new directory with the writes staged while
// the origin is read, and without: the same files, the same outcomes.
func TestStagingWhileReadingWritesWhatAPlainSyncWrites(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	src := t.TempDir()
	writeCompanies(t, src, 3, 4, 40) // 495 resources: several batches
	var log logBuffer
	h := newDebugHost(t, &log)

	staged := filepath.Join(t.TempDir(), "staged")
	sum, outcomes, err := syncOutcomes(t, h, src, staged, true)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), stagingWhileReading) || strings.Contains(log.String(), notStaging) {
		t.Fatalf("the writes were not staged while reading:\n%s", log.String())
	}
	plain := filepath.Join(t.TempDir(), "plain")
	t.Setenv("XDG_CACHE_HOME", t.TempDir()) // read the origin again
	plainSum, plainOutcomes, err := syncOutcomes(t, h, src, plain, false)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Created != 495 || sum.Read != 495 || sum.Failed+sum.Skipped != 0 {
		t.Errorf("summary = %+v, want 495 read and created", sum)
	}
	if sum.Created != plainSum.Created || sum.Read != plainSum.Read {
		t.Errorf("summary = %+v, plain sync's %+v", sum, plainSum)
	}
	if !maps.Equal(outcomes, plainOutcomes) || len(outcomes) != 495 {
		t.Errorf("%d outcomes differ from the plain sync's %d", len(outcomes), len(plainOutcomes))
	}
	got, want := dirTree(t, staged), dirTree(t, plain)
	if len(got) != 495 || !maps.Equal(got, want) {
		t.Errorf("staged while reading: %d files; plain sync: %d; the trees differ", len(got), len(want))
	}
}

// TestStagingWhileReadingFallsBack covers syncs whose plan is not the
// creates staged while reading, or that cannot stage at all: each writes
// what a plain sync writes.
func TestStagingWhileReadingFallsBack(t *testing.T) {
	for _, tc := range []struct {
		name string
		// prepare makes the origin and the destination, and may sync
		// once before.
		prepare func(t *testing.T, h *host.Host, src, dst string)
		reason  string // logged; "" when nothing is staged
	}{
		{
			name: "a resource read twice",
			prepare: func(t *testing.T, h *host.Host, src, dst string) {
				writeCompanies(t, src, 1, 2, 3)
				// The same resource in a second file, as the same content.
				b, err := os.ReadFile(filepath.Join(src, "employee", "c0-d1-e2.json"))
				if err != nil {
					t.Fatal(err)
				}
				writeFile(t, filepath.Join(src, "employee", "zz-copy.json"), string(b))
			},
			// Staged twice, planned once; or its second copy fails to
			// stage first.
			reason: notStaging,
		},
		{
			name: "an origin kept from the last sync",
			prepare: func(t *testing.T, h *host.Host, src, dst string) {
				// Synced, then the destination removed: the origin's
				// documents are kept, not read again. A file gets a
				// version once its times are 2 s old (dir's settle).
				writeCompanies(t, src, 1, 2, 3)
				time.Sleep(2100 * time.Millisecond)
				if _, _, err := syncOutcomes(t, h, src, dst, true); err != nil {
					t.Fatal(err)
				}
				if err := os.RemoveAll(dst); err != nil {
					t.Fatal(err)
				}
			},
			reason: "kept from the last sync",
		},
		{
			name: "a destination that holds something",
			prepare: func(t *testing.T, h *host.Host, src, dst string) {
				writeCompanies(t, src, 1, 2, 3)
				writeFile(t, filepath.Join(dst, "company", "c0.json"), `{"id":"c0","name":"Old name","_links":{"self":{"href":"http://x/api/company/c0"}}}`)
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("XDG_CACHE_HOME", t.TempDir())
			var log logBuffer
			h := newDebugHost(t, &log)
			src, dst := t.TempDir(), filepath.Join(t.TempDir(), "out")
			tc.prepare(t, h, src, dst)
			before := dirTree(t, dst)
			log.buf.Reset()
			sum, outcomes, err := syncOutcomes(t, h, src, dst, true)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tc.reason == "" && strings.Contains(log.String(), stagingWhileReading):
				t.Errorf("staged while reading into a destination that holds resources:\n%s", log.String())
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
			plainSum, plainOutcomes, err := syncOutcomes(t, h, src, plain, false)
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
	src, dst := t.TempDir(), filepath.Join(t.TempDir(), "out")
	writeCompanies(t, src, 2, 3, 30)
	var log logBuffer
	h := newDebugHost(t, &log)
	run, err := h.Prepare(context.Background(), host.SyncOptions{Origins: []host.Location{host.At(src)},
		Destination: host.At(dst), Format: "json", Schema: "hal", StageWhileReading: true})
	if err != nil {
		t.Fatal(err)
	}
	if w, _ := run.Pending(); w != 188 {
		t.Fatalf("%d writes pending, want 188", w)
	}
	run.Close()
	if !strings.Contains(log.String(), stagingWhileReading) {
		t.Fatalf("the writes were not staged while reading:\n%s", log.String())
	}
	if _, err := os.Stat(dst); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the destination exists after a run closed unapplied: %v %v", err, dirTree(t, filepath.Dir(dst)))
	}
}
