package dir

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/resource-sync/resource-sync/plugins/internal/fileutil"
	"github.com/resource-sync/resource-sync/sdk"
)

// Delete removes each resource's files, and its type directory if that
// leaves it empty. A resource read from this directory names its file in
// Location, and only that file goes; otherwise every <type>/<id><ext> for
// a claimed extension does. A resource with no file is already deleted
// and is not an error.
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
		if res.Location != "" {
			if err := e.deleteLocation(root, res); err != nil {
				errs = append(errs, err)
			} else {
				emptied[path.Dir(res.Location)] = true
			}
			continue
		}
		if err := checkName("type", res.Type); err != nil {
			errs = append(errs, &sdk.Error{Source: res.Source, Line: res.Line, Msg: err.Error()})
			continue
		}
		if err := checkName("id", res.ID); err != nil {
			errs = append(errs, &sdk.Error{Source: res.Source, Line: res.Line, Msg: err.Error()})
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

// deleteLocation removes the file res was read from. Only a file this
// endpoint could have written for res may go: <type>/<id><ext> with a
// claimed extension, so a Location can never name anything else.
func (e *Endpoint) deleteLocation(root *os.Root, res sdk.Resource) error {
	rel := res.Location
	typ, name, _ := strings.Cut(rel, "/")
	if checkName("type", typ) != nil || checkName("id", res.ID) != nil || typ != res.Type || !e.isFileOf(name, res.ID) {
		return &sdk.Error{Source: e.source(rel), Msg: fmt.Sprintf("cannot delete %s/%s: this endpoint does not write it at %q", res.Type, res.ID, rel)}
	}
	err := root.Remove(filepath.FromSlash(rel))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return &sdk.Error{Source: e.source(rel), Msg: "cannot remove: " + fileutil.Reason(err)}
	}
	return nil
}

// isFileOf reports whether name is id followed by a claimed extension, in
// any case: "o1.json" and "o1.YAML" are o1's, "o1.b.json" is not.
func (e *Endpoint) isFileOf(name, id string) bool { return isFileOf(e.exts, name, id) }

func isFileOf(exts fileutil.Extensions, name, id string) bool {
	ext, ok := exts.Match(name)
	return ok && len(name) == len(id)+len(ext) && strings.HasPrefix(name, id)
}
