// Package sync is the root command: resource-sync [ORIGIN]... DESTINATION.
package sync

import (
	"context"
	"fmt"

	"github.com/hashicorp/go-hclog"
	"github.com/spf13/cobra"

	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmd/sync/shared"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmdutil"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/config"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/iostreams"
	"github.com/resource-sync/resource-sync/host"
)

// EnvPassword and EnvToken let scripts and CI authenticate without a prompt.
const (
	EnvPassword = shared.EnvPassword
	EnvToken    = shared.EnvToken
)

// Options are the parsed command line.
type Options struct {
	IO     *iostreams.IOStreams
	Host   func(hclog.Level) (*host.Host, error)
	Config func() (*config.File, error)
	shared.Flags

	report *shared.Report // built when the command runs
}

const long = `Synchronize REST resources between endpoints.

Reads every ORIGIN in turn (a later origin's copy of a resource wins) and
what DESTINATION holds of the same types, plans one action per resource
(create, update, unchanged, delete), then applies it: creates and updates
parents first, and with --delete, deletes children first once every write
succeeded. Nothing is written unless every origin was read and validated;
unchanged resources are not written at all.

An endpoint is, in this order:
  -                   stdin as an origin (a YAML stream, JSON Lines or a JSON
                      array), stdout as the destination
  null, /dev/null     reads nothing, writes nothing
  http://, https://   an HTTP API (GET to read, PUT to write)
  SCHEME://...        an endpoint from a plugin that claims SCHEME
  *.yaml, *.yml       a multi-document YAML file
  anything else       a directory tree, one file per resource:
                      DIR/TYPE/ID.yaml (its parent directory must exist)

Origins are read in their own format (file extension, Content-Type);
--json, --yaml and --format choose what the destination is written in:
JSON for HTTP, YAML for everything else unless told otherwise.

Endpoint options (--token, -H, --limit, -o NAME=VALUE...) go to the
endpoints that take them. A credential (--username, --password, --token,
-H, --allow-host, the TLS flags) must fit exactly one endpoint: between two
HTTP APIs, say which with --from-NAME for the origins and --to-NAME for
the destination (--from-token, --to-header, -o to-NAME=VALUE). Any value
may be '${env:VARIABLE}', which keeps secrets out of the process list.`

const example = `  # Capture an API into a directory kept in version control
  resource-sync https://api.example.com/api/v1/ ./data

  # Replay it into another environment, parents first
  resource-sync ./data https://staging.example.com/

  # Preview a push: the plan as unified diffs; exit 3 when there are changes
  resource-sync diff ./data https://staging.example.com/

  # Make staging hold exactly what the directory holds (deletes go last)
  resource-sync --delete ./data https://staging.example.com/

  # A named environment of resource-sync.yaml, its token from the environment
  resource-sync prod: ./data

  # Convert a directory into one YAML file, or dump it as JSON Lines
  resource-sync ./data all.yaml
  resource-sync --json ./data -`

// NewCmdSync builds the root command. runF replaces the work in tests.
func NewCmdSync(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Host: f.Host, Config: f.Config}
	cmd := &cobra.Command{
		Use:           "resource-sync [OPTIONS] [ORIGIN]... DESTINATION",
		Short:         "Synchronize REST resources between endpoints",
		Long:          long,
		Example:       example,
		Version:       f.Version,
		SilenceErrors: true,
		SilenceUsage:  true,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmdutil.FlagErrorf("missing DESTINATION")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Origins, opts.Destination = args[:len(args)-1], args[len(args)-1]
			opts.SchemaGiven = shared.SchemaGiven(cmd.Flags())
			if err := opts.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			if opts.Plan.DryRun {
				return diffRun(cmd.Context(), opts)
			}
			return syncRun(cmd.Context(), opts)
		},
	}
	opts.RegisterCommon(cmd.Flags())
	opts.Plan.Register(cmd.Flags(), shared.ModeSync)
	opts.RegisterEndpoint(cmd.Flags(), f.EndpointOptions)
	cmd.Flags().SortFlags = false
	return cmd
}

func syncRun(ctx context.Context, o *Options) (err error) {
	h, err := o.newHost()
	if err != nil {
		return err
	}
	defer h.Close()
	// No secret the sync met (an option, a resource field) appears in its
	// error.
	defer func() { err = h.RedactError(err) }()
	// Applied unless deletes are refused: the writes may be staged
	// while the origins are read.
	run, err := o.prepare(ctx, h, true)
	if err != nil {
		if ctx.Err() != nil {
			fmt.Fprintln(o.IO.ErrOut, "Interrupted while reading; nothing was written.")
		}
		return err
	}
	defer run.Close()
	if err := o.confirmDeletes(run); err != nil {
		return err
	}
	writes, deletes := run.Pending()
	o.report.Start(writes + deletes)
	sum, err := run.Apply(ctx)
	o.report.Finish()
	shared.PrintWarnings(o.IO.ErrOut, sum.Warnings)
	if !o.Quiet && (err == nil || sum.Written()+sum.Unchanged+sum.Deleted+sum.Failed > 0) || ctx.Err() != nil {
		shared.PrintSummary(o.IO.ErrOut, sum, o.Plan.Deleting())
	}
	if ctx.Err() != nil {
		printInterrupted(o.IO.ErrOut, sum)
	}
	return err
}

func (o *Options) newHost() (*host.Host, error) { return o.NewHost(o.Host) }

// prepare reads the config, resolves the endpoints with their options and
// plans the sync; nothing is written. apply says the plan is meant to be
// applied (host.SyncOptions.StageWhileReading).
func (o *Options) prepare(ctx context.Context, h *host.Host, apply bool) (*host.Run, error) {
	cfg, err := o.Config()
	if err != nil {
		return nil, err
	}
	syncOpts, err := o.SyncOptions(ctx, h, cfg, o.IO)
	if err != nil {
		return nil, err
	}
	o.report = shared.NewReport(o.IO, &o.Flags, true)
	syncOpts.Events = o.report.Event
	syncOpts.StageWhileReading = apply
	return h.Prepare(ctx, syncOpts)
}
