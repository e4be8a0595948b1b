// Package sync is the root command: resource-sync [ORIGIN]... DESTINATION.
package sync

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmdutil"
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
	IO   *iostreams.IOStreams
	Host func(hclog.Level) (*host.Host, error)

	Origins     []string
	Destination string

	Format string
	Schema string
	Follow string
	Quiet  bool
	Log    cmdutil.LogFlags
	Plan   PlanFlags

	Username       string
	Token          string
	Headers        []string
	AllowHosts     []string
	BatchSize      int
	Limit          int
	MaxAttempts    int
	Concurrency    int
	Rate           float64
	MaxBody        int64
	MaxPages       int
	IdleTimeout    time.Duration
	RequestTimeout time.Duration
	CACert         string
	ClientCert     string
	ClientKey      string
	Insecure       bool
	KeepLinks      bool
	CreateWithPost bool
	FailFast       bool

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
JSON for HTTP, YAML for everything else unless told otherwise.`

const example = `  # Capture an API into a directory kept in version control
  resource-sync https://api.example.com/api/v1/ ./data

  # Replay it into another environment, parents first
  resource-sync ./data https://staging.example.com/

  # Preview a push: the plan as unified diffs; exit 3 when there are changes
  resource-sync diff ./data https://staging.example.com/

  # Make staging hold exactly what the directory holds (deletes go last)
  resource-sync --delete ./data https://staging.example.com/

  # Convert a directory into one YAML file, or dump it as JSON Lines
  resource-sync ./data all.yaml
  resource-sync --json ./data -`

// NewCmdSync builds the root command. runF replaces the work in tests.
func NewCmdSync(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Host: f.Host}
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
	opts.registerEndpoint(cmd.Flags())
	cmd.Flags().SortFlags = false
	return cmd
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

// registerEndpoint adds the HTTP endpoint's flags.
func (opts *Options) registerEndpoint(fs *pflag.FlagSet) {

	fs.StringVar(&opts.Username, "username", "", "HTTP basic auth user; the password comes from $"+EnvPassword+" or a prompt")
	fs.StringVar(&opts.Token, "token", "", "HTTP bearer token (or $"+EnvToken+")")
	fs.StringArrayVarP(&opts.Headers, "header", "H", nil, "extra HTTP header 'Name: value' (repeatable)")
	fs.StringSliceVar(&opts.AllowHosts, "allow-host", nil, "also follow links to this host (repeatable); credentials are sent there too")
	fs.IntVarP(&opts.BatchSize, "batch-size", "b", 1, "PATCH up to N consecutive resources of a type at once, when the API allows PATCH")
	fs.IntVarP(&opts.Limit, "limit", "l", 100, "page size asked for, as X-Request-Limit")
	fs.IntVarP(&opts.MaxAttempts, "max-attempts", "m", 3, "attempts per idempotent HTTP request")
	fs.IntVar(&opts.Concurrency, "concurrency", 8, "HTTP requests in flight")
	fs.Float64Var(&opts.Rate, "rate", 0, "at most this many HTTP requests per second (0: no cap)")
	fs.Int64Var(&opts.MaxBody, "max-body", 64<<20, "largest HTTP response body in bytes")
	fs.IntVar(&opts.MaxPages, "max-pages", 100_000, "fail when one HTTP collection's next links go on for more pages than this")
	fs.DurationVar(&opts.IdleTimeout, "idle-timeout", 2*time.Minute, "fail an HTTP request when the server sends nothing for this long (headers or body)")
	fs.DurationVar(&opts.RequestTimeout, "request-timeout", 10*time.Minute, "fail an HTTP request attempt that takes longer than this, body included")
	fs.StringVar(&opts.CACert, "ca-cert", "", "PEM file of extra CAs to trust for HTTPS")
	fs.StringVar(&opts.ClientCert, "client-cert", "", "PEM client certificate for HTTPS")
	fs.StringVar(&opts.ClientKey, "client-key", "", "PEM key of --client-cert")
	fs.BoolVar(&opts.Insecure, "insecure", false, "do not verify HTTPS certificates (dangerous)")
	fs.BoolVar(&opts.KeepLinks, "keep-links", false, "send HAL _links and _embedded in bodies written to HTTP")
	fs.BoolVar(&opts.CreateWithPost, "create-with-post", false, "when PUT answers 404 or 405, POST to the collection instead")
	fs.BoolVar(&opts.FailFast, "fail-fast", false, "stop at the first failed write or delete")
}

func (o *Options) validate() error {
	for name, v := range map[string]int{"--batch-size": o.BatchSize, "--limit": o.Limit,
		"--max-attempts": o.MaxAttempts, "--concurrency": o.Concurrency, "--max-pages": o.MaxPages} {
		if v <= 0 {
			return cmdutil.FlagErrorf("invalid value %d for %s: must be at least 1", v, name)
		}
	}
	if o.Rate < 0 {
		return cmdutil.FlagErrorf("invalid value %g for --rate: must not be negative", o.Rate)
	}
	if o.MaxBody <= 0 {
		return cmdutil.FlagErrorf("invalid value %d for --max-body: must be at least 1", o.MaxBody)
	}
	for name, d := range map[string]time.Duration{"--idle-timeout": o.IdleTimeout, "--request-timeout": o.RequestTimeout} {
		if d <= 0 {
			return cmdutil.FlagErrorf("invalid value %s for %s: must be more than 0", d, name)
		}
	}
	for _, origin := range o.Origins {
		if sameEndpoint(origin, o.Destination) {
			return cmdutil.FlagErrorf("origin and destination are the same: %s", origin)
		}
	}
	if (o.ClientCert == "") != (o.ClientKey == "") {
		return cmdutil.FlagErrorf("--client-cert and --client-key go together")
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

// endpointOptions are the options every endpoint gets (see
// docs/architecture.md); secrets come from the environment or a prompt.
func (o *Options) endpointOptions() (map[string]string, error) {
	m := map[string]string{
		"limit":        strconv.Itoa(o.Limit),
		"batch-size":   strconv.Itoa(o.BatchSize),
		"max-attempts": strconv.Itoa(o.MaxAttempts),
		"concurrency":  strconv.Itoa(o.Concurrency),
	}
	set := func(k, v string) {
		if v != "" {
			m[k] = v
		}
	}
	if o.Rate > 0 {
		m["rate"] = strconv.FormatFloat(o.Rate, 'g', -1, 64)
	}
	if o.MaxBody > 0 {
		m["max-body"] = strconv.FormatInt(o.MaxBody, 10)
	}
	if o.MaxPages > 0 {
		m["max-pages"] = strconv.Itoa(o.MaxPages)
	}
	if o.IdleTimeout > 0 {
		m["idle-timeout"] = o.IdleTimeout.String()
	}
	if o.RequestTimeout > 0 {
		m["request-timeout"] = o.RequestTimeout.String()
	}
	set("username", o.Username)
	if o.Username != "" {
		pw, ok := os.LookupEnv(EnvPassword)
		if !ok {
			if !o.IO.CanPrompt() {
				return nil, fmt.Errorf("--username %s needs a password: set $%s (no terminal to prompt on)", o.Username, EnvPassword)
			}
			var err error
			if pw, err = o.IO.ReadPassword(fmt.Sprintf("Password for %s: ", o.Username)); err != nil {
				return nil, fmt.Errorf("reading password: %w", err)
			}
		}
		m["password"] = pw
	}
	token := o.Token
	if token == "" {
		token = os.Getenv(EnvToken)
	}
	set("token", token)
	set("header", strings.Join(o.Headers, "\n"))
	set("allow-host", strings.Join(o.AllowHosts, ","))
	set("ca-cert", o.CACert)
	set("client-cert", o.ClientCert)
	set("client-key", o.ClientKey)
	for k, v := range map[string]bool{"insecure": o.Insecure, "keep-links": o.KeepLinks, "create-with-post": o.CreateWithPost} {
		if v {
			m[k] = "true"
		}
	}
	return m, nil
}

func syncRun(ctx context.Context, o *Options) error {
	run, h, err := o.prepare(ctx)
	if err != nil {
		if ctx.Err() != nil {
			fmt.Fprintln(o.IO.ErrOut, "Interrupted while reading; nothing was written.")
		}
		return err
	}
	defer h.Close()
	defer run.Close()
	if err := o.confirmDeletes(run); err != nil {
		return err
	}
	rep := o.report
	if rep.progress != nil {
		writes, deletes := run.Pending()
		rep.progress.Start(writes + deletes)
	}
	sum, err := run.Apply(ctx)
	rep.finish()
	printWarnings(o.IO.ErrOut, sum.Warnings)
	if !o.Quiet && (err == nil || sum.Written()+sum.Unchanged+sum.Deleted+sum.Failed > 0) || ctx.Err() != nil {
		printSummary(o.IO.ErrOut, sum, o.Plan.deleting())
	}
	return err
}

// prepare starts the host and plans the sync; nothing is written.
func (o *Options) prepare(ctx context.Context) (*host.Run, *host.Host, error) {
	level, err := o.Log.Resolve()
	if err != nil {
		return nil, nil, err
	}
	endpointOpts, err := o.endpointOptions()
	if err != nil {
		return nil, nil, err
	}
	syncOpts, err := o.Plan.syncOptions()
	if err != nil {
		return nil, nil, err
	}
	h, err := o.Host(level)
	if err != nil {
		return nil, nil, err
	}
	o.report = newReport(o)
	syncOpts.Origins = make([]host.Location, len(o.Origins))
	for i, origin := range o.Origins {
		syncOpts.Origins[i] = host.Location{Spec: origin, Options: endpointOpts}
	}
	syncOpts.Destination = host.Location{Spec: o.Destination, Options: endpointOpts}
	syncOpts.Format, syncOpts.DefaultFormat = o.Format, "yaml"
	syncOpts.Schema, syncOpts.Follow = o.Schema, o.Follow
	syncOpts.FailFast = o.FailFast
	syncOpts.Events = o.report.event
	run, err := h.Prepare(ctx, syncOpts)
	if err != nil {
		h.Close()
		return nil, nil, err
	}
	return run, h, nil
}
