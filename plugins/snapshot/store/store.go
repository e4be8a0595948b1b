// Package store is a content-addressed snapshot store in a directory:
// each resource's canonical JSON is stored once under its SHA-256 and
// shared by every snapshot, and each snapshot is a manifest naming the
// resources it holds. The snapshot endpoint, `resource-sync snapshot` and
// `serve --snapshots` all use it.
//
// Layout:
//
//	DIR/resource-sync-snapshots   marks a store and its format version
//	DIR/lock, DIR/lock.intent     file locks: writers share them, prune takes them alone
//	DIR/blobs/ab/abcdef...        content, named by the SHA-256 of its bytes
//	DIR/manifests/NAME.json       one per snapshot
//	DIR/tmp/                      files being written
//
// Every file is written under a temporary name in tmp/, synced, and
// renamed into place, so a crash leaves either the old state or the new
// one; a manifest is written after every blob it names, so a killed
// snapshot leaves no manifest and the store as it was (plus blobs a rerun
// reuses). A manifest's resource list is stored in blobs/ too, as gzip
// chunks split at boundaries that depend only on the resources' keys, and
// a list of those chunks, so a snapshot that differs from the previous one
// in a few resources costs a few chunks and a list, not a whole manifest.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"
)

// FormatVersion is written in the marker file; a store of another version
// is refused.
const FormatVersion = 1

const (
	markerName   = "resource-sync-snapshots"
	lockName     = "lock"
	intentName   = "lock.intent"
	blobsDir     = "blobs"
	manifestsDir = "manifests"
	tmpDir       = "tmp"
)

// ErrNotStore says a directory holds no snapshot store.
var ErrNotStore = errors.New("not a snapshot store")

// Store is a snapshot store in a local directory. It is safe for
// concurrent use, also by several processes.
type Store struct {
	dir string
}

type marker struct {
	Format int `json:"format"`
}

// Open opens the store in dir, which must exist.
func Open(dir string) (*Store, error) {
	data, err := os.ReadFile(filepath.Join(dir, markerName))
	if errors.Is(err, fs.ErrNotExist) {
		if _, serr := os.Stat(dir); serr != nil {
			return nil, fmt.Errorf("%s: %w: %v", dir, ErrNotStore, reason(serr))
		}
		return nil, fmt.Errorf("%s: %w (no %s file)", dir, ErrNotStore, markerName)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	var m marker
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s: %w: %s is not valid: %v", dir, ErrNotStore, markerName, err)
	}
	if m.Format != FormatVersion {
		return nil, fmt.Errorf("%s: snapshot store format %d; this resource-sync reads format %d", dir, m.Format, FormatVersion)
	}
	return &Store{dir: dir}, nil
}

// Create opens the store in dir, making it (and dir) when missing. An
// existing directory that holds anything but a store is refused, so a
// typo never scatters a store among someone's files.
func Create(dir string) (*Store, error) {
	if s, err := Open(dir); err == nil || !errors.Is(err, ErrNotStore) {
		return s, err
	}
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, err
	default:
		for _, e := range entries {
			if e.Name() != lockName && e.Name() != intentName && e.Name() != tmpDir && e.Name() != blobsDir && e.Name() != manifestsDir {
				return nil, fmt.Errorf("%s: not empty and not a snapshot store (it holds %s); name a new or empty directory", dir, e.Name())
			}
		}
	}
	for _, d := range []string{blobsDir, manifestsDir, tmpDir} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return nil, err
		}
	}
	data, _ := json.Marshal(marker{Format: FormatVersion})
	if err := writeFileAtomic(filepath.Join(dir, tmpDir), filepath.Join(dir, markerName), append(data, '\n'), true); err != nil {
		return nil, err
	}
	return &Store{dir: dir}, syncDir(dir)
}

// Dir is the store's directory.
func (s *Store) Dir() string { return s.dir }

func (s *Store) path(elem ...string) string {
	return filepath.Join(append([]string{s.dir}, elem...)...)
}

// Lock is held while the store changes: shared by writers, exclusive for
// prune, so that prune never removes a blob a snapshot in progress is
// about to name. A second lock file, taken first, lets a waiting prune
// hold off new writers, so a steady stream of them cannot starve it.
type Lock struct{ fl *flock.Flock }

// Unlock releases the lock.
func (l *Lock) Unlock() error { return l.fl.Unlock() }

// lockPoll is how often a waiting lock retries.
const lockPoll = 20 * time.Millisecond

// ShareLock takes the writers' lock, waiting while a prune runs or waits.
func (s *Store) ShareLock(ctx context.Context) (*Lock, error) {
	intent := flock.New(s.path(intentName))
	if ok, err := intent.TryRLockContext(ctx, lockPoll); err != nil || !ok {
		return nil, fmt.Errorf("%s: waiting for a prune to finish: %w", s.dir, lockErr(err))
	}
	defer intent.Unlock()
	fl := flock.New(s.path(lockName))
	if ok, err := fl.TryRLockContext(ctx, lockPoll); err != nil || !ok {
		return nil, fmt.Errorf("%s: waiting for a prune to finish: %w", s.dir, lockErr(err))
	}
	return &Lock{fl: fl}, nil
}

// ExclusiveLock takes the store for itself, waiting until every snapshot
// in progress is done or ctx ends; new writers wait meanwhile.
func (s *Store) ExclusiveLock(ctx context.Context) (*Lock, error) {
	intent := flock.New(s.path(intentName))
	if ok, err := intent.TryLockContext(ctx, lockPoll); err != nil || !ok {
		return nil, fmt.Errorf("%s: waiting for another prune to finish: %w", s.dir, lockErr(err))
	}
	defer intent.Unlock()
	fl := flock.New(s.path(lockName))
	if ok, err := fl.TryLockContext(ctx, lockPoll); err != nil || !ok {
		return nil, fmt.Errorf("%s: waiting for snapshots in progress to finish: %w", s.dir, lockErr(err))
	}
	return &Lock{fl: fl}, nil
}

func lockErr(err error) error {
	if err == nil {
		return errors.New("cannot lock the store")
	}
	return err
}

// writeFileAtomic writes data to a temporary file in tmp, syncs it and
// renames it to name. Unless overwrite, an existing name is left alone
// and fs.ErrExist returned (a hard link claims the name atomically).
func writeFileAtomic(tmp, name string, data []byte, overwrite bool) error {
	f, err := os.CreateTemp(tmp, "write-*")
	if err != nil {
		return err
	}
	tmpName := f.Name()
	defer os.Remove(tmpName)
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if overwrite {
		return os.Rename(tmpName, name)
	}
	if err := os.Link(tmpName, name); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fs.ErrExist
		}
		return err
	}
	return nil
}

// syncDir makes the entries of dir durable (new names, renames).
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err // directories cannot be synced on some systems (Windows)
	}
	return nil
}

// reason is err without the path a *fs.PathError repeats.
func reason(err error) string {
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		return pathErr.Err.Error()
	}
	return err.Error()
}
