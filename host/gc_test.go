package host_test

import (
	"context"
	"math"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/resource-sync/resource-sync/host"
)

func memoryLimit() int64 { return debug.SetMemoryLimit(-1) }

// A sync holds the memory limit at MemoryLimitOnceRead from the moment
// its origins are read until it closes; syncs running at once share the
// hold, and a session's idle pass lets it go.
func TestMemoryLimitOnceRead(t *testing.T) {
	const none, limit = math.MaxInt64, 1 << 40 // far above twice any live heap here
	t.Cleanup(func() { debug.SetMemoryLimit(none) })
	debug.SetMemoryLimit(none)
	h, err := host.New(host.Options{Builtins: sources(t), SearchPath: []string{}, Log: testWriter{t}, Level: hclog.Warn, MemoryLimitOnceRead: limit})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "widget", "w1.json"), `{"id":"w1"}`)
	prepare := func(dst string) (*host.Run, int64) {
		t.Helper()
		var planned int64
		run, err := h.Prepare(context.Background(), host.SyncOptions{
			Origins: []host.Location{host.At(src)}, Destination: host.At(dst), Format: "json", Schema: "simple",
			Events: func(host.Event) { planned = memoryLimit() },
		})
		if err != nil {
			t.Fatal(err)
		}
		return run, planned
	}

	if got := memoryLimit(); got != none {
		t.Fatalf("before any sync: %d", got)
	}
	one, planned := prepare(t.TempDir())
	if planned != limit {
		t.Errorf("while planning: memory limit %d, want %d", planned, limit)
	}
	two, _ := prepare(t.TempDir())
	one.Close()
	if got := memoryLimit(); got != limit {
		t.Errorf("one of two syncs closed: memory limit %d, want %d", got, limit)
	}
	if _, err := two.Apply(context.Background()); err != nil {
		t.Fatal(err)
	}
	two.Close()
	if got := memoryLimit(); got != none {
		t.Errorf("every sync closed: memory limit %d, want none again", got)
	}

	// A session's pass that finds the origins as it applied them last is
	// idle: it returns no pass, and the hold ends there.
	sess, err := h.OpenSession(context.Background(), host.SyncOptions{Origins: []host.Location{host.At(src)}, Destination: host.At(t.TempDir()), Format: "json", Schema: "simple"})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	for i, wantPass := range []bool{true, false} {
		p, err := sess.Prepare(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if (p != nil) != wantPass {
			t.Fatalf("pass %d: got a pass %v, want %v", i, p != nil, wantPass)
		}
		if p != nil {
			if _, err := p.Apply(context.Background()); err != nil {
				t.Fatal(err)
			}
			p.Close()
		}
		if got := memoryLimit(); got != none {
			t.Errorf("after pass %d: memory limit %d, want none", i, got)
		}
	}

	// validate holds it too, and lets it go.
	if v, err := h.Validate(context.Background(), host.ValidateOptions{Origins: []host.Location{host.At(src)}, Schema: "simple"}); err != nil || v.Read != 1 {
		t.Fatalf("validate: %+v, %v", v, err)
	}
	if got := memoryLimit(); got != none {
		t.Errorf("after validate: memory limit %d, want none", got)
	}

	// It never raises the limit (GOMEMLIMIT).
	debug.SetMemoryLimit(limit / 2)
	run, planned := prepare(t.TempDir())
	run.Close()
	if planned != limit/2 || memoryLimit() != limit/2 {
		t.Errorf("with a lower limit: %d while planning, %d after, want %d", planned, memoryLimit(), limit/2)
	}
}

// A limit below twice the live heap is raised to that: a large inventory
// must not keep the collector running.
func TestMemoryLimitOnceReadFollowsTheLiveHeap(t *testing.T) {
	t.Cleanup(func() { debug.SetMemoryLimit(math.MaxInt64) })
	debug.SetMemoryLimit(math.MaxInt64)
	h, err := host.New(host.Options{Builtins: sources(t), SearchPath: []string{}, Log: testWriter{t}, Level: hclog.Warn, MemoryLimitOnceRead: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "widget", "w1.json"), `{"id":"w1"}`)
	runtime.GC() // the live heap is known
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	var planned int64
	run, err := h.Prepare(context.Background(), host.SyncOptions{
		Origins: []host.Location{host.At(src)}, Destination: host.At(t.TempDir()), Format: "json", Schema: "simple",
		Events: func(host.Event) { planned = memoryLimit() },
	})
	if err != nil {
		t.Fatal(err)
	}
	run.Close()
	if planned < int64(ms.HeapAlloc) || planned == math.MaxInt64 {
		t.Errorf("memory limit %d while planning, want about twice the live heap (%d before the sync)", planned, ms.HeapAlloc)
	}
}
