package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// Hash is the SHA-256 of data in lower-case hex, the name of its blob.
func Hash(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// ValidHash reports whether h is a blob name: 64 lower-case hex digits.
func ValidHash(h string) bool {
	if len(h) != sha256.Size*2 {
		return false
	}
	for _, r := range h {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return false
		}
	}
	return true
}

func (s *Store) blobPath(h string) string {
	return s.path(blobsDir, h[:2], h)
}

// Has reports whether the blob is present. It does not re-hash it; Verify
// does.
func (s *Store) Has(h string) bool {
	if !ValidHash(h) {
		return false
	}
	info, err := os.Stat(s.blobPath(h))
	return err == nil && info.Mode().IsRegular()
}

// ErrCorrupt says a blob's content does not hash to its name.
var ErrCorrupt = errors.New("corrupt blob")

// ReadBlob returns the blob's content, checked against its hash, so a
// restore never hands on bytes that changed on disk.
func (s *Store) ReadBlob(h string) ([]byte, error) {
	if !ValidHash(h) {
		return nil, fmt.Errorf("invalid blob name %q", h)
	}
	data, err := os.ReadFile(s.blobPath(h))
	if err != nil {
		return nil, err
	}
	if Hash(data) != h {
		return nil, fmt.Errorf("%w %s (%s): its content hashes to %s", ErrCorrupt, h, s.blobPath(h), Hash(data))
	}
	return data, nil
}

// OpenBlob opens a blob to serve it; the reader checks its hash.
func (s *Store) OpenBlob(h string) (*os.File, error) {
	if !ValidHash(h) {
		return nil, fmt.Errorf("invalid blob name %q", h)
	}
	return os.Open(s.blobPath(h))
}

// BlobWriter writes blobs while holding the store's shared lock, and
// makes what it wrote durable before a manifest may name it.
type BlobWriter struct {
	s  *Store
	mu sync.Mutex
	// written are the new blobs not yet synced, dirs the fan-out
	// directories that got new names.
	written []string
	dirs    map[string]bool
}

// NewBlobWriter returns a writer; the caller holds a ShareLock until the
// manifest naming the blobs is saved.
func (s *Store) NewBlobWriter() *BlobWriter {
	return &BlobWriter{s: s, dirs: map[string]bool{}}
}

// Put stores data unless a blob with its hash is there already; it
// reports the hash and whether it wrote anything.
func (w *BlobWriter) Put(data []byte) (h string, written bool, err error) {
	h = Hash(data)
	if w.s.Has(h) {
		return h, false, nil
	}
	return h, true, w.put(h, bytes.NewReader(data))
}

// PutReader stores what r yields as blob want, refusing content that does
// not hash to want (fs.ErrExist when the blob was there already: nothing
// is read).
func (w *BlobWriter) PutReader(want string, r io.Reader) error {
	if !ValidHash(want) {
		return fmt.Errorf("invalid blob name %q: want 64 lower-case hex digits", want)
	}
	if w.s.Has(want) {
		return fs.ErrExist
	}
	return w.put(want, r)
}

// put writes r to a temporary file, checks its hash and renames it into
// place. The rename makes it whole or absent after a crash of the process;
// Sync makes it durable against a crash of the machine.
func (w *BlobWriter) put(want string, r io.Reader) error {
	f, err := os.CreateTemp(w.s.path(tmpDir), "blob-*")
	if err != nil {
		return err
	}
	tmpName := f.Name()
	defer os.Remove(tmpName)
	sum := sha256.New()
	if _, err := io.Copy(io.MultiWriter(f, sum), r); err != nil {
		f.Close()
		return err
	}
	if got := hexSum(sum); got != want {
		f.Close()
		return fmt.Errorf("%w: content hashes to %s, not %s", ErrCorrupt, got, want)
	}
	if err := f.Close(); err != nil {
		return err
	}
	dir := filepath.Dir(w.s.blobPath(want))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.Rename(tmpName, w.s.blobPath(want)); err != nil {
		return err
	}
	w.mu.Lock()
	w.written = append(w.written, w.s.blobPath(want))
	w.dirs[dir] = true
	w.mu.Unlock()
	return nil
}

// syncEach is how many new blobs are synced one by one; past it, one
// syncfs (Linux) syncs the whole file system at once.
const syncEach = 16

// Sync makes the blobs written so far durable, content and names; call it
// before saving a manifest that names them.
func (w *BlobWriter) Sync() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.written) == 0 {
		return nil
	}
	if len(w.written) <= syncEach || syncFS(w.s.dir) != nil {
		for _, name := range w.written {
			if err := syncFile(name); err != nil {
				return err
			}
		}
		for d := range w.dirs {
			if err := syncDir(d); err != nil {
				return err
			}
		}
		if err := syncDir(w.s.path(blobsDir)); err != nil {
			return err
		}
	}
	w.written, w.dirs = nil, map[string]bool{}
	return nil
}

func syncFile(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

func hexSum(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }
