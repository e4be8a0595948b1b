// Package serve is `resource-sync serve DIR`: a directory tree served as a
// microcosm-style HAL API.
package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmdutil"
	"github.com/resource-sync/resource-sync/plugins/json"
	"github.com/resource-sync/resource-sync/plugins/yaml"
	"github.com/resource-sync/resource-sync/sdk"
	"github.com/resource-sync/resource-sync/server"
	"github.com/resource-sync/resource-sync/server/snapshots"
)

// EnvToken, when set, is the bearer token clients must send.
const EnvToken = "RESOURCE_SYNC_SERVE_TOKEN"

// Connection limits: a client cannot hold a connection open by sending
// slowly or not at all.
const (
	// readHeaderTimeout bounds the request line and headers.
	readHeaderTimeout = 10 * time.Second
	// defaultReadTimeout bounds a whole request, body included (--read-timeout).
	defaultReadTimeout = time.Minute
	// writeGrace is how long, after reading the request, the answer may
	// take to be written to a slow reader.
	writeGrace = 5 * time.Minute
	// idleTimeout closes a kept-alive connection no request came on.
	idleTimeout = 2 * time.Minute
)

// Options are the parsed flags of serve.
type Options struct {
	Factory *cmdutil.Factory
	Dir     string
	// Snapshots is a snapshot store to serve beside (or instead of) Dir.
	Snapshots   string
	Addr        string
	Token       string
	MaxBody     int64
	ReadTimeout time.Duration
	// InsecureNoAuth allows serving without a token on an address other
	// hosts can reach.
	InsecureNoAuth bool
	JSON           bool
	Log            cmdutil.LogFlags
	Listener       net.Listener // tests pass one; nil listens on Addr
}

// NewCmdServe builds `serve`.
func NewCmdServe(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	cmd := &cobra.Command{
		Use:   "serve [DIR] [--snapshots STORE]",
		Short: "Serve a directory tree as a HAL API",
		Long: `Serve DIR, in the layout resource-sync writes (DIR/TYPE/ID.yaml), as a
microcosm-style HAL API:

  GET     /api/                  discovery: a search link per type
  GET     COLLECTION?offset&limit  a page of items with next/prev links
  GET PUT DELETE  RESOURCE       one resource
  PATCH   COLLECTION             {"items": [...]} written in one request
  OPTIONS anything               Allow lists the methods

A resource lives at the path of its _links.self.href (else /api/TYPE/ID); every
stored link is served rebased onto this server's address. Writes land in DIR
atomically. It listens on loopback unless --addr says otherwise; on any other
address it needs --token (anyone who can reach it could change and delete
files in DIR), or --insecure-no-auth to serve without one anyway.

A client has 10 seconds to send a request's headers and --read-timeout for
the whole request, body included; an idle kept-alive connection is closed
after 2 minutes.

With --snapshots STORE it also serves a snapshot store (made when missing),
so that snapshot:http://ADDR/ locations can keep snapshots on this machine:

  POST    /manifests             upload a manifest; answers the blobs missing
  GET     /manifests             every snapshot, with whether it is complete
  GET     /manifests/name/NAME   one manifest
  GET PUT /files/HASH            a blob, checked against its SHA-256 on PUT`,
		Example: `  resource-sync serve examples/data --addr 127.0.0.1:8080
  resource-sync http://127.0.0.1:8080/api/ ./pulled

  # Keep snapshots on another machine
  resource-sync serve --snapshots /var/backups/api --addr 0.0.0.0:8090 --token "$TOKEN"
  resource-sync https://api.example.com/api/ snapshot:http://backup-host:8090/`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 || len(args) == 0 && opts.Snapshots == "" {
				return cmdutil.FlagErrorf("serve takes one DIR, or --snapshots STORE, or both")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Dir = args[0]
			}
			if opts.Token == "" {
				opts.Token = os.Getenv(EnvToken)
			}
			if runF != nil {
				return runF(opts)
			}
			return serveRun(cmd.Context(), opts)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&opts.Snapshots, "snapshots", "", "also serve this snapshot store at /manifests and /files/")
	fs.StringVar(&opts.Addr, "addr", "127.0.0.1:8080", "address to listen on (port 0 picks a free one)")
	fs.StringVar(&opts.Token, "token", "", "require this bearer token (or $"+EnvToken+")")
	fs.Int64Var(&opts.MaxBody, "max-body", 32<<20, "largest request body in bytes")
	fs.DurationVar(&opts.ReadTimeout, "read-timeout", defaultReadTimeout, "longest a client may take to send one request, body included")
	fs.BoolVar(&opts.InsecureNoAuth, "insecure-no-auth", false, "serve without --token on an address other hosts can reach (anyone there can change DIR)")
	fs.BoolVar(&opts.JSON, "json", false, "write new resources as JSON files (default YAML)")
	opts.Log.Register(fs)
	return cmd
}

