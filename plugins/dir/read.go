package dir

import (
	"context"
	"errors"
	"io/fs"
	"iter"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/resource-sync/resource-sync/plugins/internal/fileutil"
	"github.com/resource-sync/resource-sync/sdk"
)

// Read yields every resource file below the directory in sorted order:
// files whose extension some formatter claims, outside hidden directories
// (".git", StagingDir) and not hidden themselves. Other files (a README)
// are skipped.
//
// Each directory is opened once and listed once; its files are opened
// relative to it, so reading a file costs an openat, an fstat, the reads
// and a close.
func (e *Endpoint) Read(ctx context.Context) iter.Seq2[sdk.Document, error] {
	return func(yield func(sdk.Document, error) bool) {
		root := e.existingRoot()
		if root == nil {
			return // a destination not created yet holds nothing
		}
		top, err := root.Open(".")
		if err != nil {
			yield(sdk.Document{}, &sdk.Error{Source: e.location, Msg: fileutil.Reason(err)})
			return
		}
		defer top.Close()
		r := reader{e: e, root: root, ctx: ctx, yield: yield}
		if !r.walk(top, ".") {
			return
		}
		if err := ctx.Err(); err != nil {
			yield(sdk.Document{}, err)
		}
	}
}

// reader is one Read's walk.
type reader struct {
	e     *Endpoint
	root  *os.Root
	ctx   context.Context
	yield func(sdk.Document, error) bool
}

// walk yields the resource files below dir, which is rel inside the
// root. It returns false once the walk must stop (cancelled, or the
// consumer stopped).
func (r *reader) walk(dir *os.File, rel string) bool {
	entries, err := dir.ReadDir(-1)
	if err != nil {
		return r.problem(rel, err)
	}
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	for _, d := range entries {
		if r.ctx.Err() != nil {
			r.yield(sdk.Document{}, r.ctx.Err())
			return false
		}
		name := d.Name()
		if fileutil.IsHidden(name) {
			continue
		}
		childRel := path.Join(rel, name)
		if d.IsDir() {
			sub, err := openDirAt(int(dir.Fd()), name)
			if err != nil {
				if !r.problem(childRel, err) {
					return false
				}
				continue
			}
			ok := r.walk(sub, childRel)
			sub.Close()
			if !ok {
				return false
			}
			continue
		}
		ext, ok := r.e.exts.Match(name)
		if !ok {
			sdk.Logger().Info("skipping a file no formatter reads", "file", r.e.source(childRel))
			continue
		}
		content, err := r.read(dir, name, childRel, d)
		if err != nil {
			if !r.problem(childRel, err) {
				return false
			}
			continue
		}
		doc := sdk.Document{
			Content:   content,
			Extension: ext,
			Source:    r.e.source(childRel),
			TypeHint:  typeHint(childRel),
			Location:  childRel,
			// The layout holds one resource per file.
			SingleValue: true,
		}
		if !r.yield(doc, nil) {
			return false
		}
	}
	return true
}

// read reads a regular file, or a symlink to one inside the tree; a
// named pipe or device would block or never end.
func (r *reader) read(dir *os.File, name, rel string, d fs.DirEntry) ([]byte, error) {
	if d.Type().IsRegular() {
		content, _, err := readFileAt(int(dir.Fd()), name, -1)
		if err == nil || !errors.Is(err, errSymlink) {
			return content, err
		}
		// It became a symlink since the listing: resolve it as below.
	}
	fsys := r.root.FS()
	info, err := fs.Stat(fsys, rel)
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	return fs.ReadFile(fsys, rel)
}

// problem reports one unreadable file or directory and says whether to go
// on.
func (r *reader) problem(rel string, err error) bool {
	return r.yield(sdk.Document{}, &sdk.Error{Source: r.e.source(rel), Msg: fileutil.Reason(err)})
}
