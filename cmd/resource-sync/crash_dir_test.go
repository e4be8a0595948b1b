package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/builtin"
	"github.com/resource-sync/resource-sync/plugins/dir"
	jsonfmt "github.com/resource-sync/resource-sync/plugins/json"
	"github.com/resource-sync/resource-sync/sdk"
)

// crashResources is how many resources each round syncs: enough that a
// write takes a while, few enough for CI.
const crashResources = 600

// A directory write stopped at random points under --rm, in turn by
// Ctrl-C, by kill -9 of the host and by kill -9 of the process the
// built-ins (dir among them) share: after each stop every file holds its
// old content or its new content (never a mix, never missing), nothing
// temporary is read as a resource, and a rerun converges on exactly the
// origin's files with nothing left behind.
func TestDirectoryWriteSurvivesKill9(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("needs /proc")
	}
	if testing.Short() {
		t.Skip("kills a dozen syncs")
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	work := t.TempDir()
	src, dest := filepath.Join(work, "src"), filepath.Join(work, "dest")

	writeCrashSource(t, src, 0)
	syncDir(t, work, src, dest, nil)
	old := treeBytes(t, dest)
	// How long the write phase takes: from the staging directory's
	// appearance to its removal. Kills land at random points of it.
	writeCrashSource(t, src, -1)
	write := syncDir(t, work, src, dest, &crash{})
	old = treeBytes(t, src)
	t.Logf("the write phase took %v", write)

	deadline := time.Now().Add(60 * time.Second)
	for round := 1; round <= 8 && time.Now().Before(deadline); round++ {
		writeCrashSource(t, src, round)
		want := treeBytes(t, src)
		victim := []string{"interrupt", "host", "built-ins"}[round%3]
		delay := time.Duration(rng.Int64N(int64(write)*5/4 + 1))
		syncDir(t, work, src, dest, &crash{victim: victim, after: delay})

		got := treeBytes(t, dest)
		var updated, staged int
		for name, content := range got {
			if strings.HasPrefix(name, ".") {
				staged++ // in the staging directory, for the next write to remove
				continue
			}
			o, n := old[name], want[name]
			if content != o && content != n {
				t.Fatalf("round %d (%s killed after %v): %s holds neither its old nor its new content:\n%q", round, victim, delay, name, content)
			}
			if content != o {
				updated++
			}
		}
		t.Logf("round %d: %s after %v: %d files updated, %d left staged", round, victim, delay.Round(time.Millisecond), updated, staged)
		for name := range old {
			if _, kept := want[name]; kept && !present(got, name) {
				t.Fatalf("round %d (%s killed after %v): %s is missing", round, victim, delay, name)
			}
		}
		// What the killed write left is not read as resources.
		readBack(t, work, dest)

		syncDir(t, work, src, dest, nil)
		if diff := diffTrees(want, treeBytes(t, dest)); diff != "" {
			t.Fatalf("round %d (%s killed after %v): the rerun did not converge:\n%s", round, victim, delay, diff)
		}
		old = want
	}
}

// crash says which process to kill, and when: so long after the write
// began (the staging directory appeared). No victim kills nothing.
type crash struct {
	victim string // "interrupt", "host" or "built-ins" (the process dir runs in)
	after  time.Duration
}

