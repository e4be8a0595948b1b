// Package watch is `resource-sync watch`: keep a destination in sync with
// its origins until stopped, and tell webhook subscribers about changed
// documents, delivered through NATS JetStream.
package watch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"

	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmd/sync/shared"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmdutil"
	"github.com/resource-sync/resource-sync/host"
	"github.com/resource-sync/resource-sync/internal/notify"
)

// EnvToken, when set, is the bearer token the document API requires.
const EnvToken = "RESOURCE_SYNC_WATCH_TOKEN"

// Options are the parsed flags of watch.
type Options struct {
	Factory *cmdutil.Factory
	// The origins and destination, and how to sync them, as for a sync.
	shared.Flags
	Interval     time.Duration
	Debounce     time.Duration
	FileEvents   bool
	ChangeFields []changeRule

	Subscriptions string
	Store         string
	NATS          string
	NATSCreds     string
	Replicas      int
	Partitions    int
	Listen        string
	MetricsAddr   string
	Token         string
	Status        bool
	// OnReady, for tests, learns the addresses the document API and metrics
	// listen on (nil when off) once everything runs.
	OnReady func(api, metrics net.Addr)
	// OnPass, for tests, hears about every pass of the sync once done.
	OnPass func(sum host.Summary, idle bool, err error)
}

// syncing says the watch keeps a destination in sync.
func (o *Options) syncing() bool { return o.Destination != "" }

const long = `Keep DESTINATION in sync with the ORIGINs until stopped, and tell webhook
subscribers about changed documents.

With ORIGIN... DESTINATION, watch syncs at once, then again on every change
it notices: every --interval it reads the origins again, HTTP ones with
conditional GETs (If-None-Match, If-Modified-Since), so pages the server
answers 304 Not Modified cost neither a transfer nor a parse; origins that
are directories or files are also watched for file-system events, a burst
of them making one pass once quiet for --debounce. A pass over origins that
hold what the last pass applied stops there; otherwise it is a sync through
the same engine and guardrails as a one-off sync (--delete, --max-delete,
--include, --ignore...): only what changed is written or deleted. With
--change-field (or a subscriptions file's change fields) a resource is never
moved back to an older version. Ctrl-C stops after the writes under way; a
restart syncs again and sends nothing the destination already holds.

With --subscriptions FILE (see docs/notify.md), what each pass writes or
deletes is also told to the file's subscribers: each change reaches each
matching subscriber at least once, in version order per document, with
retries; a subscriber never gets the same or an older version twice. Origins
may also announce changes through the document API on --listen:

  PUT    /documents/{endpoint}   the document's new state (JSON)
  DELETE /documents/{endpoint}   it is gone

where {endpoint} is the document's URL. With $` + EnvToken + ` set, callers
must send it as a bearer token (required unless --listen is loopback).

Changes travel through NATS JetStream: by default an embedded server on
--store, listening on a random loopback port. Another watch on the same
--store joins it and shares the deliveries; --nats URL uses a NATS cluster
instead, where any number of watch processes share the work.

--status prints each subscriber's backlog and exits.

See docs/watch.md.`

// NewCmdWatch builds `watch`.
func NewCmdWatch(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	cmd := &cobra.Command{
		Use:   "watch [OPTIONS] [ORIGIN... DESTINATION]",
		Short: "Keep a destination in sync until stopped; notify subscribers of changes",
		Long:  long,
		Example: `  # Mirror an API into a directory, polling every 10 seconds
  resource-sync watch --interval 10s https://api.example.com/api/v1/ ./data

  # Push a directory to staging on every save, deletes included
  resource-sync watch --delete ./data https://staging.example.com/

  # Tell subscribers what changed, never moving a user back in time
  resource-sync watch --subscriptions subs.yaml --change-field updatedAt=RFC3339 https://api.example.com/users ./users

  # Only the document API and webhooks
  RESOURCE_SYNC_WATCH_TOKEN=... resource-sync watch --subscriptions subs.yaml --metrics-addr 127.0.0.1:9090
  resource-sync watch --status`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				return cmdutil.FlagErrorf("watch needs at least one ORIGIN and the DESTINATION, or no arguments with --subscriptions")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				opts.Origins, opts.Destination = args[:len(args)-1], args[len(args)-1]
			}
			if err := opts.validate(cmd); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return watchRun(cmd.Context(), opts)
		},
	}
	fs := cmd.Flags()
	fs.DurationVar(&opts.Interval, "interval", 30*time.Second, "read the origins again this often (10s, 5m)")
	fs.BoolVar(&opts.FileEvents, "file-events", true, "watch origins that are directories or files for file-system events (false on network file systems, which do not report them)")
	fs.DurationVar(&opts.Debounce, "debounce", 200*time.Millisecond, "after a file-system event, wait until the files are quiet this long")
	fs.Var(&changeFieldFlag{&opts.ChangeFields}, "change-field",
		"the top-level field holding a resource's version, for TYPE or every type: an integer, or a date in LAYOUT (RFC3339, 2006-01-02...); an older origin copy is never written (repeatable)")
	opts.RegisterCommon(fs)
	opts.Plan.Register(fs, shared.ModeWatch)
	opts.RegisterEndpoint(fs, f.EndpointOptions)
	fs.StringVar(&opts.Subscriptions, "subscriptions", "", "tell the subscribers of this file (YAML) about changes")
	fs.StringVar(&opts.Store, "store", "", "directory of the embedded NATS server's data and the sync's journal (default $XDG_STATE_HOME/resource-sync/watch)")
	fs.StringVar(&opts.NATS, "nats", "", "use the NATS server or cluster at URL (comma-separated) instead of the embedded one")
	fs.StringVar(&opts.NATSCreds, "nats-creds", "", "NATS credentials file for --nats")
	fs.IntVar(&opts.Replicas, "replicas", 1, "replicas of the stream and buckets when --nats is a cluster (3 for one node's loss)")
	fs.IntVar(&opts.Partitions, "partitions", 8, "deliveries in flight per subscriber (set when the stream is first created)")
	fs.StringVar(&opts.Listen, "listen", "127.0.0.1:8090", `address of the document API, with --subscriptions ("" for none)`)
	fs.StringVar(&opts.MetricsAddr, "metrics-addr", "", "serve Prometheus metrics at http://ADDR/metrics")
	fs.BoolVar(&opts.Status, "status", false, "print each subscriber's backlog and exit")
	fs.SortFlags = false
	return cmd
}

