package host

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// SyncOptions says what to sync where, and how.
type SyncOptions struct {
	Origins     []Location
	Destination Location
	// Format the destination is written in; empty means the destination
	// endpoint's default, else DefaultFormat.
	Format        string
	DefaultFormat string
	// Schema names the schema plugin component ("hal"); empty means the
	// one an endpoint recommends (recommend.go), else DefaultSchema.
	Schema string
	// Follow is none, page, child or all.
	Follow string
	// Delete removes from the destination the resources of the synced
	// types that no origin holds (--delete; --rm), children first, after
	// every create and update succeeded, within MaxDelete.
	Delete    bool
	MaxDelete DeleteLimit
	// Ignore leaves server-managed fields out of comparisons; they keep
	// the destination's value on update.
	Ignore []IgnoreRule
	// Filter selects the resources synced, written and deleted.
	Filter Filter
	// FailFast stops at the first failure.
	FailFast bool
	// ReadAll reads every document, even where the versions kept from the
	// last sync say it is unchanged (versions.go), and keeps none: for
	// file systems whose change times cannot be trusted.
	ReadAll bool
	// Events hears about every resource: planned, then its outcome. It is
	// never called on two goroutines at once.
	Events func(Event)
	// Secrets are the resource fields that hold secrets: never written
	// to files in clear (see secrets.go).
	Secrets []SecretField
	// Older, when set, is asked about each resource to update, with the
	// canonical JSON of its origin and destination copies: when the
	// origin's is older (by a change field, for resource-sync watch), the
	// destination keeps its copy, planned unchanged with why as the
	// reason (older.go).
	Older func(typ, id, uri string, origin, dest []byte) (why string, older bool, err error)
	// StageWhileReading lets Prepare start the write while it reads, when
	// the destination holds its commits and nothing yet, and there is one
	// origin, one that follows links (an API): each resource is staged as
	// it is read, and Apply commits them once the plan says they are all
	// it writes (early.go). Set it when the Run is meant to be applied;
	// closing it unapplied drops what was staged.
	StageWhileReading bool
}

// Summary counts what a sync did.
type Summary struct {
	Read      int // distinct resources read from the origins
	Created   int
	Updated   int
	Unchanged int
	Deleted   int
	Failed    int
	Skipped   int // not attempted: a parent (or child, for deletes) failed, --fail-fast, or an interrupt
	// Kept counts destination resources of the synced types that no
	// origin holds, left in place because deletes were not asked for.
	Kept int
	// Failures lists what failed, in the order it happened.
	Failures []error
	// Unconfirmed names the failed resources the destination was sent and
	// never confirmed (an interrupt, a plugin gone): they may or may not
	// have been written.
	Unconfirmed []string
	// DeletedKeys names what was deleted.
	DeletedKeys []string
	// Warnings are problems that did not stop the sync (a parent that is
	// nowhere, a skipped link, an origin that held nothing).
	Warnings []string
}

// Written is how many resources were created or updated.
func (s Summary) Written() int { return s.Created + s.Updated }

// WriteError reports a sync whose reads succeeded but some writes or
// deletes failed.
type WriteError struct{ Summary Summary }

func (e *WriteError) Error() string {
	head := fmt.Sprintf("%d of %d changes failed", e.Summary.Failed,
		e.Summary.Failed+e.Summary.Created+e.Summary.Updated+e.Summary.Deleted+e.Summary.Skipped)
	if e.Summary.Skipped > 0 {
		head += fmt.Sprintf(", %d skipped", e.Summary.Skipped)
	}
	return listError(head, e.Summary.Failures)
}

// InputError lists the problems found in the origins; nothing was written.
type InputError struct{ Problems []error }

func (e *InputError) Error() string {
	if len(e.Problems) == 1 {
		return e.Problems[0].Error()
	}
	return listError(fmt.Sprintf("%d problems in the input; nothing was written", len(e.Problems)), e.Problems)
}

