package pluginserver

import (
	"os"
	"time"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/resource-sync/resource-sync/internal/batch"
	"github.com/resource-sync/resource-sync/internal/wire"
	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
	"github.com/resource-sync/resource-sync/sdk"
)

// Serve runs p as a plugin: it answers the host's handshake on stdout and
// serves gRPC until the host goes away.
func Serve(p sdk.Plugin, opts ...Option) {
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.test == nil {
		go watchParent(os.Getppid())
	}
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig:  wire.Handshake,
		VersionedPlugins: wire.PluginSet(func(s *grpc.Server) { Register(s, p) }),
		GRPCServer: func(opts []grpc.ServerOption) *grpc.Server {
			opts = append(opts,
				grpc.MaxRecvMsgSize(batch.MaxMessageBytes),
				grpc.MaxSendMsgSize(batch.MaxMessageBytes))
			opts = append(opts, panicInterceptors(p.Name)...)
			return grpc.NewServer(opts...)
		},
		Logger: sdk.Logger().Named(p.Name),
		Test:   cfg.test,
	})
}

// Option configures Serve.
type Option func(*config)

type config struct {
	test *plugin.ServeTestConfig
}

// WithTest serves inside a test process for a client to reattach to
// (go-plugin's ServeTestConfig).
func WithTest(c *plugin.ServeTestConfig) Option {
	return func(cfg *config) { cfg.test = c }
}

// Register puts every service of p on s.
func Register(s *grpc.Server, p sdk.Plugin) {
	pb.RegisterPluginInfoServer(s, &infoServer{plugin: p})
	pb.RegisterFormatterServer(s, newFormatterServer(p))
	pb.RegisterSchemaServer(s, newSchemaServer(p))
	pb.RegisterEndpointServer(s, newEndpointServer(p))
}

// watchParent exits when the host dies without stopping us (SIGKILL, a
// crash), so no plugin outlives it: go-plugin's Serve alone would wait.
func watchParent(ppid int) {
	for range time.Tick(200 * time.Millisecond) {
		if os.Getppid() != ppid {
			sdk.Logger().Warn("host process went away; exiting")
			os.Exit(2)
		}
	}
}
