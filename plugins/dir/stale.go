package dir

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"

	"github.com/resource-sync/resource-sync/plugins/internal/fileutil"
	"github.com/resource-sync/resource-sync/sdk"
)

// removeStale makes the directory hold exactly what this write produced:
// it removes every other resource file, then the directories that left
// empty. Files no formatter claims (a README) and hidden ones (.git) are
// not resources and stay. Nothing goes if any item failed: the old file
// may be the only copy of a resource that could not be written.
func (w *writer) removeStale(exts fileutil.Extensions) (sdk.WriteSummary, error) {
	if n := w.failures(); n > 0 {
		return sdk.WriteSummary{}, &sdk.Error{
			Source: w.location,
			Msg:    fmt.Sprintf("stale files were kept because %d %s failed", n, plural(n, "write", "writes")),
		}
	}
	stale, err := w.staleFiles(exts)
	if err != nil {
		return sdk.WriteSummary{}, err
	}
	var summary sdk.WriteSummary
	var errs []error
	emptied := map[string]bool{}
	for _, rel := range stale {
		source := filepath.Join(w.location, filepath.FromSlash(rel))
		if err := w.root.Remove(filepath.FromSlash(rel)); err != nil {
			errs = append(errs, &sdk.Error{Source: source, Msg: "cannot remove stale file: " + fileutil.Reason(err)})
			continue
		}
		sdk.Logger().Debug("removed a stale resource file", "file", source)
		summary.Removed++
		emptied[path.Dir(rel)] = true
	}
	errs = append(errs, removeEmptyDirs(w.root, w.location, emptied)...)
	return summary, errors.Join(errs...)
}

// staleFiles lists the resource files this write did not keep, with the
// same notion of a resource file as Read.
func (w *writer) staleFiles(exts fileutil.Extensions) ([]string, error) {
	var stale []string
	err := fs.WalkDir(w.root.FS(), ".", func(rel string, d fs.DirEntry, err error) error {
		if err != nil {
			return &sdk.Error{Source: filepath.Join(w.location, filepath.FromSlash(rel)), Msg: fileutil.Reason(err)}
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
		if _, ok := exts.Match(d.Name()); ok && !d.IsDir() && !w.kept.covers(w.root, rel) {
			stale = append(stale, rel)
		}
		return nil
	})
	return stale, err
}

// removeEmptyDirs removes the given directories, deepest first, when they
// are empty, and then their parents when that emptied them; never the
// root itself.
func removeEmptyDirs(root *os.Root, location string, dirs map[string]bool) []error {
	var errs []error
	for len(dirs) > 0 {
		dir := deepest(dirs)
		delete(dirs, dir)
		if dir == "." {
			continue
		}
		if !isEmptyDir(root, dir) {
			continue
		}
		if err := root.Remove(filepath.FromSlash(dir)); err != nil {
			errs = append(errs, &sdk.Error{Source: filepath.Join(location, filepath.FromSlash(dir)), Msg: "cannot remove empty directory: " + fileutil.Reason(err)})
			continue
		}
		dirs[path.Dir(dir)] = true
	}
	return errs
}

// deepest picks the directory with the most path elements, by name on ties
// so that removal order does not depend on map order.
func deepest(dirs map[string]bool) string {
	best, bestDepth := "", -1
	for dir := range dirs {
		depth := strings.Count(dir, "/")
		if depth > bestDepth || depth == bestDepth && dir < best {
			best, bestDepth = dir, depth
		}
	}
	return best
}

// keptSet remembers the files a write produced or left as they were.
type keptSet struct {
	mu sync.Mutex
	// byFold groups kept paths by lower-cased path. On a case-insensitive
	// file system (macOS, Windows) an existing "order/O1.json" holding the
	// right bytes is kept under the name "order/o1.json", and must not then
	// be removed as stale.
	exact  map[string]bool
	byFold map[string][]string
}

func newKeptSet() *keptSet {
	return &keptSet{exact: map[string]bool{}, byFold: map[string][]string{}}
}

func (k *keptSet) add(rel string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.exact[rel] = true
	fold := strings.ToLower(rel)
	k.byFold[fold] = append(k.byFold[fold], rel)
}

// covers reports whether rel is a kept file, under its own name or under
// another that the file system takes for the same file.
func (k *keptSet) covers(root *os.Root, rel string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.exact[rel] {
		return true
	}
	candidates := k.byFold[strings.ToLower(rel)]
	if len(candidates) == 0 {
		return false
	}
	info, err := root.Lstat(filepath.FromSlash(rel))
	if err != nil {
		return true // cannot tell: keeping a file is the safe mistake
	}
	for _, kept := range candidates {
		if keptInfo, err := root.Lstat(filepath.FromSlash(kept)); err == nil && os.SameFile(info, keptInfo) {
			return true
		}
	}
	return false
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// isEmptyDir reads at most one entry of dir: a directory of thousands of
// files is not listed just to learn that it is not empty.
func isEmptyDir(root *os.Root, dir string) bool {
	f, err := root.Open(filepath.FromSlash(dir))
	if err != nil {
		return false
	}
	defer f.Close()
	_, err = f.ReadDir(1)
	return errors.Is(err, io.EOF)
}