func listError(head string, errs []error) string {
	var b strings.Builder
	b.WriteString(head)
	for i, p := range errs {
		if i == 50 {
			fmt.Fprintf(&b, "\n  ... and %d more", len(errs)-i)
			break
		}
		fmt.Fprintf(&b, "\n  %v", p)
	}
	return b.String()
}

var follows = map[string]pb.Follow{
	"": pb.Follow_FOLLOW_PAGE_UNSPECIFIED, "page": pb.Follow_FOLLOW_PAGE_UNSPECIFIED,
	"none": pb.Follow_FOLLOW_NONE, "child": pb.Follow_FOLLOW_CHILD, "all": pb.Follow_FOLLOW_ALL,
}

// Sync plans and applies in one go: Prepare, then Apply.
func (h *Host) Sync(ctx context.Context, opts SyncOptions) (Summary, error) {
	opts.StageWhileReading = true
	run, err := h.Prepare(ctx, opts)
	if err != nil {
		return Summary{}, err
	}
	defer run.Close()
	return run.Apply(ctx)
}

// Run is a prepared sync: every origin and the destination were read and
// the plan is made; nothing was written. Close it when done.
type Run struct {
	r    *syncRun
	plan *plan
	// applied guards against applying twice.
	applied bool
}

// Prepare reads every origin and what the destination holds of the same
// types, and plans one action per resource. Any problem with the input,
// and any guardrail the plan would break, stops it here, before anything
// is written. So does a resource that cannot be encoded, unless the
// destination holds its commits: Apply then encodes while it writes, and
// stops before anything lands (Encode).
func (h *Host) Prepare(ctx context.Context, opts SyncOptions) (*Run, error) {
	r, err := h.startRun(ctx, opts, false)
	if err != nil {
		return nil, err
	}
	run, err := r.readAndPlan(ctx, nil)
	if err != nil {
		r.close()
		return nil, err
	}
	return run, nil
}

// startRun resolves the endpoints and components, starts the plugins and
// opens the endpoints; nothing is read yet. A session's run
// (conditional) opens its origins for conditional reads, and keeps its
// endpoints and spill file until the session closes.
func (h *Host) startRun(ctx context.Context, opts SyncOptions, conditional bool) (_ *syncRun, err error) {
	follow, ok := follows[opts.Follow]
	if !ok {
		return nil, usageErrorf("unknown follow mode %q (want none, page, child or all)", opts.Follow)
	}
	if err := opts.Filter.Validate(); err != nil {
		return nil, &UsageError{Err: err}
	}
	norm, err := newNormalizer(opts.Ignore)
	if err != nil {
		return nil, &UsageError{Err: err}
	}
	cat := h.catalog(ctx)
	if err := cat.usable(); err != nil {
		return nil, err
	}
	r := &syncRun{h: h, opts: opts, cat: cat, follow: follow, norm: norm,
		sink: &eventSink{fn: opts.Events}, conditional: conditional, keepPages: !conditional}
	defer func() {
		if err != nil {
			r.close()
		}
	}()
	if err := r.resolve(); err != nil {
		return nil, err
	}
	r.secrets = newSecretRun(opts.Secrets, r.dest, h.redact)
	// The schema is known for sure once the endpoints are open (adopt), but
	// it is nearly always the one resolved now: its start overlaps theirs.
	// A failure is reported by adopt, if this schema is the one used.
	h.startCall(ctx, r.schema.plugin)
	// Likewise the formatter of an origin's default format ("json" for
	// http): an API most often answers in the format it is written in,
	// and otherwise its documents' formatter starts when the first
	// arrives, as always. A plugin that fails here is reported only if a
	// document needs it.
	for _, t := range r.origins {
		if t.kind != endpointPlugin || t.entry.DefaultFormat == "" {
			continue
		}
		if f, err := r.cat.formatter(t.entry.DefaultFormat); err == nil {
			h.startCall(ctx, f.plugin)
		}
	}
	if err := h.StartAll(ctx, r.plugins()); err != nil {
		return nil, err
	}
	if err := r.openEndpoints(ctx); err != nil {
		return nil, err
	}
	// What the endpoints recommend: the schema unless the user named one,
	// server-managed and secret fields (recommend.go).
	if err := r.adopt(ctx); err != nil {
		return nil, err
	}
	if r.spill, err = newSpill(); err != nil {
		return nil, err
	}
	r.shared = conditional
	return r, nil
}

