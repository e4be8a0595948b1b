package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// envRunCLI makes the test binary run as resource-sync itself.
const envRunCLI = "RESOURCE_SYNC_TEST_RUN_CLI"

// Ctrl-C in the middle of a pull: resource-sync exits 130, its plugin
// processes are gone, no socket or spill file is left in the temp dir,
// and the destination holds nothing.
func TestInterruptStopsEverything(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("needs /proc")
	}
	// An API whose second page never comes: the pull is surely running
	// when the signal arrives.
	stall := make(chan struct{})
	waiting := make(chan struct{}, 1) // resource-sync asked for page 2
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("page") == "2" {
			select {
			case waiting <- struct{}{}:
			default:
			}
			select {
			case <-stall:
			case <-r.Context().Done():
			}
			return
		}
		w.Header().Set("Content-Type", "application/hal+json")
		w.Write([]byte(`{"items":[{"id":"a","_links":{"self":{"href":"/api/t/a"}}}],"_links":{"next":{"href":"/api/t?page=2"}}}`))
	}))
	defer api.Close()
	defer close(stall)

	tmp, dest := t.TempDir(), filepath.Join(t.TempDir(), "out")
	cmd := exec.Command(os.Args[0], api.URL+"/api/t", dest)
	cmd.Env = append(os.Environ(), envRunCLI+"=1", "TMPDIR="+tmp)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-waiting: // page 1 went through the pipeline; page 2 hangs
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("resource-sync never asked for page 2; stderr:\n%s", stderr.String())
	}
	plugins := childrenOf(cmd.Process.Pid)
	if len(plugins) != 1 { // the built-ins share one: http, json, hal...
		t.Errorf("%d plugin processes running mid-pull, want 1", len(plugins))
	}
	cmd.Process.Signal(os.Interrupt)
	err := cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Errorf("exit code %d (%v), want 130; stderr:\n%s", code, err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "Interrupted") {
		t.Errorf("stderr does not say it was interrupted:\n%s", stderr.String())
	}
	for _, pid := range plugins {
		gone := false
		for end := time.Now().Add(3 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
			if syscall.Kill(pid, 0) != nil {
				gone = true
				break
			}
		}
		if !gone {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Errorf("plugin process %d outlived resource-sync", pid)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "*")); len(left) > 0 {
		t.Errorf("left in the temp dir: %v", left)
	}
	if _, err := os.Stat(dest); !os.IsNotExist(err) {
		t.Errorf("the destination exists after an interrupted pull (%v)", err)
	}
}

// childrenOf lists the processes whose parent is pid (Linux).
func childrenOf(pid int) []int {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var out []int
	for _, s := range stats {
		data, err := os.ReadFile(s)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may hold spaces.
		rest := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
		if len(rest) > 1 && rest[1] == strconv.Itoa(pid) {
			child, _ := strconv.Atoi(strings.Fields(string(data))[0])
			out = append(out, child)
		}
	}
	return out
}

// Ctrl-C in the middle of a push to an HTTP API: the message says what
// was actually written. The customers are written; the orders' PUTs hang
// until the signal, so nobody knows whether they landed; the order lines
// were never sent.
func TestInterruptedPushSaysWhatWasWritten(t *testing.T) {
	srv := serveDir(t, t.TempDir())
	stalled := make(chan struct{}, 1)
	release := make(chan struct{})
	blocking := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && strings.Contains(r.URL.Path, "/order/") {
			io.Copy(io.Discard, r.Body) // read, so that a client going away cancels r's context
			select {
			case stalled <- struct{}{}:
			default:
			}
			select {
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		srv.Handler().ServeHTTP(w, r)
	})
	api := httptest.NewServer(blocking)
	defer api.Close()
	defer close(release)

	cmd := exec.Command(os.Args[0], "--keep-links", examplesDir, api.URL+"/")
	cmd.Env = append(os.Environ(), envRunCLI+"=1", "XDG_CACHE_HOME="+t.TempDir())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-stalled:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("no order was ever PUT; stderr:\n%s", stderr.String())
	}
	time.Sleep(200 * time.Millisecond) // let the other orders' PUTs start
	cmd.Process.Signal(os.Interrupt)
	err := cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Fatalf("exit code %d (%v), want 130; stderr:\n%s", code, err, stderr.String())
	}
	out := stderr.String()
	for _, want := range []string{
		"12 read: 3 created, 0 updated, 0 unchanged, 0 deleted, 4 failed, 5 skipped\n",
		"Interrupted while writing: 3 written; 4 sent and not confirmed, which may or may not have been written: order/o1, order/o2, order/o3, order/o4; 5 not sent.\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stderr does not say %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "nothing was written") {
		t.Errorf("stderr claims nothing was written:\n%s", out)
	}
	if got := srv.Len(); got != 3 {
		t.Errorf("the API holds %d resources, want the 3 customers", got)
	}
}