func serveRun(ctx context.Context, opts *Options) error {
	level, err := opts.Log.Resolve()
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(opts.Factory.IO.ErrOut, &slog.HandlerOptions{Level: slogLevel(level.String())}))
	ext := ".yaml"
	if opts.JSON {
		ext = ".json"
	}
	handler, err := handler(opts, ext, logger)
	if err != nil {
		return err
	}
	if opts.ReadTimeout <= 0 {
		return cmdutil.FlagErrorf("invalid value %s for --read-timeout: must be more than 0", opts.ReadTimeout)
	}
	ln := opts.Listener
	if ln == nil {
		if ln, err = net.Listen("tcp", opts.Addr); err != nil {
			return err
		}
	}
	if opts.Token == "" && !isLoopback(ln.Addr()) {
		if !opts.InsecureNoAuth {
			ln.Close()
			return fmt.Errorf("refusing to serve %s on %s without a token: anyone who can reach that address could change and delete its files; "+
				"set --token (or $%s), listen on 127.0.0.1, or pass --insecure-no-auth", served(opts), ln.Addr(), EnvToken)
		}
		fmt.Fprintf(opts.Factory.IO.ErrOut, "WARNING: serving %s on %s without a token (--insecure-no-auth): anyone who can reach it can change and delete its files\n", served(opts), ln.Addr())
	}
	hs := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: min(readHeaderTimeout, opts.ReadTimeout),
		ReadTimeout:       opts.ReadTimeout,
		WriteTimeout:      opts.ReadTimeout + writeGrace,
		IdleTimeout:       idleTimeout,
	}
	if opts.Dir != "" {
		fmt.Fprintf(opts.Factory.IO.ErrOut, "serving %s at http://%s/api/\n", opts.Dir, ln.Addr())
	}
	if opts.Snapshots != "" {
		fmt.Fprintf(opts.Factory.IO.ErrOut, "serving snapshots in %s at http://%s/ (snapshot:http://%s/)\n", opts.Snapshots, ln.Addr(), ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := hs.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}
}

// handler serves the HAL API of opts.Dir, the snapshot store, or both on
// one mux.
func handler(opts *Options, ext string, logger *slog.Logger) (http.Handler, error) {
	mux := http.NewServeMux()
	if opts.Dir != "" {
		srv, err := server.New(server.Options{
			Dir:          opts.Dir,
			Formats:      map[string]sdk.Formatter{".json": json.Formatter{}, ".yaml": yaml.Formatter{}, ".yml": yaml.Formatter{}},
			WriteExt:     ext,
			Token:        opts.Token,
			MaxBodyBytes: opts.MaxBody,
			Logger:       logger,
		})
		if err != nil {
			return nil, err
		}
		mux.Handle("/", srv.Handler())
	}
	if opts.Snapshots != "" {
		snap, err := snapshots.New(snapshots.Options{Dir: opts.Snapshots, Token: opts.Token, MaxBodyBytes: opts.MaxBody, Logger: logger})
		if err != nil {
			return nil, err
		}
		for _, p := range snapshots.Paths {
			mux.Handle(p, snap.Handler())
		}
	}
	return mux, nil
}

// isLoopback reports whether a is a loopback address, which only this
// host can reach. A wildcard address (0.0.0.0, ::) is every interface.
func isLoopback(a net.Addr) bool {
	tcp, ok := a.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

// served names what the server exposes, for messages.
func served(opts *Options) string {
	switch {
	case opts.Dir == "":
		return opts.Snapshots
	case opts.Snapshots == "":
		return opts.Dir
	}
	return opts.Dir + " and " + opts.Snapshots
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
