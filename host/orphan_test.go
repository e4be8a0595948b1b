package host_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
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
