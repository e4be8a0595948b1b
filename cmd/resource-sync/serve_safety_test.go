package main

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// serveProcess starts `resource-sync serve` as its own process with args
// and returns it, its stderr line by line (to the end once it exited) and
// a function waiting for its exit.
func serveProcess(t *testing.T, args ...string) (*exec.Cmd, *bufio.Scanner, func() error) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"serve"}, args...)...)
	cmd.Env = append(os.Environ(), envRunCLI+"=1", "RESOURCE_SYNC_SERVE_TOKEN=")
	pr, pw := io.Pipe()
	cmd.Stderr = pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		done <- cmd.Wait()
		pw.Close()
	}()
	wait := sync.OnceValue(func() error { return <-done })
	t.Cleanup(func() {
		cmd.Process.Kill()
		wait()
	})
	return cmd, bufio.NewScanner(pr), wait
}

// TestServeRefusesOpenAddressWithoutToken (case 22): `serve` on an
// address other hosts can reach, without a token, exits with an error
// saying what to do instead of serving DIR to the network.
func TestServeRefusesOpenAddressWithoutToken(t *testing.T) {
	t.Parallel()
	_, lines, wait := serveProcess(t, t.TempDir(), "--addr", "0.0.0.0:0")
	var out strings.Builder
	for lines.Scan() {
		out.WriteString(lines.Text() + "\n")
	}
	err := wait()
	if ee, ok := errors.AsType[*exec.ExitError](err); !ok || ee.ExitCode() == 0 {
		t.Errorf("serve exited with %v, want an error exit", err)
	}
	for _, want := range []string{"refusing to serve", "--token", "--insecure-no-auth"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, out.String())
		}
	}
}

// TestServeCutsOffStalledBody (case 22): a client that stops in the
// middle of a request body loses its connection after --read-timeout.
func TestServeCutsOffStalledBody(t *testing.T) {
	t.Parallel()
	cmd, lines, wait := serveProcess(t, t.TempDir(), "--addr", "127.0.0.1:0", "--read-timeout", "300ms")
	serving := regexp.MustCompile(`serving .* at http://([0-9.:]+)/api/`)
	addr := ""
	for addr == "" && lines.Scan() {
		if m := serving.FindStringSubmatch(lines.Text()); m != nil {
			addr = m[1]
		}
	}
	if addr == "" {
		t.Fatal("serve never said where it listens")
	}
	go func() { // drain the rest, so serve never blocks on stderr
		for lines.Scan() {
		}
	}()

	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "PUT /api/t/x HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"id\":")
	start := time.Now()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = io.Copy(io.Discard, c)
	if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
		t.Fatalf("serve still held the connection after %v", time.Since(start))
	}
	cmd.Process.Signal(os.Interrupt)
	if err := wait(); err != nil {
		t.Errorf("serve after Ctrl-C: %v", err)
	}
}
