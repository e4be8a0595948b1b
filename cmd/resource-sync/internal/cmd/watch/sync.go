package watch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmd/sync/shared"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/iostreams"
	"github.com/resource-sync/resource-sync/host"
	"github.com/resource-sync/resource-sync/internal/notify"
)

// syncer keeps the destination in sync: a pass through the engine at
// once, then on every poll tick and (debounced) file-system event. It is
// the notifier's change source: what a pass writes or deletes is
// published, so subscribers hear about it.
type syncer struct {
	session *host.Session
	files   *fileWatcher // nil when no origin is a directory or file
	opts    *Options
	io      *iostreams.IOStreams
	report  *shared.Report
	log     *slog.Logger
	// journal holds what a pass applies until it is published; nil
	// without subscriptions. replay is what the last process left there.
	journal *notify.Journal
	replay  []notify.Pending
	// uris are the origins' uris of the resources of the last pass: a
	// delete is announced under the uri its resource had at the origin.
	uris    map[host.Key]string
	lastErr string
}

var _ notify.Source = (*syncer)(nil)

// newSyncer opens a session on the watch's endpoints and its file
// watcher; with a subscriptions file, the journal in the store.
func newSyncer(ctx context.Context, h *host.Host, opts *Options, cfg *notify.Config, log *slog.Logger) (_ *syncer, err error) {
	c, err := opts.Factory.Config()
	if err != nil {
		return nil, err
	}
	syncOpts, err := opts.SyncOptions(ctx, h, c, opts.Factory.IO)
	if err != nil {
		return nil, err
	}
	s := &syncer{opts: opts, io: opts.Factory.IO, log: log, uris: map[host.Key]string{},
		report: shared.NewReport(opts.Factory.IO, &opts.Flags, false)}
	syncOpts.Events = nil // each pass has its own
	if v := (versions{rules: opts.ChangeFields, subs: cfg}); v.configured() {
		syncOpts.Older = v.older
	}
	if cfg != nil {
		if err := os.MkdirAll(opts.Store, 0o700); err != nil {
			return nil, err
		}
		if s.journal, err = notify.OpenJournal(journalPath(opts.Store, syncOpts)); err != nil {
			if errors.Is(err, notify.ErrJournalLocked) {
				return nil, fmt.Errorf("another watch of the same origins and destination runs on the store %s", opts.Store)
			}
			return nil, err
		}
		if s.replay, err = s.journal.Pending(); err != nil {
			s.journal.Close()
			return nil, err
		}
	}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	if s.session, err = h.OpenSession(ctx, syncOpts); err != nil {
		return nil, err
	}
	if opts.FileEvents {
		var paths []string
		for _, o := range syncOpts.Origins {
			paths = append(paths, o.Spec)
		}
		if s.files, err = watchFiles(paths, log); err != nil {
			return nil, fmt.Errorf("watching the origins' files: %w", err)
		}
	}
	return s, nil
}

// journalPath names the journal of one watch (its origins and
// destination) in the store.
func journalPath(store string, o host.SyncOptions) string {
	h := sha256.New()
	for _, l := range append(o.Origins, o.Destination) {
		fmt.Fprintf(h, "%q\n", l.Spec)
	}
	return filepath.Join(store, "sync-"+hex.EncodeToString(h.Sum(nil))[:16]+".json")
}

// Close stops using the endpoints.
func (s *syncer) Close() {
	if s.session != nil {
		s.session.Close()
	}
	if s.journal != nil {
		s.journal.Close()
	}
}

// describe is the start-up line of the sync.
func (s *syncer) describe() string {
	var how []string
	how = append(how, "polling every "+s.opts.Interval.String())
	if c := s.session.Conditional(); len(c) > 0 {
		how = append(how, "conditional GETs for "+strings.Join(c, ", "))
	}
	if s.files != nil {
		how = append(how, "file-system events for "+strings.Join(s.files.Paths(), ", "))
	}
	return fmt.Sprintf("keeping %s in sync with %s: %s\n", s.opts.Destination, strings.Join(s.opts.Origins, ", "), strings.Join(how, "; "))
}

// Run makes passes until ctx ends, publishing what each one applied. It
// stops on an error only when changes cannot be published (NATS gone) or
// a plugin died; any other failure is shown and the next pass tries again.
func (s *syncer) Run(ctx context.Context, publish func(context.Context, notify.Change) error) error {
	ctx, cancel := context.WithCancel(ctx) // the file watcher ends with Run
	defer cancel()
	fired := make(chan struct{}, 1)
	if s.files != nil {
		go s.files.Run(ctx, s.opts.Debounce, fired)
	}
	tick := time.NewTicker(s.opts.Interval)
	defer tick.Stop()
	for {
		if err := s.pass(ctx, publish); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		case <-fired:
		}
	}
}