// openEndpoints opens the destination and the origins.
func (r *syncRun) openEndpoints(ctx context.Context) (err error) {
	if r.destEP, err = r.open(ctx, r.dest, pb.Open_ROLE_DESTINATION); err != nil {
		return err
	}
	return r.openOrigins(ctx)
}

func (r *syncRun) openOrigins(ctx context.Context) error {
	for _, t := range r.origins {
		o, err := r.open(ctx, t, pb.Open_ROLE_ORIGIN_UNSPECIFIED)
		if err != nil {
			return err
		}
		r.originEPs = append(r.originEPs, o)
	}
	return nil
}

// readAndPlan reads the origins and the destination, and plans.
// afterOrigins, when set (a session's pass, session.go), hears about the
// origins once read; when it answers idle, there is nothing to do and
// readAndPlan returns a nil Run without reading the destination.
func (r *syncRun) readAndPlan(ctx context.Context, afterOrigins func(*inventory) (idle bool)) (run *Run, err error) {
	// A destination read whole goes alongside the origins, unless its
	// documents have versions (a directory): it is then read after them,
	// mostly listed rather than read once the last sync kept the
	// versions, and what it holds as the origins do is not held twice
	// (readDestination).
	// One that lists an inventory needs to know what is about to be
	// written: it goes alongside too when it can be listed in parts
	// (inventory-more), each part the resources the origins yielded since
	// the last. A session's pass may not need the destination at all.
	var dest *inventory
	var destErr error
	destDone := make(chan struct{})
	scoped := r.destEP.can(CapInventory) || afterOrigins != nil || r.destPairs(r.destEP)
	var early *scopeFeed
	if afterOrigins == nil && r.destEP.can(CapInventory) && r.destEP.can(CapInventoryMore) {
		early = newScopeFeed()
	}
	destCtx, cancelDest := context.WithCancel(ctx)
	defer cancelDest()
	alongside := !scoped || early != nil
	if alongside {
		go func() {
			defer close(destDone)
			dest, destErr = r.readDestination(destCtx, r.destEP, early, nil)
		}()
	}
	if afterOrigins == nil && !alongside {
		if r.early = r.startEarlyWrite(ctx); r.early != nil {
			// The writes run beside the read: the inventory and what
			// is on its way to the destination share the process.
			r.memoryRelease = r.h.holdMemory()
		}
	}
	origins, err := r.readOriginsInto(ctx, r.originEPs, early, afterOrigins == nil)
	if alongside {
		if early != nil {
			early.close()
		}
		if err != nil {
			cancelDest() // what it holds does not matter any more
		}
		<-destDone
	}
	if err != nil {
		return nil, err
	}
	// The origins' inventory now lives until the last write (gc.go); a
	// Run releases the hold when it closes.
	if r.memoryRelease == nil {
		r.memoryRelease = r.h.holdMemory()
	}
	defer func() {
		if run == nil {
			r.releaseMemory()
		}
	}()
	// Every placeholder the destination needs has a value, or nothing is
	// written (secretrun.go).
	if err := r.secrets.check(); err != nil {
		return nil, err
	}
	if afterOrigins != nil && afterOrigins(origins) {
		return nil, nil
	}
	if !alongside {
		var scope *scopeFeed
		if r.destEP.can(CapInventory) {
			scope = scopeOf(origins)
		}
		dest, destErr = r.readDestination(ctx, r.destEP, scope, origins)
	}
	if destErr != nil {
		return nil, destErr
	}
	// Bodies kept from the last sync are read where the plan needs them
	// (versions.go). Origins go first and again last: a document changed
	// while it was read on one side may call for the other's body.
	if err := r.readUncachedOrigins(ctx, origins, dest); err != nil {
		return nil, err
	}
	if err := r.readUncached(ctx, origins, dest); err != nil {
		return nil, err
	}
	if err := r.readUncachedOrigins(ctx, origins, dest); err != nil {
		return nil, err
	}
	if err := dest.versions.save(maps.Values(dest.items)); err != nil {
		r.h.logger.Debug("destination versions not kept", "error", err)
	}
	if err := dest.pages.save(); err != nil {
		r.h.logger.Debug("destination pages not kept", "error", err)
	}
	r.destIncomplete = dest.incomplete
	r.read = len(origins.items)
	if len(origins.items) == 0 {
		r.warn(r.nothingRead(origins))
	}
	p, err := r.makePlan(ctx, origins, dest)
	if err != nil {
		return nil, err
	}
	for _, w := range p.warnings {
		r.warn(w)
	}
	r.tally.kept = p.kept
	for _, s := range p.steps {
		r.sink.emit(s.event(OutcomePlanned, nil))
	}
	return &Run{r: r, plan: p}, nil
}

