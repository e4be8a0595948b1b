package host

import (
	"context"
	"fmt"
	"strings"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// SyncOptions says what to sync where.
type SyncOptions struct {
	// Origins and Destination each carry their own options: an endpoint
	// is opened with its Location's Options only.
	Origins     []Location
	Destination Location
	// Format the destination is written in; empty means the destination
	// endpoint's default, else DefaultFormat.
	Format        string
	DefaultFormat string
	// Schema names the schema plugin component ("hal").
	Schema string
	// Follow is none, page, child or all.
	Follow string
	// Replace makes the destination hold exactly the synced resources
	// (--rm); stale content goes after every write succeeded.
	Replace bool
	// FailFast stops sending writes at the first failure.
	FailFast bool
	// Secrets are the resource fields that hold secrets: never written
	// to files in clear (see secrets.go).
	Secrets []SecretField
	// Progress, when set, hears about writes.
	Progress Progress
}

// Progress follows the write phase.
type Progress interface {
	Start(total int)
	Add(n int)
	Finish()
}

// Summary counts what a sync did.
type Summary struct {
	Read      int // distinct resources read from the origins
	Written   int
	Unchanged int
	Removed   int
	Failed    int
	Skipped   int // not attempted because a parent failed, or after --fail-fast
	// Failures lists what failed, in write order.
	Failures []error
}

// WriteError reports a sync whose reads succeeded but some writes failed.
type WriteError struct{ Summary Summary }

func (e *WriteError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d of %d writes failed", e.Summary.Failed, e.Summary.Read)
	if e.Summary.Skipped > 0 {
		fmt.Fprintf(&b, ", %d skipped", e.Summary.Skipped)
	}
	for i, f := range e.Summary.Failures {
		if i == 20 {
			fmt.Fprintf(&b, "\n  ... and %d more", len(e.Summary.Failures)-i)
			break
		}
		fmt.Fprintf(&b, "\n  %v", f)
	}
	return b.String()
}

// InputError lists the problems found in the origins; nothing was written.
type InputError struct{ Problems []error }

func (e *InputError) Error() string {
	if len(e.Problems) == 1 {
		return e.Problems[0].Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d problems in the input; nothing was written", len(e.Problems))
	for i, p := range e.Problems {
		if i == 20 {
			fmt.Fprintf(&b, "\n  ... and %d more", len(e.Problems)-i)
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

// Sync reads every origin, then writes the merged, ordered resources to
// the destination. Nothing is written unless every origin was read and
// validated.
func (h *Host) Sync(ctx context.Context, opts SyncOptions) (Summary, error) {
	follow, ok := follows[opts.Follow]
	if !ok {
		return Summary{}, usageErrorf("unknown follow mode %q (want none, page, child or all)", opts.Follow)
	}
	cat := h.catalog(ctx)
	run := &syncRun{h: h, opts: opts, cat: cat, follow: follow}
	if err := run.plan(); err != nil {
		return Summary{}, err
	}
	run.secrets = newSecretRun(opts.Secrets, run.dest, h.redact) // secret fields (secretrun.go)
	if err := h.StartAll(ctx, run.plugins()); err != nil {
		return Summary{}, err
	}
	dest, err := run.open(ctx, run.dest, pb.Open_ROLE_DESTINATION)
	if err != nil {
		return Summary{}, err
	}
	defer dest.close()
	origins := make([]*openEndpoint, len(run.origins))
	for i, t := range run.origins {
		if origins[i], err = run.open(ctx, t, pb.Open_ROLE_ORIGIN_UNSPECIFIED); err != nil {
			return Summary{}, err
		}
		defer origins[i].close()
	}

	if run.spill, err = newSpill(); err != nil {
		return Summary{}, err
	}
	defer run.spill.close()
	existing := make(chan map[string]existingResource, 1)
	go func() { existing <- run.readExisting(ctx, dest) }()
	merged, err := run.readOrigins(ctx, origins)
	have := <-existing
	if err != nil {
		return Summary{}, err
	}
	// Every placeholder the destination needs has a value, or nothing is
	// written (secretrun.go).
	if err := run.secrets.check(); err != nil {
		return Summary{}, err
	}
	ordered, err := order(merged)
	if err != nil {
		return Summary{}, err
	}
	sum, err := run.write(ctx, dest, ordered, have)
	if err != nil {
		return sum, err
	}
	if sum.Failed > 0 || sum.Skipped > 0 {
		return sum, &WriteError{Summary: sum}
	}
	return sum, nil
}

// syncRun is one Sync: what was resolved and what was found.
type syncRun struct {
	h      *Host
	opts   SyncOptions
	cat    *catalog
	follow pb.Follow

	origins []target
	dest    target
	schema  entry
	format  entry      // the destination's
	spill   *spill     // origin bodies between reading and writing
	secrets *secretRun // secret fields: masked on read, filled in on write
}

// plan resolves endpoints and components before anything starts.
func (r *syncRun) plan() error {
	var err error
	if r.dest, err = r.cat.resolve(r.opts.Destination.Spec); err != nil {
		return err
	}
	r.dest.loc = r.opts.Destination
	if err := r.prepareOptions(&r.dest); err != nil { // checked against declarations (options.go)
		return err
	}
	if r.dest.kind == endpointPlugin && !r.dest.entry.Has(CapWrite) {
		return usageErrorf("%s endpoints cannot be written to: %s", r.dest.entry.Name, r.opts.Destination)
	}
	if r.opts.Replace && r.dest.kind == endpointPlugin && !r.dest.entry.Has(CapReplace) {
		return usageErrorf("--rm: %s endpoints cannot remove what a sync did not write, so %s would keep stale resources",
			r.dest.entry.Name, r.opts.Destination)
	}
	for _, o := range r.opts.Origins {
		t, err := r.cat.resolve(o.Spec)
		if err != nil {
			return err
		}
		t.loc = o
		if err := r.prepareOptions(&t); err != nil {
			return err
		}
		if t.kind == endpointPlugin && !t.entry.Has(CapRead) {
			return usageErrorf("%s endpoints cannot be read from: %s", t.entry.Name, o)
		}
		r.origins = append(r.origins, t)
	}
	if r.schema, err = r.cat.schema(r.opts.Schema); err != nil {
		return err
	}
	format := r.opts.Format
	if format == "" && r.dest.kind == endpointPlugin {
		format = r.dest.entry.DefaultFormat
	}
	if format == "" {
		format = r.opts.DefaultFormat
	}
	r.format, err = r.cat.formatter(format)
	return err
}

// plugins are those the sync needs from the start; formatters for the
// origins' documents start when the first such document arrives.
func (r *syncRun) plugins() []string {
	set := map[string]bool{r.schema.plugin: true, r.format.plugin: true}
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
