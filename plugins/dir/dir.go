// Package dir is the directory endpoint: one file per resource, laid out
// as <dir>/<type>/<id><ext>, so that resources can be reviewed, diffed and
// kept in version control.
//
// Directories are opened through an [os.Root] on the tree, and files
// relative to those directories with O_NOFOLLOW, so no id, type or symlink
// can make it read, write or remove anything outside the tree. Writes are
// staged and committed in batches with one syncfs each; docs/guarantees.md
// says what a crash can and cannot leave behind.
package dir

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/resource-sync/resource-sync/plugins/internal/fileutil"
	"github.com/resource-sync/resource-sync/sdk"
)

// Spec registers the endpoint: it takes every plain path no other endpoint
// claims, and asks the host to compare before writing because reading
// local files first is cheap and spares unchanged files a rewrite.
func Spec() sdk.EndpointSpec {
	return sdk.EndpointSpec{
		Name:               "dir",
		Summary:            "a directory holding one file per resource: DIR/TYPE/ID.EXT",
		Directories:        true,
		CompareBeforeWrite: true,
		Replaces:           true,
		ContentWrites:      true,
		HoldsCommits:       true,
		Open:               Open,
		Implements:         (*Endpoint)(nil),
	}
}

// Plugin is the plugin binary's offer: just this endpoint.
func Plugin() sdk.Plugin {
	return sdk.Plugin{
		Name:      "dir",
		Version:   "1.0.0",
		Endpoints: []sdk.EndpointSpec{Spec()},
	}
}

// Endpoint is an open directory.
type Endpoint struct {
	location string // as the user typed it; messages and Sources start with it
	replace  bool
	exts     fileutil.Extensions
	// written are the extensions of the format written, the first one
	// used for new files.
	written []string

	mu sync.Mutex
	// root is nil while a destination does not exist yet: it is created
	// by the first Write, so that a failed sync leaves no empty directory,
	// and removed again by a write that created it and was cancelled
	// (endWrite).
	root   *os.Root
	writes int // running
}

// Open opens an existing directory, or checks that a missing destination
// can be created: its parent must exist.
func Open(ctx context.Context, req sdk.OpenRequest) (sdk.Endpoint, error) {
	e := &Endpoint{
		location: req.Location,
		replace:  req.Replace,
		exts:     fileutil.ClaimedExtensions(req.Formats),
	}
	if len(req.Formats) > 0 {
		e.written = req.Formats[0].Extensions
	}
	info, err := os.Stat(req.Location)
	switch {
	case err == nil && !info.IsDir():
		return nil, e.errorf("not a directory")
	case err == nil:
		if e.root, err = os.OpenRoot(req.Location); err != nil {
			return nil, e.errorf("%s", fileutil.Reason(err))
		}
		return e, nil
	case !errors.Is(err, fs.ErrNotExist):
		return nil, e.errorf("%s", fileutil.Reason(err))
	case req.Role == sdk.RoleOrigin:
		return nil, e.errorf("no such directory")
	}
	parent := filepath.Dir(filepath.Clean(req.Location))
	if info, err := os.Stat(parent); err != nil || !info.IsDir() {
		return nil, e.errorf("cannot create the directory: its parent %s does not exist", parent)
	}
	return e, nil
}

// Close releases the directory.
func (e *Endpoint) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.root == nil {
		return nil
	}
	err := e.root.Close()
	e.root = nil
	return err
}

// existingRoot is the open directory, or nil when it does not exist yet.
func (e *Endpoint) existingRoot() *os.Root {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.root
}

// createdRoot is the open directory, created first if need be; created
// says this call made it.
func (e *Endpoint) createdRoot() (root *os.Root, created bool, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.root != nil {
		e.writes++
		return e.root, false, nil
	}
	err = os.Mkdir(e.location, fileutil.DirPerm)
	if err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, false, e.errorf("cannot create the directory: %s", fileutil.Reason(err))
	}
	created = err == nil
	if root, err = os.OpenRoot(e.location); err != nil {
		return nil, false, e.errorf("%s", fileutil.Reason(err))
	}
	e.root = root
	e.writes++
	return root, created, nil
}

// endWrite ends a write that createdRoot began. One that created the
// directory and was cancelled removes it again, empty once its stage is
// gone, unless another write is using it: a sync stopped before its
// commit leaves nothing behind, not even the directory (a host may start
// a write while it still reads, its commits held).
func (e *Endpoint) endWrite(created, cancelled bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.writes--
	if !created || !cancelled || e.writes > 0 || e.root == nil {
		return
	}
	if os.Remove(e.location) == nil {
		e.root.Close()
		e.root = nil
	}
}

// source names a slash-separated path inside the directory the way the
// user would write it.
func (e *Endpoint) source(rel string) string {
	return filepath.Join(e.location, filepath.FromSlash(rel))
}

func (e *Endpoint) errorf(format string, args ...any) *sdk.Error {
	return &sdk.Error{Source: e.location, Msg: fmt.Sprintf(format, args...)}
}

var (
	_ sdk.Endpoint = (*Endpoint)(nil)
	_ sdk.Reader   = (*Endpoint)(nil)
	_ sdk.Writer   = (*Endpoint)(nil)
	_ sdk.Deleter  = (*Endpoint)(nil)
)
