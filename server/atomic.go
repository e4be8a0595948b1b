package server

import (
	"os"

	"github.com/resource-sync/resource-sync/internal/atomicfile"
)

// writeAtomic replaces name under root with data: readers see the old file
// or the new one, never a part. The temporary file is hidden (its name
// starts with a dot), so a crash leaves nothing the loader would read, and
// its name does not grow with the resource's, so every id up to
// maxNameBytes can be written.
func writeAtomic(root *os.Root, name string, data []byte) error {
	return atomicfile.WriteFile(root, name, data, 0o644)
}
