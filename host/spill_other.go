//go:build !linux

package host

import "os"

// spillFile opens the spill file: named, and removed at once.
func spillFile() (f *os.File, named bool, err error) { return namedSpillFile() }