// scopeOf is what a destination inventory is asked about: the resources
// about to be written, without their bodies, in one part.
func scopeOf(inv *inventory) *scopeFeed {
	scope := make([]*pb.Resource, 0, len(inv.items))
	for _, f := range inv.items {
		scope = append(scope, scopeResource(f.rec.ID(), f.rec.Type(), f.rec.URI()))
	}
	s := newScopeFeed()
	s.add(scope)
	s.close()
	return s
}

// nothingRead explains a sync whose origins held no resources.
func (r *syncRun) nothingRead(inv *inventory) string {
	names := make([]string, len(r.originEPs))
	for i, o := range r.originEPs {
		names[i] = o.target.name()
	}
	what := strings.Join(names, ", ")
	switch {
	case len(names) == 0:
		return "nothing read: no origin was given"
	case inv.documents == 0:
		return fmt.Sprintf("nothing read: %s holds no documents", what)
	case r.follow != pb.Follow_FOLLOW_ALL:
		return fmt.Sprintf("nothing read: the %d documents of %s hold no resources; if one is an index or discovery document, follow its links with -a (every link) or -c (child links)",
			inv.documents, what)
	}
	return fmt.Sprintf("nothing read: the %d documents of %s hold no resources the %s schema recognises", inv.documents, what, r.schema.Name)
}

// Changes lists the plan: one planned event per resource, by type and id.
func (run *Run) Changes() []Event {
	out := make([]Event, len(run.plan.steps))
	for i, s := range run.plan.steps {
		out[i] = s.event(OutcomePlanned, nil)
	}
	return out
}

// Pending counts the planned changes: resources to write and to delete.
func (run *Run) Pending() (writes, deletes int) {
	for _, s := range run.plan.steps {
		switch s.action {
		case actCreate, actUpdate:
			writes++
		case actDelete:
			deletes++
		}
	}
	return writes, deletes
}

// Body is the canonical JSON the origins hold of resource typ/id (secret
// fields as placeholders), for telling others what a sync changed
// (resource-sync watch --subscriptions); ok is false when no origin holds
// it. It can be asked until the Run is closed.
func (run *Run) Body(typ, id string) (body []byte, ok bool, err error) {
	steps := run.plan.steps
	i, found := slices.BinarySearchFunc(steps, Key{typ, id}, func(s *step, k Key) int { return compareKeys(s.key(), k) })
	if !found || steps[i].src == nil {
		return nil, false, nil
	}
	body, err = run.r.spill.get(steps[i].src.body)
	return body, err == nil, err
}

// Encode puts every resource the plan writes in the destination's format,
// writing nothing; a resource that cannot be encoded makes an
// *EncodeError. Prepare does it, except for a destination that holds its
// commits, where Apply encodes while it writes: a dry run calls Encode to
// report what Apply would refuse.
func (run *Run) Encode(ctx context.Context) error {
	if !run.plan.encodeLate {
		return nil
	}
	if err := run.r.encode(ctx, run.plan.writes, nil); err != nil {
		return err
	}
	run.plan.encodeLate = false
	return nil
}

