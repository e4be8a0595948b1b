package host

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/resource-sync/resource-sync/internal/batch"
	"github.com/resource-sync/resource-sync/internal/grpcpool"
	"github.com/resource-sync/resource-sync/internal/wire"
	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
	"github.com/resource-sync/resource-sync/sdk"
)

// Plugin is a started plugin process and its connection.
type Plugin struct {
	Source   Source
	Manifest Manifest

	client *plugin.Client
	conn   *grpc.ClientConn
	stderr *tail
	// process is Source.Process when the plugin shares its process, which
	// then outlives it (Host.Close stops it).
	process string
}

// Conn is the plugin's gRPC connection, for tools and benchmarks that
// speak the protocol directly.
func (p *Plugin) Conn() *grpc.ClientConn { return p.conn }

// Name is the plugin's name.
func (p *Plugin) Name() string { return p.Source.Name }

func (p *Plugin) endpoints() pb.EndpointClient   { return pb.NewEndpointClient(p.conn) }
func (p *Plugin) formatters() pb.FormatterClient { return pb.NewFormatterClient(p.conn) }
func (p *Plugin) schemas() pb.SchemaClient       { return pb.NewSchemaClient(p.conn) }

// kill stops the process, unless shared; go-plugin asks it to exit, then
// kills it.
func (p *Plugin) kill() {
	if p.client != nil && p.process == "" {
		p.client.Kill()
	}
}

// start launches src and connects to it, refusing a binary whose SHA-256
// does not match its pin.
func (h *Host) start(ctx context.Context, src Source) (*Plugin, error) {
	cmd := src.command()
	// The plugin's socket goes in the host's own directory, removed on
	// Close, so a crashed plugin leaves no stale socket behind.
	cmd.Env = append(cmd.Environ(), wire.EnvLogLevel+"="+h.logger.GetLevel().String(),
		plugin.EnvUnixSocketDir+"="+h.socketDir)
	var secure *plugin.SecureConfig
	if pin, ok := h.pins[src.Name]; ok && !src.Builtin {
		secure = &plugin.SecureConfig{Checksum: pin, Hash: sha256.New()}
	}
	var tlsConfig *tls.Config
	if h.autoMTLS {
		cfg, started, err := h.cert.secure(cmd)
		if err != nil {
			return nil, fmt.Errorf("plugin %s: mTLS: %w", src.Name, err)
		}
		defer started()
		tlsConfig = cfg
	}
	stderr := newTail(20)
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  wire.Handshake,
		VersionedPlugins: wire.PluginSet(nil),
		Cmd:              cmd,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		Logger:           h.logger.Named(src.Name),
		TLSConfig:        tlsConfig, // AutoMTLS with P-256 keys the host makes (mtls.go)
		SecureConfig:     secure,
		// Serve redirects a plugin's os.Stderr through gRPC (SyncStderr);
		// runtime panics still reach the process's stderr (Stderr).
		Stderr:     stderr,
		SyncStderr: stderr,
		SyncStdout: io.Discard,
		GRPCDialOptions: append([]grpc.DialOption{grpc.WithDefaultCallOptions(
			grpc.MaxCallRecvMsgSize(batch.MaxMessageBytes),
			grpc.MaxCallSendMsgSize(batch.MaxMessageBytes))},
			grpcpool.DialOptions()...),
	})
	p := &Plugin{Source: src, client: client, stderr: stderr}
	rpc, err := client.Client()
	if err != nil {
		client.Kill() // waits for the process, so cmd.ProcessState is set
		return nil, h.startError(src, cmd.ProcessState, stderr, err)
	}
	raw, err := rpc.Dispense(wire.PluginKey)
	if err != nil {
		client.Kill()
		return nil, fmt.Errorf("plugin %s: %w", src.Name, err)
	}
	p.conn = raw.(*grpc.ClientConn)
	if src.Manifest != nil {
		p.Manifest = *src.Manifest
		return p, nil
	}
	d, err := pb.NewPluginInfoClient(p.conn).Describe(ctx, &pb.Describe_Request{ProtocolVersion: sdk.ProtocolVersion})
	if err != nil {
		client.Kill()
		return nil, p.callError(ctx, err)
	}
	p.Manifest = ManifestFromProto(d)
	return p, nil
}

func (h *Host) startError(src Source, state *os.ProcessState, stderr *tail, err error) error {
	switch {
	case errors.Is(err, plugin.ErrChecksumsDoNotMatch):
		got := "unreadable"
		if data, rerr := os.ReadFile(src.Path); rerr == nil {
			sum := sha256.Sum256(data)
			got = hex.EncodeToString(sum[:])
		}
		return fmt.Errorf("plugin %s refused: %s has SHA-256 %s, which does not match its pin %s in %s",
			src.Name, src.Path, got, hex.EncodeToString(h.pins[src.Name]), h.pinsPath)
	case strings.Contains(strings.ToLower(err.Error()), "incompatible api version"):
		return fmt.Errorf("plugin %s (%s) speaks another plugin protocol than this resource-sync (version %d): %v",
			src.Name, src.Path, sdk.ProtocolVersion, err)
	}
	msg := fmt.Sprintf("plugin %s (%s) failed to start: %v", src.Name, src.Path, err)
	if state != nil && diedBeforeHandshake(err) {
		// go-plugin's own text blames the architecture, permissions or
		// libraries; the process simply ended (a crash, a kill, exit 1).
		msg = fmt.Sprintf("plugin %s (%s) failed to start: it exited before its handshake (%s)", src.Name, src.Path, state)
	}
	if !stderr.empty() {
		msg += "\n" + stderr.String()
	}
	return errors.New(msg)
}

// diedBeforeHandshake tells go-plugin's errors for a plugin process that
// closed its stdout, or ended, before writing its handshake line.
func diedBeforeHandshake(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "Failed to read any lines from plugin's stdout") ||
		strings.Contains(msg, "plugin exited before we could connect")
}

// newLogger makes the logger go-plugin and the plugins log through, so
// nothing reaches the user above the level they asked for.
// go-plugin's note of each plugin exit is kept for -vv: a crash is
// reported as an error of its own, and normal exits are noise.
func newLogger(w io.Writer, level hclog.Level) hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{
		Name: "resource-sync", Output: w, Level: level,
		Exclude: func(_ hclog.Level, msg string, _ ...any) bool {
			return msg == "plugin process exited" && level > hclog.Debug
		},
	})
}
