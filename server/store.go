package server

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/resource-sync/resource-sync/internal/layout"
	"github.com/resource-sync/resource-sync/sdk"
)

// store is the in-memory index of the served tree and the only code that
// writes to it. Readers take mu for reading; a write holds the lock of its
// resource path for the whole write, so writes to different resources
// (and their fsyncs) run in parallel, and takes mu only to read or update
// the index.
type store struct {
	root     *os.Root
	formats  map[string]sdk.Formatter
	exts     layout.Extensions // the formats' extensions
	writeExt string
	locks    pathLocks
	log      *txlog

	mu          sync.RWMutex
	byPath      map[string]*resource
	collections map[string]*collection
	// fileOwner maps each file to the path of the resource it holds,
	// including files being created, so two paths never share a file.
	fileOwner map[string]string
}

// collection is the resources sharing a collection path, sorted by id.
type collection struct {
	path, typ string
	items     []*resource
}

func newStore(root *os.Root, formats map[string]sdk.Formatter, writeExt string, log *txlog) *store {
	return &store{
		log:         log,
		root:        root,
		formats:     formats,
		exts:        layout.ClaimedExtensions([]sdk.FormatInfo{{Extensions: slices.Collect(maps.Keys(formats))}}),
		writeExt:    writeExt,
		byPath:      map[string]*resource{},
		collections: map[string]*collection{},
		fileOwner:   map[string]string{},
	}
}

func (st *store) get(path string) *resource {
	st.mu.RLock()
	defer st.mu.RUnlock()
	return st.byPath[path]
}

func (st *store) hasCollection(path string) bool {
	st.mu.RLock()
	defer st.mu.RUnlock()
	return st.collections[path] != nil
}

func (st *store) len() int {
	st.mu.RLock()
	defer st.mu.RUnlock()
	return len(st.byPath)
}

// page returns items [offset, offset+limit) of a collection and its size.
func (st *store) page(path string, offset, limit int) (items []*resource, total int, ok bool) {
	st.mu.RLock()
	defer st.mu.RUnlock()
	c := st.collections[path]
	if c == nil {
		return nil, 0, false
	}
	total = len(c.items)
	start := min(offset, total)
	end := min(start+limit, total)
	return slices.Clone(c.items[start:end]), total, true
}

// collectionInfo names a collection for discovery.
type collectionInfo struct{ path, typ string }

// collectionList returns every collection sorted by type, then path.
func (st *store) collectionList() []collectionInfo {
	st.mu.RLock()
	list := make([]collectionInfo, 0, len(st.collections))
	for _, c := range st.collections {
		list = append(list, collectionInfo{c.path, c.typ})
	}
	st.mu.RUnlock()
	slices.SortFunc(list, func(a, b collectionInfo) int {
		return cmp.Or(strings.Compare(a.typ, b.typ), strings.Compare(a.path, b.path))
	})
	return list
}

// insert adds or replaces res in the index; the caller holds mu.
func (st *store) insert(res *resource) {
	st.byPath[res.path] = res
	st.fileOwner[res.file] = res.path
	c := st.collections[res.collection]
	if c == nil {
		c = &collection{path: res.collection, typ: res.typ}
		st.collections[res.collection] = c
	}
	i, found := slices.BinarySearchFunc(c.items, res.id, compareID)
	if found {
		c.items[i] = res
	} else {
		c.items = slices.Insert(c.items, i, res)
	}
}

// remove drops res from the index; the caller holds mu.
func (st *store) remove(res *resource) {
	delete(st.byPath, res.path)
	delete(st.fileOwner, res.file)
	c := st.collections[res.collection]
	if i, found := slices.BinarySearchFunc(c.items, res.id, compareID); found {
		c.items = slices.Delete(c.items, i, i+1)
	}
	if len(c.items) == 0 {
		delete(st.collections, res.collection)
	}
}

func compareID(r *resource, id string) int { return strings.Compare(r.id, id) }

// putResult says what a put did.
type putResult int

const (
	created putResult = iota
	replaced
	unchanged // the file already held these exact bytes
)

