//go:build !linux

package dir

import (
	"errors"
	"os"
)

// syncFileSystem is syncfs(2), which only Linux has; elsewhere the commit
// falls back to an fsync of each staged file.
func syncFileSystem(*os.File) error {
	return errors.ErrUnsupported
}
