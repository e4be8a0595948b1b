package pluginserver

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/resource-sync/resource-sync/internal/batch"
	"github.com/resource-sync/resource-sync/internal/grpcpool"
	"github.com/resource-sync/resource-sync/internal/memlimit"
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
		if !cfg.together {
			leanScheduler()
		} else {
			holdMemory()
		}
		defer profileCPU(p.Name)()
	}
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig:  wire.Handshake,
		VersionedPlugins: wire.PluginSet(func(s *grpc.Server) { Register(s, p) }),
		GRPCServer: func(opts []grpc.ServerOption) *grpc.Server {
			opts = append(opts,
				grpc.MaxRecvMsgSize(batch.MaxMessageBytes),
				grpc.MaxSendMsgSize(batch.MaxMessageBytes))
			opts = append(opts, grpcpool.ServerOptions()...)
			opts = append(opts, panicInterceptors(p.Name)...)
			return grpc.NewServer(opts...)
		},
		TLSProvider: hostIssuedTLS,
		Logger:      sdk.Logger().Named(p.Name),
		Test:        cfg.test,
	})
	// A host closes its handles before stopping the plugin, and Close
	// waits for their writes. Those of a host that did not (it gave up
	// waiting, or exited) are cancelled by the stop; each then removes
	// what it staged, which the process must live long enough to finish.
	waitWrites(writeCleanupTime)
}

// ServeTogether runs several plugins in one process, as the plugin name:
// a host that knows them (host.Source.Process) sends each call to the
// component it names, so no two of them may share a component name. The
// process keeps a scheduler thread per CPU, as it works for all of them.
func ServeTogether(name string, plugins []sdk.Plugin) {
	all, err := together(name, plugins)
	if err != nil {
		panic(err)
	}
	Serve(all, func(c *config) { c.together = true })
}

// together is one plugin offering the components of plugins.
func together(name string, plugins []sdk.Plugin) (sdk.Plugin, error) {
	all := sdk.Plugin{Name: name}
	owner := map[string]string{} // "KIND NAME" -> plugin
	claim := func(kind, component, plugin string) error {
		key := kind + " " + component
		if other, ok := owner[key]; ok {
			return fmt.Errorf("plugins %s and %s both have the %s %q", other, plugin, kind, component)
		}
		owner[key] = plugin
		return nil
	}
	for _, p := range plugins {
		var errs []error
		for _, e := range p.Endpoints {
			errs = append(errs, claim("endpoint", e.Name, p.Name))
		}
		for _, f := range p.Formatters {
			errs = append(errs, claim("formatter", f.Name, p.Name))
		}
		for _, s := range p.Schemas {
			errs = append(errs, claim("schema", s.Name, p.Name))
		}
		if err := errors.Join(errs...); err != nil {
			return sdk.Plugin{}, err
		}
		all.Endpoints = append(all.Endpoints, p.Endpoints...)
		all.Formatters = append(all.Formatters, p.Formatters...)
		all.Schemas = append(all.Schemas, p.Schemas...)
	}
	return all, nil
}

// writes counts the Write calls running in this process.
var writes sync.WaitGroup

// writeCleanupTime is how long a stopping plugin waits for its cancelled
// writes, within the two seconds go-plugin's host gives it to exit.
const writeCleanupTime = 1500 * time.Millisecond

// waitWrites waits for the running writes to return, at most d.
func waitWrites(d time.Duration) {
	done := make(chan struct{})
	go func() {
		writes.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(d):
		sdk.Logger().Warn("a cancelled write did not end in time; what it staged is removed by the next write")
	}
}

// Option configures Serve.
type Option func(*config)

type config struct {
	test     *plugin.ServeTestConfig
	together bool // ServeTogether
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

// leanScheduler gives a plugin process one scheduler thread per four
// CPUs (at least one), unless $GOMAXPROCS says otherwise. A sync runs the
// host and several plugins at once, each defaulting to a thread per CPU:
// on a small machine their schedulers spin against each other. The work
// of one plugin is mostly sequential anyway (one stream at a time).
func leanScheduler() {
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(max(1, runtime.NumCPU()/4))
	}
}

// holdMemory keeps a process serving several plugins near memlimit.Floor,
// as the host is (host.Options.MemoryLimitOnceRead), unless GOGC or
// GOMEMLIMIT says otherwise: it stages a write while another plugin of it
// still reads, and collecting at twice the live heap took it past 100 MiB
// at 100,000 resources.
func holdMemory() {
	if os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
		memlimit.Hold(memlimit.Floor)
	}
}

// EnvCPUProfile names a directory where each plugin process writes its CPU
// profile, NAME.PID.pprof, when it exits: `go tool pprof` reads it.
const EnvCPUProfile = "RESOURCE_SYNC_PLUGIN_CPUPROFILE"

// profileCPU starts the profile EnvCPUProfile asks for and returns what
// stops it.
func profileCPU(name string) (stop func()) {
	dir := os.Getenv(EnvCPUProfile)
	if dir == "" {
		return func() {}
	}
	f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%s.%d.pprof", name, os.Getpid())))
	if err != nil {
		sdk.Logger().Warn("cannot write the CPU profile", "error", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		sdk.Logger().Warn("cannot profile", "error", err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
