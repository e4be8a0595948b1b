package host

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"
)

// conditional says side i does conditional writes.
func (b *bisyncRun) conditional(i int) bool { return b.sides[i].run.destEP.can(CapConditionalWrite) }

// etagOn is the ETag it has on side i as far as this run knows: read with
// it, or the journal's when the content is still the journal's.
// A weak ETag (W/"...") never matches If-Match (RFC 9110 compares
// strongly), so it counts as none: the resource is read again just
// before it is written instead.
func (b *bisyncRun) etagOn(it *bitem, i int) string {
	f := it.cur[i]
	etag := ""
	switch {
	case f == nil:
	case f.rec.ETag() != "":
		etag = f.rec.ETag()
	case it.j != nil && it.change[i] == unchanged:
		etag = it.j.Sides[i].ETag
	}
	if strings.HasPrefix(etag, "W/") {
		return ""
	}
	return etag
}

// prefetch reads again, one by one, the resources about to be updated or
// deleted on a side that were read without a body (from the journal, via
// a transaction log) or, on a side doing conditional writes, without an
// ETag to make the write conditional on. What changed meanwhile is
// decided again. A resource that cannot be read again is left for the
// next run.
func (b *bisyncRun) prefetch(ctx context.Context, keys []Key) error {
	for x, s := range b.sides {
		var uris []string
		var items []*bitem
		for _, k := range keys {
			it := b.items[k]
			if (it.verdict != copyTo && it.verdict != deleteOn) || it.to != x || it.cur[x] == nil {
				continue
			}
			dst := it.cur[x]
			// The body as the side holds it is needed to keep its ignored
			// fields, and to show a dry run's diff.
			needBody := it.verdict == copyTo && !hasBody(dst) && (len(b.norm.rules(k.Type)) > 0 || b.opts.DryRun)
			needETag := b.conditional(x) && b.etagOn(it, x) == ""
			if (needBody || needETag) && dst.rec.URI() != "" && s.readEP.can(CapFetch) {
				uris = append(uris, dst.rec.URI())
				items = append(items, it)
			}
		}
		if len(uris) == 0 {
			continue
		}
		got, err := b.fetchResources(ctx, s, uris)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		for _, it := range items {
			f, ok := got[it.key]
			if err != nil || !ok {
				why := "it was not found there"
				if err != nil {
					why = err.Error()
				}
				it.verdict, it.reason = skipped, fmt.Sprintf("could not be read again on %s before writing: %s", s.name, why)
				continue
			}
			it.cur[x] = f
			b.decide(it)
		}
	}
	return nil
}

// makePlans plans, for each side, what keys need written to or deleted
// from it. The first time, the delete guardrails are checked: nothing is
// written when they would be broken.
func (b *bisyncRun) makePlans(ctx context.Context, keys []Key, first bool) error {
	for x, s := range b.sides {
		p := &plan{}
		whole := s.run.destEP.wholeContent()
		cond := b.conditional(x)
		var writes, deletes []*step
		changes := 0
		for _, k := range keys {
			it := b.items[k]
			dst := it.cur[x]
			switch {
			case it.verdict == copyTo && it.to == x:
				src := it.cur[1-x]
				st := &step{src: src, dst: dst, body: src.body, action: actCreate, more: &stepMore{reason: it.reason}}
				if dst != nil {
					st.action = actUpdate
				}
				if cond {
					st.more.cond = &condition{ifNoneMatch: dst == nil}
					if dst != nil {
						st.more.cond.ifMatch = b.etagOn(it, x)
					}
				}
				writes = append(writes, st)
				changes++
			case it.verdict == deleteOn && it.to == x:
				st := &step{action: actDelete, dst: dst, more: &stepMore{reason: it.reason}}
				if cond {
					st.more.cond = &condition{ifMatch: b.etagOn(it, x)}
				}
				deletes = append(deletes, st)
				changes++
			case whole && dst != nil:
				// A whole-content side keeps only what it is sent.
				writes = append(writes, &step{action: actUnchanged, dst: dst, body: dst.body, more: reasonKept})
			}
		}
		if changes == 0 {
			writes = nil
		}
		if first && len(deletes) > 0 {
			total := 0
			for k := range s.inv.items {
				if b.opts.Filter.Match(k.Type, k.ID) {
					total++
				}
			}
			if !b.opts.MaxDelete.allows(len(deletes), total) {
				return fmt.Errorf("%w: %d of the %d resources %s holds in scope would be deleted, more than --max-delete %s allows; nothing was done (raise --max-delete to proceed)",
					ErrDeleteRefused, len(deletes), total, s.name, b.opts.MaxDelete)
			}
		}
		p.steps = append(append(p.steps, writes...), deletes...)
		slices.SortFunc(p.steps, func(a, c *step) int { return compareKeys(a.key(), c.key()) })
		var err error
		if p.writes, err = order(writes, (*step).res); err != nil {
			return fmt.Errorf("writing %s: %w", s.name, err)
		}
		if p.deletes, err = order(deletes, func(s *step) *record { return &s.dst.rec }); err != nil {
			return fmt.Errorf("deleting on %s: %w", s.name, err)
		}
		reverseOrder(p.deletes)
		// Both sides are encoded before either is written.
		err = s.run.mergeUpdates(p.writes)
		if err == nil {
			err = s.run.encode(ctx, p.writes, nil)
		}
		if err != nil {
			return fmt.Errorf("writing %s: %w", s.name, err)
		}
		b.plans[x] = p
	}
	return nil
}

