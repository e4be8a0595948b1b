// Package sync is the root command: resource-sync [ORIGIN]... DESTINATION.
package sync

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/hashicorp/go-hclog"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmdutil"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/config"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/iostreams"
	"github.com/resource-sync/resource-sync/host"
)

// EnvPassword and EnvToken let scripts and CI authenticate without a prompt.
const (
	EnvPassword = "RESOURCE_SYNC_PASSWORD"
	EnvToken    = "RESOURCE_SYNC_TOKEN"
)

// Options are the parsed command line.
type Options struct {
	IO     *iostreams.IOStreams
	Host   func(hclog.Level) (*host.Host, error)
	Config func() (*config.File, error)

	Origins     []string
	Destination string

	Format string
	Schema string
	// SchemaGiven says a schema flag was given, which beats an
	// environment's schema.
	SchemaGiven bool
	Follow      string
	Quiet       bool
	Log         cmdutil.LogFlags
	Plan        PlanFlags

	// Endpoint options, each for the endpoints it is meant for.
	options  optionFlags
	FailFast bool
	// Secrets are --secret TYPE:/POINTER[=ENV], besides the config
	// file's.
	Secrets []host.SecretField

	report *report // built when the command runs
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
			opts.SchemaGiven = schemaGiven(cmd.Flags())
			if err := opts.validate(); err != nil {
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
	opts.registerCommon(cmd.Flags())
	opts.Plan.register(cmd.Flags(), modeSync)
	opts.registerEndpoint(cmd.Flags(), f.EndpointOptions)
	cmd.Flags().SortFlags = false
	return cmd
}

func schemaGiven(fs *pflag.FlagSet) bool {
	return fs.Changed("schema") || fs.Changed("hal") || fs.Changed("simple")
}

// registerCommon adds the flags of every command that reads origins.
func (opts *Options) registerCommon(fs *pflag.FlagSet) {
	cmdutil.Choice(fs, &opts.Format, "json", "json", "j", "write the destination as JSON")
	cmdutil.Choice(fs, &opts.Format, "yaml", "yaml", "y", "write the destination as YAML")
	fs.StringVar(&opts.Format, "format", "", "write the destination in this format, from any installed formatter plugin")
	opts.Schema = "hal"
	cmdutil.Choice(fs, &opts.Schema, "hal", "hal", "", "HAL schema: id field, _links.self.href as uri (default)")
	cmdutil.Choice(fs, &opts.Schema, "simple", "simple", "s", "simple schema: id, type and uri fields")
	fs.StringVar(&opts.Schema, "schema", "hal", "use this schema, from any installed schema plugin")
	opts.Follow = "page"
	cmdutil.Choice(fs, &opts.Follow, "all", "follow-all", "a", "follow every link")
	cmdutil.Choice(fs, &opts.Follow, "child", "follow-child", "c", "follow next, prev and child:* links")
	cmdutil.Choice(fs, &opts.Follow, "page", "follow-page", "p", "follow next and prev links (default)")
	cmdutil.Choice(fs, &opts.Follow, "none", "follow-none", "n", "follow no links")
	fs.BoolVarP(&opts.Quiet, "quiet", "q", false, "no summary line on stderr")
	opts.Log.Register(fs)
}

// registerEndpoint adds the endpoint options (from the built-ins'
// declarations), --fail-fast and --secret.
func (opts *Options) registerEndpoint(fs *pflag.FlagSet, decls []host.OptionDecl) {
	opts.options.register(fs, decls)
	fs.BoolVar(&opts.FailFast, "fail-fast", false, "stop at the first failed write or delete")
	fs.Var(&secretFlag{&opts.Secrets}, "secret",
		"resource field holding a secret, never written to files in clear: TYPE:/JSON/POINTER[=ENV_{id}] (repeatable; see docs/options.md)")
}

func (o *Options) validate() error {
	for _, origin := range o.Origins {
		if sameEndpoint(origin, o.Destination) {
			return cmdutil.FlagErrorf("origin and destination are the same: %s", origin)
		}
	}
	return o.Plan.validate(o.Destination)
}

func sameEndpoint(a, b string) bool {
	if a == "-" || b == "-" {
		return false
	}
	if strings.Contains(a, "://") || strings.Contains(b, "://") {
		return strings.TrimSuffix(a, "/") == strings.TrimSuffix(b, "/")
	}
	return filepath.Clean(a) == filepath.Clean(b)
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
	run, err := o.prepare(ctx, h)
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
	if p := o.report.progress; p != nil {
		writes, deletes := run.Pending()
		p.Start(writes + deletes)
	}
	sum, err := run.Apply(ctx)
	o.report.finish()
	printWarnings(o.IO.ErrOut, sum.Warnings)
	if !o.Quiet && (err == nil || sum.Written()+sum.Unchanged+sum.Deleted+sum.Failed > 0) || ctx.Err() != nil {
		printSummary(o.IO.ErrOut, sum, o.Plan.deleting())
	}
	if ctx.Err() != nil {
		printInterrupted(o.IO.ErrOut, sum)
	}
	return err
}

func (o *Options) newHost() (*host.Host, error) {
	level, err := o.Log.Resolve()
	if err != nil {
		return nil, err
	}
	return o.Host(level)
}

// prepare reads the config, resolves the endpoints with their options and
// plans the sync; nothing is written.
func (o *Options) prepare(ctx context.Context, h *host.Host) (*host.Run, error) {
	cfg, err := o.Config()
	if err != nil {
		return nil, err
	}
	syncOpts, err := o.Plan.syncOptions()
	if err != nil {
		return nil, err
	}
	syncOpts.Origins, syncOpts.Destination, syncOpts.Schema, err = o.locations(ctx, h, cfg)
	if err != nil {
		return nil, err
	}
	o.report = newReport(o)
	syncOpts.Format, syncOpts.DefaultFormat = o.Format, "yaml"
	syncOpts.Follow = o.Follow
	syncOpts.FailFast = o.FailFast
	syncOpts.Events = o.report.event
	syncOpts.Secrets = append(append([]host.SecretField(nil), cfg.Secrets...), o.Secrets...)
	return h.Prepare(ctx, syncOpts)
}
