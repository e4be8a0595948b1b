package server

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/resource-sync/resource-sync/sdk"
)

// The transaction log is the seed's: every write and delete the server
// makes is an entry (itemId, updatedAt, fingerprint, itemURI, plus type,
// ETag and whether it was a delete), served at <collection>/transactions
// and, for every collection, at /api/transactions. A client that saw the
// server up to a cursor asks for what came after it and fetches only that.
//
// The log lives in memory. Its cursors carry an epoch drawn when the
// server starts, so a cursor from before a restart, or older than what the
// log still holds, is refused with 410 Gone: the client then reads
// everything, never a feed with a hole in it.

// transactionsSegment ends the path of a feed.
const transactionsSegment = "transactions"

// DefaultLogEntries bounds the log when Options.LogEntries is 0.
const DefaultLogEntries = 100_000

// logEntry is one change.
type logEntry struct {
	seq         uint64
	at          time.Time
	path        string // the resource's path
	collection  string
	typ, id     string
	fingerprint string
	etag        string
	deleted     bool
}

// txlog is the transaction log.
type txlog struct {
	epoch string
	max   int
	now   func() time.Time

	mu      sync.Mutex
	entries []logEntry // oldest first
	last    uint64     // seq of the newest entry; entries[i].seq == first+i
	first   uint64     // seq of entries[0] (last+1 when empty)
}

func newTxlog(max int) *txlog {
	var b [6]byte
	_, _ = rand.Read(b[:])
	if max <= 0 {
		max = DefaultLogEntries
	}
	return &txlog{epoch: hex.EncodeToString(b[:]), max: max, now: time.Now, first: 1}
}

// add records a change made under the resource's lock.
func (l *txlog) add(e logEntry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.last++
	e.seq = l.last
	e.at = l.now().UTC()
	// Updates get increasing times even when the clock steps back.
	if n := len(l.entries); n > 0 && !e.at.After(l.entries[n-1].at) {
		e.at = l.entries[n-1].at.Add(time.Nanosecond)
	}
	l.entries = append(l.entries, e)
	if len(l.entries) > l.max {
		drop := len(l.entries) - l.max
		l.entries = append(l.entries[:0:0], l.entries[drop:]...)
		l.first += uint64(drop)
	}
}

// cursor names the position after seq.
func (l *txlog) cursor(seq uint64) string { return l.epoch + "." + strconv.FormatUint(seq, 10) }

// errGone refuses a cursor the log cannot serve from.
type errGone struct{ why string }

func (e *errGone) Error() string { return e.why }

// since returns the latest entry of each resource changed after cursor
// (or at or after earliest), in the order of their last change, filtered
// by keep, and the cursor of the newest entry.
func (l *txlog) since(cursor string, earliest time.Time, keep func(*logEntry) bool) ([]logEntry, string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	start := 0
	if cursor != "" {
		epoch, seqText, ok := strings.Cut(cursor, ".")
		seq, err := strconv.ParseUint(seqText, 10, 64)
		switch {
		case !ok || err != nil:
			return nil, "", fmt.Errorf("cursor %q is not one this server gave (EPOCH.SEQ)", cursor)
		case epoch != l.epoch:
			return nil, "", &errGone{"cursor " + cursor + " is from before the server restarted; read everything again"}
		case seq > l.last:
			return nil, "", fmt.Errorf("cursor %q is ahead of the log", cursor)
		case seq+1 < l.first:
			return nil, "", &errGone{fmt.Sprintf("the log no longer holds the changes after %s (it keeps the last %d); read everything again", cursor, l.max)}
		}
		start = int(seq + 1 - l.first)
	} else if !earliest.IsZero() {
		if len(l.entries) > 0 && l.first > 1 && earliest.Before(l.entries[0].at) {
			return nil, "", &errGone{fmt.Sprintf("the log no longer holds the changes since %s; read everything again", earliest.Format(time.RFC3339Nano))}
		}
		for start < len(l.entries) && l.entries[start].at.Before(earliest) {
			start++
		}
	} else if l.first > 1 {
		return nil, "", &errGone{fmt.Sprintf("the log no longer holds every change (it keeps the last %d); read everything, then ask from its cursor", l.max)}
	}
	latest := map[string]int{}
	var out []logEntry
	for _, e := range l.entries[start:] {
		if !keep(&e) {
			continue
		}
		if i, ok := latest[e.path]; ok {
			out[i].seq = 0 // superseded
		}
		latest[e.path] = len(out)
		out = append(out, e)
	}
	kept := out[:0]
	for _, e := range out {
		if e.seq != 0 {
			kept = append(kept, e)
		}
	}
	return kept, l.cursor(l.last), nil
}

// contentFingerprint is the seed's fingerprint of a stored resource: the
// SHA-256 of its canonical JSON without the top-level _links and
// _embedded, which describe a server rather than the data. It is what
// resource-sync computes for the same body when no field is ignored.
func contentFingerprint(canon []byte) (string, error) {
	v, err := sdk.UnmarshalJSON(canon)
	if err != nil {
		return "", err
	}
	if obj, ok := v.(map[string]any); ok {
		delete(obj, "_links")
		delete(obj, "_embedded")
	}
	norm, err := sdk.MarshalCanonical(v)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(norm)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}

// etagOf is a strong ETag: the stored canonical JSON's SHA-256, cut short.
func etagOf(canon []byte) string {
	sum := sha256.Sum256(canon)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}
