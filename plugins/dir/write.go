package dir

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/resource-sync/resource-sync/plugins/internal/fileutil"
	"github.com/resource-sync/resource-sync/sdk"
)

// A write commits its staged files in batches of at most this many files
// or bytes, so that reports flow during a long write and an interrupted
// one leaves little to redo. Each commit costs one syncfs, mostly spent
// waiting for the disk: a batch commits on a goroutine of its own while
// the next one is staged, one commit at a time.
const (
	commitFiles = 4096
	commitBytes = 64 << 20
)

// Staged files are flushed to disk in the background, one syncfs at a
// time, each once this many more were staged: the flush is what a commit
// waits for, and above all the commit the host held back until the last
// resource was encoded, when there is nothing left to overlap it with.
const flushFiles = 1024

// Staged files are written by this many goroutines. Creating a file is
// mostly kernel work, and its directory is locked only for a moment of
// it: on ext4, two writers stage a file in about 70% of one's time.
const stagers = 2

// Write stores each item at <type>/<id><ext>, leaving files that already
// hold the same bytes untouched, then under Replace removes the resource
// files this write did not produce, but only if every item succeeded.
//
// Durability is batched, as git's core.fsyncMethod=batch: each file is
// written, without an fsync and by one of the stagers, to a temporary
// name in this write's staging directory (StagingDir), or under its own
// name in a directory there when its type directory does not exist yet
// (typeDir.fresh). A commit then flushes them all with one syncfs(2) (an
// fsync per file where syncfs is missing), renames them into place (a
// fresh directory whole), and fsyncs the directories that changed. A file is reported
// Written only then. Meanwhile staged files are flushed in the background
// (flushFiles), so that most of a commit's syncfs finds little left to
// write. After a crash each file holds its old content or its
// new one, never part of either, and the next write removes what was left
// staged. While the host holds the commits (sdk.CommitsReleased), files
// are staged and none is committed: a write cancelled then changes
// nothing.
func (e *Endpoint) Write(ctx context.Context, items iter.Seq[sdk.WriteItem], report func(sdk.WriteResult)) (sdk.WriteSummary, error) {
	root, created, err := e.createdRoot()
	if err != nil {
		return sdk.WriteSummary{}, err
	}
	// After w.close, which removes the stage.
	defer func() { e.endWrite(created, ctx.Err() != nil) }()
	w := &writer{root: root, location: e.location, report: report, written: e.written, exts: e.exts,
		types: map[string]*typeDir{}, rootCreated: created}
	if e.replace {
		// Only a replace removes what it did not keep: a path per file
		// is not held otherwise.
		w.kept = newKeptSet()
	}
	defer w.close()
	removeLegacyTempFiles(root, e.exts)
	if w.stage, err = newStage(root); err != nil {
		err = stagingError(e.location, err)
		for item := range items {
			w.finish(item.Seq, "", sdk.Failed, err)
		}
		return sdk.WriteSummary{}, err
	}
	w.startStagers()

	released := sdk.CommitsReleased(ctx)
	for item := range items {
		if err := ctx.Err(); err != nil {
			w.finish(item.Seq, "", sdk.Failed, err)
			break
		}
		w.add(item)
		if (len(w.pending) >= commitFiles || w.pendingBytes >= commitBytes) && isClosed(released) {
			w.commitInBackground()
		}
		w.flushInBackground()
	}
	w.waitStaged()
	w.waitCommit()
	if err := ctx.Err(); err != nil {
		w.abandon(err)
		return sdk.WriteSummary{}, err
	}
	w.waitFlush()
	w.commit(w.takePending())
	if !e.replace {
		return sdk.WriteSummary{}, nil
	}
	return w.removeStale(e.exts)
}

