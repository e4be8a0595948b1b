// Package sync is the root command: resource-sync [ORIGIN]... DESTINATION.
package sync

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/hashicorp/go-hclog"
	"github.com/spf13/cobra"

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
	Rm          bool
	Quiet       bool
	Log         cmdutil.LogFlags

	// Endpoint options, each for the endpoints it is meant for.
	options  optionFlags
	FailFast bool
	// Secrets are --secret TYPE:/POINTER[=ENV], besides the config
	// file's.
	Secrets []host.SecretField
}

const long = `Synchronize REST resources between endpoints.

Reads every ORIGIN in turn (a later origin's copy of a resource wins), then
writes the resources to DESTINATION, parents before children. Nothing is
written unless every origin was read and validated.

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

  # Make a directory hold exactly what the API holds (stale files removed last)
  resource-sync --rm https://api.example.com/api/v1/ ./data

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
			fs := cmd.Flags()
			opts.SchemaGiven = fs.Changed("schema") || fs.Changed("hal") || fs.Changed("simple")
			if err := opts.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return syncRun(cmd.Context(), opts)
		},
	}
	fs := cmd.Flags()
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
	fs.BoolVar(&opts.Rm, "rm", false, "make a directory or YAML file destination hold exactly the synced resources; stale ones go after every write succeeded (refused where the endpoint cannot remove, e.g. HTTP)")
	fs.BoolVarP(&opts.Quiet, "quiet", "q", false, "no summary line on stderr")
	opts.Log.Register(fs)

	opts.options.register(fs, f.EndpointOptions)
	fs.BoolVar(&opts.FailFast, "fail-fast", false, "stop at the first failed write")
	fs.Var(&secretFlag{&opts.Secrets}, "secret",
		"resource field holding a secret, never written to files in clear: TYPE:/JSON/POINTER[=ENV_{id}] (repeatable; see docs/options.md)")
	fs.SortFlags = false
	return cmd
}

func (o *Options) validate() error {
	for _, origin := range o.Origins {
		if sameEndpoint(origin, o.Destination) {
			return cmdutil.FlagErrorf("origin and destination are the same: %s", origin)
		}
	}
	return nil
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
	level, err := o.Log.Resolve()
	if err != nil {
		return err
	}
	h, err := o.Host(level)
	if err != nil {
		return err
	}
	defer h.Close()
	// No secret the sync met (an option, a resource field) appears in its
	// error.
	defer func() { err = h.RedactError(err) }()
	cfg, err := o.Config()
	if err != nil {
		return err
	}
	origins, dest, schema, err := o.locations(ctx, h, cfg)
	if err != nil {
		return err
	}
	var progress host.Progress
	if o.IO.IsStderrTTY() && !o.Quiet {
		progress = newProgressBar(o.IO.ErrOut)
	}
	sum, err := h.Sync(ctx, host.SyncOptions{
		Origins:       origins,
		Destination:   dest,
		Format:        o.Format,
		DefaultFormat: "yaml",
		Schema:        schema,
		Follow:        o.Follow,
		Replace:       o.Rm,
		FailFast:      o.FailFast,
		Progress:      progress,
		Secrets:       append(append([]host.SecretField(nil), cfg.Secrets...), o.Secrets...),
	})
	if !o.Quiet && (err == nil || sum.Written+sum.Unchanged+sum.Failed > 0) {
		fmt.Fprintln(o.IO.ErrOut, summaryLine(sum))
	}
	return err
}

func summaryLine(s host.Summary) string {
	line := fmt.Sprintf("%d read, %d written, %d unchanged, %d removed", s.Read, s.Written, s.Unchanged, s.Removed)
	if s.Failed > 0 || s.Skipped > 0 {
		line += fmt.Sprintf(", %d failed, %d skipped", s.Failed, s.Skipped)
	}
	return line
}
