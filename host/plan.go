package host

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/resource-sync/resource-sync/internal/batch"
	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
	"github.com/resource-sync/resource-sync/sdk"
)

// step is the plan for one resource.
type step struct {
	src *found // what the origins hold; nil for a delete or a kept resource
	dst *found // what the destination holds; nil for a create
	// body is the JSON to write: src's, with ignored fields as dst has
	// them; content is body in the destination's format.
	body    span
	content span
	more    *stepMore // nil for most steps: creates and unchanged ones
	action  stepAction
	// keepsDst: the destination's copy stays though an origin has one
	// (older.go).
	keepsDst bool
}

// stepAction is a step's Action in one byte: a sync holds a step per
// resource, and this keeps one in 64 bytes.
type stepAction uint8

const (
	actCreate stepAction = iota
	actUpdate
	actUnchanged
	actDelete
)

var stepActions = [...]Action{actCreate: ActionCreate, actUpdate: ActionUpdate, actUnchanged: ActionUnchanged, actDelete: ActionDelete}

func (a stepAction) Action() Action { return stepActions[a] }
func (a stepAction) String() string { return string(a.Action()) }

// stepMore is what only some steps have.
type stepMore struct {
	reason string
	// cond makes the write or delete conditional (bisync); nil for a
	// sync.
	cond *condition
}

func (s *step) reason() string {
	if s.more == nil {
		return ""
	}
	return s.more.reason
}

func (s *step) cond() *condition {
	if s.more == nil {
		return nil
	}
	return s.more.cond
}

// setReason copies what the step had: steps may share a stepMore
// (reasonKept, reasonInNoOrigin).
func (s *step) setReason(reason string) {
	s.more = &stepMore{reason: reason, cond: s.cond()}
}

// Reasons shared by many steps.
var (
	reasonKept       = &stepMore{reason: "kept"}
	reasonInNoOrigin = &stepMore{reason: "in no origin"}
)

// condition is a conditional write's precondition and what became of it.
type condition struct {
	ifMatch     string // the ETag the resource must still have
	ifNoneMatch bool   // the resource must not exist yet
	// Set by apply: the precondition failed; the ETag and uri the endpoint
	// reported after a write.
	failed bool
	etag   string
	uri    string
}

// res is the resource as written (src), else as the destination has it.
func (s *step) res() *record {
	if s.src != nil {
		return &s.src.rec
	}
	return &s.dst.rec
}

func (s *step) key() Key { return s.res().key() }

// fp is the fingerprint of what the destination holds once s is applied.
func (s *step) fp() [sha256.Size]byte {
	if s.src == nil || s.keepsDst {
		return s.dst.fp
	}
	return s.src.fp
}

// deleteETag is the ETag a conditional delete must match (bisync); ""
// deletes whatever the destination holds.
func (s *step) deleteETag() string {
	if c := s.cond(); c != nil {
		return c.ifMatch
	}
	return ""
}

// preconditionFailed says a conditional write or delete found the
// resource changed since it was read (bisync).
func (s *step) preconditionFailed() bool {
	c := s.cond()
	return c != nil && c.failed
}

func (s *step) event(outcome Outcome, err error) Event {
	r := s.res()
	return Event{Outcome: outcome, Action: s.action.Action(), Type: r.Type(), ID: r.ID(), URI: r.URI(),
		Fingerprint: s.fp(), Reason: s.reason(), Err: err}
}

// plan is what a sync will do.
type plan struct {
	steps   []*step // every resource, by key
	writes  []*node // creates and updates (all desired resources for a whole-content destination), parents first
	deletes []*node // children first
	// kept counts destination resources of the synced types that no
	// origin holds and that stay because deletes were not asked for.
	kept     int
	warnings []string
	// encodeLate says the writes are encoded while they are written, to
	// a destination that holds its commits until every one was (apply.go).
	encodeLate bool
}

