package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Publisher is what change sources feed: the reconcile engine's written
// and deleted events, the watch poller, the document API.
type Publisher interface {
	Publish(ctx context.Context, c Change) ([]Result, error)
}

// Source produces changes until ctx ends: the watch command's poller and
// file-system watcher will implement it on top of the reconcile engine.
type Source interface {
	Run(ctx context.Context, publish func(context.Context, Change) error) error
}

// Feed runs src and publishes every change it reports through p: the few
// lines that connect the watch command's change sources to subscribers. A
// change that no resource matches, or whose version cannot be read, is
// passed to skipped (which may be nil) and the rest go on; any other error
// (NATS unreachable) stops src.
func Feed(ctx context.Context, src Source, p Publisher, skipped func(Change, error)) error {
	return src.Run(ctx, func(ctx context.Context, c Change) error {
		_, err := p.Publish(ctx, c)
		var verr *VersionError
		if errors.Is(err, ErrNoResource) || errors.As(err, &verr) {
			if skipped != nil {
				skipped(c, err)
			}
			return nil
		}
		return err
	})
}

// Outcome is what publishing a change did for one resource.
type Outcome string

// Publishing outcomes.
const (
	OutcomePublished Outcome = "published" // a new version: subscribers will be told
	OutcomeDuplicate Outcome = "duplicate" // the stream already held this version
	OutcomeUnchanged Outcome = "unchanged" // the same or an older version than the last one published
)

// Result is a change's fate for one matching resource.
type Result struct {
	Resource string  `json:"resource"`
	Action   Action  `json:"action"`
	Version  Version `json:"version"`
	Outcome  Outcome `json:"outcome"`
}

// Notifier publishes changes into the stream, once per matching resource,
// keeping the last published version of each document.
type Notifier struct {
	b       *Broker
	cfg     *Config
	metrics *Metrics
}

// NewNotifier publishes cfg's resources' changes through b; metrics may be
// nil.
func NewNotifier(b *Broker, cfg *Config, metrics *Metrics) *Notifier {
	return &Notifier{b: b, cfg: cfg, metrics: metrics}
}

var _ Publisher = (*Notifier)(nil)

// docState is the last change published for a resource's document.
type docState struct {
	Generation uint64  `json:"generation"`
	Version    Version `json:"version"`
	Deleted    bool    `json:"deleted,omitempty"`
}

// ErrNoResource is returned (wrapped) when no resource's endpoint matches
// a change's uri.
var ErrNoResource = errors.New("no resource endpoint matches")

// VersionError is a document whose version cannot be read (no change
// field, not a date...): the origin's mistake, not the notifier's.
type VersionError struct {
	URI string
	Err error
}

func (e *VersionError) Error() string { return e.URI + ": " + e.Err.Error() }
func (e *VersionError) Unwrap() error { return e.Err }

// Publish stores c in the stream for every resource whose endpoint matches
// its uri, unless that resource already saw the same or a newer version.
func (n *Notifier) Publish(ctx context.Context, c Change) ([]Result, error) {
	if c.Action != ActionDelete && c.Document == nil {
		return nil, fmt.Errorf("%s: a %s change needs its document", c.URI, c.Action)
	}
	if c.Fingerprint == "" && c.Document != nil {
		c.Fingerprint = Fingerprint(c.Document)
	}
	if c.At.IsZero() {
		c.At = time.Now()
	}
	var out []Result
	for _, r := range n.cfg.Resources {
		if _, ok := r.Endpoint.Match(c.URI); !ok {
			continue
		}
		p, err := n.publishOne(ctx, r, c)
		if err != nil {
			return out, err
		}
		n.metrics.published(r.Name, p.Outcome)
		out = append(out, p)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: %w", c.URI, ErrNoResource)
	}
	return out, nil
}

func (n *Notifier) publishOne(ctx context.Context, r *Resource, c Change) (Result, error) {
	var v Version
	if c.Action != ActionDelete {
		var err error
		if v, err = versionOf(r.Change, c.Document, c.Fingerprint); err != nil {
			return Result{}, &VersionError{URI: c.URI, Err: err}
		}
	}
	key := documentKey(r.Name, c.URI)
	// Compare and set: of two watchers publishing the same document at
	// once, the loser reads the winner's version and tries again.
	for attempt := 0; ; attempt++ {
		var st docState
		var rev uint64
		entry, err := n.b.documents.Get(ctx, key)
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound):
		case err != nil:
			return Result{}, fmt.Errorf("%s: read the last published version: %w", c.URI, err)
		default:
			if err := json.Unmarshal(entry.Value(), &st); err != nil {
				return Result{}, fmt.Errorf("%s: bucket %s holds a bad entry: %w", c.URI, DocumentsBucket, err)
			}
			rev = entry.Revision()
		}
		known := rev != 0 && !st.Deleted
		ev := event{Resource: r.Name, Action: c.Action, Type: c.Type, ID: c.ID, URI: c.URI, At: c.At.UTC(), Generation: st.Generation}
		next := st
		if c.Action == ActionDelete {
			if rev != 0 && st.Deleted {
				return Result{Resource: r.Name, Action: ActionDelete, Version: st.Version, Outcome: OutcomeUnchanged}, nil
			}
			ev.Version = st.Version
			next = docState{Generation: st.Generation + 1, Version: st.Version, Deleted: true}
		} else {
			if known && !v.NewerThan(st.Version) {
				return Result{Resource: r.Name, Action: ActionUpdate, Version: v, Outcome: OutcomeUnchanged}, nil
			}
			if ev.Action == "" {
				ev.Action = ActionCreate
				if known {
					ev.Action = ActionUpdate
				}
			}
			ev.Version, ev.Document = v, c.Document
			next = docState{Generation: st.Generation, Version: v}
		}
		// The stream first, then the bucket: a crash in between leaves the
		// bucket behind, so the change is published again (and deduplicated),
		// never lost.
		data, err := json.Marshal(&ev)
		if err != nil {
			return Result{}, err
		}
		msg := &nats.Msg{Subject: subject(r.Name, n.b.partition(c.URI)), Data: data, Header: nats.Header{}}
		ack, err := n.b.js.PublishMsg(ctx, msg, jetstream.WithMsgID(ev.msgID()))
		if err != nil {
			return Result{}, fmt.Errorf("%s: publish the change: %w", c.URI, err)
		}
		stateData, _ := json.Marshal(next)
		if rev == 0 {
			_, err = n.b.documents.Create(ctx, key, stateData)
		} else {
			_, err = n.b.documents.Update(ctx, key, stateData, rev)
		}
		if isRevisionConflict(err) && attempt < 10 {
			continue
		}
		if err != nil {
			return Result{}, fmt.Errorf("%s: record the published version: %w", c.URI, err)
		}
		outcome := OutcomePublished
		if ack.Duplicate {
			outcome = OutcomeDuplicate
		}
		return Result{Resource: r.Name, Action: ev.Action, Version: ev.Version, Outcome: outcome}, nil
	}
}

// isRevisionConflict tells whether a bucket write lost a compare-and-set.
func isRevisionConflict(err error) bool {
	return errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch)
}
