// Package cmdutil holds what every command shares: the factory of lazy
// dependencies, error types the CLI maps to exit codes, and flag helpers.
package cmdutil

import (
	"errors"
	"fmt"

	"github.com/hashicorp/go-hclog"

	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/iostreams"
	"github.com/resource-sync/resource-sync/host"
)

// Factory gives commands their dependencies, created only when used.
type Factory struct {
	IO      *iostreams.IOStreams
	Version string
	// Host finds the plugins; logs go to IO.ErrOut at level.
	Host func(level hclog.Level) (*host.Host, error)
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

// ExitCodeError ends the command with Code and no further message (what
// needed saying was printed), e.g. 3 for "differences found".
type ExitCodeError struct{ Code int }

func (e *ExitCodeError) Error() string { return fmt.Sprintf("exit code %d", e.Code) }
