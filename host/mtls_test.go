package host_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"net"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/peer"

	"github.com/resource-sync/resource-sync/host"
	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// With mTLS on (the default), a client without the host's certificate
// cannot talk to a plugin; with it off, it can. This proves the shared
// client certificate really sets up TLS rather than silently falling back.
func TestPluginSocketNeedsTheHostCertificate(t *testing.T) {
	for _, mtls := range []bool{true, false} {
		t.Run(map[bool]string{true: "mtls", false: "plain"}[mtls], func(t *testing.T) {
			if !mtls {
				t.Setenv(host.EnvMTLS, "off")
			}
			tmp := t.TempDir()
			t.Setenv("TMPDIR", tmp) // the host's socket directory goes here
			h := newHost(t)
			if _, err := h.Plugin(context.Background(), "json"); err != nil {
				t.Fatal(err)
			}
			sockets, _ := filepath.Glob(filepath.Join(tmp, "*", "*"))
			if len(sockets) != 1 {
				t.Fatalf("want one plugin socket under %s, found %v", tmp, sockets)
			}
			conn, err := grpc.NewClient("passthrough:///plugin",
				grpc.WithTransportCredentials(insecure.NewCredentials()),
				grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) {
					return (&net.Dialer{}).DialContext(ctx, "unix", sockets[0])
				}))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			_, err = pb.NewPluginInfoClient(conn).Describe(ctx, &pb.Describe_Request{})
			if mtls && err == nil {
				t.Error("a client without the host's certificate talked to the plugin")
			}
			if !mtls && err != nil {
				t.Errorf("plain connection failed: %v", err)
			}
		})
	}
}

// A plugin serves with the P-256 key its host issued it, not a P-521 key
// of its own; one that ignores the issued key (an older SDK) makes its
// own, sends its certificate back, and is trusted all the same.
func TestPluginsServeWithTheKeyTheHostIssued(t *testing.T) {
	for _, ownKey := range []bool{false, true} {
		t.Run(map[bool]string{false: "issued", true: "own"}[ownKey], func(t *testing.T) {
			var srcs []host.Source
			for _, s := range sources(t) {
				if ownKey {
					command := s.Command
					s.Command = func() *exec.Cmd {
						cmd := command()
						cmd.Env = append(cmd.Env, envOwnKey+"=1")
						return cmd
					}
				}
				srcs = append(srcs, s)
			}
			h, err := host.New(host.Options{Builtins: srcs, SearchPath: []string{}, Log: testWriter{t}, Level: hclog.Warn})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(h.Close)
			ctx := context.Background()
			p, err := h.Plugin(ctx, "json")
			if err != nil {
				t.Fatal(err)
			}
			var served peer.Peer
			if _, err := pb.NewPluginInfoClient(p.Conn()).Describe(ctx, &pb.Describe_Request{}, grpc.Peer(&served)); err != nil {
				t.Fatal(err)
			}
			info, ok := served.AuthInfo.(credentials.TLSInfo)
			if !ok || len(info.State.PeerCertificates) == 0 {
				t.Fatalf("the plugin served without TLS (%T)", served.AuthInfo)
			}
			key, ok := info.State.PeerCertificates[0].PublicKey.(*ecdsa.PublicKey)
			if !ok {
				t.Fatalf("the plugin's key is a %T, not ECDSA", info.State.PeerCertificates[0].PublicKey)
			}
			want := elliptic.P256()
			if ownKey {
				want = elliptic.P521() // go-plugin's
			}
			if key.Curve != want {
				t.Errorf("the plugin served with a %s key, want %s", key.Curve.Params().Name, want.Params().Name)
			}
		})
	}
}