// pass runs one pass: prepare, record the plan in the journal, apply,
// publish what was applied (even when interrupted), clear the journal.
func (s *syncer) pass(ctx context.Context, publish func(context.Context, notify.Change) error) error {
	var applied []host.Event
	p, err := s.session.Prepare(ctx, func(e host.Event) {
		// What stayed as it was is left out, but for a newer copy kept.
		if e.Outcome != host.OutcomeUnchanged || e.Reason != "" {
			s.report.Event(e)
		}
		if e.Outcome == host.OutcomeWritten || e.Outcome == host.OutcomeDeleted {
			applied = append(applied, e)
		}
	})
	switch {
	case ctx.Err() != nil:
		return nil
	case err != nil:
		return s.failed(err)
	case p == nil:
		s.passed(host.Summary{}, true, nil)
		return nil
	}
	defer p.Close()
	plan := p.Changes()
	// Changes a killed watch left unannounced go first: they are older.
	if err := s.replayJournal(ctx, p, publish); err != nil {
		return err
	}
	if err := s.record(plan); err != nil {
		return err
	}
	sum, applyErr := p.Apply(ctx)
	// What reached the destination is announced even after Ctrl-C.
	pubCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	for _, e := range applied {
		if err := publish(pubCtx, s.change(p, e)); err != nil {
			return fmt.Errorf("telling subscribers about %s/%s: %w (the store's journal keeps it for the next start)", e.Type, e.ID, err)
		}
	}
	if s.journal != nil {
		if err := s.journal.Clear(); err != nil {
			return err
		}
	}
	s.remember(plan)
	if ctx.Err() != nil {
		applyErr = nil // interrupted: the summary says what was done
	}
	s.passed(sum, false, applyErr)
	return nil
}

// change is the notification for an applied event: the origin's document
// for a write, the origin's uri for a delete.
func (s *syncer) change(p *host.Pass, e host.Event) notify.Change {
	c := notify.Change{Type: e.Type, ID: e.ID, URI: e.URI, At: time.Now()}
	if e.Outcome == host.OutcomeDeleted {
		c.Action = notify.ActionDelete
		if uri, ok := s.uris[host.Key{Type: e.Type, ID: e.ID}]; ok {
			c.URI = uri
		}
		return c
	}
	c.Action = notify.ActionUpdate
	if e.Action == host.ActionCreate {
		c.Action = notify.ActionCreate
	}
	if body, ok, err := p.Body(e.Type, e.ID); ok && err == nil {
		c.Document = body
	}
	return c
}

// record writes the pass's changes to the journal before anything is
// applied.
func (s *syncer) record(plan []host.Event) error {
	if s.journal == nil {
		return nil
	}
	var pending []notify.Pending
	for _, e := range plan {
		var action notify.Action
		switch e.Action {
		case host.ActionCreate:
			action = notify.ActionCreate
		case host.ActionUpdate:
			action = notify.ActionUpdate
		case host.ActionDelete:
			action = notify.ActionDelete
		default:
			continue
		}
		uri := e.URI
		if u, ok := s.uris[host.Key{Type: e.Type, ID: e.ID}]; ok && action == notify.ActionDelete {
			uri = u
		}
		pending = append(pending, notify.Pending{Action: action, Type: e.Type, ID: e.ID, URI: uri})
	}
	if len(pending) == 0 {
		return nil
	}
	return s.journal.Record(pending)
}

// replayJournal publishes what a watch killed mid-pass left in the
// journal: a write as the document the origin holds now (the notifier
// skips a version it already published), a delete as it was.
func (s *syncer) replayJournal(ctx context.Context, p *host.Pass, publish func(context.Context, notify.Change) error) error {
	if len(s.replay) == 0 {
		return nil
	}
	for _, pe := range s.replay {
		c := notify.Change{Action: pe.Action, Type: pe.Type, ID: pe.ID, URI: pe.URI, At: time.Now()}
		if pe.Action != notify.ActionDelete {
			body, ok, err := p.Body(pe.Type, pe.ID)
			if err != nil {
				return err
			}
			if !ok {
				continue // gone from the origin since: this pass deletes it, if asked to
			}
			c.Action, c.Document = "", body // "this is the document now"
		}
		if err := publish(ctx, c); err != nil {
			return fmt.Errorf("telling subscribers what the last watch applied: %w", err)
		}
	}
	s.log.Info("announced the changes an interrupted watch had applied", "changes", len(s.replay))
	s.replay = nil
	return s.journal.Clear()
}

// remember keeps the origins' uris of the plan's resources.
func (s *syncer) remember(plan []host.Event) {
	uris := make(map[host.Key]string, len(plan))
	for _, e := range plan {
		if e.Action != host.ActionDelete && e.URI != "" {
			uris[host.Key{Type: e.Type, ID: e.ID}] = e.URI
		}
	}
	s.uris = uris
}

// failed shows a pass's error, once while it repeats. A plugin that died
// stops the watch: its endpoints are gone.
func (s *syncer) failed(err error) error {
	if _, ok := errors.AsType[*host.CrashError](err); ok {
		return err
	}
	if msg := err.Error(); msg != s.lastErr {
		s.lastErr = msg
		fmt.Fprintf(s.io.ErrOut, "%s pass failed, trying again in %s or on the next change: %v\n", time.Now().Format(time.TimeOnly), s.opts.Interval, err)
	}
	s.passed(host.Summary{}, false, err)
	return nil
}

// passed shows a pass that changed something, and tells tests.
func (s *syncer) passed(sum host.Summary, idle bool, err error) {
	if err == nil {
		s.lastErr = ""
	}
	changed := sum.Written()+sum.Deleted+sum.Failed+sum.Skipped > 0
	if changed && !s.opts.Quiet {
		fmt.Fprintf(s.io.ErrOut, "%s ", time.Now().Format(time.TimeOnly))
		shared.PrintSummary(s.io.ErrOut, sum, s.opts.Plan.Deleting())
		shared.PrintWarnings(s.io.ErrOut, sum.Warnings)
	}
	if err != nil && changed {
		fmt.Fprintf(s.io.ErrOut, "%s %v\n", time.Now().Format(time.TimeOnly), err)
	}
	if s.opts.OnPass != nil {
		s.opts.OnPass(sum, idle, err)
	}
}
