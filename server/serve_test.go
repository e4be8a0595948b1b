package server_test

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/resource-sync/resource-sync/server"
)

func TestServeUntilCancelled(t *testing.T) {
	s, err := server.New(server.Options{Dir: widgets(t, 3), Formats: testFormats(), WriteExt: ".json"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, l) }()

	base := "http://" + l.Addr().String()
	resp := do(t, "GET", base+"/api/widget", "")
	if resp.status != http.StatusOK || resp.object(t)["count"] != 3.0 {
		t.Fatalf("GET: %d %s", resp.status, resp.body)
	}
	if got := href(t, resp.object(t), "self"); !strings.HasPrefix(got, base+"/api/widget?") {
		t.Errorf("self %q is not on the listener's address %s", got, base)
	}

	cancel()
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
	if _, err := http.Get(base + "/api/"); err == nil {
		t.Error("still serving after Serve returned")
	}
}

// syncBuffer is a log destination safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestRequestsAreLoggedAtDebugWithoutSecrets(t *testing.T) {
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	_, ts := serve(t, server.Options{Dir: widgets(t, 1), Token: "s3cret", Logger: logger})

	do(t, "GET", ts.URL+"/api/widget/w00?x=1", "", "Authorization: Bearer s3cret")
	do(t, "GET", ts.URL+"/api/widget/w00", "", "Authorization: Bearer wrong")

	out := logs.String()
	for _, want := range []string{
		`level=DEBUG msg=request method=GET path="/api/widget/w00?x=1" status=200`,
		`path=/api/widget/w00 status=401`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "s3cret") || strings.Contains(out, "wrong") {
		t.Errorf("log leaks a token:\n%s", out)
	}
}