// syncDir runs resource-sync --rm -j src dest. Without a crash it must
// succeed; with one it returns how long the write ran before the kill or
// the end.
func syncDir(t *testing.T, work, src, dest string, c *crash) time.Duration {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-q", "--rm", "-j", src, dest)
	cmd.Env = append(os.Environ(), envRunCLI+"=1", "TMPDIR="+work,
		"RESOURCE_SYNC_CONFIG_DIR="+filepath.Join(work, "config"), "XDG_CACHE_HOME="+filepath.Join(work, "cache"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if c == nil {
		if err := cmd.Run(); err != nil {
			t.Fatalf("resource-sync %s %s: %v\n%s", src, dest, err, stderr.String())
		}
		return 0
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var began time.Time
	for began.IsZero() {
		select {
		case err := <-done:
			if c.victim == "" && err != nil {
				t.Fatalf("resource-sync %s %s: %v\n%s", src, dest, err, stderr.String())
			}
			return 0 // finished before the write was seen
		case <-time.After(time.Millisecond):
			if _, err := os.Stat(filepath.Join(dest, dir.StagingDir)); err == nil {
				began = time.Now()
			}
		}
	}
	if c.victim == "" {
		// The write ends when its staging directory goes.
		var took time.Duration
		for took == 0 {
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("resource-sync %s %s: %v\n%s", src, dest, err, stderr.String())
				}
				return time.Since(began)
			case <-time.After(time.Millisecond):
				if _, err := os.Stat(filepath.Join(dest, dir.StagingDir)); err != nil {
					took = time.Since(began)
				}
			}
		}
		if err := <-done; err != nil {
			t.Fatalf("resource-sync %s %s: %v\n%s", src, dest, err, stderr.String())
		}
		return took
	}
	select {
	case <-done:
		return time.Since(began) // finished before the kill
	case <-time.After(c.after):
	}
	plugins := childrenOf(cmd.Process.Pid)
	switch c.victim {
	case "interrupt": // Ctrl-C
		cmd.Process.Signal(os.Interrupt)
	case "host":
		cmd.Process.Signal(syscall.SIGKILL)
	default:
		for _, pid := range plugins {
			if env, _ := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid)); bytes.Contains(env, []byte(builtin.EnvServe+"="+builtin.ServeAll+"\x00")) {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}
	<-done
	// Plugins outlive a killed host for a moment; the checks must not
	// race with a write still running.
	for _, pid := range plugins {
		for end := time.Now().Add(5 * time.Second); time.Now().Before(end) && syscall.Kill(pid, 0) == nil; {
			time.Sleep(10 * time.Millisecond)
		}
	}
	return time.Since(began)
}

// readBack reads dest as an origin, which must succeed with every
// resource once: a temporary file read as a resource would make one
// twice or fail to parse.
func readBack(t *testing.T, work, dest string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-j", dest, "null")
	cmd.Env = append(os.Environ(), envRunCLI+"=1", "TMPDIR="+work,
		"RESOURCE_SYNC_CONFIG_DIR="+filepath.Join(work, "config"), "XDG_CACHE_HOME="+filepath.Join(work, "cache"))
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.HasPrefix(out, fmt.Appendf(nil, "%d read:", len(listResources(t, dest)))) {
		t.Fatalf("reading the destination back: %v\n%s", err, out)
	}
}

// writeCrashSource makes the origin of a round: crashResources JSON
// files, as resource-sync writes them, of which each round changes a
// third, drops a tenth (back the next round) and keeps the rest.
func writeCrashSource(t *testing.T, src string, round int) {
	t.Helper()
	if err := os.RemoveAll(src); err != nil {
		t.Fatal(err)
	}
	for i := range crashResources {
		if round > 0 && i%10 == round%10 {
			continue
		}
		typ := []string{"customer", "order", "invoice"}[i%3]
		version := 0
		if round < 0 || i%3 == round%3 {
			version = round // all of them in the measuring round
		}
		canon, err := sdk.MarshalCanonical(map[string]any{
			"id": fmt.Sprintf("r%04d", i), "version": version,
			"_links": map[string]any{"self": map[string]any{"href": fmt.Sprintf("http://localhost/api/%s/r%04d", typ, i)}},
			"note":   strings.Repeat(fmt.Sprintf("resource %d version %d. ", i, version), 40),
		})
		if err != nil {
			t.Fatal(err)
		}
		content, err := jsonfmt.Formatter{}.Encode(sdk.Value{JSON: canon}, sdk.StyleFile)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(src, typ, fmt.Sprintf("r%04d.json", i))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// treeBytes maps every file below dir, hidden ones too, to its content.
func treeBytes(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// listResources lists the non-hidden files below dir.
func listResources(t *testing.T, dir string) []string {
	var out []string
	for name := range treeBytes(t, dir) {
		if !strings.HasPrefix(name, ".") {
			out = append(out, name)
		}
	}
	return out
}

// diffTrees describes how got differs from want, or is empty.
func diffTrees(want, got map[string]string) string {
	var b strings.Builder
	for name, content := range want {
		if g, ok := got[name]; !ok {
			fmt.Fprintf(&b, "  missing %s\n", name)
		} else if g != content {
			fmt.Fprintf(&b, "  %s differs\n", name)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			fmt.Fprintf(&b, "  extra %s\n", name)
		}
	}
	return b.String()
}

func present(files map[string]string, name string) bool {
	_, ok := files[name]
	return ok
}