// BisyncConflict is a resource both sides changed differently, left as it
// is on both.
type BisyncConflict struct {
	Type, ID string
	Reason   string
}

// BisyncSummary is what a bisync did.
type BisyncSummary struct {
	// Read counts the resources of each side compared (after filters).
	Read [2]int
	// Sides counts what was written to and deleted from each side.
	Sides [2]Summary
	// Alike counts resources both sides held alike and that were left
	// alone; Agreed those both sides had changed the same way.
	Alike, Agreed int
	Conflicts     []BisyncConflict
	// Retried counts writes and deletes that found their resource changed
	// during the run and were planned again.
	Retried int
	// ViaFeed says a side was read through its transaction log; Fetched
	// counts its resources read one by one.
	ViaFeed [2]bool
	Fetched [2]int
	// Warnings are problems that did not stop the run.
	Warnings []string
}

// ErrConflicts is returned by a bisync that left conflicts.
var ErrConflicts = errors.New("conflicts left")

// BisyncError reports a bisync in which some writes or deletes failed;
// the journal records everything else.
type BisyncError struct{ Summary BisyncSummary }

func (e *BisyncError) Error() string {
	var errs []error
	failed, skipped := 0, 0
	for _, s := range e.Summary.Sides {
		errs = append(errs, s.Failures...)
		failed += s.Failed
		skipped += s.Skipped
	}
	head := fmt.Sprintf("%d changes failed", failed)
	if skipped > 0 {
		head += fmt.Sprintf(", %d skipped", skipped)
	}
	return listError(head+"; they are tried again next run", errs)
}

// Pending counts the planned writes and deletes on each side, and the
// conflicts.
func (run *BisyncRun) Pending() (writes, deletes [2]int, conflicts int) {
	for x, p := range run.b.plans {
		for _, s := range p.steps {
			switch s.action {
			case actCreate, actUpdate:
				writes[x]++
			case actDelete:
				deletes[x]++
			}
		}
	}
	return writes, deletes, len(run.b.conflicts())
}

func (b *bisyncRun) conflicts() []BisyncConflict {
	var out []BisyncConflict
	for _, k := range b.keys {
		if it := b.items[k]; it.verdict == conflict {
			out = append(out, BisyncConflict{Type: k.Type, ID: k.ID, Reason: it.reason})
		}
	}
	return out
}

// Sides names the two sides as they appear in messages.
func (run *BisyncRun) Sides() [2]string { return [2]string{run.b.sides[0].name, run.b.sides[1].name} }

// JournalPath is where the journal of the pair lives.
func (run *BisyncRun) JournalPath() string { return run.b.journal.path }

// Diff writes both plans, as `diff` shows a sync's, and the conflicts.
func (run *BisyncRun) Diff(ctx context.Context, w io.Writer, opts DiffOptions) error {
	b := run.b
	for x, s := range b.sides {
		p := b.plans[x]
		if len(p.steps) == 0 {
			continue
		}
		if _, err := fmt.Fprintf(w, "# %s\n", s.name); err != nil {
			return err
		}
		if err := (&Run{r: s.run, plan: p}).Diff(ctx, w, opts); err != nil {
			return err
		}
	}
	for _, c := range b.conflicts() {
		if _, err := fmt.Fprintf(w, "conflict %s/%s (%s)\n", c.Type, c.ID, c.Reason); err != nil {
			return err
		}
	}
	return nil
}