// DeleteLimit bounds how much a sync may delete: a count, or a percentage
// of the destination's resources in scope. The zero value is the default,
// 50%.
type DeleteLimit struct {
	Count   int
	Percent float64
	set     bool
}

// ParseDeleteLimit reads "N" or "N%".
func ParseDeleteLimit(s string) (DeleteLimit, error) {
	if p, ok := strings.CutSuffix(s, "%"); ok {
		f, err := strconv.ParseFloat(p, 64)
		if err != nil || f < 0 || f > 100 || math.IsNaN(f) {
			return DeleteLimit{}, fmt.Errorf("%q is not a percentage from 0%% to 100%%", s)
		}
		return DeleteLimit{Percent: f, set: true}, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return DeleteLimit{}, fmt.Errorf("%q is not a number of resources or a percentage (N or N%%)", s)
	}
	return DeleteLimit{Count: n, set: true}, nil
}

func (l DeleteLimit) String() string {
	switch {
	case !l.set:
		return "50%"
	case l.Percent > 0:
		return strconv.FormatFloat(l.Percent, 'g', -1, 64) + "%"
	}
	return strconv.Itoa(l.Count)
}

// allows says whether deleting n of total resources is within the limit.
func (l DeleteLimit) allows(n, total int) bool {
	if !l.set {
		return float64(n) <= 0.5*float64(total)
	}
	if l.Percent > 0 {
		return float64(n) <= l.Percent/100*float64(total)
	}
	return n <= l.Count
}