// isClosed says whether c is closed: while the host holds the commits
// (sdk.CommitsReleased), staged files wait, however many.
func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// writer is the state of one Write.
type writer struct {
	root        *os.Root
	location    string
	report      func(sdk.WriteResult)
	written     []string // the written format's extensions
	exts        fileutil.Extensions
	kept        *keptSet // resource files this write produced or found identical; nil unless it replaces
	failed      int
	stage       *stage
	types       map[string]*typeDir
	rootCreated bool // the destination did not exist: its parent must be synced

	pending      []staged // written to the stage, not yet in place
	pendingBytes int
	lastSource   string // of the last file staged

	// stagedCount counts the files staged: each has its number
	// (staged.n), and those numbered below flushedBelow are on disk
	// (flushInBackground).
	stagedCount  int64
	jobs         chan stageJob      // to the stagers
	inFlight     sync.WaitGroup     // files handed to the stagers and not written yet
	unstaged     map[int64]struct{} // by staged.n, files the stagers failed to write and reported
	stagerPanic  any                // raised again by waitStaged
	flushFrom    int64              // stagedCount when the last flush began
	flushedBelow atomic.Int64       // set by the flushes, read by the commits
	flushing     chan struct{}      // closed once the running flush is done; nil when none
	flushFailed  atomic.Bool        // no more flushes: the commits' syncfs says why

	// committing is closed once the batch committing in the background
	// is done; nil when none is. That commit and the stagers run beside
	// add: mu guards failed, kept, unstaged, stagerPanic and the type
	// directories' names.
	committing chan struct{}
	panicked   any // by that commit, raised again by waitCommit
	mu         sync.Mutex
}

// staged is a file waiting in the stage for its commit.
type staged struct {
	seq    int64
	n      int64  // this write's staged files, numbered from 0
	source string // of the resource, for messages
	line   int
	dir    *typeDir
	name   string // in dir
	temp   string // in the stage; "" when staged in dir.fresh under name
	synced bool   // fsynced when staged
	// old is the file in dir that held the resource in another format
	// (o1.yaml when o1.json is written), removed once name is in place,
	// so that the tree never holds a resource twice.
	old string
}

// typeDir is a type directory, opened once per write, with the names it
// held when opened: one listing instead of a stat per file.
type typeDir struct {
	name    string
	file    *os.File               // nil until placed, for a fresh one
	err     error                  // it could not be made or opened
	names   map[string]fs.FileMode // type bits
	created bool                   // by this write: the top directory must be synced
	dirty   bool                   // renamed into since its last sync

	// fresh is where a type directory that did not exist is staged: a
	// directory of the stage holding its files under their final names,
	// renamed into place whole by the first commit that takes them, one
	// rename instead of one per file. Files staged after that commit took
	// its files (sealed) go through the stage as for any directory.
	fresh     *os.File
	freshName string // in the stage
	sealed    bool
}

// finish records an outcome, for the commit, and reports it to the host.
func (w *writer) finish(seq int64, rel string, status sdk.WriteStatus, err error) {
	w.mu.Lock()
	if status == sdk.Failed {
		w.failed++
	} else if w.kept != nil {
		w.kept.add(rel)
	}
	w.mu.Unlock()
	w.report(sdk.WriteResult{Seq: seq, Status: status, Err: err})
}

// failures is how many items failed so far.
func (w *writer) failures() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.failed
}