// Summary counts what the plan found, for a dry run.
func (run *BisyncRun) Summary() BisyncSummary { return run.b.summary() }

// outcomeLog records the outcomes of each resource on each side: the
// last one in this round, and the last one of all.
type outcomeLog struct {
	mu      sync.Mutex
	round   [2]map[Key]Event
	final   [2]map[Key]Event
	retried int
}

func (l *outcomeLog) add(x int, e Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := Key{e.Type, e.ID}
	l.round[x][k], l.final[x][k] = e, e
	if e.Outcome == OutcomeRetried {
		l.retried++
	}
}

// newRound forgets the last round's outcomes.
func (l *outcomeLog) newRound() {
	l.mu.Lock()
	l.round = [2]map[Key]Event{{}, {}}
	l.mu.Unlock()
}

// sideSummary counts the final outcomes on side x of the resources
// planned must still write or delete there.
func (l *outcomeLog) sideSummary(x int, planned func(Key) bool) Summary {
	l.mu.Lock()
	defer l.mu.Unlock()
	var s Summary
	keys := make([]Key, 0, len(l.final[x]))
	for k := range l.final[x] {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareKeys)
	for _, k := range keys {
		e := l.final[x][k]
		if !planned(k) {
			continue // read again after a failed precondition, and now nothing to do here
		}
		switch e.Outcome {
		case OutcomeWritten:
			if e.Action == ActionCreate {
				s.Created++
			} else {
				s.Updated++
			}
		case OutcomeDeleted:
			s.Deleted++
			s.DeletedKeys = append(s.DeletedKeys, k.String())
		case OutcomeFailed:
			s.Failed++
			if e.Err != nil {
				s.Failures = append(s.Failures, e.Err)
			}
		case OutcomeSkipped, OutcomeRetried:
			s.Skipped++
		}
	}
	return s
}

// Apply carries out both plans, reads again and plans again what changed
// during the run (bounded), then records in the journal what both sides
// acknowledged. Conflicts left make it return ErrConflicts; failed
// writes a *BisyncError.
func (run *BisyncRun) Apply(ctx context.Context) (BisyncSummary, error) {
	b := run.b
	if run.applied {
		return BisyncSummary{}, errors.New("this bisync was applied already")
	}
	run.applied = true
	log := &outcomeLog{final: [2]map[Key]Event{{}, {}}}
	for x, s := range b.sides {
		inner := s.run.sink.fn
		s.run.sink = &eventSink{fn: func(e Event) {
			if e.Outcome != OutcomePlanned {
				log.add(x, e)
			}
			inner(e)
		}}
	}
	keys := b.keys
	var err error
	for round := 1; ; round++ {
		log.newRound()
		err = b.applyPlans(ctx)
		retry := b.settle(keys, log)
		if err != nil || len(retry) == 0 || ctx.Err() != nil {
			break
		}
		if round >= b.opts.Rounds {
			for _, it := range retry {
				it.verdict, it.reason = skipped, fmt.Sprintf("changed on %s during the run %d times; left for the next run", sideNames[it.to], round)
			}
			break
		}
		if err = b.reread(ctx, retry); err != nil {
			break
		}
		keys = keys[:0:0]
		for _, it := range retry {
			keys = append(keys, it.key)
		}
		slices.SortFunc(keys, compareKeys)
		if err = b.prefetch(ctx, keys); err != nil {
			break
		}
		if err = b.makePlans(ctx, keys, false); err != nil {
			break
		}
	}
	if jerr := b.record(); jerr != nil && err == nil {
		err = jerr
	}
	sum := b.summary()
	sum.Retried = log.retried
	for x := range b.sides {
		sum.Sides[x] = log.sideSummary(x, func(k Key) bool {
			it := b.items[k]
			return (it.verdict == copyTo || it.verdict == deleteOn) && it.to == x || it.verdict == skipped
		})
	}
	if err != nil {
		return sum, err
	}
	if sum.Sides[0].Failed+sum.Sides[0].Skipped+sum.Sides[1].Failed+sum.Sides[1].Skipped > 0 {
		return sum, &BisyncError{Summary: sum}
	}
	if len(sum.Conflicts) > 0 {
		return sum, ErrConflicts
	}
	return sum, nil
}

