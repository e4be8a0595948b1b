package watch

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// fileWatcher turns file-system events under the origins that are
// directories or files into passes: a burst of events (a checkout, an
// editor saving through a temporary file) becomes one signal once the
// files are quiet for the debounce period, or at the latest after
// maxBurst.
type fileWatcher struct {
	w *fsnotify.Watcher
	// trees are directory origins, watched with every subdirectory;
	// files are file origins (a YAML file), watched through their
	// directory, which sees an editor's rename into place.
	trees []string
	files map[string]bool
	log   *slog.Logger
}

// maxBurst bounds how long a stream of events can put a pass off.
const maxBurst = 2 * time.Second

// watchFiles watches those of paths that are directories or files; it
// returns nil when none is.
func watchFiles(paths []string, log *slog.Logger) (*fileWatcher, error) {
	fw := &fileWatcher{files: map[string]bool{}, log: log}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			continue // not a path: an URL, a plugin's scheme
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			return nil, err
		}
		if st.IsDir() {
			fw.trees = append(fw.trees, abs)
		} else if st.Mode().IsRegular() {
			fw.files[abs] = true
		}
	}
	if len(fw.trees) == 0 && len(fw.files) == 0 {
		return nil, nil
	}
	var err error
	if fw.w, err = fsnotify.NewWatcher(); err != nil {
		return nil, err
	}
	for _, t := range fw.trees {
		if err := fw.addTree(t); err != nil {
			fw.w.Close()
			return nil, err
		}
	}
	for f := range fw.files {
		if err := fw.w.Add(filepath.Dir(f)); err != nil {
			fw.w.Close()
			return nil, err
		}
	}
	return fw, nil
}

// Paths are the watched origins.
func (fw *fileWatcher) Paths() []string {
	out := append([]string(nil), fw.trees...)
	for f := range fw.files {
		out = append(out, f)
	}
	return out
}

// addTree watches dir and every directory below it but hidden ones, which
// hold no resources (.git).
func (fw *fileWatcher) addTree(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p != dir && errors.Is(err, fs.ErrNotExist) {
				return nil // gone while walking
			}
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if p != dir && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		return fw.w.Add(p)
	})
}

// relevant says whether an event can change what an origin holds.
func (fw *fileWatcher) relevant(ev fsnotify.Event) bool {
	if ev.Op == fsnotify.Chmod {
		return false
	}
	if fw.files[ev.Name] {
		return true
	}
	for _, t := range fw.trees {
		rel, err := filepath.Rel(t, ev.Name)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			continue
		}
		for part := range strings.SplitSeq(rel, string(filepath.Separator)) {
			if strings.HasPrefix(part, ".") {
				return false // hidden: not a resource, nor below one
			}
		}
		if ev.Op.Has(fsnotify.Create) {
			if st, err := os.Stat(ev.Name); err == nil && st.IsDir() {
				// A new directory: its files may be there already.
				if err := fw.addTree(ev.Name); err != nil {
					fw.log.Warn("cannot watch a new directory; it is read every --interval", "dir", ev.Name, "error", err)
				}
			}
		}
		return true
	}
	return false
}

// Run signals fire, debounced, until ctx ends.
func (fw *fileWatcher) Run(ctx context.Context, debounce time.Duration, fire chan<- struct{}) {
	defer fw.w.Close()
	var quiet, burst <-chan time.Time
	var quietTimer *time.Timer
	signal := func() {
		quiet, burst = nil, nil
		select {
		case fire <- struct{}{}:
		default: // a pass is already due
		}
	}
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-fw.w.Events:
			if !ok {
				return
			}
			if !fw.relevant(ev) {
				continue
			}
			if quietTimer != nil {
				quietTimer.Stop()
			}
			quietTimer = time.NewTimer(debounce)
			quiet = quietTimer.C
			if burst == nil {
				burst = time.After(max(maxBurst, 4*debounce))
			}
		case err, ok := <-fw.w.Errors:
			if !ok {
				return
			}
			// Events were lost (a queue overflow): read everything again.
			fw.log.Warn("file-system events lost; reading the origins again", "error", err)
			signal()
		case <-quiet:
			signal()
		case <-burst:
			signal()
		}
	}
}
