package host_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/resource-sync/resource-sync/host"
)

// serveTogether, as envServe, makes the test binary serve every plugin in
// one process, as sharedProcess.
const (
	serveTogether = "*"
	sharedProcess = "test plugins"
)

// newSharedHost is newHost with the plugins sharing one process, as the
// CLI's built-ins do.
func newSharedHost(t *testing.T) *host.Host {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var shared []host.Source
	for _, s := range sources(t) {
		s.Process = sharedProcess
		s.Command = func() *exec.Cmd {
			cmd := exec.Command(exe)
			cmd.Env = append(os.Environ(), envServe+"="+serveTogether)
			return cmd
		}
		shared = append(shared, s)
	}
	h, err := host.New(host.Options{Builtins: shared, SearchPath: []string{}, Log: testWriter{t}, Level: hclog.Warn})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestPluginsSharingAProcess(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("needs /proc")
	}
	src, dst := t.TempDir(), filepath.Join(t.TempDir(), "out")
	for i := range 200 {
		writeFile(t, filepath.Join(src, "t", fmt.Sprintf("r%03d.json", i)),
			fmt.Sprintf(`{"id":"r%03d","_links":{"self":{"href":"http://x/api/t/r%03d"}}}`, i, i))
	}
	before := children(t)
	h := newSharedHost(t)
	defer h.Close()
	sum, err := h.Sync(context.Background(), host.SyncOptions{Origins: []host.Location{host.At(src)}, Destination: host.At(dst), Format: "json", Schema: "hal"})
	if err != nil || sum.Written() != 200 {
		t.Fatalf("sync: %+v, %v; want 200 written", sum, err)
	}
	// dir, json and hal answered on one connection, from one process.
	conns := map[any]bool{}
	for _, name := range []string{"dir", "json", "hal"} {
		p, err := h.Plugin(context.Background(), name)
		if err != nil {
			t.Fatal(err)
		}
		if p.Name() != name || p.Manifest.Name != name {
			t.Errorf("plugin %s is named %s, its manifest %s", name, p.Name(), p.Manifest.Name)
		}
		conns[p.Conn()] = true
	}
	started := newChildren(before, children(t))
	if len(conns) != 1 || len(started) != 1 {
		t.Errorf("%d connections and %d processes for dir, json and hal, want 1 and 1", len(conns), len(started))
	}

	// A plugin that crashes takes the process down. Whichever plugin's
	// call fails first (here dir's write, or crashing's encode) cannot
	// tell who crashed: the error blames the process, and its last words
	// name the culprit.
	_, err = h.Sync(context.Background(), host.SyncOptions{Origins: []host.Location{host.At(src)}, Destination: host.At(filepath.Join(t.TempDir(), "out")), Format: "crashjson", Schema: "hal"})
	var crash *host.CrashError
	if !errors.As(err, &crash) || crash.Process != sharedProcess ||
		!strings.HasPrefix(err.Error(), "plugin "+crash.Plugin+" failed: the process it shares with the other test plugins crashed; its last words on stderr:") ||
		!strings.Contains(err.Error(), "crashjson: giving up on value 50") {
		t.Fatalf("error = %v, want the shared process blamed, with its last words", err)
	}
	_, err = h.Sync(context.Background(), host.SyncOptions{Origins: []host.Location{host.At(src)}, Destination: host.At(dst), Format: "json", Schema: "hal"})
	if !errors.As(err, &crash) || crash.Process != sharedProcess {
		t.Errorf("a sync after the crash: %v, want a CrashError of the shared process", err)
	}

	// Close stops the process once, however many plugins it served.
	h.Close()
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		left := newChildren(before, children(t))
		if len(left) == 0 {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("processes %v outlived Close", left)
		}
	}
}

// newChildren lists the processes in now and not in before.
func newChildren(before, now []int) []int {
	var out []int
	for _, pid := range now {
		if !slices.Contains(before, pid) {
			out = append(out, pid)
		}
	}
	return out
}