// makePlan decides one action per resource. Nothing is written; every
// guardrail that could stop the sync is checked here, so that a refused
// sync changes nothing.
func (r *syncRun) makePlan(ctx context.Context, origins, dest *inventory) (*plan, error) {
	p := &plan{}
	whole := r.destEP.wholeContent()
	inScope := map[string]bool{}
	for k := range origins.items {
		inScope[k.Type] = true
	}
	// scopeTotal counts what the destination holds in scope, for
	// --max-delete.
	scopeTotal := 0
	// Creates and updates, their steps in one allocation: they live until
	// the last write.
	slab := make([]step, len(origins.items))
	p.steps = make([]*step, 0, len(origins.items))
	for k, src := range origins.items {
		s := &slab[0]
		slab = slab[1:]
		*s = step{src: src, body: src.body}
		dst := dest.items[k]
		switch {
		case src.destSame:
			// Held as it is, in a document kept from the last sync whose
			// resource is not held twice (readDestination).
			s.action = actUnchanged
			if r.opts.Filter.Match(k.Type, k.ID) {
				scopeTotal++
			}
		case dst == nil:
			s.action = actCreate
		case dst.rec.Format() != r.format.Name:
			s.action, s.dst = actUpdate, dst
			s.setReason(fmt.Sprintf("stored as %s, written as %s", dst.rec.Format(), r.format.Name))
		case dst.fp == src.fp:
			s.action, s.dst = actUnchanged, dst
		default:
			s.action, s.dst = actUpdate, dst
			reason, err := r.difference(k.Type, src, dst)
			if err != nil {
				return nil, err
			}
			s.setReason(reason)
		}
		// The destination may hold a newer version (older.go).
		if s.action == actUpdate && r.opts.Older != nil {
			if err := r.keepNewer(s); err != nil {
				return nil, err
			}
		}
		p.steps = append(p.steps, s)
	}
	// What the destination holds and the origins do not.
	var deletes []*step
	for k, dst := range dest.items {
		selected := inScope[k.Type] && r.opts.Filter.Match(k.Type, k.ID)
		if selected {
			scopeTotal++
		}
		if _, ok := origins.items[k]; ok {
			continue
		}
		switch {
		case selected && r.opts.Delete:
			s := &step{action: actDelete, dst: dst, more: reasonInNoOrigin}
			deletes = append(deletes, s)
			p.steps = append(p.steps, s)
		case whole:
			// A whole-content destination keeps what it is not told to
			// drop only if it is written again.
			p.steps = append(p.steps, &step{action: actUnchanged, dst: dst, body: dst.body, more: reasonKept})
			if selected {
				p.kept++
			}
		case selected:
			p.kept++
		}
	}
	slices.SortFunc(p.steps, func(a, b *step) int { return compareKeys(a.key(), b.key()) })

	if r.opts.Delete {
		if err := r.checkDeletes(origins, len(deletes), scopeTotal); err != nil {
			return nil, err
		}
	}
	var writes []*step
	for _, s := range p.steps {
		switch {
		case s.action == actCreate || s.action == actUpdate:
			writes = append(writes, s)
		case whole && s.action == actUnchanged:
			writes = append(writes, s)
		}
	}
	p.warnings = danglingParents(writes, origins, dest, "in neither the origins nor the destination")
	if n := len(p.warnings); n > maxDanglingShown {
		// A collection pulled without the one its parents live in would
		// otherwise print a line per resource.
		p.warnings = append(p.warnings[:maxDanglingShown:maxDanglingShown], fmt.Sprintf(
			"and %d more parents that are in neither the origins nor the destination (resource-sync validate lists them all)",
			n-maxDanglingShown))
	}
	var err error
	if p.writes, err = order(writes, (*step).res); err != nil {
		return nil, err
	}
	if p.deletes, err = order(deletes, func(s *step) *record { return &s.dst.rec }); err != nil {
		return nil, fmt.Errorf("at the destination: %w", err)
	}
	reverseOrder(p.deletes)
	if err := r.mergeUpdates(p.writes); err != nil {
		return nil, err
	}
	r.jsonBodies = r.destJSONBodies()
	if p.encodeLate = r.destEP.can(CapHoldsCommits) && len(p.writes) > 0; !p.encodeLate && !r.jsonBodies {
		if err := r.encode(ctx, p.writes, nil); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// destJSONBodies says the destination builds its request bodies from each
// resource's canonical JSON when the sync writes JSON (json_bodies): the
// resources are not encoded for it.
func (r *syncRun) destJSONBodies() bool {
	if !r.destEP.recommended.GetJsonBodies() || r.destEP.can(CapContentWrites) {
		return false
	}
	return sdk.IsJSONMediaType(first(r.format.MediaTypes))
}

func compareKeys(a, b Key) int {
	if c := strings.Compare(a.Type, b.Type); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

// difference says where src and dst differ once normalized.
func (r *syncRun) difference(typ string, src, dst *found) (string, error) {
	a, err := r.normalizedBody(typ, src)
	if err != nil {
		return "", err
	}
	b, err := r.normalizedBody(typ, dst)
	if err != nil {
		return "", err
	}
	if d := firstDifference(b, a); d != "" {
		return "differs at " + d, nil
	}
	return "differs", nil
}

func (r *syncRun) normalizedBody(typ string, f *found) (any, error) {
	body, err := r.spill.get(f.body)
	if err != nil {
		return nil, err
	}
	v, err := r.norm.normalized(typ, body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.rec.describe(), err)
	}
	return v, nil
}

// ErrDeleteRefused is wrapped by the errors of the delete guardrails.
var ErrDeleteRefused = errors.New("deletes refused")

// checkDeletes enforces the delete guardrails before anything is done:
// every origin read completely and yielding resources, and no more deletes
// than --max-delete allows.
func (r *syncRun) checkDeletes(origins *inventory, n, total int) error {
	if len(origins.empty) > 0 {
		return fmt.Errorf("%w: %s yielded no resources; nothing was done rather than delete on the strength of an empty read",
			ErrDeleteRefused, strings.Join(origins.empty, ", "))
	}
	if n == 0 {
		return nil
	}
	if len(origins.incomplete) > 0 {
		return fmt.Errorf("%w: %d resources would be deleted, but an origin was read incompletely, so nothing was done:\n  %s",
			ErrDeleteRefused, n, strings.Join(origins.incomplete, "\n  "))
	}
	if !r.opts.MaxDelete.allows(n, total) {
		return fmt.Errorf("%w: %d of the destination's %d resources in scope would be deleted, more than --max-delete %s allows; nothing was done (raise --max-delete to proceed)",
			ErrDeleteRefused, n, total, r.opts.MaxDelete)
	}
	return nil
}

// maxDanglingShown is how many dangling parents a sync names; validate
// names them all.
const maxDanglingShown = 20

// danglingParents warns about parents that are in neither the origins nor
// the destination: the write goes ahead, and the server may drop the
// reference. A parent uri matches a resource's uri once both are
// normalized, or by path alone (two servers sharing a layout); a parent
// named by type and id matches that resource.
func danglingParents(writes []*step, origins, dest *inventory, nowhere string) []string {
	// The paths are listed only if a parent matches no uri, which is rare:
	// a set of strings per resource is a tenth of the plan's memory.
	// Both are built on first use: a sync writing nothing with a parent
	// (a re-sync with nothing to do) needs neither.
	var known, paths map[string]bool
	uris := func(add func(string)) {
		for _, inv := range []*inventory{origins, dest} {
			for _, f := range inv.items {
				if u := f.rec.URI(); u != "" {
					add(u)
				}
			}
		}
	}
	isKnown := func(p string) bool {
		if known == nil {
			known = map[string]bool{}
			uris(func(u string) { known[normalizeURI(u)] = true })
		}
		if known[normalizeURI(p)] {
			return true
		}
		if paths == nil {
			paths = map[string]bool{}
			uris(func(u string) { paths[uriPath(u)] = true })
		}
		return paths[normalizeURI(p)] || known[uriPath(p)] || paths[uriPath(p)]
	}
	var out []string
	for _, s := range writes {
		if s.src == nil {
			continue
		}
		for p := range s.src.rec.Parents() {
			if !isKnown(p) {
				out = append(out, fmt.Sprintf("%s names a parent that is %s: %s", s.src.rec.describe(), nowhere, p))
			}
		}
		for k := range s.src.rec.ParentRefs() {
			if origins.items[k] == nil && dest.items[k] == nil {
				out = append(out, fmt.Sprintf("%s names a parent that is %s: %s", s.src.rec.describe(), nowhere, k))
			}
		}
	}
	return out
}

// mergeUpdates makes each update's body keep the destination's ignored
// fields (--ignore).
func (r *syncRun) mergeUpdates(writes []*node) error {
	var problems []error
	for _, n := range writes {
		if n.src != nil && n.dst != nil && n.action == actUpdate {
			if err := r.mergeIgnored(n.step); err != nil {
				problems = append(problems, err)
			}
		}
	}
	if len(problems) > 0 {
		return &EncodeError{Problems: problems}
	}
	return nil
}

// encode puts every resource to write in the destination's format before
// any of them lands: a resource that cannot be encoded stops the sync
// while it has changed nothing. That is before the write, or during it
// when the destination holds its commits until every resource was
// encoded (plan.encodeLate). encoded, when set, hears the index of each
// write encoded, in order.
func (r *syncRun) encode(ctx context.Context, writes []*node, encoded func(i int)) error {
	var problems []error
	var mu sync.Mutex // results arrive on the stream's goroutine
	err := r.encodeEach(ctx, r.style(), len(writes), func(i int) (*pb.Value, error) {
		n := writes[i]
		body, err := r.spill.get(n.body)
		if err != nil {
			return nil, err
		}
		// A service destination gets secret values in place of their
		// placeholders (secretrun.go).
		if body, err = r.secrets.onWrite(n.res(), body); err != nil {
			return nil, err
		}
		return &pb.Value{Json: body, Source: n.res().Source(), Line: n.res().Line()}, nil
	}, func(i int, content []byte, err error) {
		n := writes[i]
		if err == nil && len(content) > batch.MaxResourceBytes {
			err = fmt.Errorf("in %s it is %.1f MiB; a resource may hold at most %d MiB",
				r.format.Name, float64(len(content))/(1<<20), batch.MaxResourceBytes>>20)
		}
		if err == nil {
			n.content, err = r.spill.put(content)
		}
		if err == nil && encoded != nil {
			encoded(i)
		}
		if err != nil {
			mu.Lock()
			problems = append(problems, fmt.Errorf("%s: %w", n.res().describe(), err))
			mu.Unlock()
		}
	})
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		return &EncodeError{Problems: problems}
	}
	return nil
}

// style is how the destination's documents are laid out: one resource
// per file, or items of a stream for the host's own stdout.
func (r *syncRun) style() pb.Encode_Style {
	if r.destEP.target.kind != endpointPlugin {
		return pb.Encode_STYLE_STREAM
	}
	return pb.Encode_STYLE_FILE_UNSPECIFIED
}

// encodeEach streams n values to the destination's formatter, in batches
// bounded by bytes, and hands each result to done (on another goroutine).
// A returned error is the formatter failing as a whole.
func (r *syncRun) encodeEach(ctx context.Context, style pb.Encode_Style, n int,
	value func(i int) (*pb.Value, error), done func(i int, content []byte, err error)) error {
	if n == 0 {
		return nil
	}
	fp, err := r.h.Plugin(ctx, r.format.plugin)
	if err != nil {
		return err
	}
	raw, err := fp.formatters().Encode(ctx)
	if err != nil {
		return fp.callError(ctx, err)
	}
	enc := newBatchStream(fp, raw)
	var sendErr error
	var b batch.Batcher[int]
	var values []*pb.Value
	flush := func() {
		idx, vals := b.Take(), values
		values = nil
		if sendErr != nil {
			return
		}
		size := 0
		for _, v := range vals {
			size += len(v.GetJson())
		}
		sendErr = enc.send(&pb.Encode_Request{Format: r.format.Name, Style: style, Values: vals}, size, func(resp *pb.Encode_Response) error {
			results := resp.GetResults()
			if len(results) != len(idx) {
				return fp.protocolError("answered %d values with %d encode results", len(idx), len(results))
			}
			for k, i := range idx {
				if d := results[k].GetError(); d != nil {
					done(i, nil, diagnosticError(d))
				} else {
					done(i, results[k].GetContent(), nil)
				}
			}
			return nil
		})
	}
	for i := range n {
		v, err := value(i)
		if err != nil {
			_ = enc.close() // its handlers must not run after this returns
			return err
		}
		values = append(values, v)
		if b.Add(i, len(v.GetJson())) {
			flush()
		}
	}
	if b.Len() > 0 {
		flush()
	}
	if err := enc.close(); err != nil && sendErr == nil {
		sendErr = err
	}
	return fp.callError(ctx, sendErr)
}

// mergeIgnored makes an update's body keep the destination's ignored
// fields.
func (r *syncRun) mergeIgnored(s *step) error {
	if len(r.norm.rules(s.src.rec.Type())) == 0 {
		return nil
	}
	src, err := r.spill.get(s.src.body)
	if err != nil {
		return err
	}
	dst, err := r.spill.get(s.dst.body)
	if err != nil {
		return err
	}
	merged, err := r.norm.keepIgnored(s.src.rec.Type(), src, dst)
	if err != nil {
		return fmt.Errorf("%s: %w", s.src.rec.describe(), err)
	}
	s.body, err = r.spill.put(merged)
	return err
}

// EncodeError lists the resources that could not be put in the
// destination's format; nothing was written.
type EncodeError struct{ Problems []error }

func (e *EncodeError) Error() string {
	return listError(fmt.Sprintf("%d resources could not be encoded; nothing was written", len(e.Problems)), e.Problems)
}
