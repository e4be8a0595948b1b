package http

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/resource-sync/resource-sync/sdk"
)

// flaky answers the first failures requests to each method+path with
// fail, then serves ok.
func flaky(t *testing.T, failures int, fail func(w http.ResponseWriter, r *http.Request)) (string, *recorder) {
	var mu sync.Mutex
	seen := map[string]int{}
	srv, rec := newServer(t, func(w http.ResponseWriter, r *http.Request, _ recorded) {
		mu.Lock()
		key := r.Method + " " + r.URL.Path
		seen[key]++
		n := seen[key]
		mu.Unlock()
		if n <= failures {
			fail(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"ok":true}`)
	})
	return srv.URL, rec
}

func status(code int, header ...string) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(code)
		fmt.Fprintf(w, "status %d", code)
	}
}

func TestRetriesRetryableStatuses(t *testing.T) {
	for _, code := range []int{408, 429, 502, 503, 504} {
		base, rec := flaky(t, 2, status(code))
		e := openTest(t, base+"/")
		docs, errs := collect(t, e.Fetch(context.Background(), []string{base + "/doc"}))
		if len(errs) != 0 || len(docs) != 1 {
			t.Errorf("%d: docs %q errs %v", code, contents(docs), errs)
		}
		res := writeAll(t, e.Endpoint, jsonItem(1, "x", "1", "http://o/x/1", `{"id":"1"}`))
		if res[1].Status != sdk.Written {
			t.Errorf("%d: PUT %+v", code, res[1])
		}
		if err := e.Delete(context.Background(), []sdk.Resource{{URI: "http://o/x/2"}}); err != nil {
			t.Errorf("%d: DELETE %v", code, err)
		}
		for _, mp := range [][2]string{{"GET", "/doc"}, {"PUT", "/x/1"}, {"DELETE", "/x/2"}} {
			if n := rec.count(mp[0], mp[1]); n != 3 {
				t.Errorf("%d: %s %s sent %d times, want 3", code, mp[0], mp[1], n)
			}
		}
	}
}

func TestRetryGivesUpAfterMaxAttempts(t *testing.T) {
	base, rec := flaky(t, 100, status(http.StatusBadGateway))
	e := openTest(t, base+"/", "max-attempts", "4")
	res := writeAll(t, e.Endpoint, jsonItem(1, "x", "1", "http://o/x/1", `{}`))
	if res[1].Status != sdk.Failed {
		t.Fatalf("%+v", res[1])
	}
	mustContain(t, "error", res[1].Err.Error(), base+"/x/1", "PUT", "502 Bad Gateway", "status 502")
	if n := rec.count("PUT", "/x/1"); n != 4 {
		t.Errorf("sent %d times, want max-attempts 4", n)
	}
}

func TestNoRetryOnOtherClientErrors(t *testing.T) {
	for _, code := range []int{400, 401, 403, 404, 409, 422, 500} {
		base, rec := flaky(t, 1, status(code))
		e := openTest(t, base+"/")
		res := writeAll(t, e.Endpoint, jsonItem(1, "x", "1", "http://o/x/1", `{}`))
		if res[1].Status != sdk.Failed || !strings.Contains(res[1].Err.Error(), fmt.Sprint(code)) {
			t.Errorf("%d: %+v", code, res[1])
		}
		if n := rec.count("PUT", "/x/1"); n != 1 {
			t.Errorf("%d: sent %d times, want 1", code, n)
		}
	}
}

func TestNoRetryForPost(t *testing.T) {
	srv, rec := newServer(t, func(w http.ResponseWriter, r *http.Request, _ recorded) {
		if r.Method == http.MethodPut {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	e := openTest(t, srv.URL, "create-with-post", "true", "max-attempts", "5")
	res := writeAll(t, e.Endpoint, jsonItem(1, "posts", "1", "http://o/posts/1", `{}`))
	if res[1].Status != sdk.Failed || !strings.Contains(res[1].Err.Error(), "503") {
		t.Errorf("%+v", res[1])
	}
	if n := rec.count(http.MethodPost, "/posts"); n != 1 {
		t.Errorf("POST sent %d times, want 1", n)
	}
	if n := rec.count(http.MethodPut, "/posts/1"); n != 1 {
		t.Errorf("PUT answered 405 sent %d times, want 1", n)
	}
}

func TestRetryAfterSecondsHonoured(t *testing.T) {
	base, rec := flaky(t, 1, status(http.StatusTooManyRequests, "Retry-After", "1"))
	e := openTest(t, base+"/") // backoff in milliseconds: only Retry-After makes it wait
	start := time.Now()
	docs, errs := collect(t, e.Read(context.Background()))
	if len(errs) != 0 || len(docs) != 1 {
		t.Fatalf("docs %q errs %v", contents(docs), errs)
	}
	if waited := time.Since(start); waited < time.Second {
		t.Errorf("retried after %v, before Retry-After: 1", waited)
	}
	if n := len(rec.all()); n != 2 {
		t.Errorf("%d requests", n)
	}
}

func TestRetryAfterDateInThePastMeansNow(t *testing.T) {
	past := time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat)
	base, rec := flaky(t, 2, status(http.StatusServiceUnavailable, "Retry-After", past))
	e := openTest(t, base+"/")
	// Without the header this backoff would wait a minute.
	e.client.retry.RetryWaitMin, e.client.retry.RetryWaitMax = time.Minute, time.Minute
	start := time.Now()
	docs, errs := collect(t, e.Read(context.Background()))
	if len(errs) != 0 || len(docs) != 1 || len(rec.all()) != 3 {
		t.Fatalf("docs %q errs %v requests %d", contents(docs), errs, len(rec.all()))
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Errorf("waited %v for a Retry-After in the past", waited)
	}
}

// cutAfterHeaders hijacks the connection, promises a body and closes it
// half-way: the response started fine and broke.
func cutAfterHeaders(w http.ResponseWriter, r *http.Request) {
	conn, buf, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"partial\":")
	buf.Flush()
}

// cutBeforeResponse closes the connection without answering.
func cutBeforeResponse(w http.ResponseWriter, r *http.Request) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	conn.Close()
}

func TestRetryConnectionCut(t *testing.T) {
	for name, cut := range map[string]func(http.ResponseWriter, *http.Request){
		"mid-body":        cutAfterHeaders,
		"before response": cutBeforeResponse,
	} {
		base, rec := flaky(t, 1, cut)
		e := openTest(t, base+"/")
		docs, errs := collect(t, e.Fetch(context.Background(), []string{base + "/doc"}))
		if len(errs) != 0 || len(docs) != 1 || string(docs[0].Content) != `{"ok":true}` {
			t.Errorf("%s: docs %q errs %v", name, contents(docs), errs)
		}
		res := writeAll(t, e.Endpoint, jsonItem(1, "x", "1", "http://o/x/1", `{"id":"1"}`))
		if res[1].Status != sdk.Written {
			t.Errorf("%s: PUT %+v", name, res[1])
		}
		for _, mp := range [][2]string{{"GET", "/doc"}, {"PUT", "/x/1"}} {
			if n := rec.count(mp[0], mp[1]); n < 2 {
				t.Errorf("%s: %s %s sent %d times, want a retry", name, mp[0], mp[1], n)
			}
		}
	}
}

func TestConnectionRefusedNamesAttempts(t *testing.T) {
	e := openTest(t, "http://127.0.0.1:1/api", "max-attempts", "2")
	_, errs := collect(t, e.Read(context.Background()))
	if len(errs) != 1 {
		t.Fatalf("errors %v", errs)
	}
	mustContain(t, "error", errs[0].Error(), "http://127.0.0.1:1/api", "GET", "refused", "after 2 attempts")
}

func TestBatchPatchRetried(t *testing.T) {
	var patches atomic.Int32
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request, _ recorded) {
		switch r.Method {
		case http.MethodOptions:
			w.Header().Set("Allow", "PUT, PATCH")
		case http.MethodPatch:
			if patches.Add(1) == 1 {
				w.WriteHeader(http.StatusServiceUnavailable)
			}
		}
	})
	e := openTest(t, srv.URL, "batch-size", "10", "concurrency", "1")
	// Batches form from the items already pulled, never by waiting for
	// more: on a busy machine a write may go before its batch fills, so
	// the write is repeated until one PATCH was sent.
	for range 5 {
		for _, r := range writeAll(t, e.Endpoint, batchItems()[:5]...) {
			if r.Status != sdk.Written {
				t.Errorf("%+v", r)
			}
		}
		if patches.Load() > 0 {
			break
		}
	}
	if patches.Load() < 2 {
		t.Errorf("%d PATCH requests: a 503 batch was not retried", patches.Load())
	}
}

func TestRateCapsRequests(t *testing.T) {
	var mu sync.Mutex
	var times []time.Time
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request, _ recorded) {
		mu.Lock()
		times = append(times, time.Now())
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{}`)
	})
	e := openTest(t, srv.URL+"/", "rate", "20", "concurrency", "8")
	var uris []string
	for n := range 10 {
		uris = append(uris, fmt.Sprintf("%s/r/%d", srv.URL, n))
	}
	start := time.Now()
	if _, errs := collect(t, e.Fetch(context.Background(), uris)); len(errs) != 0 {
		t.Fatal(errs)
	}
	mu.Lock()
	defer mu.Unlock()
	early := 0
	for _, at := range times {
		if at.Sub(start) < 200*time.Millisecond {
			early++
		}
	}
	// 20 per second: one at once, then one every 50ms.
	if early > 5 {
		t.Errorf("%d of 10 requests in the first 200ms at rate 20/s", early)
	}
	if len(times) != 10 || times[len(times)-1].Sub(start) < 400*time.Millisecond {
		t.Errorf("%d requests, the last after %v; want 10 spread over at least 450ms", len(times), times[len(times)-1].Sub(start))
	}
}
