package notify

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Environment of a worker process started by a test (see TestMain).
const (
	envWorker = "NOTIFY_TEST_WORKER" // the worker's number
	envStore  = "NOTIFY_TEST_STORE"
	envConfig = "NOTIFY_TEST_CONFIG"
)

func TestMain(m *testing.M) {
	if os.Getenv(envWorker) != "" {
		os.Exit(workerMain())
	}
	os.Exit(m.Run())
}

// workerMain is a delivery worker process, as `resource-sync watch` runs
// it: it joins the embedded server of the store and delivers until
// SIGTERM. Its webhooks say which worker sent them.
func workerMain() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	cfg, err := LoadConfig(os.Getenv(envConfig))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	b, err := OpenBroker(ctx, BrokerOptions{StoreDir: os.Getenv(envStore), AckWait: time.Second})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer b.Close()
	opts := fastRetries
	opts.Client = &http.Client{Transport: workerTag{os.Getenv(envWorker)}}
	fmt.Printf("ready embedded=%v\n", b.Embedded())
	if err := Deliver(ctx, b, cfg, opts); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

type workerTag struct{ id string }

func (w workerTag) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Test-Worker", w.id)
	return http.DefaultTransport.RoundTrip(r)
}

// startWorker runs a worker process on the store and waits until it is
// connected.
func startWorker(t *testing.T, id int, store, config string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envWorker+"="+strconv.Itoa(id), envStore+"="+store, envConfig+"="+config)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "ready embedded=false\n" {
		t.Fatalf("worker %d: %q, %v; want it to join the test's embedded server", id, line, err)
	}
	return cmd
}

// TestWorkerProcessesShareAndSurviveKill: three worker processes share one
// embedded NATS server; one is killed with SIGKILL in the middle of
// delivery, while the subscriber holds its requests. Every version of every
// document still reaches every subscriber, in order, and none is answered
// with success twice; the requests the dead worker left are sent again by
// the others with the same Idempotency-Key.
//
// The subscriber holds every request of the doomed worker from some point
// on, so that when it dies each of its lanes is waiting for an answer. A
// worker killed between a subscriber's success answer and recording it
// (a window of one round trip to NATS) makes that one change go out again:
// at-least-once, which the Idempotency-Key lets a subscriber recognise.
func TestWorkerProcessesShareAndSurviveKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts worker processes")
	}
	t.Parallel()
	const docs, versions = 20, 10
	held := make(chan struct{})
	var holdOnce sync.Once
	var holding atomic.Bool
	var lastHeld atomic.Int64
	h := newHoldingHook(t, nil, func(c call, successes int) bool {
		if c.Header.Get("X-Test-Worker") != "1" || (!holding.Load() && successes < 60) {
			return false
		}
		holding.Store(true)
		lastHeld.Store(time.Now().UnixNano())
		holdOnce.Do(func() { close(held) })
		return true
	})
	store := t.TempDir()
	b := openTestBroker(t, store)
	config := filepath.Join(t.TempDir(), "subs.yaml")
	yaml := fmt.Sprintf(`resources:
  items:
    endpoint: http://origin.test/items/{id}
    change: {field: rev}
    subscriptions:
      one: {endpoint: {url: "%[1]s/one/{id}"}}
      two: {endpoint: {url: "%[1]s/two/{id}"}}
`, h.URL)
	if err := os.WriteFile(config, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(config)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.EnsureSubscribers(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	workers := make([]*exec.Cmd, 3)
	for i := range workers {
		workers[i] = startWorker(t, i+1, store, config)
	}
	n := NewNotifier(b, cfg, nil)
	for rev := 1; rev <= versions; rev++ {
		for d := range docs {
			publish(t, n, Change{URI: fmt.Sprintf("http://origin.test/items/%d", d), Document: doc(strconv.Itoa(d), rev)})
		}
	}
	select {
	case <-held:
	case <-time.After(30 * time.Second):
		t.Fatal("worker 1 never reached the subscriber")
	}
	// Kill once worker 1 has sent all it will: every lane of it waits.
	waitFor(t, 10*time.Second, "worker 1 to be stuck", func() bool {
		return time.Since(time.Unix(0, lastHeld.Load())) > 200*time.Millisecond
	})
	if err := workers[0].Process.Kill(); err != nil {
		t.Fatal(err)
	}
	workers[0].Wait()
	waitFor(t, 30*time.Second, "every delivery", func() bool { return len(h.successes()) >= 2*docs*versions })
	waitSettled(t, b, 10*time.Second)

	byWorker := map[string]int{}
	got := map[string][]int{}
	for _, c := range h.successes() {
		byWorker[c.Header.Get("X-Test-Worker")]++
		var v struct{ Rev int }
		if err := jsonUnmarshal(c.Body, &v); err != nil {
			t.Fatal(err)
		}
		got[c.Path] = append(got[c.Path], v.Rev)
	}
	if len(got) != 2*docs {
		t.Errorf("%d documents delivered, want %d", len(got), 2*docs)
	}
	for path, revs := range got {
		if len(revs) != versions {
			t.Errorf("%s: versions %v, want 1..%d once each", path, revs, versions)
			continue
		}
		for i, r := range revs {
			if r != i+1 {
				t.Errorf("%s: versions %v, want 1..%d in order", path, revs, versions)
				break
			}
		}
	}
	for _, w := range []string{"1", "2", "3"} {
		if byWorker[w] == 0 {
			t.Errorf("worker %s delivered nothing: %v", w, byWorker)
		}
	}
	t.Logf("deliveries per worker: %v", byWorker)
	for _, w := range workers[1:] {
		w.Process.Signal(syscall.SIGTERM)
		if err := w.Wait(); err != nil {
			t.Errorf("worker stopped with %v", err)
		}
	}
	keys := map[string]bool{}
	for _, c := range h.successes() {
		keys[c.Header.Get("Idempotency-Key")] = true
	}
	unanswered := 0
	for _, c := range h.all() {
		if c.Status == 0 {
			unanswered++
			if !keys[c.Header.Get("Idempotency-Key")] {
				t.Errorf("%s: the change worker 1 was delivering never went out again with its Idempotency-Key", c.Path)
			}
		}
	}
	if unanswered == 0 {
		t.Error("worker 1 was killed with no delivery in flight")
	}
	t.Logf("worker 1 died with %d deliveries in flight", unanswered)
}
