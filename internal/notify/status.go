package notify

import (
	"context"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"
)

// SubscriberStatus is one subscriber's delivery state, summed over its
// lanes, as JetStream reports it.
type SubscriberStatus struct {
	Subscriber string `json:"subscriber"` // resource/subscription
	// Pending changes wait for delivery; InFlight are being delivered (or
	// wait for a retry).
	Pending  uint64 `json:"pending"`
	InFlight uint64 `json:"in_flight"`
	// Redelivered are changes delivered more than once so far: retries,
	// and take-overs after a worker died.
	Redelivered uint64 `json:"redelivered"`
	// Workers is the number of worker pulls waiting on the busiest lane:
	// how many workers serve this subscriber.
	Workers      int       `json:"workers"`
	LastActivity time.Time `json:"last_activity,omitzero"`
}

// Status reads every subscriber's state from JetStream, including
// subscribers no longer in the subscriptions file whose changes are still
// kept.
func (b *Broker) Status(ctx context.Context) ([]SubscriberStatus, error) {
	bySub := map[string]*SubscriberStatus{}
	list := b.stream.ListConsumers(ctx)
	for info := range list.Info() {
		name := info.Config.Metadata[metaSubscriber]
		if name == "" {
			continue
		}
		s := bySub[name]
		if s == nil {
			s = &SubscriberStatus{Subscriber: name}
			bySub[name] = s
		}
		s.Pending += info.NumPending
		s.InFlight += uint64(info.NumAckPending)
		s.Redelivered += uint64(info.NumRedelivered)
		s.Workers = max(s.Workers, info.NumWaiting)
		if last := info.Delivered.Last; last != nil && last.After(s.LastActivity) {
			s.LastActivity = *last
		}
	}
	if err := list.Err(); err != nil {
		return nil, fmt.Errorf("list the subscribers in JetStream: %w", err)
	}
	out := make([]SubscriberStatus, 0, len(bySub))
	for _, s := range bySub {
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b SubscriberStatus) int {
		if a.Subscriber < b.Subscriber {
			return -1
		}
		if a.Subscriber > b.Subscriber {
			return 1
		}
		return 0
	})
	return out, nil
}

// WriteStatus prints statuses as a table.
func WriteStatus(w io.Writer, statuses []SubscriberStatus, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SUBSCRIBER\tPENDING\tIN FLIGHT\tREDELIVERED\tWORKERS\tLAST ACTIVITY")
	for _, s := range statuses {
		last := "never"
		if !s.LastActivity.IsZero() {
			last = now.Sub(s.LastActivity).Round(time.Second).String() + " ago"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\n", s.Subscriber, s.Pending, s.InFlight, s.Redelivered, s.Workers, last)
	}
	return tw.Flush()
}
