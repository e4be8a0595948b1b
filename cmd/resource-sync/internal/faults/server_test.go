package faults

import (
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jsonfmt "github.com/resource-sync/resource-sync/plugins/json"
	"github.com/resource-sync/resource-sync/plugins/yaml"
	"github.com/resource-sync/resource-sync/sdk"
	"github.com/resource-sync/resource-sync/server"
)

// loopback is an API on a fixed loopback port that can be stopped in the
// middle of a sync and started again on the same port and the same data,
// as a server restarted by its operator would be. It counts the requests
// it answered, for kill points.
type loopback struct {
	addr string
	// open makes the handler for one life of the server, and what to
	// release when it stops.
	open func() (http.Handler, func(), error)

	requests atomic.Int64 // answered
	active   atomic.Int64 // being handled
	mu       sync.Mutex
	srv      *http.Server
	release  func()
}

// newLoopback starts open's handler on a new loopback port until the
// test ends.
func newLoopback(t *testing.T, open func() (http.Handler, func(), error)) *loopback {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := &loopback{addr: ln.Addr().String(), open: open}
	if err := l.serve(ln); err != nil {
		ln.Close()
		t.Fatal(err)
	}
	t.Cleanup(l.stop)
	return l
}

func (l *loopback) url() string { return "http://" + l.addr }

func (l *loopback) serve(ln net.Listener) error {
	h, release, err := l.open()
	if err != nil {
		return err
	}
	counted := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.active.Add(1)
		defer l.active.Add(-1)
		h.ServeHTTP(w, r)
		l.requests.Add(1)
	})
	srv := &http.Server{Handler: counted, ErrorLog: log.New(io.Discard, "", 0)}
	l.mu.Lock()
	l.srv, l.release = srv, release
	l.mu.Unlock()
	go srv.Serve(ln)
	return nil
}

// stop closes the listener and every connection at once, as a server
// that goes down does, and waits for the requests it was handling to
// finish (they can no longer answer), so that a restart finds the data
// as the server left it.
func (l *loopback) stop() {
	l.mu.Lock()
	srv, release := l.srv, l.release
	l.srv, l.release = nil, nil
	l.mu.Unlock()
	if srv == nil {
		return
	}
	srv.Close()
	l.idle()
	if release != nil {
		release()
	}
}

// idle waits until no request is being handled: a client that went away
// (a killed plugin) may have left a request the server still carries out.
func (l *loopback) idle() {
	for quiet := 0; quiet < 2; {
		if l.active.Load() == 0 {
			quiet++
		} else {
			quiet = 0
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// restart serves again on the same port, with a new handler.
func (l *loopback) restart(t *testing.T) {
	t.Helper()
	l.stop()
	var ln net.Listener
	var err error
	for range 50 { // the old listener's port may take a moment to free
		if ln, err = net.Listen("tcp", l.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("restarting the server on %s: %v", l.addr, err)
	}
	if err := l.serve(ln); err != nil {
		ln.Close()
		t.Fatalf("restarting the server on %s: %v", l.addr, err)
	}
}

// serveFormats are those of `resource-sync serve`.
var serveFormats = map[string]sdk.Formatter{".json": jsonfmt.Formatter{}, ".yaml": yaml.Formatter{}, ".yml": yaml.Formatter{}}

// openServe serves dir as `resource-sync serve DIR` does; each restart
// loads the directory afresh, as a restarted serve process would.
func openServe(dir string) func() (http.Handler, func(), error) {
	return func() (http.Handler, func(), error) {
		srv, err := server.New(server.Options{Dir: dir, Formats: serveFormats, WriteExt: ".yaml"})
		if err != nil {
			return nil, nil, err
		}
		return srv.Handler(), func() { srv.Close() }, nil
	}
}

// openHandler serves h, whose data outlives each stop (an API whose
// storage is elsewhere).
func openHandler(h http.Handler) func() (http.Handler, func(), error) {
	return func() (http.Handler, func(), error) { return h, nil, nil }
}
