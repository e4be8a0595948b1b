package host

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"sync"
)

// spill holds resource bodies on disk between reading and writing, so the
// host's memory grows with what ordering needs (ids, types, uris,
// parents) and not with the bodies. The file is unlinked at once where
// the system allows it (on Linux it never has one: O_TMPFILE), so
// nothing is left behind even after a crash.
type spill struct {
	mu   sync.Mutex
	f    *os.File
	size int64
	// path is the file's name, removed on close, where it has one.
	path string
}

func newSpill() (*spill, error) {
	f, named, err := spillFile()
	if err != nil {
		return nil, fmt.Errorf("spill file for resource bodies: %w", err)
	}
	s := &spill{f: f}
	if named {
		s.path = f.Name()
	}
	return s, nil
}

// namedSpillFile creates the spill file and removes its name at once; a
// host killed in between leaves it behind.
func namedSpillFile() (*os.File, bool, error) {
	f, err := os.CreateTemp("", "resource-sync-spill-")
	if err != nil {
		return nil, false, err
	}
	// Where an open file cannot be unlinked (Windows), close removes it.
	_ = os.Remove(f.Name())
	return f, true, nil
}

// span is where one body sits in the spill file.
type span struct {
	off int64
	n   int
}

func (s *spill) put(b []byte) (span, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp := span{off: s.size, n: len(b)}
	if _, err := s.f.WriteAt(b, s.size); err != nil {
		return span{}, fmt.Errorf("spill file: %w", err)
	}
	s.size += int64(len(b))
	return sp, nil
}

// noBody marks a resource known without its body: from bisync's journal,
// or kept from the last sync (versions.go).
var noBody = span{off: -1}

func (s *spill) get(sp span) ([]byte, error) {
	if sp == noBody {
		// A resource kept from the last sync whose body the plan turned
		// out to need: its document changed while this sync read it.
		return nil, errors.New("a document changed while this sync read it; run it again")
	}
	b := make([]byte, sp.n)
	if _, err := s.f.ReadAt(b, sp.off); err != nil {
		return nil, fmt.Errorf("spill file: %w", err)
	}
	return b, nil
}

// same says whether two spans hold the same bytes.
func (s *spill) same(a, b span) (bool, error) {
	if a.n != b.n {
		return false, nil
	}
	x, err := s.get(a)
	if err != nil {
		return false, err
	}
	y, err := s.get(b)
	if err != nil {
		return false, err
	}
	return bytes.Equal(x, y), nil
}

func (s *spill) close() {
	s.f.Close()
	if s.path != "" {
		os.Remove(s.path) // already gone where unlinking an open file works
	}
}
