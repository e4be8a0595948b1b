package dir

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"strings"

	"github.com/resource-sync/resource-sync/plugins/internal/fileutil"
	"github.com/resource-sync/resource-sync/sdk"
)

// Delete removes each resource's files, <type>/<id><ext> for every claimed
// extension, and its type directory if that leaves it empty. A resource
// with no file is already deleted and is not an error. A resource read
// from a file not named after it (order/x.yaml holding order/o9) is not
// one resource-sync would have written, and is left alone with an error.
func (e *Endpoint) Delete(ctx context.Context, resources []sdk.Resource) error {
	root := e.existingRoot()
	if root == nil {
		return nil
	}
	var errs []error
	emptied := map[string]bool{}
	for _, res := range resources {
		if err := ctx.Err(); err != nil {
			return errors.Join(append(errs, err)...)
		}
		if err := checkName("type", res.Type); err != nil {
			errs = append(errs, &sdk.Error{Source: res.Source, Line: res.Line, Msg: err.Error()})
			continue
		}
		if err := checkName("id", res.ID); err != nil {
			errs = append(errs, &sdk.Error{Source: res.Source, Line: res.Line, Msg: err.Error()})
			continue
		}
		if res.Location != "" {
			// The host read it there: remove exactly that file.
			if !isResourceFile(e.exts, res, res.Location) {
				errs = append(errs, &sdk.Error{Source: e.source(res.Location),
					Msg: fmt.Sprintf("holds %s/%s but is not named after it, so it was left in place", res.Type, res.ID)})
				continue
			}
			err := root.Remove(filepath.FromSlash(res.Location))
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, &sdk.Error{Source: e.source(res.Location), Msg: "cannot remove: " + fileutil.Reason(err)})
				continue
			}
			emptied[res.Type] = true
			continue
		}
		entries, err := fs.ReadDir(root.FS(), res.Type)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			errs = append(errs, &sdk.Error{Source: e.source(res.Type), Msg: fileutil.Reason(err)})
			continue
		}
		for _, entry := range entries {
			if entry.IsDir() || !e.isFileOf(entry.Name(), res.ID) {
				continue
			}
			rel := path.Join(res.Type, entry.Name())
			if err := root.Remove(filepath.FromSlash(rel)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, &sdk.Error{Source: e.source(rel), Msg: "cannot remove: " + fileutil.Reason(err)})
				continue
			}
			emptied[res.Type] = true
		}
	}
	errs = append(errs, removeEmptyDirs(root, e.location, emptied)...)
	return errors.Join(errs...)
}

// isResourceFile reports whether rel is where resource-sync keeps res:
// TYPE/ID followed by a claimed extension.
func isResourceFile(exts fileutil.Extensions, res sdk.Resource, rel string) bool {
	typ, name, ok := strings.Cut(rel, "/")
	if !ok || typ != res.Type {
		return false
	}
	ext, ok := exts.Match(name)
	return ok && len(name) == len(res.ID)+len(ext) && strings.HasPrefix(name, res.ID)
}

// isFileOf reports whether name is id followed by a claimed extension, in
// any case: "o1.json" and "o1.YAML" are o1's, "o1.b.json" is not.
func (e *Endpoint) isFileOf(name, id string) bool {
	ext, ok := e.exts.Match(name)
	return ok && len(name) == len(id)+len(ext) && strings.HasPrefix(name, id)
}
