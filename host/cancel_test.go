package host_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/resource-sync/resource-sync/host"
)

// children lists the processes whose parent is this one (Linux).
func children(t *testing.T) []int {
	t.Helper()
	return childrenOf(os.Getpid())
}

func childrenOf(parent int) []int {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var out []int
	for _, s := range stats {
		data, err := os.ReadFile(s)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may hold spaces.
		fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
		if len(fields) > 1 {
			if ppid, _ := strconv.Atoi(fields[1]); ppid == parent {
				pid, _ := strconv.Atoi(strings.Fields(string(data))[0])
				out = append(out, pid)
			}
		}
	}
	return out
}

func TestCancelStopsPluginsAndRemovesSockets(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("needs /proc")
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	src, dst := t.TempDir(), filepath.Join(t.TempDir(), "out")
	for i := range 3000 {
		writeFile(t, filepath.Join(src, "t", fmt.Sprintf("r%04d.json", i)),
			fmt.Sprintf(`{"id":"r%04d","_links":{"self":{"href":"http://x/api/t/r%04d"}}}`, i, i))
	}
	h, err := host.New(host.Options{Builtins: sources(t), SearchPath: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := h.Sync(ctx, host.SyncOptions{Origins: []host.Location{host.At(src)}, Destination: host.At(dst), Format: "json", Schema: "hal"})
		done <- err
	}()
	deadline := time.Now().Add(5 * time.Second)
	for len(children(t)) < 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("sync ended with %v, want context.Canceled", err)
	}
	h.Close()
	if kids := children(t); len(kids) > 0 {
		t.Errorf("plugin processes still running after Close: %v", kids)
	}
	left, _ := filepath.Glob(filepath.Join(tmp, "*"))
	if len(left) > 0 {
		t.Errorf("left behind in the temp dir: %v", left)
	}
}
