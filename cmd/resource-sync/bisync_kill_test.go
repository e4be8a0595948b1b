//go:build unix

package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// trap stops the request it is set for: it tells the test, then holds the
// request until the client is gone. after says whether the server
// applies the request first (the write landed, its answer never comes).
type trap struct {
	mu      sync.Mutex
	matches func(*http.Request) bool
	after   bool
	sprung  chan struct{}
}

func (tr *trap) set(after bool, matches func(*http.Request) bool) <-chan struct{} {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.matches, tr.after, tr.sprung = matches, after, make(chan struct{})
	return tr.sprung
}

func (tr *trap) hook(w http.ResponseWriter, r *http.Request, next http.Handler) bool {
	tr.mu.Lock()
	matches, after, sprung := tr.matches, tr.after, tr.sprung
	if matches != nil && matches(r) {
		tr.matches = nil
	} else {
		matches = nil
	}
	tr.mu.Unlock()
	if matches == nil {
		return false
	}
	if after {
		next.ServeHTTP(httptest.NewRecorder(), r)
	} else {
		// The server notices the client is gone only once the body is read.
		io.Copy(io.Discard, r.Body)
	}
	close(sprung)
	select {
	case <-r.Context().Done():
	case <-time.After(time.Minute):
	}
	return true
}

// kill -9 at several points of a run (reading; a write sent but not
// applied; a write applied but not answered; a delete applied but not
// answered): the next run converges, with no conflict and no change lost,
// and the one after has nothing to do.
func TestBisyncKilled(t *testing.T) {
	t.Parallel()
	points := []struct {
		name    string
		after   bool
		matches func(*http.Request) bool
	}{
		{"while reading", false, func(r *http.Request) bool { return r.Method == http.MethodGet }},
		{"write sent, not applied", false, func(r *http.Request) bool { return r.Method == http.MethodPut }},
		{"write applied, not answered", true, func(r *http.Request) bool { return r.Method == http.MethodPut }},
		{"second write applied, not answered", true, secondPut()},
		{"delete applied, not answered", true, func(r *http.Request) bool { return r.Method == http.MethodDelete }},
	}
	for _, p := range points {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			dir := copyExamples(t)
			tr := &trap{}
			b := hookedServe(t, t.TempDir(), tr.hook)
			B := b.url + "/api/"
			journal := filepath.Join(t.TempDir(), "journal.json")
			mustBisync(t, journal, "--resync", "-a", dir, B)

			// Changes on both sides: three writes and a delete for B, one
			// write for A.
			for _, f := range []string{"order/o1", "order/o2"} {
				name := filepath.Join(dir, f+".yaml")
				data, _ := os.ReadFile(name)
				os.WriteFile(name, append(data, []byte("note: edited on A\n")...), 0o644)
			}
			os.WriteFile(filepath.Join(dir, "customer", "c9.yaml"), []byte("id: c9\nname: New\n_links:\n  self:\n    href: http://localhost/api/v1/customer/c9\n"), 0o644)
			os.Remove(filepath.Join(dir, "orderline", "l4.yaml"))
			edit(t, b.url+"/api/v1/customer/c1", func(d map[string]any) { d["name"] = "Ada King" })

			sprung := tr.set(p.after, p.matches)
			cmd := exec.Command(os.Args[0], "bisync", "--journal", journal, "-a", dir, B)
			cmd.Env = append(os.Environ(), envRunCLI+"=1")
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			select {
			case <-sprung:
			case <-time.After(30 * time.Second):
				syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
				cmd.Wait()
				t.Fatalf("the run never reached the point; stderr:\n%s", stderr.String())
			}
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // the run and its plugins
			cmd.Wait()

			r := mustBisync(t, journal, "-a", dir, B)
			if strings.Contains(r.stderr, "conflict") || strings.Contains(r.stderr, "warning") {
				t.Errorf("the run after the kill:\n%s", r.stderr)
			}
			sameData(t, dir, b.dir)
			if got := getJSON(t, b.url+"/api/v1/order/o2", http.StatusOK).(map[string]any)["note"]; got != "edited on A" {
				t.Errorf("o2 on B: note %v", got)
			}
			if data, _ := os.ReadFile(filepath.Join(dir, "customer", "c1.yaml")); !bytes.Contains(data, []byte("Ada King")) {
				t.Errorf("B's change to c1 was lost:\n%s", data)
			}
			r = mustBisync(t, journal, "-a", dir, B)
			if !strings.Contains(r.stderr, "0 created, 0 updated, 0 deleted; B ("+B+"): 0 created, 0 updated, 0 deleted; 12 alike") {
				t.Errorf("the run after that one still had work:\n%s", r.stderr)
			}
		})
	}
}

// secondPut matches the second PUT it sees.
func secondPut() func(*http.Request) bool {
	n := 0
	return func(r *http.Request) bool {
		if r.Method != http.MethodPut {
			return false
		}
		n++
		return n == 2
	}
}
