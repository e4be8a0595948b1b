package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// hook is a webhook receiver on loopback that records every call and
// answers what answer says (200 when nil).
type hook struct {
	*httptest.Server
	mu      sync.Mutex
	calls   []call
	perPath map[string]int
	ok      int
	answer  func(c call, n int) int // n: earlier calls for the same path
	// hold, when it says so, keeps the request unanswered until the caller
	// goes away; the call is recorded with Status 0.
	hold func(c call, successes int) bool
}

type call struct {
	Method, Path string
	Header       http.Header
	Body         []byte
	Status       int
	At           time.Time
}

func newHook(t *testing.T, answer func(c call, n int) int) *hook {
	return newHoldingHook(t, answer, nil)
}

func newHoldingHook(t *testing.T, answer func(c call, n int) int, hold func(c call, successes int) bool) *hook {
	h := &hook{answer: answer, hold: hold, perPath: map[string]int{}}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		c := call{Method: r.Method, Path: r.URL.Path, Header: r.Header, Body: body, At: time.Now()}
		h.mu.Lock()
		n := h.perPath[c.Path]
		h.perPath[c.Path]++
		if h.hold != nil && h.hold(c, h.ok) {
			h.calls = append(h.calls, c)
			h.mu.Unlock()
			<-r.Context().Done()
			return
		}
		c.Status = http.StatusOK
		if h.answer != nil {
			c.Status = h.answer(c, n)
		}
		if c.Status == http.StatusOK {
			h.ok++
		}
		h.calls = append(h.calls, c)
		h.mu.Unlock()
		w.WriteHeader(c.Status)
	}))
	t.Cleanup(h.Close)
	return h
}

// successes are the calls answered with a code in codes (200 when none).
func (h *hook) successes(codes ...int) []call {
	if len(codes) == 0 {
		codes = []int{200}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []call
	for _, c := range h.calls {
		for _, code := range codes {
			if c.Status == code {
				out = append(out, c)
			}
		}
	}
	return out
}

func (h *hook) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.calls)
}

func (h *hook) all() []call {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]call(nil), h.calls...)
}

// envelopeOf decodes a call's envelope body.
func envelopeOf(t *testing.T, c call) map[string]any {
	t.Helper()
	var env map[string]any
	if err := json.Unmarshal(c.Body, &env); err != nil {
		t.Fatalf("body %q: %v", c.Body, err)
	}
	return env
}

// openTestBroker starts an embedded server on a fresh store.
func openTestBroker(t *testing.T, dir string) *Broker {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := OpenBroker(ctx, BrokerOptions{StoreDir: dir, Partitions: 4, AckWait: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

// fastRetries keep tests quick.
var fastRetries = WorkerOptions{RetryBase: 20 * time.Millisecond, RetryMax: 100 * time.Millisecond, Timeout: 5 * time.Second}

// startDelivery runs Deliver until the test ends.
func startDelivery(t *testing.T, b *Broker, cfg *Config, opts WorkerOptions) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Deliver(ctx, b, cfg, opts) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Deliver: %v", err)
		}
	})
}

// waitSettled waits until no subscriber has anything pending or in flight.
func waitSettled(t *testing.T, b *Broker, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		st, err := b.Status(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		busy := false
		for _, s := range st {
			busy = busy || s.Pending+s.InFlight > 0
		}
		if !busy {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("still delivering after %s: %+v", timeout, st)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func mustParse(t *testing.T, yaml string, args ...any) *Config {
	t.Helper()
	cfg, err := ParseConfig("subs.yaml", []byte(fmt.Sprintf(yaml, args...)), testEnv(map[string]string{"HOOK_TOKEN": "s3cret"}))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func doc(id string, rev int) []byte {
	return []byte(fmt.Sprintf(`{"id":%q,"rev":%d}`, id, rev))
}

func publish(t *testing.T, n Publisher, c Change) []Result {
	t.Helper()
	res, err := n.Publish(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func jsonUnmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }
