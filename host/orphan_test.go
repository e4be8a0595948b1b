package host_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/resource-sync/resource-sync/host"
)

// envHost makes the test binary a host that starts a plugin, prints the
// plugin's pid and waits to be killed.
const envHost = "HOST_TEST_HOST"

func runHostThenHang() {
	exe, _ := os.Executable()
	var src []host.Source
	for _, s := range sources(&testing.T{}) {
		if s.Name == "json" {
			s.Path = exe
			src = append(src, s)
		}
	}
	h, err := host.New(host.Options{Builtins: src, SearchPath: []string{}})
	if err != nil {
		os.Exit(3)
	}
	if _, err := h.Plugin(context.Background(), "json"); err != nil {
		fmt.Println("error", err)
		os.Exit(3)
	}
	self := os.Getpid()
	for _, pid := range childrenOf(self) {
		fmt.Println(pid)
	}
	fmt.Println("ready")
	time.Sleep(time.Minute)
	os.Exit(0)
}

// A host killed with SIGKILL cannot stop its plugins; they notice their
// parent is gone and exit on their own.
func TestPluginExitsWhenItsHostDies(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("needs /proc")
	}
	exe, _ := os.Executable()
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), envHost+"=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var plugins []int
	sc := bufio.NewScanner(out)
	for sc.Scan() && sc.Text() != "ready" {
		pid, err := strconv.Atoi(strings.TrimSpace(sc.Text()))
		if err != nil {
			t.Fatalf("host said %q", sc.Text())
		}
		plugins = append(plugins, pid)
	}
	if len(plugins) != 1 {
		t.Fatalf("host reported plugin pids %v, want one", plugins)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		if err := syscall.Kill(plugins[0], 0); err != nil {
			return // gone
		}
		time.Sleep(20 * time.Millisecond)
	}
	syscall.Kill(plugins[0], syscall.SIGKILL)
	t.Fatalf("plugin %d still running 3s after its host was killed", plugins[0])
}

// A host killed with SIGKILL leaves its socket directory behind; the next
// host removes it, and only directories whose host is gone.
func TestStaleSocketDirRemovedByNextHost(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	exe, _ := os.Executable()
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), envHost+"=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	for sc.Scan() && sc.Text() != "ready" {
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	left, _ := filepath.Glob(filepath.Join(tmp, fmt.Sprintf("resource-sync-%d-????", cmd.Process.Pid)))
	if len(left) != 1 {
		t.Fatalf("the killed host left %v in %s, want its socket directory", left, tmp)
	}

	// A directory of a running host (this test's process) stays, and so
	// does anything named otherwise.
	alive := filepath.Join(tmp, fmt.Sprintf("resource-sync-%d-abcd", os.Getpid()))
	other := filepath.Join(tmp, "resource-sync-123")
	for _, d := range []string{alive, other} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}

	h, err := host.New(host.Options{SearchPath: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	h.Close()
	if _, err := os.Stat(left[0]); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s is still there after a new host started (%v)", left[0], err)
	}
	for _, d := range []string{alive, other} {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("%s was removed: %v", d, err)
		}
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 2 {
		t.Errorf("%s holds %d entries after the new host closed, want the 2 made here", tmp, len(entries))
	}
}
