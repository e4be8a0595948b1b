package host

import (
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// spillFile opens a file without a name in the temporary directory
// (O_TMPFILE): a host killed at any moment leaves nothing behind. A file
// system without O_TMPFILE gets a named file, removed at once.
func spillFile() (f *os.File, named bool, err error) {
	dir := os.TempDir()
	fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_RDWR|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return namedSpillFile()
	}
	return os.NewFile(uintptr(fd), filepath.Join(dir, "(resource-sync spill file)")), false, nil
}
