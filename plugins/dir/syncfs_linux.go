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
