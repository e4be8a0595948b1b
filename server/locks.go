package server

import "sync"

// pathLocks is a mutex per key, created on demand and dropped when no one
// holds or waits for it.
type pathLocks struct {
	mu   sync.Mutex
	held map[string]*pathLock
}

type pathLock struct {
	sync.Mutex
	refs int // holders and waiters
}

// lock locks key and returns the function that unlocks it.
func (l *pathLocks) lock(key string) (unlock func()) {
	l.mu.Lock()
	if l.held == nil {
		l.held = map[string]*pathLock{}
	}
	pl := l.held[key]
	if pl == nil {
		pl = &pathLock{}
		l.held[key] = pl
	}
	pl.refs++
	l.mu.Unlock()

	pl.Lock()
	return func() {
		pl.Unlock()
		l.mu.Lock()
		if pl.refs--; pl.refs == 0 {
			delete(l.held, key)
		}
		l.mu.Unlock()
	}
}