// add stages one item, or settles it at once when there is nothing to
// write (unchanged) or it cannot be written.
func (w *writer) add(item sdk.WriteItem) {
	res := item.Resource
	fail := func(format string, args ...any) {
		w.finish(item.Seq, "", sdk.Failed, &sdk.Error{Source: res.Source, Line: res.Line, Msg: fmt.Sprintf(format, args...)})
	}
	rel, err := resourcePath(res, item.Extension)
	if err != nil {
		fail("%v", err)
		return
	}
	dir := w.typeDir(res.Type)
	// A commit placing a fresh directory sets its error, file and names.
	w.mu.Lock()
	dirErr, dirFile := dir.err, dir.file
	name := w.inPlace(dir, res.ID, item.Extension)
	mode, exists := dir.names[name]
	w.mu.Unlock()
	if dirErr != nil {
		fail("cannot create %s: %s", filepath.Join(w.location, res.Type), fileutil.Reason(dirErr))
		return
	}
	rel = res.Type + "/" + name
	if item.Unchanged && item.ExistingLocation == rel {
		w.finish(item.Seq, rel, sdk.Unchanged, nil)
		return
	}
	var keepPerm uint32
	if exists && mode.IsRegular() {
		if info, err := statAt(int(dirFile.Fd()), name); err == nil && info.regular {
			if info.size == int64(len(item.Content)) {
				if existing, same, err := readFileAt(int(dirFile.Fd()), name, info.size); err == nil && same && string(existing) == string(item.Content) {
					w.finish(item.Seq, rel, sdk.Unchanged, nil)
					return
				}
			}
			keepPerm = info.perm // an existing file keeps its permissions
		}
	}
	old := ""
	if typ, file, ok := strings.Cut(item.ExistingLocation, "/"); ok && typ == res.Type && file != name && isFileOf(w.exts, file, res.ID) {
		old = file
	}
	// The resources of one document share its source: held once, as a
	// write held by the host may stage most of a large pull.
	if res.Source == w.lastSource {
		res.Source = w.lastSource
	}
	w.lastSource = res.Source
	// Without syncfs each staged file is flushed as it is written: the
	// commit must never rename a file whose data may not be on disk.
	f := staged{seq: item.Seq, n: w.stagedCount, source: res.Source, line: res.Line, dir: dir, name: name,
		synced: syncfsBroken.Load(), old: old}
	if dir.fresh == nil || dir.sealed {
		f.temp = w.stage.nextName()
	}
	w.inFlight.Add(1)
	w.jobs <- stageJob{file: f, content: item.Content, keepPerm: keepPerm}
	w.pending = append(w.pending, f)
	w.pendingBytes += len(item.Content)
	w.stagedCount++
}

// stageJob is a file for the stagers to write into the stage.
type stageJob struct {
	file     staged
	content  []byte
	keepPerm uint32 // the mode of the file it will replace, if any
}

// startStagers starts the goroutines that write the staged files.
func (w *writer) startStagers() {
	w.jobs = make(chan stageJob, 4*stagers)
	w.unstaged = map[int64]struct{}{}
	for range stagers {
		go func() {
			for job := range w.jobs {
				w.stageOne(job)
			}
		}()
	}
}

// stageOne writes one staged file; a file it cannot write is reported
// failed at once and left out of its commit.
func (w *writer) stageOne(job stageJob) {
	defer w.inFlight.Done()
	failed := true
	defer func() {
		if !failed {
			return
		}
		// A panic belongs to Write's goroutine, where the SDK turns it
		// into an error instead of a crash.
		p := recover()
		w.mu.Lock()
		w.unstaged[job.file.n] = struct{}{}
		if p != nil && w.stagerPanic == nil {
			w.stagerPanic = p
		}
		w.mu.Unlock()
	}()
	f := job.file
	dirfd, name := f.staging(w.stage)
	if err := w.stage.write(dirfd, name, f.n, job.content, job.keepPerm, f.synced); err != nil {
		w.fail(f, "cannot write %s: %s", f.path(w.location), fileutil.Reason(err))
		return
	}
	failed = false
}

// waitStaged waits until the stagers have written every file handed to
// them: a commit or a flush only covers files on disk.
func (w *writer) waitStaged() {
	if w.jobs == nil {
		return
	}
	w.inFlight.Wait()
	w.mu.Lock()
	p := w.stagerPanic
	w.stagerPanic = nil
	w.mu.Unlock()
	if p != nil {
		panic(p)
	}
}

// dropUnstaged drops from batch the files the stagers failed to write.
func (w *writer) dropUnstaged(batch []staged) []staged {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.unstaged) == 0 {
		return batch
	}
	return slices.DeleteFunc(batch, func(f staged) bool {
		_, failed := w.unstaged[f.n]
		return failed
	})
}

