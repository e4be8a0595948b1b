package dir

import (
	"os"

	"golang.org/x/sys/unix"
)

// syncFileSystem flushes every dirty file of the file system holding dir
// to disk in one call (syncfs(2)): the batch's files are written without
// an fsync each, and this makes them durable before they are renamed into
// place. It may flush other processes' data too; that only costs time.
func syncFileSystem(dir *os.File) error {
	return retryEINTR(func() error { return unix.Syncfs(int(dir.Fd())) })
}

// renameNoReplaceAt renames oldName in oldDir to newName at the top of
// root, failing rather than replacing what is there (renameat2(2) with
// RENAME_NOREPLACE): a directory renamed over an empty one would replace
// it.
func renameNoReplaceAt(oldDir int, oldName string, root *os.Root, newName string) error {
	top, err := root.Open(".")
	if err != nil {
		return err
	}
	defer top.Close()
	return retryEINTR(func() error {
		return unix.Renameat2(oldDir, oldName, int(top.Fd()), newName, unix.RENAME_NOREPLACE)
	})
}
