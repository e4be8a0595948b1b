package sdktest

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/resource-sync/resource-sync/internal/batch"
	"github.com/resource-sync/resource-sync/internal/wire"
	"github.com/resource-sync/resource-sync/internal/wire/pluginserver"
	"github.com/resource-sync/resource-sync/sdk"
)

// startTimeout bounds how long a plugin may take to start serving.
const startTimeout = 30 * time.Second

// inBothModes runs check against p served inside the test process, then
// against the test binary started as a plugin process.
func inBothModes(t *testing.T, p sdk.Plugin, check func(t *testing.T, conn *grpc.ClientConn)) {
	t.Run("InProcess", func(t *testing.T) {
		check(t, serveInProcess(t, p))
	})
	t.Run("Process", func(t *testing.T) {
		if executable == "" {
			t.Skip("sdktest.Main was not called: add func TestMain(m *testing.M) { sdktest.Main(m, yourplugin.Plugin()) } to check the plugin as a real process")
		}
		check(t, serveProcess(t))
	})
}

// serveInProcess serves p in a goroutine with go-plugin's test mode and
// connects to it by reattaching, so every call still crosses gRPC.
func serveInProcess(t *testing.T, p sdk.Plugin) *grpc.ClientConn {
	t.Helper()
	logger := testLogger(t)
	ctx, stop := context.WithCancel(context.Background())
	reattach := make(chan *plugin.ReattachConfig, 1)
	closed := make(chan struct{})
	go pluginserver.Serve(p, pluginserver.WithTest(&plugin.ServeTestConfig{
		Context:          ctx,
		ReattachConfigCh: reattach,
		CloseCh:          closed,
	}))
	var config *plugin.ReattachConfig
	select {
	case config = <-reattach:
	case <-closed:
		stop()
		t.Fatal("the plugin stopped before serving")
	case <-time.After(startTimeout):
		stop()
		t.Fatalf("the plugin did not start serving within %v", startTimeout)
	}
	client := plugin.NewClient(clientConfig(logger, func(c *plugin.ClientConfig) {
		c.Reattach = config
		// Reattaching skips version negotiation, which would pick the
		// plugin set from VersionedPlugins.
		c.Plugins = c.VersionedPlugins[config.ProtocolVersion]
	}))
	t.Cleanup(func() {
		// Kill leaves a plugin in test mode alone; closing the client asks
		// its server to stop, which ends Serve without a closed-listener
		// error, and the context is the fallback.
		if rpc, err := client.Client(); err == nil {
			_ = rpc.Close()
		}
		select {
		case <-closed:
		case <-time.After(promptly):
		}
		stop()
		<-closed
	})
	return dispense(t, client)
}

// serveProcess starts the test binary as a plugin process, as the host
// starts a plugin binary, and kills it when the test ends.
func serveProcess(t *testing.T) *grpc.ClientConn {
	t.Helper()
	logger := testLogger(t)
	stderr := &stderrWatch{}
	cmd := exec.Command(executable)
	cmd.Env = append(os.Environ(), EnvServe+"=1")
	client := plugin.NewClient(clientConfig(logger, func(c *plugin.ClientConfig) {
		c.Cmd = cmd
		c.Stderr = stderr
		c.StartTimeout = startTimeout
	}))
	t.Cleanup(func() {
		client.Kill()
		if report := stderr.trouble(); report != "" {
			t.Errorf("the plugin process reported trouble on stderr:\n%s", report)
		}
	})
	return dispense(t, client)
}

// clientConfig is what the host would use, with the message limits raised
// to the protocol's and go-plugin's own logging kept quiet.
func clientConfig(logger hclog.Logger, set func(*plugin.ClientConfig)) *plugin.ClientConfig {
	c := &plugin.ClientConfig{
		HandshakeConfig:  wire.Handshake,
		VersionedPlugins: wire.PluginSet(nil),
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		Logger:           logger,
		SyncStdout:       io.Discard,
		SyncStderr:       io.Discard,
		GRPCDialOptions: []grpc.DialOption{grpc.WithDefaultCallOptions(
			grpc.MaxCallRecvMsgSize(batch.MaxMessageBytes),
			grpc.MaxCallSendMsgSize(batch.MaxMessageBytes))},
	}
	set(c)
	return c
}

// dispense connects and returns the raw gRPC connection the generated
// protocol clients use.
func dispense(t *testing.T, client *plugin.Client) *grpc.ClientConn {
	t.Helper()
	rpc, err := client.Client()
	if err != nil {
		t.Fatalf("cannot connect to the plugin: %v", err)
	}
	raw, err := rpc.Dispense(wire.PluginKey)
	if err != nil {
		t.Fatalf("cannot dispense %q: %v", wire.PluginKey, err)
	}
	conn, ok := raw.(*grpc.ClientConn)
	if !ok {
		t.Fatalf("dispensed %T, want *grpc.ClientConn", raw)
	}
	return conn
}

// testLogger logs go-plugin's warnings and errors, and the plugin's, to
// the test log. A nil logger would make go-plugin log at trace level.
func testLogger(t *testing.T) hclog.Logger {
	w := &testLogWriter{t: t}
	t.Cleanup(w.stop) // registered first, so it runs after the plugin is gone
	return hclog.New(&hclog.LoggerOptions{Name: "sdktest", Level: hclog.Warn, Output: w})
}

// testLogWriter writes to t.Log until the test ends; go-plugin's
// goroutines may still log after that, when t.Log would panic.
type testLogWriter struct {
	mu      sync.Mutex
	t       *testing.T
	stopped bool
}

func (w *testLogWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.stopped {
		w.t.Log(strings.TrimSuffix(string(p), "\n"))
	}
	return len(p), nil
}

func (w *testLogWriter) stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stopped = true
}

// stderrWatch keeps what a plugin process writes to stderr besides its
// JSON log lines: the race detector's reports and unrecovered panics,
// which go-plugin alone would log at debug level and so hide.
type stderrWatch struct {
	mu       sync.Mutex
	text     bytes.Buffer
	skipNext bool // the newline go-plugin writes after a JSON line
}

// stderrKeep bounds the text kept, from the start: a report's first
// lines say the most.
const stderrKeep = 64 << 10

func (w *stderrWatch) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case bytes.HasPrefix(p, []byte("{")):
		w.skipNext = true
	case w.skipNext && string(p) == "\n":
		w.skipNext = false
	default:
		w.skipNext = false
		w.text.Write(p[:min(len(p), stderrKeep-w.text.Len())])
	}
	return len(p), nil
}

// trouble returns the kept text when it holds a race report, a panic or
// a fatal runtime error.
func (w *stderrWatch) trouble() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	text := w.text.String()
	for _, sign := range []string{"WARNING: DATA RACE", "panic: ", "fatal error: "} {
		if strings.Contains(text, sign) {
			return text
		}
	}
	return ""
}