// typeDir opens the type directory, making it if need be, once per write.
// One that does not exist yet is staged whole instead (typeDir.fresh).
func (w *writer) typeDir(typ string) *typeDir {
	if d, ok := w.types[typ]; ok {
		return d
	}
	if _, err := w.root.Lstat(typ); errors.Is(err, fs.ErrNotExist) {
		if fresh, name, err := w.stage.freshDir(); err == nil {
			d := &typeDir{name: typ, fresh: fresh, freshName: name, names: map[string]fs.FileMode{}, created: true}
			w.types[typ] = d
			return d
		}
		// Made in place then, as any directory.
	}
	d := w.typeDirInPlace(typ)
	w.types[typ] = d
	return d
}

// typeDirInPlace opens the type directory, making it if need be.
func (w *writer) typeDirInPlace(typ string) *typeDir {
	d := &typeDir{name: typ}
	err := w.root.Mkdir(typ, fileutil.DirPerm)
	d.created = err == nil
	if err != nil && !errors.Is(err, fs.ErrExist) {
		d.err = err
		return d
	}
	if d.file, d.err = w.root.Open(typ); d.err != nil {
		return d
	}
	if info, err := d.file.Stat(); err != nil || !info.IsDir() {
		d.err = errors.New("not a directory")
		return d
	}
	entries, err := d.file.ReadDir(-1)
	if err != nil {
		d.err = err
		return d
	}
	d.names = make(map[string]fs.FileMode, len(entries))
	for _, e := range entries {
		d.names[e.Name()] = e.Type()
	}
	return d
}

// inPlace is the file name for id in dir: id+ext, or the file that
// already holds the resource under another extension of the same format
// ("o1.yml" when writing ".yaml"), so that a hand-made tree is updated in
// place instead of getting a second file for the resource, which would
// make it unreadable.
func (w *writer) inPlace(dir *typeDir, id, ext string) string {
	name := id + ext
	if _, ok := dir.names[name]; ok {
		return name
	}
	for _, other := range w.written {
		if other == ext || checkExtension(other) != nil {
			continue
		}
		if mode, ok := dir.names[id+other]; ok && mode.IsRegular() {
			return id + other
		}
	}
	return name
}

// syncfsBroken is set once syncfs failed (not on Linux, or a file system
// without it): from then on each staged file is fsynced as it is written.
var syncfsBroken atomic.Bool

// takePending hands over the files staged since the last commit.
func (w *writer) takePending() []staged {
	batch := w.pending
	w.pending, w.pendingBytes = nil, 0
	for _, f := range batch {
		if f.temp == "" {
			f.dir.sealed = true
		}
	}
	return batch
}

// commitInBackground commits the staged files on another goroutine, once
// the commit before is done.
func (w *writer) commitInBackground() {
	w.waitStaged()
	w.waitCommit()
	batch := w.takePending()
	done := make(chan struct{})
	w.committing = done
	go func() {
		defer close(done)
		// A panic belongs to Write's goroutine, where the SDK turns it
		// into an error instead of a crash.
		defer func() { w.panicked = recover() }()
		w.commit(batch)
	}()
}

// waitCommit waits for the commit running in the background, if any.
func (w *writer) waitCommit() {
	if w.committing == nil {
		return
	}
	<-w.committing
	w.committing = nil
	if p := w.panicked; p != nil {
		w.panicked = nil
		panic(p)
	}
}

// flushInBackground starts a syncfs of the files staged so far on a
// goroutine of its own, once flushFiles were staged since the last one
// began and it is done. It only makes them durable sooner: a commit still
// syncs whatever a flush did not cover, and a failed flush covers nothing.
//
// The flush has its own descriptor of the stage: a cancelled write
// removes its stage without waiting for a syncfs, which can take seconds
// on a busy file system.
func (w *writer) flushInBackground() {
	if syncfsBroken.Load() || w.flushFailed.Load() || w.stagedCount-w.flushFrom < flushFiles {
		return
	}
	if w.flushing != nil {
		if !isClosed(w.flushing) {
			return
		}
		w.flushing = nil
	}
	w.waitStaged()
	stage, err := openDirAt(int(w.stage.dir.Fd()), ".")
	if err != nil {
		w.flushFailed.Store(true)
		return
	}
	upTo := w.stagedCount
	w.flushFrom = upTo
	done := make(chan struct{})
	w.flushing = done
	go func() {
		defer close(done)
		defer stage.Close()
		if syncFileSystem(stage) != nil {
			w.flushFailed.Store(true)
			return
		}
		w.flushedBelow.Store(upTo) // one flush at a time: it only grows
	}()
}