// applyPlans applies both sides' plans at once: writes parents first,
// then, if every write went through, deletes children first.
func (b *bisyncRun) applyPlans(ctx context.Context) error {
	var g errgroup.Group
	for x, s := range b.sides {
		p := b.plans[x]
		if len(p.writes) == 0 && len(p.deletes) == 0 {
			continue
		}
		g.Go(func() error {
			r := s.run
			before := r.tally.snapshot()
			if len(p.writes) > 0 {
				if err := r.applyWrites(ctx, p); err != nil {
					r.skipDeletes(p, "not deleted: the writes stopped")
					return fmt.Errorf("writing %s: %w", s.name, err)
				}
			}
			after := r.tally.snapshot()
			if after.Failed+after.Skipped > before.Failed+before.Skipped || retried(p.writes) {
				r.skipDeletes(p, "not deleted: a write failed or found its resource changed")
				return nil
			}
			if err := r.applyDeletes(ctx, p.deletes); err != nil {
				return fmt.Errorf("deleting on %s: %w", s.name, err)
			}
			return nil
		})
	}
	return g.Wait()
}

func retried(nodes []*node) bool {
	for _, n := range nodes {
		if n.preconditionFailed() {
			return true
		}
	}
	return false
}

// skipDeletes reports every delete of p as not attempted. They are
// planned again next run.
func (r *syncRun) skipDeletes(p *plan, why string) {
	for _, n := range p.deletes {
		r.emit(n.event(OutcomeSkipped, errors.New(why)))
	}
}

// settle marks what the round carried out and returns the resources to
// read again and plan again: those whose precondition failed and, on a
// side where nothing else failed, those skipped because of them.
func (b *bisyncRun) settle(keys []Key, log *outcomeLog) []*bitem {
	failedPre := map[Key]bool{}
	for _, p := range b.plans {
		for _, n := range append(slices.Clip(p.writes), p.deletes...) {
			if n.preconditionFailed() {
				failedPre[n.key()] = true
			}
		}
	}
	log.mu.Lock()
	defer log.mu.Unlock()
	var otherFailure [2]bool
	for x := range log.round {
		for _, e := range log.round[x] {
			if e.Outcome == OutcomeFailed {
				otherFailure[x] = true
			}
		}
	}
	var retry []*bitem
	for _, k := range keys {
		it := b.items[k]
		switch it.verdict {
		case keep, agree, forget:
			it.settled = true
		case copyTo, deleteOn:
			e, ok := log.round[it.to][k]
			switch {
			case !ok:
			case e.Outcome == OutcomeWritten || e.Outcome == OutcomeUnchanged || e.Outcome == OutcomeDeleted:
				it.settled = true
			case failedPre[k]:
				retry = append(retry, it)
			case e.Outcome == OutcomeSkipped && len(failedPre) > 0 && !otherFailure[it.to]:
				// Held back for a resource being read again: planned again.
				retry = append(retry, it)
			}
		}
	}
	return retry
}

// reread reads again, on the side they were written to, the resources
// whose precondition failed, and decides them again.
func (b *bisyncRun) reread(ctx context.Context, items []*bitem) error {
	byURI := [2][]string{}
	want := [2][]*bitem{}
	for _, it := range items {
		x := it.to
		uri := ""
		for _, n := range append(slices.Clip(b.plans[x].writes), b.plans[x].deletes...) {
			if n.key() == it.key && n.preconditionFailed() {
				uri = n.cond().uri
			}
		}
		if uri == "" && it.cur[x] != nil {
			uri = it.cur[x].rec.URI()
		}
		if uri == "" {
			// Skipped for its parent's sake: nothing changed here.
			b.decide(it)
			continue
		}
		byURI[x] = append(byURI[x], uri)
		want[x] = append(want[x], it)
	}
	for x, s := range b.sides {
		if len(byURI[x]) == 0 {
			continue
		}
		got, err := b.fetchResources(ctx, s, byURI[x])
		if ctx.Err() != nil {
			return ctx.Err()
		}
		for _, it := range want[x] {
			if err != nil {
				it.verdict, it.reason = skipped, fmt.Sprintf("changed on %s during the run and could not be read again: %v", s.name, err)
				continue
			}
			it.cur[x] = got[it.key] // absent: deleted meanwhile
			b.decide(it)
		}
	}
	return nil
}

