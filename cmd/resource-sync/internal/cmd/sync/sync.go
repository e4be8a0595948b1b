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
	Rm     bool
	Quiet  bool
	Log    cmdutil.LogFlags

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
JSON for HTTP, YAML for everything else unless told otherwise.`

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
	fs.BoolVar(&opts.FailFast, "fail-fast", false, "stop at the first failed write")
	fs.SortFlags = false
	return cmd
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
	level, err := o.Log.Resolve()
	if err != nil {
		return err
	}
	endpointOpts, err := o.endpointOptions()
	if err != nil {
		return err
	}
	h, err := o.Host(level)
	if err != nil {
		return err
	}
	defer h.Close()
	var progress host.Progress
	if o.IO.IsStderrTTY() && !o.Quiet {
		progress = newProgressBar(o.IO.ErrOut)
	}
	sum, err := h.Sync(ctx, host.SyncOptions{
		Origins:       o.Origins,
		Destination:   o.Destination,
		Format:        o.Format,
		DefaultFormat: "yaml",
		Schema:        o.Schema,
		Follow:        o.Follow,
		Replace:       o.Rm,
		Options:       endpointOpts,
		FailFast:      o.FailFast,
		Progress:      progress,
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