// waitFlush waits for the flush running in the background, if any.
func (w *writer) waitFlush() {
	if w.flushing != nil {
		<-w.flushing
		w.flushing = nil
	}
}

// commit makes a batch of staged files durable, renames them into place,
// syncs the directories that changed and reports each file.
func (w *writer) commit(batch []staged) {
	batch = w.dropUnstaged(batch)
	if len(batch) == 0 {
		return
	}
	flushed := w.flushedBelow.Load()
	if slices.ContainsFunc(batch, func(f staged) bool { return !f.synced && f.n >= flushed }) {
		err := errors.ErrUnsupported
		if !syncfsBroken.Load() {
			err = syncFileSystem(w.stage.dir)
		}
		if err != nil {
			if !syncfsBroken.Swap(true) {
				sdk.Logger().Debug("syncfs failed; syncing each staged file instead", "error", err)
			}
			batch = w.syncEach(batch)
		}
	}
	// A fresh directory is placed by the first commit with a file for
	// it: one staged in it, or, when all those failed, one staged since.
	placed := map[*typeDir]bool{}
	for _, f := range batch {
		if d := f.dir; d.fresh != nil && d.file == nil && d.err == nil {
			if _, done := placed[d]; !done {
				placed[d] = w.place(d)
			}
		}
	}
	// Filtered in place: a batch held back by the host can hold most of
	// a large write.
	moved := batch[:0]
	for _, f := range batch {
		if f.dir.err != nil { // a fresh directory that could not be placed
			dirfd, name := f.staging(w.stage)
			unlinkAt(dirfd, name)
			w.fail(f, "cannot create %s: %s", filepath.Join(w.location, f.dir.name), fileutil.Reason(f.dir.err))
			continue
		}
		if f.temp == "" && placed[f.dir] {
			// In place with its directory.
		} else if err := f.rename(w.stage); err != nil {
			dirfd, name := f.staging(w.stage)
			unlinkAt(dirfd, name)
			w.fail(f, "cannot write %s: %s", f.path(w.location), fileutil.Reason(err))
			continue
		}
		w.mu.Lock()
		f.dir.names[f.name] = 0
		w.mu.Unlock()
		f.dir.dirty = true
		moved = append(moved, f)
	}
	dirErrs := w.syncDirs(moved)
	for _, f := range moved {
		if err := dirErrs[f.dir]; err != nil {
			w.fail(f, "cannot sync %s: %s", filepath.Join(w.location, f.dir.name), fileutil.Reason(err))
			continue
		}
		if f.old != "" {
			if err := w.root.Remove(filepath.Join(f.dir.name, f.old)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				w.fail(f, "wrote %s, but cannot remove the resource's old file %s: %s", f.path(w.location),
					filepath.Join(w.location, f.dir.name, f.old), fileutil.Reason(err))
				continue
			}
			w.mu.Lock()
			delete(f.dir.names, f.old)
			w.mu.Unlock()
		}
		w.finish(f.seq, f.dir.name+"/"+f.name, sdk.Written, nil)
	}
}

// syncEach is the fallback for syncfs: an fsync of each staged file not
// synced yet. A file that cannot be synced fails and is not renamed.
func (w *writer) syncEach(batch []staged) []staged {
	ok := batch[:0]
	for _, f := range batch {
		if f.synced {
			ok = append(ok, f)
			continue
		}
		dirfd, name := f.staging(w.stage)
		file, err := openFileAt(dirfd, name)
		if err == nil {
			err = fsyncFile(file)
			file.Close()
		}
		if err != nil {
			unlinkAt(dirfd, name)
			w.fail(f, "cannot write %s: %s", f.path(w.location), fileutil.Reason(err))
			continue
		}
		ok = append(ok, f)
	}
	return ok
}