// put creates or replaces the resource at t with canonical JSON canon,
// when cond holds for it. A replaced resource keeps its file and that
// file's format; a new one goes to <type>/<id><writeExt>.
func (st *store) put(t target, canon []byte, cond precondition) (*resource, putResult, error) {
	defer st.locks.lock(t.path)()
	return st.putLocked(t, canon, cond)
}

// putLocked is put for a caller holding t.path's lock.
func (st *store) putLocked(t target, canon []byte, cond precondition) (*resource, putResult, error) {
	st.mu.Lock()
	old := st.byPath[t.path]
	if err := cond.check(t.path, old); err != nil {
		st.mu.Unlock()
		return nil, 0, err
	}
	file := t.typ + "/" + t.id + st.writeExt
	if old != nil {
		file = old.file
	} else if owner, taken := st.fileOwner[file]; taken {
		st.mu.Unlock()
		return nil, 0, &httpError{http.StatusConflict,
			fmt.Sprintf("cannot store %s: its file %s already holds %s", t.path, file, owner)}
	}
	st.fileOwner[file] = t.path // claim it while writing
	st.mu.Unlock()

	res, err := newResource(t, file, canon)
	changed := false
	if err == nil {
		changed, err = st.writeFile(file, canon)
	}

	st.mu.Lock()
	defer st.mu.Unlock()
	if err != nil {
		if old == nil {
			delete(st.fileOwner, file)
		}
		return nil, 0, err
	}
	st.insert(res)
	if old == nil || changed || old.etag != res.etag {
		st.record(res, false)
	}
	switch {
	case old == nil:
		return res, created, nil
	case changed:
		return res, replaced, nil
	}
	return res, unchanged, nil
}

// record adds a change of res to the transaction log.
func (st *store) record(res *resource, deleted bool) {
	if st.log == nil {
		return
	}
	e := logEntry{path: res.path, collection: res.collection, typ: res.typ, id: res.id, deleted: deleted}
	if !deleted {
		e.etag = res.etag
		e.fingerprint, _ = contentFingerprint(res.json)
	}
	st.log.add(e)
}

// delete removes the resource at path and its file, when cond holds for
// it.
func (st *store) delete(path string, cond precondition) error {
	defer st.locks.lock(path)()
	return st.deleteLocked(path, cond)
}

// deleteLocked is delete for a caller holding path's lock.
func (st *store) deleteLocked(path string, cond precondition) error {
	res := st.get(path)
	if err := cond.check(path, res); err != nil {
		return err
	}
	if res == nil {
		return &httpError{http.StatusNotFound, "no resource at " + path}
	}
	// The file goes first: until the index forgets it, no other path can
	// claim it.
	if err := st.root.Remove(filepath.FromSlash(res.file)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete %s: %w", res.file, err)
	}
	st.mu.Lock()
	st.remove(res)
	st.mu.Unlock()
	st.record(res, true)
	return nil
}

// formatOf is the formatter of a file named name, by the layout's rule
// (the longest claimed extension, ignoring case), and that extension; nil
// when no format claims it.
func (st *store) formatOf(name string) (sdk.Formatter, string) {
	ext, ok := st.exts.Match(name)
	if !ok {
		return nil, ""
	}
	return st.formats[ext], ext
}

// writeFile encodes canon in the format of file's extension and replaces
// file atomically, unless it already holds exactly those bytes.
func (st *store) writeFile(file string, canon []byte) (changed bool, err error) {
	f, _ := st.formatOf(path.Base(file))
	if f == nil {
		return false, fmt.Errorf("write %s: no formatter for its extension", file)
	}
	data, err := f.Encode(sdk.Value{JSON: canon, Source: file, Location: file}, sdk.StyleFile)
	if err != nil {
		return false, fmt.Errorf("encode %s: %w", file, err)
	}
	name := filepath.FromSlash(file)
	if current, err := st.root.ReadFile(name); err == nil && bytes.Equal(current, data) {
		return false, nil
	}
	if err := st.root.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return false, fmt.Errorf("write %s: %w", file, err)
	}
	if err := writeAtomic(st.root, name, data); err != nil {
		return false, fmt.Errorf("write %s: %w", file, err)
	}
	return true, nil
}
