package notify

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
)

// Journal keeps the changes a watch is applying to its destination until
// they are published. A watch killed in between (kill -9, a power cut)
// finds them when it starts again and publishes them then: the engine
// would otherwise see them as already done and say nothing. Publishing
// twice is harmless, since the notifier skips versions it already
// published.
type Journal struct {
	path   string
	unlock func()
}

// Pending is one change recorded in a journal. Action is the planned one
// (create, update or delete); URI is the resource's uri at the origin.
type Pending struct {
	Action Action `json:"action"`
	Type   string `json:"type"`
	ID     string `json:"id"`
	URI    string `json:"uri,omitempty"`
}

// ErrJournalLocked is returned by OpenJournal when another process holds
// the journal.
var ErrJournalLocked = errors.New("another process holds this journal")

// OpenJournal opens the journal at path (created when absent), locked for
// this process until Close.
func OpenJournal(path string) (*Journal, error) {
	unlock, locked, err := lockDir(path + ".lock")
	if err != nil {
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}
	if !locked {
		return nil, fmt.Errorf("journal %s: %w", path, ErrJournalLocked)
	}
	return &Journal{path: path, unlock: unlock}, nil
}

// Pending lists what the last process recorded and did not see
// published.
func (j *Journal) Pending() ([]Pending, error) {
	data, err := os.ReadFile(j.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var p []Pending
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("journal %s is damaged (%v); remove it to start again, its changes unannounced", j.path, err)
	}
	return p, nil
}

// Record replaces the journal's content with p, durably.
func (j *Journal) Record(p []Pending) error {
	data, err := json.Marshal(p)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(j.path, data, 0o600); err != nil {
		return fmt.Errorf("journal %s: %w", j.path, err)
	}
	return nil
}

// Clear says everything recorded was published.
func (j *Journal) Clear() error {
	if err := os.Remove(j.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("journal %s: %w", j.path, err)
	}
	return nil
}

// Close releases the lock.
func (j *Journal) Close() { j.unlock() }
