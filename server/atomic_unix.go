//go:build !windows

package server

import (
	"os"

	"github.com/google/renameio/v2"
)

// writeAtomic replaces name under root with data: readers see the old file
// or the new one, never a part. The temporary file is hidden (its name
// starts with a dot), so a crash leaves nothing the loader would read.
func writeAtomic(root *os.Root, name string, data []byte) error {
	return renameio.WriteFile(name, data, 0o644, renameio.WithRoot(root))
}