// validate checks the command line before anything starts.
func (opts *Options) validate(cmd *cobra.Command) error {
	switch {
	case opts.Status && opts.syncing():
		return cmdutil.FlagErrorf("--status takes no ORIGIN or DESTINATION")
	case !opts.syncing() && opts.Subscriptions == "" && !opts.Status:
		return cmdutil.FlagErrorf("watch needs ORIGIN... DESTINATION, --subscriptions FILE, or --status")
	case opts.Interval <= 0:
		return cmdutil.FlagErrorf("--interval must be more than 0")
	case opts.Debounce < 0:
		return cmdutil.FlagErrorf("--debounce cannot be negative")
	}
	for _, o := range opts.Origins {
		if o == "-" {
			return cmdutil.FlagErrorf("standard input cannot be watched: it is read once")
		}
	}
	if opts.syncing() {
		opts.SchemaGiven = shared.SchemaGiven(cmd.Flags())
		if err := opts.Flags.Validate(); err != nil {
			return err
		}
	}
	if opts.Store == "" {
		dir, err := defaultStore()
		if err != nil {
			return err
		}
		opts.Store = dir
	}
	if strings.Contains(opts.NATS, "@") {
		// Keep secrets out of argv, where any user can read them.
		return cmdutil.FlagErrorf("--nats must not carry credentials: give them in a --nats-creds file")
	}
	opts.Token = os.Getenv(EnvToken)
	if opts.Subscriptions != "" && opts.Listen != "" && opts.Token == "" && !loopback(opts.Listen) {
		return cmdutil.FlagErrorf("the document API on %s is reachable from other machines: set $%s", opts.Listen, EnvToken)
	}
	return nil
}

func watchRun(ctx context.Context, opts *Options) (err error) {
	level, err := opts.Log.Resolve()
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(opts.Factory.IO.ErrOut, &slog.HandlerOptions{Level: slogLevel(level.String())}))
	if opts.Status {
		return statusRun(ctx, opts, logger)
	}
	var cfg *notify.Config
	if opts.Subscriptions != "" {
		// Every mistake in the file is reported before anything starts.
		if cfg, err = notify.LoadConfig(opts.Subscriptions); err != nil {
			return err
		}
	}
	var sy *syncer
	if opts.syncing() {
		h, err := opts.Factory.Host(level)
		if err != nil {
			return err
		}
		defer h.Close()
		// No secret the sync met (an option, a resource field) appears in
		// its error.
		defer func() { err = h.RedactError(err) }()
		if sy, err = newSyncer(ctx, h, opts, cfg, logger); err != nil {
			return err
		}
		defer sy.Close()
	}
	if cfg == nil {
		fmt.Fprint(opts.Factory.IO.ErrOut, sy.describe())
		if opts.OnReady != nil {
			opts.OnReady(nil, nil)
		}
		return sy.Run(ctx, func(context.Context, notify.Change) error { return nil })
	}
	return notifyRun(ctx, opts, cfg, sy, logger)
}

// statusRun prints each subscriber's backlog.
func statusRun(ctx context.Context, opts *Options, logger *slog.Logger) error {
	if opts.NATS == "" {
		if _, err := os.Stat(filepath.Join(opts.Store, "jetstream")); err != nil {
			return fmt.Errorf("no watch state in %s: start resource-sync watch first (or give --store or --nats)", opts.Store)
		}
	}
	b, err := openBroker(ctx, opts, logger)
	if err != nil {
		return err
	}
	defer b.Close()
	st, err := b.Status(ctx)
	if err != nil {
		return err
	}
	return notify.WriteStatus(opts.Factory.IO.Out, st, time.Now())
}

