// Package atomicfile replaces one file atomically, for writers of a file
// at a time (the yamlfile endpoint, `resource-sync serve`); the directory
// endpoint batches its durability instead (plugins/dir).
package atomicfile

import (
	"crypto/rand"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
)

// TempPrefix starts the name of every temporary file: hidden, so that
// readers of resource trees skip it, and recognizable.
const TempPrefix = ".resource-sync-tmp-"

// WriteFile replaces name inside root with data: readers see the old file
// or the new one, never a part, even after a crash. The data goes to a
// temporary file beside name, whose name has a fixed length (TempPrefix
// and 16 hex digits) so that any name the file system accepts can be
// written; it is fsynced, then renamed over name. An existing regular
// file keeps its permissions; a new one gets perm, less the umask.
func WriteFile(root *os.Root, name string, data []byte, perm fs.FileMode) (err error) {
	mode, exact := perm, false
	if info, err := root.Lstat(name); err == nil && info.Mode().IsRegular() {
		mode, exact = info.Mode().Perm(), true
	}
	var random [8]byte
	rand.Read(random[:])
	tmp := filepath.Join(filepath.Dir(name), TempPrefix+hex.EncodeToString(random[:]))
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			root.Remove(tmp)
		}
	}()
	if exact {
		err = f.Chmod(mode)
	}
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return root.Rename(tmp, name)
}
