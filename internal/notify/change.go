package notify

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/resource-sync/resource-sync/sdk"
)

// Action is what happened to a document.
type Action string

// The actions a subscription can override its endpoint for.
const (
	ActionCreate Action = "create"
	ActionUpdate Action = "update"
	ActionDelete Action = "delete"
)

// Change is one document's change, as the reconcile engine reports it (a
// written or deleted event) or as an origin announces it through the
// document API.
type Change struct {
	// Action is create, update or delete. Empty means "this is the document
	// now": the notifier says create or update from what it last published.
	Action Action
	Type   string // the resource's type, when known
	ID     string // the resource's id, when known
	URI    string // matched against the resources' endpoint patterns
	// Document is the canonical JSON (sdk.CanonicalJSON) of the document;
	// nil for a delete.
	Document []byte
	// Fingerprint is the hex SHA-256 of Document; computed when empty.
	Fingerprint string
	At          time.Time // when the change was seen; now when zero
}

// VersionKind says how versions of a resource compare.
type VersionKind string

// Version kinds, after the resource's change field.
const (
	VersionFingerprint VersionKind = "fingerprint" // no change field: equal or different
	VersionInteger     VersionKind = "integer"     // an increasing integer
	VersionDate        VersionKind = "date"        // a date in the configured layout
)

// Version is a document's version under its resource's change field.
type Version struct {
	Kind VersionKind `json:"kind"`
	// Value is the version as the document holds it (the fingerprint for
	// VersionFingerprint).
	Value string `json:"value"`
	// Order compares integer and date versions (Unix nanoseconds for dates).
	Order int64 `json:"order,omitempty"`
}

// IsZero tells whether v is unknown (a delete of a document never seen).
func (v Version) IsZero() bool { return v.Kind == "" }

// NewerThan tells whether v supersedes old: a greater integer or a later
// date; for fingerprints, any other document. A version of another kind
// (the change field was reconfigured) counts as newer.
func (v Version) NewerThan(old Version) bool {
	switch {
	case old.IsZero() || v.Kind != old.Kind:
		return true
	case v.Kind == VersionFingerprint:
		return v.Value != old.Value
	}
	return v.Order > old.Order
}

// envelopeValue is the version as subscribers see it: a number for integer
// versions, text otherwise.
func (v Version) envelopeValue() any {
	if v.Kind == VersionInteger {
		return json.Number(v.Value)
	}
	return v.Value
}

// versionOf reads a document's version under field.
func versionOf(field ChangeField, doc []byte, fingerprint string) (Version, error) {
	if field.Field == "" {
		return Version{Kind: VersionFingerprint, Value: fingerprint}, nil
	}
	v, err := sdk.UnmarshalJSON(doc)
	if err != nil {
		return Version{}, fmt.Errorf("document is not JSON: %v", err)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return Version{}, fmt.Errorf("document is not a JSON object, so it has no %s field", field.Field)
	}
	raw, ok := obj[field.Field]
	if !ok || raw == nil {
		return Version{}, fmt.Errorf("document has no %s field (the resource's change field)", field.Field)
	}
	if field.Layout != "" {
		s, ok := raw.(string)
		if !ok {
			return Version{}, fmt.Errorf("change field %s is not a date string", field.Field)
		}
		t, err := time.Parse(field.Layout, s)
		if err != nil {
			return Version{}, fmt.Errorf("change field %s: %q does not match the layout %s", field.Field, s, field.Layout)
		}
		return Version{Kind: VersionDate, Value: s, Order: t.UnixNano()}, nil
	}
	var text string
	switch n := raw.(type) {
	case json.Number:
		text = n.String()
	case string:
		text = n
	default:
		return Version{}, fmt.Errorf("change field %s is not an integer", field.Field)
	}
	i, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return Version{}, fmt.Errorf("change field %s: %q is not an integer", field.Field, text)
	}
	return Version{Kind: VersionInteger, Value: strconv.FormatInt(i, 10), Order: i}, nil
}

// Fingerprint is the hex SHA-256 of a canonical JSON document, as the
// reconcile engine computes it.
func Fingerprint(doc []byte) string {
	sum := sha256.Sum256(doc)
	return hex.EncodeToString(sum[:])
}

// event is a change as it travels in the stream, for one resource.
type event struct {
	Resource string  `json:"resource"`
	Action   Action  `json:"action"`
	Type     string  `json:"type,omitempty"`
	ID       string  `json:"id,omitempty"`
	URI      string  `json:"uri"`
	Version  Version `json:"version"`
	// Generation counts the document's deletes before this change: a
	// delete ends a generation, and the next document starts a new one
	// whatever its version (a recreated resource may restart its counter).
	Generation uint64          `json:"generation"`
	At         time.Time       `json:"at"`
	Document   json.RawMessage `json:"document,omitempty"`
}

// msgID is the stream's deduplication id: the same version of a document
// (or its delete), published twice for a resource, is stored once.
func (e *event) msgID() string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%t\x00%d\x00%s\x00%s", e.Resource, e.URI, e.Action == ActionDelete, e.Generation, e.Version.Kind, e.Version.Value)
	return hex.EncodeToString(h.Sum(nil))
}
