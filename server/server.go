package server

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/resource-sync/resource-sync/sdk"
)

const (
	// DefaultWriteExt is the format of new files when Options.WriteExt is empty.
	DefaultWriteExt = ".yaml"
	// DefaultMaxBodyBytes limits request bodies when Options.MaxBodyBytes is 0.
	DefaultMaxBodyBytes = 32 << 20
)

// Options configures a Server.
type Options struct {
	// Dir is the directory served, in the dir endpoint's layout.
	Dir string
	// Formats reads and writes files, by extension with the dot
	// (".json", ".yaml", ".yml"). Files with other extensions are skipped.
	// A YAML formatter also lets clients send YAML bodies.
	Formats map[string]sdk.Formatter
	// WriteExt is the extension of new files; Formats must have it.
	// Default DefaultWriteExt.
	WriteExt string
	// Token, when set, must come with every request as
	// "Authorization: Bearer TOKEN".
	Token string
	// MaxBodyBytes limits request bodies; larger ones get 413. Default
	// DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Logger gets one debug record per request; nil discards.
	Logger *slog.Logger
	// LogEntries bounds the transaction log (see txlog.go); default
	// DefaultLogEntries.
	LogEntries int
}

// Server serves one directory tree. It is safe for concurrent use.
type Server struct {
	opts     Options
	log      *slog.Logger
	root     *os.Root
	store    *store
	yaml     sdk.Formatter // decodes YAML request bodies; nil when none
	tokenSum [sha256.Size]byte
	handler  http.Handler
}

// New loads the tree at opts.Dir. A file that cannot be served fails it,
// with an error naming the file and line; every bad file is reported.
func New(opts Options) (*Server, error) {
	if opts.Dir == "" {
		return nil, errors.New("server: no directory to serve")
	}
	if opts.WriteExt == "" {
		opts.WriteExt = DefaultWriteExt
	}
	opts.WriteExt = strings.ToLower(opts.WriteExt)
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	formats := make(map[string]sdk.Formatter, len(opts.Formats))
	for ext, f := range opts.Formats {
		formats[strings.ToLower(ext)] = f
	}
	if formats[opts.WriteExt] == nil {
		return nil, fmt.Errorf("server: no formatter for %s, the extension of new files", opts.WriteExt)
	}
	s := &Server{opts: opts, log: opts.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.yaml = formats[".yaml"]
	if s.yaml == nil {
		s.yaml = formats[".yml"]
	}
	if opts.Token != "" {
		s.tokenSum = sha256.Sum256([]byte(opts.Token))
	}

	root, err := os.OpenRoot(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	s.root = root
	s.store = newStore(root, formats, opts.WriteExt, newTxlog(opts.LogEntries))
	if err := s.store.load(opts.Dir); err != nil {
		root.Close()
		return nil, err
	}
	s.handler = s.logRequests(s.requireToken(http.HandlerFunc(s.route)))
	return s, nil
}

// Handler serves the API.
func (s *Server) Handler() http.Handler { return s.handler }

// Len is the number of resources served.
func (s *Server) Len() int { return s.store.len() }

// Close releases the directory. Requests still being served fail.
func (s *Server) Close() error { return s.root.Close() }

// shutdownTimeout bounds how long Serve waits for requests in flight.
const shutdownTimeout = 5 * time.Second

// Serve serves the API on l until ctx is done, then shuts down gracefully
// and returns nil. It does not close the Server.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	<-served // http.ErrServerClosed
	return err
}
