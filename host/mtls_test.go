package host_test

import (
	"context"
	"net"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

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
