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
//
// A body is a kilobyte or so, and a sync puts and gets each several
// times: bodies are written a buffer at a time, and read back through a
// few read-ahead chunks, one per run of bodies read in the order they
// were put, so that most calls are a copy rather than a system call.
type spill struct {
	mu   sync.Mutex
	f    *os.File
	size int64 // bytes put, the buffered ones included
	// flushed bytes are in the file; wbuf holds those put after them. A
	// body is wholly in one or the other.
	flushed int64
	wbuf    []byte
	chunks  [spillChunks]spillChunk
	clock   uint64
	// err is a failed write: bodies put before it may be lost, so every
	// later call fails.
	err error
	// path is the file's name, removed on close, where it has one.
	path string
}

const (
	spillBuffer    = 256 << 10 // bytes put before they are written
	spillChunkSize = 64 << 10  // bytes read ahead at a time
	spillChunks    = 4         // runs of sequential gets followed at once
)

// spillChunk is bytes of the file read ahead, from off.
type spillChunk struct {
	off  int64
	buf  []byte
	next int64  // where the last get it served ended
	used uint64 // when, by spill.clock
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
	if s.err != nil {
		return span{}, s.err
	}
	sp := span{off: s.size, n: len(b)}
	if len(s.wbuf)+len(b) > spillBuffer {
		if err := s.flush(); err != nil {
			return span{}, err
		}
	}
	if len(b) > spillBuffer {
		if err := s.write(b); err != nil {
			return span{}, err
		}
	} else {
		if s.wbuf == nil {
			s.wbuf = make([]byte, 0, spillBuffer)
		}
		s.wbuf = append(s.wbuf, b...)
	}
	s.size += int64(len(b))
	return sp, nil
}

// flush writes the buffered bodies to the file.
func (s *spill) flush() error {
	if len(s.wbuf) == 0 {
		return nil
	}
	err := s.write(s.wbuf)
	s.wbuf = s.wbuf[:0]
	return err
}

func (s *spill) write(b []byte) error {
	if _, err := s.f.WriteAt(b, s.flushed); err != nil {
		s.err = fmt.Errorf("spill file: %w", err)
		return s.err
	}
	s.flushed += int64(len(b))
	return nil
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
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return nil, s.err
	}
	if sp.off >= s.flushed {
		copy(b, s.wbuf[sp.off-s.flushed:])
		return b, nil
	}
	s.clock++
	end := sp.off + int64(sp.n)
	var c *spillChunk // a chunk holding it, else the one to read into
	for i := range s.chunks {
		x := &s.chunks[i]
		if sp.off >= x.off && end <= x.off+int64(len(x.buf)) {
			c = x
			break
		}
		if c == nil || x.next == sp.off || c.next != sp.off && x.used < c.used {
			c = x
		}
	}
	switch {
	case sp.off >= c.off && end <= c.off+int64(len(c.buf)):
		copy(b, c.buf[sp.off-c.off:])
	case c.next == sp.off && sp.n < spillChunkSize:
		// The next body of a run: read ahead.
		if c.buf == nil {
			c.buf = make([]byte, 0, spillChunkSize)
		}
		c.off, c.buf = sp.off, c.buf[:min(spillChunkSize, s.flushed-sp.off)]
		if _, err := s.f.ReadAt(c.buf, c.off); err != nil {
			c.buf = c.buf[:0]
			return nil, fmt.Errorf("spill file: %w", err)
		}
		copy(b, c.buf)
	default:
		// Out of order, or large: read just this body.
		if _, err := s.f.ReadAt(b, sp.off); err != nil {
			return nil, fmt.Errorf("spill file: %w", err)
		}
	}
	c.next, c.used = end, s.clock
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
