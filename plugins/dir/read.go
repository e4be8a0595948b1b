package dir

import (
	"context"
	"errors"
	"io/fs"
	"iter"

	"github.com/resource-sync/resource-sync/plugins/internal/fileutil"
	"github.com/resource-sync/resource-sync/sdk"
)

// errStopped ends a walk whose consumer stopped iterating.
var errStopped = errors.New("read stopped")

// Read yields every resource file below the directory in sorted order:
// files whose extension some formatter claims, outside hidden directories
// (".git") and not hidden themselves. Other files (a README) are skipped.
func (e *Endpoint) Read(ctx context.Context) iter.Seq2[sdk.Document, error] {
	return func(yield func(sdk.Document, error) bool) {
		root := e.existingRoot()
		if root == nil {
			return // a destination not created yet holds nothing
		}
		fsys := root.FS()
		err := fs.WalkDir(fsys, ".", func(rel string, d fs.DirEntry, err error) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err != nil {
				return e.yieldProblem(yield, rel, err)
			}
			if rel == "." {
				return nil
			}
			if fileutil.IsHidden(d.Name()) {
				if d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				return nil
			}
			ext, ok := e.exts.Match(d.Name())
			if !ok {
				sdk.Logger().Info("skipping a file no formatter reads", "file", e.source(rel))
				return nil
			}
			content, err := readRegular(fsys, rel, d)
			if err != nil {
				return e.yieldProblem(yield, rel, err)
			}
			doc := sdk.Document{
				Content:     content,
				Extension:   ext,
				Source:      e.source(rel),
				TypeHint:    typeHint(rel),
				Location:    rel,
				SingleValue: true, // the layout holds one resource per file
			}
			if !yield(doc, nil) {
				return errStopped
			}
			return nil
		})
		if err != nil && !errors.Is(err, errStopped) {
			yield(sdk.Document{}, err)
		}
	}
}

// yieldProblem reports one unreadable file or directory and goes on.
func (e *Endpoint) yieldProblem(yield func(sdk.Document, error) bool, rel string, err error) error {
	if !yield(sdk.Document{}, &sdk.Error{Source: e.source(rel), Msg: fileutil.Reason(err)}) {
		return errStopped
	}
	return nil
}

// readRegular reads a regular file, or a symlink to one inside the tree; a
// named pipe or device would block or never end.
func readRegular(fsys fs.FS, rel string, d fs.DirEntry) ([]byte, error) {
	if !d.Type().IsRegular() {
		info, err := fs.Stat(fsys, rel)
		if err != nil {
			return nil, err
		}
		if !info.Mode().IsRegular() {
			return nil, errors.New("not a regular file")
		}
	}
	return fs.ReadFile(fsys, rel)
}
