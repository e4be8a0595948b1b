package host

import (
	"context"
	"fmt"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// ValidateOptions says what to check.
type ValidateOptions struct {
	Origins []Location
	Schema  string
	Follow  string
	Filter  Filter
	// Strict makes warnings (parents that point at nothing) errors.
	Strict bool
}

// Validation is what Validate found.
type Validation struct {
	Read     int
	Warnings []string
}

// Validate reads the origins as a sync would, writing nothing anywhere:
// parse errors, missing or unusable ids and types, a resource defined
// twice, dependency cycles. Parents that point at nothing in the input
// are warnings, or errors under Strict. Problems come back as one
// *InputError naming each file and line.
func (h *Host) Validate(ctx context.Context, opts ValidateOptions) (Validation, error) {
	follow, ok := follows[opts.Follow]
	if !ok {
		return Validation{}, usageErrorf("unknown follow mode %q (want none, page, child or all)", opts.Follow)
	}
	if err := opts.Filter.Validate(); err != nil {
		return Validation{}, &UsageError{Err: err}
	}
	cat := h.catalog(ctx)
	if err := cat.usable(); err != nil {
		return Validation{}, err
	}
	norm, _ := newNormalizer(nil)
	r := &syncRun{h: h, opts: SyncOptions{Filter: opts.Filter}, cat: cat, follow: follow, norm: norm, sink: &eventSink{}}
	defer r.close()
	var err error
	r.opts.Schema = opts.Schema
	if r.schema, err = cat.schema(schemaOrDefault(opts.Schema)); err != nil {
		return Validation{}, err
	}
	set := map[string]bool{}
	for _, o := range opts.Origins {
		t, err := r.resolveOne(o)
		if err != nil {
			return Validation{}, err
		}
		if t.kind == endpointPlugin {
			if !t.entry.Has(CapRead) {
				return Validation{}, usageErrorf("%s endpoints cannot be read from: %s", t.entry.Name, t.name())
			}
			set[t.entry.plugin] = true
		}
		r.origins = append(r.origins, t)
	}
	var names []string
	for n := range set {
		names = append(names, n)
	}
	if err := h.StartAll(ctx, names); err != nil {
		return Validation{}, err
	}
	for _, t := range r.origins {
		o, err := r.open(ctx, t, pb.Open_ROLE_ORIGIN_UNSPECIFIED)
		if err != nil {
			return Validation{}, err
		}
		r.originEPs = append(r.originEPs, o)
	}
	if err := r.adopt(ctx); err != nil { // the schema the endpoints recommend (recommend.go)
		return Validation{}, err
	}
	if r.spill, err = newSpill(); err != nil {
		return Validation{}, err
	}
	inv, err := r.readOrigins(ctx, r.originEPs)
	if err != nil {
		return Validation{}, err
	}
	r.memoryRelease = h.holdMemory() // until r.close (gc.go)
	steps := make([]*step, 0, len(inv.items))
	for _, f := range inv.items {
		steps = append(steps, &step{action: actCreate, src: f})
	}
	if _, err := order(steps, func(s *step) *record { return &s.src.rec }); err != nil {
		return Validation{}, &InputError{Problems: []error{err}}
	}
	v := Validation{Read: len(inv.items), Warnings: r.tally.snapshot().Warnings}
	dangling := danglingParents(steps, inv, &inventory{items: map[Key]*found{}}, "nowhere in the input")
	if opts.Strict && len(dangling) > 0 {
		problems := make([]error, len(dangling))
		for i, d := range dangling {
			problems[i] = fmt.Errorf("%s", d)
		}
		return v, &InputError{Problems: problems}
	}
	v.Warnings = append(v.Warnings, dangling...)
	if len(inv.items) == 0 {
		v.Warnings = append(v.Warnings, r.nothingRead(inv))
	}
	return v, nil
}
