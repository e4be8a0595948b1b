// Package shared is what the commands that sync share: sync, diff,
// validate and watch take the same origins and destination, with the same
// flags, config environments and endpoint options, and report what they
// did the same way.
package shared

import (
	"context"
	"path/filepath"
	"strings"

	"github.com/hashicorp/go-hclog"
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

// Flags are the endpoints of a sync and the flags that say how to read
// and write them.
type Flags struct {
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
}

// Given are the endpoint options given on the command line, in order.
func (f *Flags) Given() []host.GivenOption { return f.options.given }

// RegisterCommon adds the flags of every command that reads origins.
func (f *Flags) RegisterCommon(fs *pflag.FlagSet) {
	cmdutil.Choice(fs, &f.Format, "json", "json", "j", "write the destination as JSON")
	cmdutil.Choice(fs, &f.Format, "yaml", "yaml", "y", "write the destination as YAML")
	fs.StringVar(&f.Format, "format", "", "write the destination in this format, from any installed formatter plugin")
	f.Schema = "hal"
	cmdutil.Choice(fs, &f.Schema, "hal", "hal", "", "HAL schema: id field, _links.self.href as uri (default)")
	cmdutil.Choice(fs, &f.Schema, "simple", "simple", "s", "simple schema: id, type and uri fields")
	fs.StringVar(&f.Schema, "schema", "hal", "use this schema, from any installed schema plugin")
	f.Follow = "page"
	cmdutil.Choice(fs, &f.Follow, "all", "follow-all", "a", "follow every link")
	cmdutil.Choice(fs, &f.Follow, "child", "follow-child", "c", "follow next, prev and child:* links")
	cmdutil.Choice(fs, &f.Follow, "page", "follow-page", "p", "follow next and prev links (default)")
	cmdutil.Choice(fs, &f.Follow, "none", "follow-none", "n", "follow no links")
	fs.BoolVarP(&f.Quiet, "quiet", "q", false, "no summary line on stderr")
	f.Log.Register(fs)
}

// RegisterEndpoint adds the endpoint options (from the built-ins'
// declarations), --fail-fast and --secret.
func (f *Flags) RegisterEndpoint(fs *pflag.FlagSet, decls []host.OptionDecl) {
	f.options.register(fs, decls)
	fs.BoolVar(&f.FailFast, "fail-fast", false, "stop at the first failed write or delete")
	fs.Var(&secretFlag{&f.Secrets}, "secret",
		"resource field holding a secret, never written to files in clear: TYPE:/JSON/POINTER[=ENV_{id}] (repeatable; see docs/options.md)")
}

// SchemaGiven says whether fs was given a schema flag.
func SchemaGiven(fs *pflag.FlagSet) bool {
	return fs.Changed("schema") || fs.Changed("hal") || fs.Changed("simple")
}

// Validate checks the endpoints and the plan flags before anything
// starts.
func (f *Flags) Validate() error {
	for _, origin := range f.Origins {
		// Options for one side (--to-base-url) may make one location two
		// endpoints; Locations compares them once options are assigned.
		if SameEndpoint(origin, f.Destination) && !f.options.scoped() {
			return cmdutil.FlagErrorf("origin and destination are the same: %s", origin)
		}
	}
	return f.Plan.Validate(f.Destination)
}

// SameEndpoint says whether two endpoints as typed name the same place.
func SameEndpoint(a, b string) bool {
	if a == "-" || b == "-" {
		return false
	}
	if strings.Contains(a, "://") || strings.Contains(b, "://") {
		return strings.TrimSuffix(a, "/") == strings.TrimSuffix(b, "/")
	}
	return filepath.Clean(a) == filepath.Clean(b)
}

// NewHost starts a host logging at the level the flags ask for.
func (f *Flags) NewHost(newHost func(hclog.Level) (*host.Host, error)) (*host.Host, error) {
	level, err := f.Log.Resolve()
	if err != nil {
		return nil, err
	}
	return newHost(level)
}

// SyncOptions resolves the endpoints with their options (Locations) and
// fills in what the flags say; the caller adds Events.
func (f *Flags) SyncOptions(ctx context.Context, h *host.Host, cfg *config.File, io *iostreams.IOStreams) (host.SyncOptions, error) {
	opts, err := f.Plan.SyncOptions()
	if err != nil {
		return opts, err
	}
	opts.Origins, opts.Destination, opts.Schema, err = f.Locations(ctx, h, cfg, io)
	if err != nil {
		return opts, err
	}
	opts.Format, opts.DefaultFormat = f.Format, "yaml"
	opts.Follow = f.Follow
	opts.FailFast = f.FailFast
	opts.Secrets = append(append([]host.SecretField(nil), cfg.Secrets...), f.Secrets...)
	return opts, nil
}