// record brings the journal up to date with what both sides
// acknowledged, and saves it; a dry run saves nothing. The transaction-
// log cursors advance only when everything was settled: a change left
// (a conflict, a failure) must show in the next run's log again.
func (b *bisyncRun) record() error {
	if b.opts.DryRun {
		return nil
	}
	all := true
	for _, k := range b.keys {
		it := b.items[k]
		if !it.settled {
			all = false
			continue
		}
		switch it.verdict {
		case forget:
			delete(b.journal.entries, k)
		case deleteOn:
			delete(b.journal.entries, k)
		case keep:
			if e := b.journal.entries[k]; e != nil {
				for i, f := range it.cur {
					if f != nil && f.rec.ETag() != "" {
						e.Sides[i].ETag = f.rec.ETag()
					}
				}
			}
		case agree:
			e := &journalEntry{Type: k.Type, ID: k.ID, Fingerprint: fingerprint(it.cur[0].fp)}
			for i, f := range it.cur {
				e.Sides[i] = b.sideEntry(f)
			}
			b.journal.entries[k] = e
		case copyTo:
			x, src := it.to, it.cur[1-it.to]
			e := &journalEntry{Type: k.Type, ID: k.ID, Fingerprint: fingerprint(src.fp)}
			e.Sides[1-x] = b.sideEntry(src)
			e.Sides[x] = b.written(it, src)
			b.journal.entries[k] = e
		}
	}
	if all {
		for i, s := range b.sides {
			b.journal.cursors[i] = s.cursor
		}
	}
	return b.journal.save()
}

// sideEntry is what the journal keeps of a resource as a side holds it.
func (b *bisyncRun) sideEntry(f *found) sideEntry {
	e := sideEntry{URI: f.rec.URI(), ETag: f.rec.ETag(), Parents: slices.Collect(f.rec.Parents())}
	if len(b.updated) > 0 && hasBody(f) {
		if v, err := b.updateOf(f); err == nil {
			e.Updated = v.text
		}
	}
	return e
}

// written is what the journal keeps of src as written to side it.to: the
// uri and ETag the endpoint reported, and src's parents moved onto that
// side's host.
func (b *bisyncRun) written(it *bitem, src *found) sideEntry {
	x := it.to
	e := sideEntry{URI: src.rec.URI(), Parents: slices.Collect(src.rec.Parents())}
	if dst := it.cur[x]; dst != nil && dst.rec.URI() != "" {
		e.URI = dst.rec.URI()
	}
	for _, n := range b.plans[x].writes {
		if c := n.cond(); n.key() == it.key && c != nil {
			if c.uri != "" {
				e.URI = c.uri
			}
			e.ETag = c.etag
		}
	}
	if e.URI != src.rec.URI() {
		e.Parents = e.Parents[:0]
		for p := range src.rec.Parents() {
			e.Parents = append(e.Parents, rebaseOnto(p, src.rec.URI(), e.URI))
		}
	}
	if len(b.updated) > 0 {
		if v, err := b.updateOf(src); err == nil {
			e.Updated = v.text
		}
	}
	return e
}

// rebaseOnto moves a parent uri that is on from's host onto to's.
func rebaseOnto(parent, from, to string) string {
	p, err1 := url.Parse(parent)
	f, err2 := url.Parse(from)
	t, err3 := url.Parse(to)
	if err1 != nil || err2 != nil || err3 != nil || !strings.EqualFold(p.Host, f.Host) || !strings.EqualFold(p.Scheme, f.Scheme) {
		return parent
	}
	p.Scheme, p.Host = t.Scheme, t.Host
	return p.String()
}

// summary counts what the run found.
func (b *bisyncRun) summary() BisyncSummary {
	var sum BisyncSummary
	for i, s := range b.sides {
		sum.ViaFeed[i], sum.Fetched[i] = s.viaFeed, s.fetched
		sum.Read[i] = len(s.inv.items)
		t := s.run.tally.snapshot()
		sum.Warnings = append(sum.Warnings, t.Warnings...)
	}
	for _, k := range b.keys {
		switch b.items[k].verdict {
		case keep:
			if b.items[k].cur[0] != nil && b.items[k].cur[1] != nil {
				sum.Alike++
			}
		case agree:
			sum.Agreed++
		}
	}
	sum.Conflicts = b.conflicts()
	for _, k := range b.keys {
		if it := b.items[k]; it.verdict == skipped {
			sum.Warnings = append(sum.Warnings, fmt.Sprintf("%s left as it is: %s", k, it.reason))
		}
	}
	b.mu.Lock()
	sum.Warnings = append(sum.Warnings, b.warnings...)
	b.mu.Unlock()
	return sum
}
