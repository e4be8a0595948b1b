// Package cli assembles the resource-sync command and maps its errors to
// exit codes: 0 success, 1 runtime error, 2 usage error, 3 differences
// found (diff, --dry-run), 130 interrupted.
package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"syscall"

	"github.com/hashicorp/go-hclog"
	"github.com/spf13/cobra"

	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/builtin"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmd/adapters"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmd/bisync"
	configcmd "github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmd/config"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmd/plugins"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmd/serve"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmd/snapshot"
	synccmd "github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmd/sync"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmd/version"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmd/watch"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmdutil"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/config"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/iostreams"
	"github.com/resource-sync/resource-sync/host"
	"github.com/resource-sync/resource-sync/internal/memlimit"
)

// Version is set at build time with -ldflags "-X ...cli.Version=v1.2.3".
var Version = "dev"

const usageLine = "Usage: resource-sync [OPTIONS] [ORIGIN]... DESTINATION\nRun 'resource-sync --help' for more."

// Main runs the command line and returns the exit code.
func Main() int {
	if builtin.ServeIfAsked() {
		return 0
	}
	if os.Getenv("GOGC") == "" {
		// Most of the host's heap is the inventory, alive from the read
		// to the last write; collecting at 1.5 times it rather than twice
		// cuts the peak at 100,000 resources by a fifth, for about 5% of
		// a small sync's time (docs/architecture.md, Memory). GOGC, when
		// set, wins.
		debug.SetGCPercent(50)
	}
	io := iostreams.System()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if path := os.Getenv(EnvCPUProfile); path != "" {
		if f, err := os.Create(path); err == nil && pprof.StartCPUProfile(f) == nil {
			defer f.Close()
			defer pprof.StopCPUProfile()
		}
	}
	return Run(ctx, NewFactory(io), os.Args[1:])
}

// EnvCPUProfile names a file for the host process's CPU profile, for
// benchmarks and performance work (go tool pprof -top FILE).
const EnvCPUProfile = "RESOURCE_SYNC_CPUPROFILE"

// NewFactory wires the real dependencies.
func NewFactory(io *iostreams.IOStreams) *cmdutil.Factory {
	return &cmdutil.Factory{
		IO:              io,
		Version:         Version,
		EndpointOptions: builtin.EndpointOptions(),
		Host: func(level hclog.Level) (*host.Host, error) {
			builtins, err := builtin.Sources()
			if err != nil {
				return nil, err
			}
			return host.New(host.Options{Builtins: builtins, Log: io.ErrOut, Level: level, Stdin: io.In, Stdout: io.Out,
				MemoryLimitOnceRead: memoryLimitOnceRead()})
		},
	}
}

// memoryLimitOnceRead is host.Options.MemoryLimitOnceRead, unless GOGC
// or GOMEMLIMIT is set: memlimit.Floor, 68 MiB, which with the 23 MiB
// of the binary's pages keeps the host near 90 MiB at 100,000 resources
// (docs/architecture.md, Memory).
func memoryLimitOnceRead() int64 {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return 0
	}
	return memlimit.Floor
}

// NewCmdRoot is the root command with its subcommands.
func NewCmdRoot(f *cmdutil.Factory) *cobra.Command {
	root := synccmd.NewCmdSync(f, nil)
	root.AddCommand(plugins.NewCmdPlugins(f), configcmd.NewCmdConfig(f), version.NewCmdVersion(f), serve.NewCmdServe(f, nil),
		synccmd.NewCmdDiff(f, nil), synccmd.NewCmdValidate(f, nil), snapshot.NewCmdSnapshot(f))
	root.PersistentFlags().StringVar(&f.ConfigPath, "config", "",
		"config file with named environments (default ./"+config.FileName+", else "+config.UserFileName+" in the user's config directory)")
	root.AddCommand(watch.NewCmdWatch(f, nil), adapters.NewCmdAdapters(f), bisync.NewCmdBisync(f, nil))
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &cmdutil.FlagError{Err: err} })
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	return root
}

// Run executes args and maps the outcome to an exit code.
func Run(ctx context.Context, f *cmdutil.Factory, args []string) int {
	root := NewCmdRoot(f)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var flagErr *cmdutil.FlagError
	var usageErr *host.UsageError
	var configErr *config.Error
	switch {
	case errors.Is(err, cmdutil.ErrSilent):
		return 1
	case errors.Is(err, cmdutil.ErrDifferences):
		return 3
	case ctx.Err() != nil || errors.Is(err, context.Canceled):
		fmt.Fprintln(f.IO.ErrOut, "Interrupted; plugins stopped.")
		return 130
	case errors.As(err, &flagErr), errors.As(err, &usageErr), errors.As(err, &configErr), isCobraUsage(err):
		fmt.Fprintf(f.IO.ErrOut, "Error: %v\n%s\n", err, usageLine)
		return 2
	}
	fmt.Fprintf(f.IO.ErrOut, "Error: %v\n", err)
	return 1
}

// isCobraUsage catches cobra's own argument errors ("unknown command").
func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand", "accepts ", "requires "} {
		if len(msg) >= len(p) && msg[:len(p)] == p {
			return true
		}
	}
	return false
}