// syncDirs fsyncs the type directories the moved files were renamed
// into, and the directories holding directories made by this write, so
// that the renames survive a crash. It returns the failures by type
// directory.
func (w *writer) syncDirs(moved []staged) map[*typeDir]error {
	errs := map[*typeDir]error{}
	var dirs []*typeDir
	seen := map[*typeDir]bool{}
	for _, f := range moved {
		if !seen[f.dir] {
			seen[f.dir] = true
			dirs = append(dirs, f.dir)
		}
	}
	var madeNow []*typeDir // their entries in the top directory need syncing
	for _, d := range dirs {
		if !d.dirty {
			continue
		}
		d.dirty = false
		if err := fsyncFile(d.file); err != nil {
			errs[d] = err
		}
		if d.created {
			d.created = false
			madeNow = append(madeNow, d)
		}
	}
	if len(madeNow) == 0 && !w.rootCreated {
		return errs
	}
	top, err := w.root.Open(".")
	if err == nil {
		err = fsyncFile(top)
		top.Close()
	}
	if err == nil && w.rootCreated {
		var parent *os.File
		if parent, err = os.Open(filepath.Dir(filepath.Clean(w.location))); err == nil {
			err = fsyncFile(parent)
			parent.Close()
		}
		if err == nil {
			w.rootCreated = false
		} else {
			madeNow = dirs // every file hangs on the new top directory
		}
	}
	if err != nil {
		for _, d := range madeNow {
			if errs[d] == nil {
				errs[d] = err
			}
		}
	}
	return errs
}

// staging is where f is staged: a descriptor of its directory, and its
// name there.
func (f staged) staging(st *stage) (dirfd int, name string) {
	if f.temp == "" {
		return int(f.dir.fresh.Fd()), f.name
	}
	return int(st.dir.Fd()), f.temp
}

// rename moves f into its type directory.
func (f staged) rename(st *stage) error {
	from, name := f.staging(st)
	return renameAt(from, name, int(f.dir.file.Fd()), f.name)
}

// place renames the fresh directory d into place, whole, and says whether
// it did. Its files are on disk already (a syncfs, or an fsync each);
// its entries are synced first, which only the fsync-each fallback
// leaves undone.
// Should the type directory exist by now (another write made it), d is
// opened as any type directory instead and its files are renamed one by
// one; d.err says why when that fails too.
func (w *writer) place(d *typeDir) bool {
	err := fsyncFile(d.fresh)
	if err == nil {
		err = renameNoReplaceAt(int(w.stage.dir.Fd()), d.freshName, w.root, d.name)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if err == nil {
		d.file, d.dirty = d.fresh, true
		return true
	}
	sdk.Logger().Debug("staged a type directory, but cannot rename it into place; moving its files one by one",
		"dir", filepath.Join(w.location, d.name), "error", err)
	made := *w.typeDirInPlace(d.name)
	d.file, d.err, d.names, d.created = made.file, made.err, made.names, made.created
	return false
}

// fail reports a staged file that did not make it into place.
func (w *writer) fail(f staged, format string, args ...any) {
	w.finish(f.seq, "", sdk.Failed, &sdk.Error{Source: f.source, Line: f.line, Msg: fmt.Sprintf(format, args...)})
}

func (f staged) path(location string) string {
	return filepath.Join(location, f.dir.name, f.name)
}

// abandon reports the staged files of an interrupted write as failed; the
// stage is removed with them.
func (w *writer) abandon(err error) {
	for _, f := range w.dropUnstaged(w.pending) {
		w.finish(f.seq, "", sdk.Failed, err)
	}
	w.pending = nil
}

// close releases the type directories and removes the stage.
func (w *writer) close() {
	if w.jobs != nil {
		close(w.jobs)
		w.inFlight.Wait()
	}
	w.waitCommit()
	for _, d := range w.types {
		if d.file != nil {
			d.file.Close()
		}
		if d.fresh != nil && d.fresh != d.file {
			d.fresh.Close()
		}
	}
	if w.stage != nil {
		w.stage.close(w.root)
	}
}
