package serve

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmdutil"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/iostreams"
)

// started is a serveRun going on in the background.
type started struct {
	url    string
	stderr interface{ String() string }
	stop   func() error // cancels and returns serveRun's result
}

// startServe runs serve on ln with opts until the test ends.
func startServe(t *testing.T, ln net.Listener, opts Options) started {
	t.Helper()
	ios, _, _, errOut := iostreams.Test()
	opts.Factory = &cmdutil.Factory{IO: ios}
	opts.Listener = ln
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	if opts.ReadTimeout == 0 {
		opts.ReadTimeout = defaultReadTimeout
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serveRun(ctx, &opts) }()
	stop := sync.OnceValue(func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			return errors.New("serve did not stop")
		}
	})
	t.Cleanup(func() { stop() })
	return started{url: "http://" + ln.Addr().String(), stderr: errOut, stop: stop}
}

func listen(t *testing.T, addr string) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// TestServeNeedsTokenOffLoopback (case 22): on an address other hosts can
// reach, serve refuses to run without a token, saying how to go on; a
// token or --insecure-no-auth (with a warning) lets it run. On loopback
// nothing is needed.
func TestServeNeedsTokenOffLoopback(t *testing.T) {
	ln := listen(t, "0.0.0.0:0")
	s := startServe(t, ln, Options{})
	err := s.stop()
	if err == nil {
		t.Fatal("serve ran on 0.0.0.0 without a token")
	}
	for _, want := range []string{"refusing to serve", "without a token", "--token", EnvToken, "127.0.0.1", "--insecure-no-auth"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if _, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		t.Error("the refused listener still accepts connections")
	}

	for _, tc := range []struct {
		name     string
		addr     string
		opts     Options
		warning  bool
		wantCode int
	}{
		{"token", "0.0.0.0:0", Options{Token: "t0k"}, false, http.StatusUnauthorized},
		{"insecure-no-auth", "0.0.0.0:0", Options{InsecureNoAuth: true}, true, http.StatusOK},
		{"loopback", "127.0.0.1:0", Options{}, false, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ln := listen(t, tc.addr)
			s := startServe(t, ln, tc.opts)
			_, port, _ := net.SplitHostPort(ln.Addr().String())
			resp, err := http.Get("http://127.0.0.1:" + port + "/api/")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.wantCode {
				t.Errorf("GET /api/: %s, want %d", resp.Status, tc.wantCode)
			}
			if warned := strings.Contains(s.stderr.String(), "WARNING: serving"); warned != tc.warning {
				t.Errorf("warned %v, want %v:\n%s", warned, tc.warning, s.stderr.String())
			}
			if err := s.stop(); err != nil {
				t.Errorf("serve: %v", err)
			}
		})
	}
}

// TestServeDropsSlowRequests (case 22): a client that sends headers and
// then stalls in its body, or never finishes its headers, is cut off
// within --read-timeout instead of holding the connection for ever.
func TestServeDropsSlowRequests(t *testing.T) {
	s := startServe(t, listen(t, "127.0.0.1:0"), Options{ReadTimeout: 300 * time.Millisecond})
	addr := strings.TrimPrefix(s.url, "http://")
	for name, request := range map[string]string{
		"stalled body":    "PUT /api/t/x HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"id\":",
		"stalled headers": "GET /api/ HTTP/1.1\r\nHost: x\r\nX-Slow: ",
	} {
		t.Run(name, func(t *testing.T) {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if _, err := io.WriteString(c, request); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			// The server answers an error or just closes; either way the
			// connection ends.
			_, err = io.Copy(io.Discard, bufio.NewReader(c))
			if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
				t.Fatalf("the server still held the connection after %v", time.Since(start))
			}
			if took := time.Since(start); took > 3*time.Second {
				t.Errorf("cut off after %v, want about 300ms", took)
			}
		})
	}
}
