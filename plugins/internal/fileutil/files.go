package fileutil

import (
	"bytes"
	"errors"
	"io/fs"
	"os"

	"github.com/resource-sync/resource-sync/internal/atomicfile"
)

// FilePerm and DirPerm are what new files and directories get, before the
// umask: resource files are documents the user reads and edits.
const (
	FilePerm fs.FileMode = 0o644
	DirPerm  fs.FileMode = 0o755
)

// Holds reports whether name inside root is a regular file holding exactly
// content, so that an identical rewrite can be skipped and the file's
// modification time survives. Any doubt (missing, unreadable) is a no.
func Holds(root *os.Root, name string, content []byte) bool {
	info, err := root.Stat(name)
	if err != nil || !info.Mode().IsRegular() || info.Size() != int64(len(content)) {
		return false
	}
	existing, err := root.ReadFile(name)
	return err == nil && bytes.Equal(existing, content)
}

// WriteFile replaces name inside root with content atomically: readers see
// the old file or the new one, never a torn one, even after a crash. An
// existing file keeps its permissions.
func WriteFile(root *os.Root, name string, content []byte) error {
	return atomicfile.WriteFile(root, name, content, FilePerm)
}

// Reason is err without the path an *fs.PathError repeats, for messages
// that name the file themselves.
func Reason(err error) string {
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		return pathErr.Err.Error()
	}
	var linkErr *os.LinkError
	if errors.As(err, &linkErr) {
		return linkErr.Err.Error()
	}
	return err.Error()
}
