package host

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/gofrs/flock"
)

// The bisync journal: for one pair of locations, what both sides held of
// every resource as of the last run, so the next run can tell which side
// changed what. It holds one fingerprint per resource (the content both
// sides agreed on) and, per side, the uri, ETag, update time and parents
// last seen there, plus each side's transaction-log cursor.
//
// It only ever records what both sides acknowledged: a write or delete
// that was not confirmed leaves the entry as it was, and the next run
// finds the change again (on one side, or the same on both: no conflict).
// It is replaced atomically, so a run killed at any point leaves the
// previous journal or the new one.

// journalVersion is the format of journal files; another is refused.
const journalVersion = 1

// EnvStateDir moves the user's state directory, where bisync journals of
// locations that are not directories live.
const EnvStateDir = "RESOURCE_SYNC_STATE_DIR"

// StateDir is resource-sync's directory in the user's state directory:
// $RESOURCE_SYNC_STATE_DIR, else $XDG_STATE_HOME/resource-sync, else
// ~/.local/state/resource-sync.
func StateDir() (string, error) {
	if d := os.Getenv(EnvStateDir); d != "" {
		return d, nil
	}
	if d := os.Getenv("XDG_STATE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "resource-sync"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no state directory for the bisync journal (set $%s): %w", EnvStateDir, err)
	}
	return filepath.Join(home, ".local", "state", "resource-sync"), nil
}

// journalFile is the on-disk form.
type journalFile struct {
	Version int `json:"version"`
	// Sides are the two locations, in the order of the entries' a and b.
	Sides [2]string `json:"sides"`
	// Compare says how fingerprints were computed (schema and ignored
	// fields); a run that compares otherwise needs --resync.
	Compare string    `json:"compare"`
	Updated time.Time `json:"updated"`
	// Cursors are the sides' transaction-log cursors ("" for none).
	Cursors   [2]string      `json:"cursors"`
	Resources []journalEntry `json:"resources"`
}

// journalEntry is one resource both sides held alike.
type journalEntry struct {
	Type        string       `json:"type"`
	ID          string       `json:"id"`
	Fingerprint string       `json:"fingerprint"`
	Sides       [2]sideEntry `json:"sides"`
}

// sideEntry is what one side showed of a resource.
type sideEntry struct {
	URI     string   `json:"uri,omitempty"`
	ETag    string   `json:"etag,omitempty"`
	Updated string   `json:"updated,omitempty"`
	Parents []string `json:"parents,omitempty"`
}

func (e *journalEntry) key() Key { return Key{e.Type, e.ID} }

// journal is an open journal: loaded (or new) and locked.
type journal struct {
	path    string
	lock    *flock.Flock
	ids     [2]string // the sides of this run
	swapped bool      // the file lists them the other way round
	exists  bool
	compare string
	cursors [2]string
	entries map[Key]*journalEntry
}

// journalPath is where the journal of ids lives: under .resource-sync/
// inside dir when one side is a directory, else in the state directory.
func journalPath(ids [2]string, dir string) (string, error) {
	pair := slices.Clone(ids[:])
	slices.Sort(pair) // bisync A B and bisync B A share a journal
	sum := sha256.Sum256([]byte(pair[0] + "\x00" + pair[1]))
	name := "bisync-" + hex.EncodeToString(sum[:12]) + ".json"
	if dir != "" {
		return filepath.Join(dir, ".resource-sync", name), nil
	}
	state, err := StateDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(state, "bisync", name), nil
}

// ErrLocked is wrapped by the error of a bisync whose pair of locations
// another bisync is using.
var ErrLocked = errors.New("another bisync of these locations is running")

// openJournal locks the journal at path and loads it. The lock is held
// until close, so two bisyncs of one pair never overlap.
func openJournal(path string, ids [2]string) (*journal, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("bisync journal: %w", err)
	}
	j := &journal{path: path, ids: ids, entries: map[Key]*journalEntry{}, lock: flock.New(path + ".lock")}
	ok, err := j.lock.TryLock()
	if err != nil {
		return nil, fmt.Errorf("bisync journal: locking %s: %w", j.lock.Path(), err)
	}
	if !ok {
		return nil, fmt.Errorf("%w (it holds the lock %s); try again when it is done", ErrLocked, j.lock.Path())
	}
	if err := j.load(); err != nil {
		j.close()
		return nil, err
	}
	return j, nil
}

func (j *journal) load() error {
	data, err := os.ReadFile(j.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("bisync journal: %w", err)
	}
	var f journalFile
	if err := json.Unmarshal(data, &f); err != nil {
		return fmt.Errorf("bisync journal %s is damaged (%v); run again with --resync to rebuild it", j.path, err)
	}
	if f.Version != journalVersion {
		return fmt.Errorf("bisync journal %s has version %d, this resource-sync reads %d; run again with --resync", j.path, f.Version, journalVersion)
	}
	switch {
	case f.Sides == j.ids:
	case f.Sides == [2]string{j.ids[1], j.ids[0]}:
		j.swapped = true
	default:
		return fmt.Errorf("bisync journal %s is of %s and %s, not of these locations; run again with --resync", j.path, f.Sides[0], f.Sides[1])
	}
	j.exists, j.compare, j.cursors = true, f.Compare, f.Cursors
	if j.swapped {
		j.cursors[0], j.cursors[1] = j.cursors[1], j.cursors[0]
	}
	for i := range f.Resources {
		e := &f.Resources[i]
		if j.swapped {
			e.Sides[0], e.Sides[1] = e.Sides[1], e.Sides[0]
		}
		j.entries[e.key()] = e
	}
	return nil
}

// save replaces the journal file: a new file, synced, renamed over the
// old one, and the directory synced.
func (j *journal) save() error {
	f := journalFile{Version: journalVersion, Sides: j.ids, Compare: j.compare, Updated: time.Now().UTC(), Cursors: j.cursors}
	keys := make([]Key, 0, len(j.entries))
	for k := range j.entries {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareKeys)
	f.Resources = make([]journalEntry, 0, len(keys))
	for _, k := range keys {
		f.Resources = append(f.Resources, *j.entries[k])
	}
	data, err := json.Marshal(f)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(j.path, data); err != nil {
		return fmt.Errorf("bisync journal: %w", err)
	}
	j.exists = true
	return nil
}

func (j *journal) close() {
	if j.lock != nil {
		_ = j.lock.Unlock()
	}
}

// writeFileAtomic replaces name with data: a reader, or a run after a
// crash, sees the old file or the new one, never a part.
func writeFileAtomic(name string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
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
	if err := os.Rename(f.Name(), name); err != nil {
		return err
	}
	if d, err := os.Open(filepath.Dir(name)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
