// Package cmdutil holds what every command shares: the factory of lazy
// dependencies, error types the CLI maps to exit codes, and flag helpers.
package cmdutil

import (
	"errors"
	"fmt"

	"github.com/hashicorp/go-hclog"

	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/config"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/iostreams"
	"github.com/resource-sync/resource-sync/host"
)

// Factory gives commands their dependencies, created only when used.
type Factory struct {
	IO      *iostreams.IOStreams
	Version string
	// Host finds the plugins; logs go to IO.ErrOut at level.
	Host func(level hclog.Level) (*host.Host, error)
	// EndpointOptions are the built-in endpoints' declared options, which
	// the root command offers as flags.
	EndpointOptions []host.OptionDecl
	// ConfigPath is --config; empty means looking for the config file
	// (see config.Find).
	ConfigPath string
}

// Config reads the config file, or returns an empty one when there is
// none.
func (f *Factory) Config() (*config.File, error) {
	return config.Load(f.ConfigPath)
}

// FlagError is a usage mistake: the CLI prints it with the usage line and
// exits 2.
type FlagError struct{ Err error }

func (e *FlagError) Error() string { return e.Err.Error() }
func (e *FlagError) Unwrap() error { return e.Err }

// FlagErrorf makes a FlagError.
func FlagErrorf(format string, args ...any) error {
	return &FlagError{Err: fmt.Errorf(format, args...)}
}

// ErrSilent exits 1 without a message (it was already printed).
var ErrSilent = errors.New("silent")

// ErrDifferences exits 3 without a message: a diff (or a dry run) found
// changes to make, the way `diff` and `terraform plan -detailed-exitcode`
// report them to scripts.
var ErrDifferences = errors.New("differences found")
