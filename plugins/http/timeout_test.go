package http

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/resource-sync/resource-sync/sdk"
)

// stallingServer answers /trickle with headers and then a byte every 20ms
// for ever, /stall with headers and half a body and then nothing, and
// /mute with nothing at all; each waits until the client goes away.
func stallingServer(t *testing.T) (string, *recorder) {
	srv, rec := newServer(t, func(w http.ResponseWriter, r *http.Request, _ recorded) {
		if r.URL.Path == "/mute" {
			<-r.Context().Done()
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"items": [`)
		w.(http.Flusher).Flush()
		if r.URL.Path == "/stall" {
			<-r.Context().Done()
			return
		}
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-r.Context().Done():
				return
			case <-tick.C:
				fmt.Fprint(w, " ")
				w.(http.Flusher).Flush()
			}
		}
	})
	return srv.URL, rec
}

// TestTimeouts: a server that sends headers and then trickles its body,
// one that stops in the middle of its body, and one that never answers
// each fail the request within the limits, with an error naming the uri
// and the option to change; silence is retried like a cut connection,
// running out of time is not.
func TestTimeouts(t *testing.T) {
	base, rec := stallingServer(t)
	for _, tc := range []struct {
		path     string
		opts     []string
		want     []string
		attempts int
	}{
		{"/trickle", []string{"request-timeout", "300ms", "idle-timeout", "5s"},
			[]string{"took longer than 300ms", "option request-timeout", "--request-timeout"}, 1},
		{"/stall", []string{"request-timeout", "5s", "idle-timeout", "200ms"},
			[]string{"stopped sending the response body", "200ms", "option idle-timeout", "(after 2 attempts)"}, 2},
		{"/mute", []string{"request-timeout", "5s", "idle-timeout", "200ms"},
			[]string{"no response headers", "200ms", "option idle-timeout"}, 2},
	} {
		t.Run(tc.path, func(t *testing.T) {
			e := openTest(t, base+"/", append(tc.opts, "max-attempts", "2")...)
			start := time.Now()
			docs, errs := collect(t, e.Fetch(context.Background(), []string{base + tc.path + "?api_key=s3cret"}))
			if took := time.Since(start); took > 4*time.Second {
				t.Errorf("took %v", took)
			}
			if len(docs) != 0 || len(errs) != 1 {
				t.Fatalf("docs %q errs %v, want one error", contents(docs), errs)
			}
			mustContain(t, "error", errs[0].Error(), append(tc.want, base+tc.path+"?api_key=")...)
			if _, ok := errs[0].(*sdk.Error); !ok {
				t.Errorf("error is %T, want *sdk.Error", errs[0])
			}
			if n := rec.count("GET", tc.path); n != tc.attempts {
				t.Errorf("%d attempts, want %d", n, tc.attempts)
			}
		})
	}
}

// TestWriteTimeout: a PUT whose answer never comes fails that resource.
func TestWriteTimeout(t *testing.T) {
	base, _ := stallingServer(t)
	e := openTest(t, base+"/", "idle-timeout", "200ms", "max-attempts", "1")
	res := writeAll(t, e.Endpoint, jsonItem(1, "x", "1", base+"/mute", `{"id":"1"}`), jsonItem(2, "x", "2", base+"/stall", `{"id":"2"}`))
	for seq, r := range res {
		if r.Status != sdk.Failed || !strings.Contains(fmt.Sprint(r.Err), "option idle-timeout") {
			t.Errorf("item %d: %+v, want a failure naming option idle-timeout", seq, r)
		}
	}
}

// TestSlowButSteadyBodyIsRead: the idle timer restarts on every read,
// so a body that keeps coming, slower than the idle limit in total, is
// read to the end.
func TestSlowButSteadyBodyIsRead(t *testing.T) {
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request, _ recorded) {
		w.Header().Set("Content-Type", "application/json")
		for _, part := range []string{`{"a":`, ` 1,`, ` "b":`, ` 2}`, ``} {
			fmt.Fprint(w, part)
			w.(http.Flusher).Flush()
			time.Sleep(80 * time.Millisecond)
		}
	})
	e := openTest(t, srv.URL+"/", "idle-timeout", "200ms")
	docs, errs := collect(t, e.Read(context.Background()))
	if len(errs) != 0 || len(docs) != 1 || string(docs[0].Content) != `{"a": 1, "b": 2}` {
		t.Errorf("docs %q errs %v", contents(docs), errs)
	}
}