// Warnings are the problems found so far that do not stop the sync.
func (run *Run) Warnings() []string { return run.r.tally.snapshot().Warnings }

// Apply carries out the plan. A sync whose writes or deletes partly failed
// returns a *WriteError with the summary.
func (run *Run) Apply(ctx context.Context) (Summary, error) {
	if run.applied {
		return Summary{}, errors.New("this sync was applied already")
	}
	run.applied = true
	err := run.r.apply(ctx, run.plan)
	sum := run.r.tally.snapshot()
	sum.Read = run.r.read
	if err != nil {
		return sum, err
	}
	if sum.Failed > 0 || sum.Skipped > 0 {
		return sum, &WriteError{Summary: sum}
	}
	if err := run.r.deletesIncomplete(sum); err != nil {
		return sum, err
	}
	return sum, nil
}

// Close stops using the endpoints and drops the spilled bodies.
func (run *Run) Close() { run.r.close() }

// syncRun is one sync: what was resolved, opened and found.
type syncRun struct {
	h      *Host
	opts   SyncOptions
	cat    *catalog
	follow pb.Follow
	norm   *normalizer
	sink   *eventSink
	tally  tally

	origins   []target
	dest      target
	schema    entry
	format    entry // the destination's
	replace   bool  // open the destination with Open.replace
	originEPs []*openEndpoint
	destEP    *openEndpoint
	// peers are endpoints of the same sync that another run owns
	// (bisync's other side): heard for recommendations, never closed here.
	peers   []*openEndpoint
	spill   *spill     // bodies between reading and writing
	secrets *secretRun // secret fields: masked on read, filled in on write
	read    int

	// A session's (session.go): conditional opens the origins that can
	// for conditional reads; shared says the endpoints and the spill file
	// belong to the session, which closes them; memory is what the host
	// made of each conditional origin's documents, updated as they are
	// read.
	conditional bool
	shared      bool
	memory      []*docMemory
	// keepPages says a destination listed with an inventory is read with
	// what the last sync kept of its pages (pages.go): set for a plain
	// sync, not for a session's or a bisync's runs.
	keepPages bool
	// destIncomplete says why the destination's read may have missed
	// resources: under --delete, some stale ones may then remain.
	destIncomplete []string
	// memoryRelease ends the run's hold on the memory limit (gc.go).
	memoryRelease func()
	// jsonBodies says the plan left the writes unencoded: the
	// destination sends each resource's JSON (destJSONBodies).
	jsonBodies bool
	// early is the write staged while the origins are read, if any
	// (early.go).
	early *earlyWrite
}

func (r *syncRun) releaseMemory() {
	if r.memoryRelease != nil {
		r.memoryRelease()
		r.memoryRelease = nil
	}
}

func (r *syncRun) close() {
	r.early.abandon()
	r.releaseMemory()
	if r.shared {
		return
	}
	if r.destEP != nil {
		r.destEP.close()
	}
	for _, o := range r.originEPs {
		o.close()
	}
	if r.spill != nil {
		r.spill.close()
	}
}

// emit counts an event and passes it on.
func (r *syncRun) emit(e Event) {
	r.tally.add(e)
	r.sink.emit(e)
}

// warn records a problem that does not stop the sync; the CLI shows it.
func (r *syncRun) warn(msg string) {
	r.h.logger.Debug("warning", "msg", msg)
	r.tally.warn(msg)
}

