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

// renameNoReplaceAt is renameat2(2), which only Linux has; elsewhere a
// fresh type directory's files are renamed into place one by one.
func renameNoReplaceAt(int, string, *os.Root, string) error {
	return errors.ErrUnsupported
}