func openBroker(ctx context.Context, opts *Options, logger *slog.Logger) (*notify.Broker, error) {
	return notify.OpenBroker(ctx, notify.BrokerOptions{
		URL: opts.NATS, CredsFile: opts.NATSCreds, StoreDir: opts.Store,
		Replicas: opts.Replicas, Partitions: opts.Partitions, Logger: logger,
	})
}

// notifyRun runs the notifier: NATS, the delivery workers, the document
// API, metrics and, when syncing, the sync as a change source.
func notifyRun(ctx context.Context, opts *Options, cfg *notify.Config, sy *syncer, logger *slog.Logger) error {
	b, err := openBroker(ctx, opts, logger)
	if err != nil {
		return err
	}
	defer b.Close()
	if err := b.EnsureSubscribers(ctx, cfg); err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), b.LagCollector())
	metrics := notify.NewMetrics(reg)
	notifier := notify.NewNotifier(b, cfg, metrics)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	var apiAddr, metricsAddr net.Addr
	serve := func(addr string, h http.Handler) (net.Addr, error) {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, err
		}
		hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
		wg.Go(func() {
			if err := hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				errs <- err
			}
		})
		wg.Go(func() {
			<-ctx.Done()
			shutdown, stop := context.WithTimeout(context.Background(), 5*time.Second)
			defer stop()
			hs.Shutdown(shutdown)
		})
		return ln.Addr(), nil
	}
	if opts.MetricsAddr != "" {
		mux := http.NewServeMux()
		mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
		if metricsAddr, err = serve(opts.MetricsAddr, mux); err != nil {
			return fmt.Errorf("--metrics-addr: %w", err)
		}
	}
	if opts.Listen != "" {
		api := notify.DocumentAPI(notifier, notify.DocumentAPIOptions{Token: opts.Token, Logger: logger})
		if apiAddr, err = serve(opts.Listen, api); err != nil {
			return fmt.Errorf("--listen: %w", err)
		}
	}
	wg.Go(func() {
		if err := notify.Deliver(ctx, b, cfg, notify.WorkerOptions{Metrics: metrics, Logger: logger}); err != nil {
			errs <- err
		}
	})
	fmt.Fprint(opts.Factory.IO.ErrOut, describe(cfg, b, opts, apiAddr, metricsAddr))
	if sy != nil {
		fmt.Fprint(opts.Factory.IO.ErrOut, sy.describe())
		// What the sync applies is published like an origin's PUT: a
		// document matching no resource, or without a readable change
		// field, is left out.
		skipped := func(c notify.Change, err error) { logger.Debug("not announced", "uri", c.URI, "reason", err) }
		wg.Go(func() {
			if err := notify.Feed(ctx, sy, notifier, skipped); err != nil {
				errs <- err
			}
		})
	}
	if opts.OnReady != nil {
		opts.OnReady(apiAddr, metricsAddr)
	}
	select {
	case <-ctx.Done():
		err = nil
	case err = <-errs:
	}
	cancel()
	wg.Wait()
	return err
}

// describe is the start-up line: what is watched and where things are.
func describe(cfg *notify.Config, b *notify.Broker, opts *Options, api, metrics net.Addr) string {
	subs := 0
	for _, r := range cfg.Resources {
		subs += len(r.Subscriptions)
	}
	nats := "NATS at " + b.URL()
	switch {
	case b.Embedded():
		nats = fmt.Sprintf("embedded NATS at %s (store %s)", b.URL(), opts.Store)
	case opts.NATS == "":
		nats = fmt.Sprintf("sharing the embedded NATS of another watch at %s (store %s)", b.URL(), opts.Store)
	}
	s := fmt.Sprintf("watching %d resources for %d subscriptions; %s\n", len(cfg.Resources), subs, nats)
	if api != nil {
		s += fmt.Sprintf("document API at http://%s%s{endpoint}\n", api, notify.DocumentsPath)
	}
	if metrics != nil {
		s += fmt.Sprintf("metrics at http://%s/metrics\n", metrics)
	}
	return s
}

// defaultStore is $XDG_STATE_HOME/resource-sync/watch, else
// ~/.local/state/resource-sync/watch.
func defaultStore() (string, error) {
	if dir := os.Getenv("XDG_STATE_HOME"); dir != "" {
		return filepath.Join(dir, "resource-sync", "watch"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no --store given and no home directory: %w", err)
	}
	return filepath.Join(home, ".local", "state", "resource-sync", "watch"), nil
}

func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func slogLevel(hclogLevel string) slog.Level {
	switch hclogLevel {
	case "trace", "debug":
		return slog.LevelDebug
	case "info":
		return slog.LevelInfo
	case "error":
		return slog.LevelError
	}
	return slog.LevelWarn
}
