// Package watch is `resource-sync watch`: webhook subscriptions on
// changed documents, delivered through NATS JetStream.
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

	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmdutil"
	"github.com/resource-sync/resource-sync/internal/notify"
)

// EnvToken, when set, is the bearer token the document API requires.
const EnvToken = "RESOURCE_SYNC_WATCH_TOKEN"

// Options are the parsed flags of watch.
type Options struct {
	Factory       *cmdutil.Factory
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
	Log           cmdutil.LogFlags
	// OnReady, for tests, learns the addresses the document API and metrics
	// listen on (nil when off) once everything runs.
	OnReady func(api, metrics net.Addr)
}

// NewCmdWatch builds `watch`.
func NewCmdWatch(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	cmd := &cobra.Command{
		Use:   "watch --subscriptions FILE",
		Short: "Notify subscribers of changed documents, through NATS JetStream",
		Long: `Tell webhook subscribers about changed documents, as the subscriptions
file says (see docs/notify.md): each change reaches each matching subscriber
at least once, in version order per document, with retries; a subscriber
never gets the same or an older version of a document twice.

Origins announce changes through the document API on --listen:

  PUT    /documents/{endpoint}   the document's new state (JSON)
  DELETE /documents/{endpoint}   it is gone

where {endpoint} is the document's URL. With $` + EnvToken + ` set, callers
must send it as a bearer token (required unless --listen is loopback).

Changes travel through NATS JetStream: by default an embedded server on
--store, listening on a random loopback port. Another watch on the same
--store joins it and shares the deliveries; --nats URL uses a NATS cluster
instead, where any number of watch processes share the work.

--status prints each subscriber's backlog and exits.

Watching origins (watch ORIGIN... DEST) needs the reconcile engine and is not
available yet.`,
		Example: `  RESOURCE_SYNC_WATCH_TOKEN=... resource-sync watch --subscriptions subs.yaml --metrics-addr 127.0.0.1:9090
  curl -X PUT -H "Authorization: Bearer $RESOURCE_SYNC_WATCH_TOKEN" \
    --data '{"id":1,"updatedAt":"2024-05-01T10:00:00Z"}' \
    http://127.0.0.1:8090/documents/http://api.company.com/users/1
  resource-sync watch --status`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return cmdutil.FlagErrorf("watch ORIGIN... DEST needs the reconcile engine and is not available yet; watch takes no arguments")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Subscriptions == "" && !opts.Status {
				return cmdutil.FlagErrorf("watch needs --subscriptions FILE (or --status)")
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
			if opts.Listen != "" && opts.Token == "" && !loopback(opts.Listen) {
				return cmdutil.FlagErrorf("the document API on %s is reachable from other machines: set $%s", opts.Listen, EnvToken)
			}
			if runF != nil {
				return runF(opts)
			}
			return watchRun(cmd.Context(), opts)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&opts.Subscriptions, "subscriptions", "", "the subscriptions file (YAML)")
	fs.StringVar(&opts.Store, "store", "", "directory of the embedded NATS server's data (default $XDG_STATE_HOME/resource-sync/watch)")
	fs.StringVar(&opts.NATS, "nats", "", "use the NATS server or cluster at URL (comma-separated) instead of the embedded one")
	fs.StringVar(&opts.NATSCreds, "nats-creds", "", "NATS credentials file for --nats")
	fs.IntVar(&opts.Replicas, "replicas", 1, "replicas of the stream and buckets when --nats is a cluster (3 for one node's loss)")
	fs.IntVar(&opts.Partitions, "partitions", 8, "deliveries in flight per subscriber (set when the stream is first created)")
	fs.StringVar(&opts.Listen, "listen", "127.0.0.1:8090", `address of the document API ("" for none)`)
	fs.StringVar(&opts.MetricsAddr, "metrics-addr", "", "serve Prometheus metrics at http://ADDR/metrics")
	fs.BoolVar(&opts.Status, "status", false, "print each subscriber's backlog and exit")
	opts.Log.Register(fs)
	return cmd
}

func watchRun(ctx context.Context, opts *Options) error {
	level, err := opts.Log.Resolve()
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(opts.Factory.IO.ErrOut, &slog.HandlerOptions{Level: slogLevel(level.String())}))
	var cfg *notify.Config
	if !opts.Status {
		// Every mistake in the file is reported before anything starts.
		if cfg, err = notify.LoadConfig(opts.Subscriptions); err != nil {
			return err
		}
	} else if opts.NATS == "" {
		if _, err := os.Stat(filepath.Join(opts.Store, "jetstream")); err != nil {
			return fmt.Errorf("no watch state in %s: start resource-sync watch first (or give --store or --nats)", opts.Store)
		}
	}
	b, err := notify.OpenBroker(ctx, notify.BrokerOptions{
		URL: opts.NATS, CredsFile: opts.NATSCreds, StoreDir: opts.Store,
		Replicas: opts.Replicas, Partitions: opts.Partitions, Logger: logger,
	})
	if err != nil {
		return err
	}
	defer b.Close()
	if opts.Status {
		st, err := b.Status(ctx)
		if err != nil {
			return err
		}
		return notify.WriteStatus(opts.Factory.IO.Out, st, time.Now())
	}
	if err := b.EnsureSubscribers(ctx, cfg); err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), b.LagCollector())
	metrics := notify.NewMetrics(reg)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 3)
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
		api := notify.DocumentAPI(notify.NewNotifier(b, cfg, metrics), notify.DocumentAPIOptions{Token: opts.Token, Logger: logger})
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
