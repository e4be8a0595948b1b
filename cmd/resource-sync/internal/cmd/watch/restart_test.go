package watch

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestWatchRestartResumes: a watch with subscribers is stopped, the origin
// changes meanwhile, and a new watch on the same store sends the
// destination and the subscriber only what changed.
func TestWatchRestartResumes(t *testing.T) {
	t.Parallel()
	origin := serveDir(t, map[string]string{"item/i0.json": item("i0", 1), "item/i1.json": item("i1", 1), "item/i2.json": item("i2", 1)})
	rcv := newReceiver(t)
	subs, store, dir := subscriptions(t, origin.URL, rcv), t.TempDir(), filepath.Join(t.TempDir(), "out")
	args := []string{"--subscriptions", subs, "--store", store, "--listen", "", "--interval", "50ms", "--delete", "--json", origin.URL + "/api/item", dir}

	ctx, cancel := context.WithCancel(context.Background())
	w := runWatch(t, ctx, args...)
	waitFor(t, 30*time.Second, "three creates", func() bool { return len(rcv.successes()) == 3 })
	cancel()
	w.stop(t)
	written, _ := os.Stat(filepath.Join(dir, "item", "i0.json"))

	origin.do(t, "PUT", "/api/item/i1", item("i1", 2))
	origin.do(t, "DELETE", "/api/item/i2", "")
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	w = runWatch(t, ctx, args...)
	waitFor(t, 30*time.Second, "the update and the delete", func() bool { return len(rcv.successes()) == 5 })
	w.drain()
	for range 3 {
		w.nextAny(t) // a few polls more: nothing else is sent
	}
	cancel()
	w.stop(t)

	var got []string
	for _, c := range rcv.successes() {
		got = append(got, c.String())
	}
	slices.Sort(got[:3])
	slices.Sort(got[3:])
	if want := []string{"POST /item/i0 rev=1", "POST /item/i1 rev=1", "POST /item/i2 rev=1", "POST /item/i1 rev=2", "POST /item/i2"}; !slices.Equal(got, want) {
		t.Errorf("deliveries:\n%s", strings.Join(got, "\n"))
	}
	if again, _ := os.Stat(filepath.Join(dir, "item", "i0.json")); !again.ModTime().Equal(written.ModTime()) {
		t.Error("the restart wrote an unchanged resource again")
	}
	if d := tree(dir); !strings.Contains(d["item/i1.json"], `"rev": 2`) || d["item/i2.json"] != "" {
		t.Errorf("destination after the restart: %v", d)
	}
}

// TestWatchKilledMidDelivery kills a watch process with SIGKILL twice:
// once after it wrote the destination and before it told anyone, once
// while its subscriber holds the deliveries. Each time a new watch on the
// same store goes on: every version of every item reaches the subscriber,
// and none is answered with success twice.
func TestWatchKilledMidDelivery(t *testing.T) {
	if testing.Short() {
		t.Skip("kills watch processes")
	}
	t.Parallel()
	files := map[string]string{}
	for i := range 10 {
		files[fmt.Sprintf("item/i%d.json", i)] = item(fmt.Sprintf("i%d", i), 1)
	}
	origin, dest, rcv := serveDir(t, files), serveDir(t, nil), newReceiver(t)
	subs, store := subscriptions(t, origin.URL, rcv), t.TempDir()
	env := append(os.Environ(), EnvTestCLI+"=1", "RESOURCE_SYNC_CONFIG_DIR="+t.TempDir(), "XDG_CACHE_HOME="+t.TempDir(), "GORACE=atexit_sleep_ms=0")
	start := func() (*exec.Cmd, *lockedBuffer) {
		cmd := exec.Command(os.Args[0], "watch", "--subscriptions", subs, "--store", store, "--listen", "", "--interval", "100ms",
			"--json", origin.URL+"/api/item", dest.URL+"/")
		cmd.Env = env
		stderr := &lockedBuffer{}
		cmd.Stderr = stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		return cmd, stderr
	}
	kill := func(cmd *exec.Cmd) {
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
	}

	// 1. The destination holds the write of i7: the others are written,
	// nothing is published yet.
	held := make(chan struct{}, 1)
	dest.mu.Lock()
	dest.hold = func(r *http.Request) bool {
		if r.Method == http.MethodPut && r.URL.Path == "/api/item/i7" {
			held <- struct{}{}
			return true
		}
		return false
	}
	dest.mu.Unlock()
	first, stderr := start()
	select {
	case <-held:
	case <-time.After(30 * time.Second):
		t.Fatalf("the watch never wrote i7\n%s", stderr)
	}
	waitFor(t, 10*time.Second, "the other nine writes", func() bool { return dest.count("PUT 201") == 9 })
	kill(first)
	dest.mu.Lock()
	dest.hold = nil
	dest.mu.Unlock()
	if n := len(rcv.successes()); n != 0 {
		t.Fatalf("%d deliveries before anything was published", n)
	}
	second, stderr := start()
	waitFor(t, 30*time.Second, "ten creates", func() bool { return len(rcv.successes()) == 10 })

	// 2. The subscriber holds the updates after three of them.
	rcv.hold(func(successes int) bool { return successes >= 13 })
	for i := range 10 {
		origin.do(t, "PUT", fmt.Sprintf("/api/item/i%d", i), item(fmt.Sprintf("i%d", i), 2))
	}
	waitFor(t, 30*time.Second, "held deliveries", func() bool { return len(rcv.successes()) == 13 && rcv.quietFor(300*time.Millisecond) })
	kill(second)
	rcv.hold(nil)
	third, stderr := start()
	waitFor(t, 30*time.Second, "every update", func() bool { return len(rcv.successes()) >= 20 })
	time.Sleep(500 * time.Millisecond) // polls and redeliveries that would repeat something
	third.Process.Signal(os.Interrupt)
	if err := third.Wait(); err != nil {
		t.Errorf("Ctrl-C: %v\n%s", err, stderr)
	}

	revs := map[string][]string{}
	for _, c := range rcv.successes() {
		revs[c.Path] = append(revs[c.Path], c.String())
	}
	for i := range 10 {
		path := fmt.Sprintf("/item/i%d", i)
		if want := []string{"POST " + path + " rev=1", "POST " + path + " rev=2"}; !slices.Equal(revs[path], want) {
			t.Errorf("%s got %q, want %q once each, in order", path, revs[path], want)
		}
	}
	for i := range 10 {
		if got := tree(dest.Dir)[fmt.Sprintf("item/i%d.json", i)]; !strings.Contains(got, `"rev": 2`) {
			t.Errorf("destination i%d: %s", i, got)
		}
	}
}