// resolve finds the endpoints and components before anything starts.
func (r *syncRun) resolve() error {
	var err error
	if r.dest, err = r.resolveOne(r.opts.Destination); err != nil {
		return err
	}
	d := r.dest
	switch {
	case d.kind == endpointPlugin && !d.entry.Has(CapWrite):
		return usageErrorf("%s endpoints cannot be written to: %s", d.entry.Name, d.name())
	case r.opts.Delete && d.kind != endpointPlugin:
		return usageErrorf("--delete and --rm need a destination that holds resources; %s holds nothing to remove", d.name())
	case r.opts.Delete && !d.entry.Has(CapDelete) && !d.entry.Has(CapReplace):
		return usageErrorf("--delete: %s endpoints cannot remove resources, so %s would keep stale ones", d.entry.Name, d.name())
	case r.opts.Delete && !d.entry.Has(CapRead) && !d.entry.Has(CapInventory):
		return usageErrorf("--delete: %s endpoints cannot be read, so what %s holds is unknown", d.entry.Name, d.name())
	}
	r.replace = r.opts.Delete && d.kind == endpointPlugin && !d.entry.Has(CapDelete)
	for _, o := range r.opts.Origins {
		t, err := r.resolveOne(o)
		if err != nil {
			return err
		}
		t.loc = o
		if err := r.prepareOptions(&t); err != nil {
			return err
		}
		if t.kind == endpointPlugin && !t.entry.Has(CapRead) {
			return usageErrorf("%s endpoints cannot be read from: %s", t.entry.Name, t.name())
		}
		r.origins = append(r.origins, t)
	}
	if r.schema, err = r.cat.schema(schemaOrDefault(r.opts.Schema)); err != nil {
		return err
	}
	format := r.opts.Format
	if format == "" && d.kind == endpointPlugin {
		format = d.entry.DefaultFormat
	}
	if format == "" {
		format = r.opts.DefaultFormat
	}
	r.format, err = r.cat.formatter(format)
	return err
}

// resolveOne finds l's endpoint and checks its options against what the
// endpoint declares (options.go).
func (r *syncRun) resolveOne(l Location) (target, error) {
	t, err := r.cat.resolve(l.Spec)
	if err != nil {
		return t, err
	}
	t.loc = l
	return t, r.prepareOptions(&t)
}

// plugins are those the sync needs from the start; formatters for the
// origins' documents start when the first such document arrives.
func (r *syncRun) plugins() []string {
	// The schema starts once the endpoints have said which it is (adopt).
	set := map[string]bool{r.format.plugin: true}
	for _, t := range append([]target{r.dest}, r.origins...) {
		if t.kind == endpointPlugin {
			set[t.entry.plugin] = true
		}
	}
	var names []string
	for n := range set {
		names = append(names, n)
	}
	return names
}

func errorsJoin(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	return &InputError{Problems: errs}
}

// tally counts outcomes into a Summary.
type tally struct {
	mu   sync.Mutex
	sum  Summary
	kept int
}

func (t *tally) add(e Event) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch e.Outcome {
	case OutcomeWritten:
		if e.Action == ActionCreate {
			t.sum.Created++
		} else {
			t.sum.Updated++
		}
	case OutcomeUnchanged:
		t.sum.Unchanged++
	case OutcomeDeleted:
		t.sum.Deleted++
		t.sum.DeletedKeys = append(t.sum.DeletedKeys, e.Type+"/"+e.ID)
	case OutcomeFailed:
		t.sum.Failed++
		if e.Err != nil {
			t.sum.Failures = append(t.sum.Failures, e.Err)
		}
		if errors.Is(e.Err, ErrNotConfirmed) {
			t.sum.Unconfirmed = append(t.sum.Unconfirmed, e.Type+"/"+e.ID)
		}
	case OutcomeSkipped:
		t.sum.Skipped++
	}
}

func (t *tally) warn(msg string) {
	t.mu.Lock()
	t.sum.Warnings = append(t.sum.Warnings, msg)
	t.mu.Unlock()
}

func (t *tally) failedAny() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.sum.Failed > 0 || t.sum.Skipped > 0
}

func (t *tally) snapshot() Summary {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.sum
	s.Kept = t.kept
	s.Failures = append([]error(nil), s.Failures...)
	s.DeletedKeys = append([]string(nil), s.DeletedKeys...)
	s.Unconfirmed = append([]string(nil), s.Unconfirmed...)
	s.Warnings = append([]string(nil), s.Warnings...)
	return s
}
