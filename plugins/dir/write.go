package dir

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/resource-sync/resource-sync/plugins/internal/fileutil"
	"github.com/resource-sync/resource-sync/sdk"
)

// writeWorkers is how many files are written at once: each atomic write
// waits for an fsync, and overlapping those waits is most of the speed-up.
const writeWorkers = 8

// Write stores each item at <type>/<id><ext>, leaving files that already
// hold the same bytes untouched, then under Replace removes the resource
// files this write did not produce, but only if every item succeeded.
func (e *Endpoint) Write(ctx context.Context, items iter.Seq[sdk.WriteItem], report func(sdk.WriteResult)) (sdk.WriteSummary, error) {
	root, err := e.createdRoot()
	if err != nil {
		return sdk.WriteSummary{}, err
	}
	w := &writer{root: root, location: e.location, report: report, kept: newKeptSet(), written: e.written, exts: e.exts}

	jobs := make(chan sdk.WriteItem)
	var wg sync.WaitGroup
	for range writeWorkers {
		wg.Go(func() {
			for item := range jobs {
				w.write(ctx, item)
			}
		})
	}
	// Items are pulled one at a time, as workers free up: the host may
	// hold an item back until earlier ones are reported.
pull:
	for item := range items {
		select {
		case jobs <- item:
		case <-ctx.Done():
			w.finish(item, "", sdk.Failed, ctx.Err())
			break pull
		}
	}
	close(jobs)
	wg.Wait()

	if err := ctx.Err(); err != nil {
		return sdk.WriteSummary{}, err
	}
	if !e.replace {
		return sdk.WriteSummary{}, nil
	}
	return w.removeStale(e.exts)
}

// writer is the state one Write shares between its workers.
type writer struct {
	root     *os.Root
	location string
	report   func(sdk.WriteResult)
	written  []string // the written format's extensions
	exts     fileutil.Extensions

	kept   *keptSet // resource files this write produced or found identical
	mu     sync.Mutex
	failed int
}

// write stores one item and reports it.
func (w *writer) write(ctx context.Context, item sdk.WriteItem) {
	rel, status, err := w.store(ctx, item)
	w.finish(item, rel, status, err)
}

// finish records an outcome, for the commit, and reports it to the host.
func (w *writer) finish(item sdk.WriteItem, rel string, status sdk.WriteStatus, err error) {
	if status == sdk.Failed {
		w.mu.Lock()
		w.failed++
		w.mu.Unlock()
	} else {
		w.kept.add(rel)
	}
	w.report(sdk.WriteResult{Seq: item.Seq, Status: status, Err: err})
}

// store puts one item on disk unless it is already there, and says where.
func (w *writer) store(ctx context.Context, item sdk.WriteItem) (rel string, status sdk.WriteStatus, err error) {
	res := item.Resource
	fail := func(format string, args ...any) (string, sdk.WriteStatus, error) {
		return rel, sdk.Failed, &sdk.Error{Source: res.Source, Line: res.Line, Msg: fmt.Sprintf(format, args...)}
	}
	if err := ctx.Err(); err != nil {
		return "", sdk.Failed, err
	}
	rel, err = resourcePath(res, item.Extension)
	if err != nil {
		return fail("%v", err)
	}
	rel = w.inPlace(rel, item.Extension)
	if item.Unchanged && item.ExistingLocation == rel {
		return rel, sdk.Unchanged, nil
	}
	name := filepath.FromSlash(rel)
	if err := w.root.MkdirAll(res.Type, fileutil.DirPerm); err != nil {
		return fail("cannot create %s: %s", filepath.Join(w.location, res.Type), fileutil.Reason(err))
	}
	if fileutil.Holds(w.root, name, item.Content) {
		return rel, sdk.Unchanged, nil
	}
	if err := fileutil.WriteFile(w.root, name, item.Content); err != nil {
		return fail("cannot write %s: %s", filepath.Join(w.location, name), fileutil.Reason(err))
	}
	if err := w.removeMoved(res, item.ExistingLocation, rel); err != nil {
		return fail("wrote %s, but cannot remove the resource's old file %s: %s", filepath.Join(w.location, name),
			filepath.Join(w.location, filepath.FromSlash(item.ExistingLocation)), fileutil.Reason(err))
	}
	return rel, sdk.Written, nil
}

// removeMoved removes the file that held a resource before it was written
// in another format (o1.yaml became o1.json), so that the tree never holds
// it twice. Only the resource's own file, TYPE/ID with another claimed
// extension, is ever removed.
func (w *writer) removeMoved(res sdk.Resource, old, rel string) error {
	if old == "" || old == rel || !isResourceFile(w.exts, res, old) {
		return nil
	}
	err := w.root.Remove(filepath.FromSlash(old))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// inPlace keeps a resource in the file that already holds it under
// another extension of the same format ("o1.yml" when writing ".yaml"),
// so that a hand-made tree is updated in place instead of getting a
// second file for the resource, which would make it unreadable.
func (w *writer) inPlace(rel, ext string) string {
	if _, err := w.root.Lstat(filepath.FromSlash(rel)); err == nil {
		return rel
	}
	base := strings.TrimSuffix(rel, ext)
	for _, other := range w.written {
		if other == ext || checkExtension(other) != nil {
			continue
		}
		alt := base + other
		if info, err := w.root.Lstat(filepath.FromSlash(alt)); err == nil && info.Mode().IsRegular() {
			return alt
		}
	}
	return rel
}

// failures is how many items failed so far.
func (w *writer) failures() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.failed
}
