package server

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"strings"

	"github.com/resource-sync/resource-sync/internal/layout"
	"github.com/resource-sync/resource-sync/sdk"
)

// load reads every resource file below the root into the index. dir is
// only used to name files in errors. It reports every bad file, not just
// the first, each as an *sdk.Error with the file and, when known, the line.
func (st *store) load(dir string) error {
	var errs []error
	fsys := st.root.FS()
	walkErr := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			errs = append(errs, &sdk.Error{Source: filepath.Join(dir, name), Msg: err.Error()})
			return nil
		}
		if name == "." {
			return nil
		}
		if layout.IsHidden(d.Name()) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		f, ext := st.formatOf(d.Name())
		if f == nil {
			return nil // a README, a .gitignore: not resources
		}
		if !d.Type().IsRegular() {
			// A symlink to a file inside the tree is read; the root
			// refuses links leading out of it. Pipes and devices are not.
			if info, err := fs.Stat(fsys, name); err != nil || !info.Mode().IsRegular() {
				errs = append(errs, &sdk.Error{Source: filepath.Join(dir, name), Msg: "not a regular file inside the directory"})
				return nil
			}
		}
		if err := st.loadFile(fsys, dir, name, ext, f); err != nil {
			errs = append(errs, err)
		}
		return nil
	})
	if walkErr != nil {
		errs = append(errs, walkErr)
	}
	return errors.Join(errs...)
}

// loadFile indexes the one resource in file.
func (st *store) loadFile(fsys fs.FS, dir, file, ext string, f sdk.Formatter) error {
	source := filepath.Join(dir, filepath.FromSlash(file))
	fail := func(line int, format string, args ...any) error {
		return &sdk.Error{Source: source, Line: line, Msg: fmt.Sprintf(format, args...)}
	}
	data, err := fs.ReadFile(fsys, file)
	if err != nil {
		return fail(0, "%v", err)
	}
	typeDir := layout.TypeHint(file)
	values, err := f.Decode(sdk.Document{
		Content:   data,
		Extension: ext,
		Source:    source,
		TypeHint:  typeDir,
		Location:  file,
	})
	if err != nil {
		var serr *sdk.Error
		if errors.As(err, &serr) {
			return &sdk.Error{Source: source, Line: serr.Line, Msg: serr.Msg}
		}
		return fail(0, "%v", err)
	}
	switch {
	case len(values) == 0:
		return fail(0, "%v", layout.ErrNoResource)
	case len(values) > 1:
		return fail(values[1].Line, "%v", layout.ErrSecondResource)
	}
	line := values[0].Line
	v, err := sdk.UnmarshalJSON(values[0].JSON)
	if err != nil {
		return fail(line, "%v", err)
	}
	doc, ok := v.(map[string]any)
	if !ok {
		return fail(line, "not an object; a resource file holds one object")
	}
	t, err := loadedTarget(doc, file, typeDir)
	if err != nil {
		return fail(line, "%v", err)
	}
	canon, err := sdk.MarshalCanonical(doc)
	if err != nil {
		return fail(line, "%v", err)
	}
	if other := st.byPath[t.path]; other != nil {
		return fail(line, "%s is also the path of %s", t.path, filepath.Join(dir, filepath.FromSlash(other.file)))
	}
	res, err := newResource(t, file, canon)
	if err != nil {
		return fail(line, "%v", err)
	}
	st.insert(res)
	return nil
}

// loadedTarget is where a loaded resource is served: at the path of its
// self href, else at /api/<type directory>/<id field, else file name>.
func loadedTarget(doc map[string]any, file, typeDir string) (target, error) {
	href, ok, err := selfHref(doc)
	if err != nil {
		return target{}, err
	}
	if ok {
		segs, err := hrefPath(href)
		if err != nil {
			return target{}, fmt.Errorf("_links.self: %v", err)
		}
		t, err := resourceTarget(segs)
		if err != nil {
			return target{}, fmt.Errorf("_links.self: %v", err)
		}
		if id, ok, err := idOf(doc); err != nil {
			return target{}, err
		} else if ok && id != t.id {
			return target{}, fmt.Errorf("id %q does not match the id %q in _links.self.href", id, t.id)
		}
		return t, nil
	}
	if typeDir == "" {
		return target{}, fmt.Errorf("no _links.self.href, and the file is not directly in a type directory")
	}
	id, ok, err := idOf(doc)
	if err != nil {
		return target{}, err
	}
	if !ok {
		id = strings.TrimSuffix(path.Base(file), path.Ext(file))
	}
	return resourceTarget([]string{"api", typeDir, id})
}
