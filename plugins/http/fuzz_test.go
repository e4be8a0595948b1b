package http

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/resource-sync/resource-sync/sdk"
)

// Limits the fuzzed endpoint runs with: small, so that each input is
// quick and breaking one shows.
const (
	fuzzMaxBody  = 64 << 10
	fuzzMaxPages = 5
	fuzzDeadline = 30 * time.Second
)

// rawServer answers every request on a loopback port with the same raw
// bytes, well-formed or not, then closes the connection, or first holds
// it open (hold) until the client gives up.
type rawServer struct {
	ln       net.Listener
	response []byte
	hold     bool
	wg       sync.WaitGroup
}

func newRawServer(t testing.TB, response []byte, hold bool) *rawServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &rawServer{ln: ln, response: response, hold: hold}
	s.wg.Go(s.serve)
	return s
}

func (s *rawServer) serve() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Go(func() { s.answer(c) })
	}
}

func (s *rawServer) answer(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(c)
	for { // the request head; a GET has no body
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		if line == "\r\n" || line == "\n" {
			break
		}
	}
	if _, err := c.Write(s.response); err != nil || !s.hold {
		return
	}
	r.WriteTo(discard{}) // until the client hangs up or the deadline
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

func (s *rawServer) close() {
	s.ln.Close()
	s.wg.Wait()
}

// FuzzHostileResponse feeds arbitrary responses (status line, headers,
// body, extra body bytes, a connection held open after them) to the read
// path, against a real loopback server. Whatever the server sends, Read
// must end in bounded time, without panic, yield at most max-pages
// documents of at most max-body bytes each, and every error must be an
// *sdk.Error naming a uri of that server.
func FuzzHostileResponse(f *testing.F) {
	ok := "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
	for _, seed := range []struct {
		head   string
		body   string
		filler uint16
		hold   bool
	}{
		{ok + "Content-Length: 2\r\n\r\n", "{}", 0, false},
		{ok + "Link: <?page=2>; rel=\"next\", <x/>; rel=next\r\nContent-Length: 7\r\n\r\n", `{"a":1}`, 0, false},
		{ok + "Link: <gopher://127.0.0.1/1>; rel=next, <mailto:a@b>; rel=next, <http://[::1]:1/>; rel=next\r\n\r\n", "[]", 0, false},
		{ok + "Content-Length: 100\r\n\r\n", `{"half":`, 0, true},
		{ok + "Transfer-Encoding: chunked\r\n\r\n", "5\r\n{\"a\":\r\nZZ\r\n", 0, false},
		{ok + "Content-Length: 99999999999\r\n\r\n", "{", 0, true},
		{ok + "\r\n", "[", 200, false},
		{ok + "Content-Encoding: gzip\r\nContent-Length: 4\r\n\r\n", "\x1f\x8b\x08\x00", 0, false},
		{"HTTP/1.1 302 Found\r\nLocation: http://example.com/\r\nContent-Length: 0\r\n\r\n", "", 0, false},
		{"HTTP/1.1 307 Temporary Redirect\r\nLocation: /loop\r\nContent-Length: 0\r\n\r\n", "", 0, false},
		{"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 99999\r\nContent-Length: 4\r\n\r\n", "busy", 0, false},
		{"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n", "{}", 0, false},
		{"HTTP/1.1 999 Whatever\r\nContent-Type: text/plain\r\n\r\n", "?api_key=abc", 0, false},
		{"HTTP/1.0 200\r\nContent-Type: application/json; charset=\"\r\n\r\n", "{}", 0, true},
		{"HELLO\r\n\r\n", "", 0, false},
		{"", "", 0, true},
	} {
		f.Add([]byte(seed.head), []byte(seed.body), seed.filler, seed.hold)
	}
	f.Fuzz(func(t *testing.T, head, body []byte, filler uint16, hold bool) {
		response := append(append([]byte{}, head...), body...)
		// filler KiB more, up to 4 MiB: bodies far over max-body.
		response = append(response, []byte(strings.Repeat("x", int(filler%4096)<<10))...)
		srv := newRawServer(t, response, hold)
		defer srv.close()
		base := "http://" + srv.ln.Addr().String()

		e, _, err := tryOpen(base+"/items?page=1", "max-body", fmt.Sprint(fuzzMaxBody), "max-pages", fmt.Sprint(fuzzMaxPages),
			"idle-timeout", "200ms", "request-timeout", "500ms", "max-attempts", "2", "concurrency", "2")
		if err != nil {
			t.Fatal(err)
		}
		defer e.Close()
		// Nothing may leave loopback, whatever a bug lets through.
		e.client.transport.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			if addr != srv.ln.Addr().String() {
				return nil, fmt.Errorf("fuzz: refusing to dial %s", addr)
			}
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		}
		// A Retry-After is honoured up to a minute; a retry here is quick.
		e.client.retry.Backoff = func(_, _ time.Duration, _ int, _ *http.Response) time.Duration { return time.Millisecond }

		type result struct {
			docs []sdk.Document
			errs []error
		}
		done := make(chan result, 1)
		go func() {
			var r result
			for d, err := range e.Read(context.Background()) {
				if err != nil {
					r.errs = append(r.errs, err)
				} else {
					r.docs = append(r.docs, d)
				}
			}
			done <- r
		}()
		var r result
		select {
		case r = <-done:
		case <-time.After(fuzzDeadline):
			t.Fatalf("Read still running after %v on response %q", fuzzDeadline, response[:min(len(response), 300)])
		}

		if len(r.docs) > fuzzMaxPages {
			t.Errorf("%d documents, over max-pages %d", len(r.docs), fuzzMaxPages)
		}
		for _, d := range r.docs {
			if len(d.Content) > fuzzMaxBody {
				t.Errorf("a document of %d bytes, over max-body %d", len(d.Content), fuzzMaxBody)
			}
			if !strings.HasPrefix(d.URI, base+"/") {
				t.Errorf("document from %q, not from the server %s", d.URI, base)
			}
		}
		for _, err := range r.errs {
			se, ok := errors.AsType[*sdk.Error](err)
			if !ok {
				t.Errorf("error %T %q is not an *sdk.Error", err, err)
				continue
			}
			// A skipped link to another host is a warning naming that link.
			if (!strings.HasPrefix(se.Source, base+"/") && !se.Warning) || se.Msg == "" {
				t.Errorf("error %q does not name a uri of %s", err, base)
			}
		}
	})
}
