package host

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/hashicorp/go-hclog"
)

// EnvMTLS turns go-plugin's automatic mutual TLS between the host and its
// plugins off when set to "off" (it is on by default).
const EnvMTLS = "RESOURCE_SYNC_PLUGIN_MTLS"

// Options configures a Host.
type Options struct {
	// Builtins are plugins the CLI embeds; a discovered binary with the
	// same name overrides one.
	Builtins []Source
	// SearchPath defaults to SearchPath().
	SearchPath []string
	// Log receives host and plugin logs at Level; nil discards them.
	Log   io.Writer
	Level hclog.Level
	// Stdin and Stdout back the "-" endpoint.
	Stdin  io.Reader
	Stdout io.Writer
	// MemoryLimitOnceRead is the Go runtime's soft memory limit, in
	// bytes (debug.SetMemoryLimit), from the moment a sync's origins are
	// read to its end (from the start of the read for a sync that stages
	// while reading), raised to twice the live heap then, and to 1.5
	// times it should the heap come near it later. Most of the
	// heap is the inventory, alive until the last write: the collector
	// works harder only when the process nears the limit. 0 leaves the
	// limit alone.
	MemoryLimitOnceRead int64
}

// Host finds, starts and talks to plugins.
type Host struct {
	logger    hclog.Logger
	redact    *redactor // masks secrets met so far in logs and errors
	autoMTLS  bool
	cert      clientCert
	pins      map[string][]byte
	pinsPath  string
	socketDir string
	stdin     io.Reader
	stdout    io.Writer
	// memoryOnceRead is Options.MemoryLimitOnceRead (gc.go).
	memoryOnceRead int64

	sources    []Source // sorted by name; a discovered binary hides a built-in
	searchPath []string

	mu        sync.Mutex
	starting  map[string]*startCall // by plugin name
	processes map[string]*startCall // shared, by Source.Process
}

type startCall struct {
	done chan struct{}
	p    *Plugin
	err  error
}

// New finds the plugins. It starts none.
func New(opts Options) (*Host, error) {
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	if opts.SearchPath == nil {
		opts.SearchPath = SearchPath()
	}
	red := newRedactor()
	h := &Host{
		redact:         red,
		logger:         newLogger(red.writer(opts.Log), opts.Level),
		autoMTLS:       !strings.EqualFold(os.Getenv(EnvMTLS), "off"),
		stdin:          opts.Stdin,
		stdout:         opts.Stdout,
		memoryOnceRead: opts.MemoryLimitOnceRead,
		starting:       map[string]*startCall{},
		processes:      map[string]*startCall{},
		searchPath:     opts.SearchPath,
	}
	if cfg, err := ConfigDir(); err == nil {
		h.pinsPath = filepath.Join(cfg, PinsFile)
		pins, err := LoadPins(h.pinsPath)
		if err != nil {
			return nil, err
		}
		h.pins = pins
	}
	dir, err := newSocketDir()
	if err != nil {
		return nil, err
	}
	h.socketDir = dir

	seen := map[string]bool{}
	for _, s := range Discover(opts.SearchPath) {
		seen[s.Name] = true
		h.sources = append(h.sources, s)
	}
	for _, b := range opts.Builtins {
		if !seen[b.Name] {
			b.Builtin = true
			h.sources = append(h.sources, b)
		}
	}
	sort.SliceStable(h.sources, func(i, j int) bool { return h.sources[i].Name < h.sources[j].Name })
	return h, nil
}

// Logger is the host's logger.
func (h *Host) Logger() hclog.Logger { return h.logger }

// Close stops every plugin and removes their sockets.
func (h *Host) Close() {
	h.mu.Lock()
	var calls []*startCall
	for _, c := range h.starting {
		calls = append(calls, c)
	}
	for _, c := range h.processes {
		calls = append(calls, c)
	}
	h.starting = map[string]*startCall{}
	h.processes = map[string]*startCall{}
	h.mu.Unlock()
	var wg sync.WaitGroup
	for _, c := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-c.done
			if c.p != nil {
				c.p.kill()
			}
		}()
	}
	wg.Wait()
	os.RemoveAll(h.socketDir)
}

// Sources lists the plugins found, built-ins included.
func (h *Host) Sources() []Source { return h.sources }

// SearchedPath says where plugins were looked for, for error messages.
func searched(dirs []string) string { return strings.Join(dirs, ", ") }

// Plugin starts the named plugin, once, and returns it.
func (h *Host) Plugin(ctx context.Context, name string) (*Plugin, error) {
	return h.startCall(ctx, name).wait(ctx)
}

// wait returns the plugin once started, unless ctx ends first.
func (c *startCall) wait(ctx context.Context) (*Plugin, error) {
	select {
	case <-c.done:
		return c.p, c.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// startCall starts the named plugin unless it was started already; Close
// waits for the start and stops the plugin.
func (h *Host) startCall(ctx context.Context, name string) *startCall {
	h.mu.Lock()
	defer h.mu.Unlock()
	src, found := h.source(name)
	return h.once(h.starting, name, func() (*Plugin, error) {
		switch {
		case !found:
			return nil, fmt.Errorf("no plugin named %q", name)
		case src.Process != "" && src.Manifest != nil:
			return h.startShared(ctx, src)
		default:
			return h.start(ctx, src)
		}
	})
}

// once returns calls[key], made and run with start unless it exists.
// h.mu must be held.
func (h *Host) once(calls map[string]*startCall, key string, start func() (*Plugin, error)) *startCall {
	c, ok := calls[key]
	if !ok {
		c = &startCall{done: make(chan struct{})}
		calls[key] = c
		go func() {
			defer close(c.done)
			c.p, c.err = start()
		}()
	}
	return c
}

// startShared returns src served by its shared process, which the first
// plugin of that process to be needed starts.
func (h *Host) startShared(ctx context.Context, src Source) (*Plugin, error) {
	h.mu.Lock()
	c := h.once(h.processes, src.Process, func() (*Plugin, error) {
		proc := src
		proc.Name = src.Process // with src's Manifest, only so that start asks nothing
		return h.start(ctx, proc)
	})
	h.mu.Unlock()
	shared, err := c.wait(ctx)
	if err != nil {
		return nil, err
	}
	p := *shared
	p.Source, p.Manifest, p.process = src, *src.Manifest, src.Process
	return &p, nil
}

// StartAll starts the named plugins in parallel.
func (h *Host) StartAll(ctx context.Context, names []string) error {
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, n := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = h.Plugin(ctx, n)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func (h *Host) source(name string) (Source, bool) {
	for _, s := range h.sources {
		if s.Name == name {
			return s, true
		}
	}
	return Source{}, false
}

// Described is a plugin found and what it offers, or why that is unknown.
type Described struct {
	Source   Source
	Manifest Manifest
	Err      error
}

// Describe describes every plugin found. Built-ins are known without
// starting; discovered binaries are asked once, in parallel, and their
// answer is cached until the binary changes.
func (h *Host) Describe(ctx context.Context) []Described {
	out := make([]Described, len(h.sources))
	var wg sync.WaitGroup
	for i, s := range h.sources {
		out[i].Source = s
		if s.Manifest != nil {
			out[i].Manifest = *s.Manifest
			continue
		}
		if m, ok := h.cachedManifest(s); ok {
			out[i].Manifest = m
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := h.Plugin(ctx, s.Name)
			if err != nil {
				out[i].Err = err
				return
			}
			out[i].Manifest = p.Manifest
			h.cacheManifest(s, p.Manifest)
		}()
	}
	wg.Wait()
	return out
}
