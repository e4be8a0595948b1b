package store

import (
	"os"

	"golang.org/x/sys/unix"
)

// syncFS flushes the file system holding dir: one call instead of an
// fsync per new blob.
func syncFS(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return unix.Syncfs(int(d.Fd()))
}
