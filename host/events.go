package host

import (
	"crypto/sha256"
	"encoding/json"
	"sync"
)

// Action is what the plan does with one resource.
type Action string

const (
	ActionCreate    Action = "create"
	ActionUpdate    Action = "update"
	ActionUnchanged Action = "unchanged"
	ActionDelete    Action = "delete"
)

// Outcome is what became of one resource.
type Outcome string

const (
	OutcomePlanned   Outcome = "planned"
	OutcomeWritten   Outcome = "written"
	OutcomeUnchanged Outcome = "unchanged"
	OutcomeDeleted   Outcome = "deleted"
	OutcomeFailed    Outcome = "failed"
	// OutcomeSkipped: not attempted, because a parent failed (or, for a
	// delete, a child or any write failed), or after --fail-fast.
	OutcomeSkipped Outcome = "skipped"
	// OutcomeRetried: a conditional write or delete found the resource
	// changed since it was read (bisync); it is read again and planned
	// again.
	OutcomeRetried Outcome = "retried"
)

// Event is one per-resource step of a sync. Every resource gets a planned
// event once the plan is made, then one outcome when it is applied. The
// progress bar, the summary, -v and --output json are all built on them.
type Event struct {
	// Side is the side of a bisync the resource is written to or deleted
	// from ("A" or "B"); empty for a sync.
	Side    string
	Outcome Outcome
	Action  Action
	Type    string
	ID      string
	URI     string
	// Fingerprint is the digest of the normalized canonical JSON: the new
	// content for creates and updates, the current one for unchanged
	// resources and deletes.
	Fingerprint Fingerprint
	// Reason says why the action was planned ("differs at /status").
	Reason string
	Err    error
}

// MarshalJSON is the --output json line: action, type, id, uri,
// fingerprint, outcome, reason and error.
func (e Event) MarshalJSON() ([]byte, error) {
	out := struct {
		Side        string  `json:"side,omitempty"`
		Action      Action  `json:"action"`
		Type        string  `json:"type"`
		ID          string  `json:"id"`
		URI         string  `json:"uri,omitempty"`
		Fingerprint string  `json:"fingerprint,omitempty"`
		Outcome     Outcome `json:"outcome"`
		Reason      string  `json:"reason,omitempty"`
		Error       string  `json:"error,omitempty"`
	}{e.Side, e.Action, e.Type, e.ID, e.URI, e.Fingerprint.String(), e.Outcome, e.Reason, ""}
	if e.Err != nil {
		out.Error = e.Err.Error()
	}
	return json.Marshal(out)
}

// Fingerprint is the SHA-256 digest of a resource's normalized canonical
// JSON (normalize.go). An event carries the digest and not its text: a
// sync of 100,000 resources emits twice as many events, most of which
// nobody prints.
type Fingerprint [sha256.Size]byte

// String is "sha256:" and the digest in hex, as --output json shows it.
func (f Fingerprint) String() string { return fingerprint(f) }

// eventSink serializes events to the caller's function, so that it never
// runs on two goroutines at once.
type eventSink struct {
	mu sync.Mutex
	fn func(Event)
}

func (s *eventSink) emit(e Event) {
	if s == nil || s.fn == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fn(e)
}
