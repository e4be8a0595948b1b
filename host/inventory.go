package host

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/resource-sync/resource-sync/internal/batch"
	"github.com/resource-sync/resource-sync/internal/layout"
	"github.com/resource-sync/resource-sync/internal/wire/fromproto"
	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
	"github.com/resource-sync/resource-sync/sdk"
)

// inventory is what one side of a sync holds: the merged origins, or the
// destination's current state for the types in scope.
type inventory struct {
	// versions, at a destination that lists versions, is what the last
	// sync made of its documents (versions.go); pages, at one listed with
	// an inventory, what it made of its pages (pages.go).
	versions *keptVersions
	pages    *keptPages
	items    map[Key]*found
	// documents counts what the endpoints yielded, to explain a read that
	// found no resources.
	documents int
	// incomplete says why a read may have missed resources; deletes are
	// refused on the strength of an incomplete origin.
	incomplete []string
	// empty names the origins that yielded no resources.
	empty []string
	// sameAsOrigin, at a destination read after the origins, is them: a
	// resource of theirs marked destSame is held there as it is.
	sameAsOrigin *inventory
}

// readOrigins reads every origin in turn and merges what they hold: a
// later origin's copy of a resource wins. Any problem fails the sync
// before anything is planned.
func (r *syncRun) readOrigins(ctx context.Context, origins []*openEndpoint) (*inventory, error) {
	return r.readOriginsInto(ctx, origins, nil, false)
}

// readOriginsInto reads the origins as readOrigins does, and passes scope
// each resource found as it is found (when not nil). With versions, an
// origin that lists its documents' versions is read only where they
// changed since the last sync (versions.go).
func (r *syncRun) readOriginsInto(ctx context.Context, origins []*openEndpoint, scope *scopeFeed, versions bool) (*inventory, error) {
	inv := &inventory{items: map[Key]*found{}}
	var problems []error
	for i, o := range origins {
		rd := &originReader{run: r, ep: o, origin: i, followLinks: r.follow != pb.Follow_FOLLOW_NONE && o.can(CapFetch), scope: scope}
		rd.remember(r.memory, i) // a session's pass (session.go)
		produce := o.read
		var v *keptVersions
		var kept, filtered []*found
		if versions {
			v = r.originVersions(o, rd.followLinks)
		}
		if i == 0 {
			rd.early = r.early
		}
		if v != nil {
			rd.versions = map[string]uint64{}
			produce = v.produce(o, func(hits []*found) {
				if len(hits) > 0 {
					// Kept from the last sync, not read again: not
					// staged either.
					r.early.stop(errors.New("the origin holds documents kept from the last sync"))
				}
				var part []*pb.Resource
				for _, f := range hits {
					if !r.opts.Filter.Match(f.rec.Type(), f.rec.ID()) {
						filtered = append(filtered, f) // kept for a sync without the filter
						continue
					}
					f.origin = int32(i)
					kept = append(kept, f)
					if scope != nil {
						part = append(part, scopeResource(f.rec.ID(), f.rec.Type(), f.rec.URI()))
					}
				}
				if len(part) > 0 {
					scope.add(part)
				}
			}, nil)
		}
		if err := rd.readAll(ctx, produce); err != nil {
			return nil, err
		}
		if rd.next != nil {
			r.memory[i] = rd.next
		}
		all := slices.Concat(kept, rd.found)
		if v != nil && len(rd.problems) == 0 && len(rd.incomplete) == 0 && !rd.warned {
			// Only a read without a problem or a warning is kept: a kept
			// document is not read again, so it would not warn again.
			if len(kept) > 0 {
				r.h.logger.Info(fmt.Sprintf("%s: %d of %d documents unchanged since the last sync, not read again",
					o.target.name(), len(kept)+len(filtered), rd.documents+len(kept)+len(filtered)))
			}
			if err := v.save(slices.Values(slices.Concat(all, filtered, rd.filtered))); err != nil {
				r.h.logger.Debug("origin versions not kept", "origin", o.target.name(), "error", err)
			}
		}
		problems = append(problems, rd.problems...)
		if len(all) == 0 && rd.unclassified > 0 {
			problems = append(problems, r.otherSchemas(o, rd))
		}
		inv.documents += rd.documents + len(kept) + len(filtered)
		inv.incomplete = append(inv.incomplete, rd.incomplete...)
		if len(all) == 0 {
			inv.empty = append(inv.empty, o.target.name())
		}
		if len(inv.items) == 0 {
			// Sized once: growing it would hold old and new tables at
			// once, at the read's peak.
			inv.items = make(map[Key]*found, len(all))
		}
		for _, f := range all {
			f.destSame = false // a session's last pass may have set it
			k := f.key()
			prev, ok := inv.items[k]
			if ok && int(prev.origin) == i {
				if same, err := r.sameContent(prev, f); err != nil {
					problems = append(problems, err)
				} else if !same {
					problems = append(problems, fmt.Errorf("%s is defined twice with different content: %s and %s",
						k, prev.rec.where(), f.rec.where()))
				}
				continue
			}
			if ok {
				r.h.logger.Info(fmt.Sprintf("%s from %s overrides the copy from %s",
					k, o.target.name(), origins[prev.origin].target.name()))
			}
			inv.items[k] = f
		}
	}
	if len(problems) > 0 {
		return nil, errorsJoin(problems)
	}
	return inv, nil
}

// sameContent says whether two copies of a resource in one origin hold
// the same: byte for byte, or, for a copy kept from the last sync without
// its body, by fingerprint.
func (r *syncRun) sameContent(a, b *found) (bool, error) {
	if a.cached || b.cached {
		return a.fp == b.fp, nil
	}
	return r.spill.same(a.body, b.body)
}

// otherSchemas explains an origin whose documents the schema refused,
// every one: they are likely resources of another kind.
func (r *syncRun) otherSchemas(o *openEndpoint, rd *originReader) error {
	var others []string
	for _, name := range r.cat.standaloneSchemas() {
		if name != r.schema.Name {
			others = append(others, name)
		}
	}
	hint := "no other schema is installed; a schema plugin for them would say how to read them"
	if len(others) > 0 {
		hint = "if they are resources of another kind, try another schema: " + strings.Join(others, ", ") + " (--schema NAME"
		if slices.Contains(others, "simple") {
			hint += "; --simple reads plain JSON with id and type fields"
		}
		hint += ")"
	}
	what := fmt.Sprintf("the %d documents", rd.classified)
	if rd.classified == 1 {
		what = "the document"
	}
	return fmt.Errorf("the %s schema recognised none of %s of %s; %s", r.schema.Name, what, o.target.name(), hint)
}

// readDestination reads what the destination holds of the types in scope:
// all of it for an endpoint that is cheap to read (compare-before-write),
// the collections of the resources to write for one that can list an
// inventory (an HTTP API), part after part as scope hands them out.
// Problems there are logged, not fatal: a resource the destination cannot
// show is written again, and one it cannot show is never deleted.
//
// With origins (read already), a document that holds what an origin
// holds, kept from the last sync or read, is not held at all: the
// origin's resource says so (found.destSame), the versions file keeps
// what it needs of it (sameDocument, pairedDocument), and the
// destination's inventory is only what differs.
func (r *syncRun) readDestination(ctx context.Context, dest *openEndpoint, scope *scopeFeed, origins *inventory) (*inventory, error) {
	inv := &inventory{items: map[Key]*found{}, sameAsOrigin: origins}
	var produce func(context.Context, chan<- docBatch) error
	var kept []*found // unchanged since the last sync (versions.go)
	same := 0         // of those, the ones held as the origins' (destSame)
	switch {
	case dest.can(CapInventory):
		inv.pages = r.destPages(dest)
		produce = func(ctx context.Context, out chan<- docBatch) error {
			more := false
			var memos []*pb.Memo
			if inv.pages != nil {
				memos = inv.pages.memos
			}
			for {
				part, last, err := scope.take(ctx)
				if err != nil {
					return err
				}
				if len(part) > 0 {
					if err := dest.inventory(ctx, part, more, memos, out); err != nil {
						return err
					}
					more, memos = true, nil
				}
				if last {
					return nil
				}
			}
		}
	case dest.can(CapCompareBeforeWrite) && dest.can(CapRead), dest.wholeContent() && dest.can(CapRead):
		produce = dest.read
		if inv.versions = r.destVersions(dest, origins); inv.versions != nil {
			produce = inv.versions.produce(dest, func(hits []*found) { kept = append(kept, hits...) }, func(hits []*found) {
				for _, o := range hits {
					o.destSame = true
				}
				same += len(hits)
			})
		}
	default:
		return inv, nil
	}
	rd := r.destReader(dest, inv.versions != nil)
	paired := 0 // read, and held as the origins' (destSame)
	if origins != nil && r.destPairs(dest) {
		asSame := r.sameAsOrigin(origins)
		if inv.versions != nil {
			inv.versions.maxPaired = len(origins.items) // a document each, nearly always
		}
		rd.held = func(f *found) bool {
			o := asSame(f)
			if o == nil || !inv.versions.pair(f, o) {
				return false
			}
			o.destSame = true
			paired++
			return true
		}
	}
	if inv.pages != nil {
		rd.prev, rd.next = inv.pages.last, inv.pages.next
	}
	if err := rd.readAll(ctx, produce); err != nil {
		inv.versions, inv.pages = nil, nil
		if origins != nil && same+paired > 0 {
			// Every resource is written after a failed read, these too.
			for _, f := range origins.items {
				f.destSame = false
			}
		}
		if err := r.destReadFailed(ctx, dest, inv, err); err != nil {
			return nil, err
		}
		return inv, nil
	}
	for _, p := range rd.problems {
		r.h.logger.Debug("destination", "problem", p)
	}
	inv.documents = rd.documents + len(kept) + same
	inv.incomplete = rd.incomplete
	if inv.versions != nil && inv.versions.lastCount > 0 {
		r.h.logger.Info(fmt.Sprintf("destination: %d of %d documents unchanged since the last sync, not read again",
			len(kept)+same, inv.documents), "destination", dest.target.name())
	}
	if inv.pages != nil {
		if len(inv.pages.memos) > 0 {
			r.h.logger.Info(fmt.Sprintf("destination: %d of %d pages unchanged since the last sync, not read again",
				rd.reused, rd.documents), "destination", dest.target.name())
		}
		if rd.reuseFailed {
			// The endpoint called unchanged a page the host kept nothing
			// of: what it holds there is unknown.
			inv.incomplete = append(inv.incomplete, "the destination called pages unchanged that were not kept")
		}
		// What is kept must be what a whole read would give. The pages
		// reused stay in use: their bodies are fetched as needed.
		inv.pages.discard = len(rd.problems) > 0 || len(rd.incomplete) > 0 || rd.warned
	}
	r.addDestination(inv, slices.Concat(rd.found, kept))
	return inv, nil
}

// sameAsOrigin returns the resource of origins that f, kept at the
// destination from the last sync, holds as it is: the plan would find it
// unchanged and needs nothing else of f.
func (r *syncRun) sameAsOrigin(origins *inventory) func(f *found) *found {
	return func(f *found) *found {
		o := origins.items[f.key()]
		if o == nil || o.fp != f.fp || f.rec.Format() != r.format.Name || f.rec.URI() != o.rec.URI() {
			return nil
		}
		return o
	}
}

// destReader reads what dest holds. Pages are followed whatever --follow
// says (it is about the origins), and only pages; versions keeps each
// document's version (versions.go).
func (r *syncRun) destReader(dest *openEndpoint, versions bool) *originReader {
	rd := &originReader{run: r, ep: dest, origin: -1, followLinks: dest.can(CapFetch), pagesOnly: true}
	if versions {
		rd.versions = map[string]uint64{}
	}
	return rd
}

// destReadFailed says what a failed read of the destination means:
// cancellation and a crashed plugin stop the sync; anything else only
// makes inv incomplete, so that every resource is written and none
// deleted.
func (r *syncRun) destReadFailed(ctx context.Context, dest *openEndpoint, inv *inventory, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var crash *CrashError
	if errors.As(err, &crash) {
		return err
	}
	r.h.logger.Warn("cannot read the destination to compare; every resource will be written and none deleted",
		"destination", dest.target.name(), "error", err)
	inv.incomplete = append(inv.incomplete, err.Error())
	return nil
}

// addDestination files found in inv; of two copies of a resource, the
// first is compared.
func (r *syncRun) addDestination(inv *inventory, found []*found) {
	for _, f := range found {
		if inv.sameAsOrigin != nil {
			if o := inv.sameAsOrigin.items[f.key()]; o != nil && o.destSame {
				r.h.logger.Debug("destination holds a resource twice; the copy that holds what the origins hold is compared",
					"resource", f.key().String(), "other", f.rec.where())
				continue
			}
		}
		if prev, ok := inv.items[f.key()]; ok {
			r.h.logger.Debug("destination holds a resource twice; the first copy is compared", "resource", f.key().String(),
				"first", prev.rec.where(), "second", f.rec.where())
			continue
		}
		inv.items[f.key()] = f
	}
}

// originReader runs one endpoint's documents through the formatters and
// the schema: read (or fetch) -> decode -> classify, each stage a stream
// with batches in flight, then fetches the links found, wave by wave.
type originReader struct {
	run         *syncRun
	ep          *openEndpoint
	origin      int
	early       *earlyWrite // stages what is read (early.go); nil when not
	followLinks bool
	// pagesOnly follows only the links of collection pages (aliases set),
	// for a destination inventory: its resources' other links lead to
	// what is not in scope.
	pagesOnly bool

	mu         sync.Mutex
	found      []*found
	problems   []error
	incomplete []string
	documents  int
	fetched    map[string]bool // normalized uris fetched, or named by a fetched page's aliases
	// versions are the versions of the single-value documents on their
	// way, by location, when the endpoint's are kept (versions.go);
	// filtered are the resources of such documents that the filter left
	// out, kept for a sync without it.
	versions map[string]uint64
	filtered []*found
	// warned says a warning was shown: the read's versions are not kept.
	warned bool
	work   *pipelineWork
	// fetchLinks starts a fetch of links in the read's group.
	fetchLinks func(links []string)
	// prev is what the host made of this origin's documents in a session's
	// last pass, for those the origin says are unchanged; next records
	// this pass's (session.go). Both nil outside conditional reads.
	prev, next *docMemory
	// reused counts the documents taken from prev; reuseFailed says one
	// called unchanged was not there.
	reused      int
	reuseFailed bool
	// etags holds the ETag of each document that had one, by normalized
	// uri: the ETag of the resource whose uri it is (conditional writes).
	etags map[string]string
	// classified and unclassified count the values the schema was given,
	// and those it refused.
	classified, unclassified int
	// scope, when set, hears of each resource an origin yields, for a
	// destination inventory listed while the origins are read.
	scope *scopeFeed
	// adopt, when set, may take a resource found instead of found
	// (readUncachedOrigins). Called with mu held.
	adopt func(*found) bool
	// held, when set, says a resource found, without its body yet, is
	// held already: a destination's copy of what an origin holds
	// (readDestination). It is then dropped. Called with mu held.
	held func(*found) bool
}

// readAll runs the endpoint's documents through one pipeline: produce
// (then fetch) -> decode -> classify, each stage a stream with batches in
// flight. Links a schema finds are fetched as soon as their page is
// classified, while other pages are still on their way: a collection's
// pages follow one another without waiting for a whole wave of fetches to
// be decoded and classified.
func (o *originReader) readAll(ctx context.Context, produce func(context.Context, chan<- docBatch) error) error {
	g, ctx := errgroup.WithContext(ctx)
	// One batch waits between stages: the streams' windows keep the
	// plugins busy, and every batch held costs up to batch.TargetBytes.
	docs := make(chan docBatch, 1)
	values := make(chan decoded, 1)
	o.work = &pipelineWork{done: func() { close(docs) }}
	o.fetched = map[string]bool{normalizeURI(o.ep.target.location): true}
	o.fetchLinks = func(links []string) {
		o.feed(ctx, g, docs, func(ctx context.Context, out chan<- docBatch) error { return o.ep.fetch(ctx, links, out) })
	}
	o.feed(ctx, g, docs, produce)
	g.Go(func() error {
		defer close(values)
		return o.decode(ctx, docs, values)
	})
	g.Go(func() error { return o.classify(ctx, values) })
	return g.Wait()
}

// feed runs produce (the first read, or one fetch of links) in the
// group, counting its documents into the pipeline's work before they go.
func (o *originReader) feed(ctx context.Context, g *errgroup.Group, docs chan<- docBatch, produce func(context.Context, chan<- docBatch) error) {
	o.work.start()
	g.Go(func() error {
		defer o.work.finish(0)
		out := make(chan docBatch)
		errc := make(chan error, 1)
		go func() {
			defer close(out)
			errc <- produce(ctx, out)
		}()
		for b := range out {
			o.work.add(len(b.docs))
			select {
			case docs <- b:
			case <-ctx.Done():
				o.work.finish(len(b.docs))
				for range out {
				}
				return ctx.Err()
			}
		}
		return <-errc
	})
}

// pipelineWork counts what is still moving through a read: fetches under
// way and documents or values not yet classified. When both reach zero no
// new link can appear, and the pipeline's input is closed.
type pipelineWork struct {
	mu      sync.Mutex
	fetches int
	pending int
	closed  bool
	done    func()
}

func (w *pipelineWork) start() {
	w.mu.Lock()
	w.fetches++
	w.mu.Unlock()
}

// add counts n more documents or values in the pipeline.
func (w *pipelineWork) add(n int) {
	w.mu.Lock()
	w.pending += n
	w.mu.Unlock()
}

// finish ends a fetch (settled 0) or settles n documents or values.
func (w *pipelineWork) finish(settled int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if settled == 0 {
		w.fetches--
	}
	w.pending -= settled
	if w.fetches == 0 && w.pending == 0 && !w.closed {
		w.closed = true
		w.done()
	}
}

// decoded is a batch of values and the formatter that produced them;
// docs names each value's document, when remembered for a session.
type decoded struct {
	values []*pb.Value
	docs   []string
	format string
}

// problem records a problem with the input. Warnings are shown and do not
// fail the read; a problem that made the read miss resources is also
// remembered, so that nothing is deleted on the strength of it.
func (o *originReader) problem(err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.problemLocked(err)
}

func (o *originReader) problemLocked(err error) {
	var e *sdk.Error
	if errors.As(err, &e) && (e.Warning || e.Incomplete) {
		if e.Incomplete {
			o.incomplete = append(o.incomplete, err.Error())
		}
		if e.Warning {
			o.warned = true
			o.run.warn(err.Error())
			return
		}
	}
	o.problems = append(o.problems, err)
}

// endpointError records a document the endpoint failed to read (a page
// that did not come, a file that could not be opened). At the destination
// it also makes the read incomplete: what that document held is unknown,
// so under --delete stale resources may remain there.
func (o *originReader) endpointError(err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.problemLocked(err)
	var e *sdk.Error
	if o.origin < 0 && !(errors.As(err, &e) && (e.Warning || e.Incomplete)) {
		o.incomplete = append(o.incomplete, err.Error())
	}
}

// decode sends each document to the formatter that claims it, one stream
// per formatter, opened when its first document arrives.
func (o *originReader) decode(ctx context.Context, in <-chan docBatch, out chan<- decoded) error {
	streams := map[string]*batchStream[pb.Decode_Request, pb.Decode_Response]{}
	plugins := map[string]*Plugin{}
	var failed error
	// A formatter that stops answering is noticed while waiting for
	// documents: the values in flight to it would never settle.
	ended, stop := make(chan string), make(chan struct{})
	defer close(stop)
	for failed == nil {
		var b docBatch
		var ok bool
		select {
		case b, ok = <-in:
		case <-ctx.Done():
		case name := <-ended:
			failed = plugins[name].callError(ctx, streams[name].failure())
		}
		if !ok || failed != nil {
			break
		}
		for _, err := range b.errs {
			o.endpointError(err)
		}
		o.mu.Lock()
		o.documents += len(b.docs)
		for _, d := range b.docs {
			if o.versions != nil && d.GetVersion() != "" && d.GetSingleValue() {
				o.versions[d.GetLocation()] = versionHash(d.GetVersion())
			}
			if d.GetEtag() != "" && d.GetUri() != "" {
				if o.etags == nil {
					o.etags = map[string]string{}
				}
				o.etags[normalizeURI(d.GetUri())] = d.GetEtag()
			}
		}
		o.mu.Unlock()
		groups := map[string][]*pb.Document{}
		var order []entry
		for _, d := range b.docs {
			if d.GetUnchanged() {
				// What it held comes from the last pass (session.go).
				if err := o.reuse(d); err != nil {
					o.problem(err)
				}
				o.work.finish(1)
				continue
			}
			e, ok := o.run.cat.formatterFor(d.GetMediaType(), d.GetExtension())
			if !ok {
				o.problem(fmt.Errorf("%s: no installed format reads %s", d.GetSource(), describeKind(d)))
				o.work.finish(1)
				continue
			}
			if _, ok := groups[e.Name]; !ok {
				order = append(order, e)
			}
			groups[e.Name] = append(groups[e.Name], d)
		}
		for _, e := range order {
			s, ok := streams[e.Name]
			if !ok {
				// On failure, break rather than return: the streams
				// already open must be closed first, or an answer still
				// on its way would be handed to a closed out.
				p, err := o.run.h.Plugin(ctx, e.plugin)
				if err != nil {
					failed = err
					break
				}
				raw, err := p.formatters().Decode(ctx)
				if err != nil {
					failed = p.callError(ctx, err)
					break
				}
				s = newBatchStream(p, raw)
				streams[e.Name], plugins[e.Name] = s, p
				go func(name string) {
					<-s.ended()
					select {
					case ended <- name:
					case <-stop:
					}
				}(e.Name)
			}
			format, sent, p := e.Name, groups[e.Name], plugins[e.Name]
			size := 0
			for _, d := range sent {
				size += len(d.GetContent())
			}
			err := s.send(&pb.Decode_Request{Format: format, Documents: sent}, size, func(resp *pb.Decode_Response) error {
				if len(resp.GetResults()) != len(sent) {
					return p.protocolError("answered %d documents with %d decode results", len(sent), len(resp.GetResults()))
				}
				var vals []*pb.Value
				var docs []string
				for i, res := range resp.GetResults() {
					if d := res.GetError(); d != nil {
						o.problem(diagnosticError(d))
						continue
					}
					if err := o.singleValue(sent[i], res.GetValues()); err != nil {
						o.problem(err)
						continue
					}
					vals = append(vals, res.GetValues()...)
					if o.next != nil && i < len(sent) {
						key := o.next.add(sent[i])
						for range res.GetValues() {
							docs = append(docs, key)
						}
					}
				}
				// The documents are settled; their values take their place.
				o.work.add(len(vals))
				o.work.finish(len(sent))
				if len(vals) == 0 {
					return nil
				}
				select {
				case out <- decoded{values: vals, docs: docs, format: format}:
				case <-ctx.Done():
				}
				return nil
			})
			if err != nil {
				failed = plugins[e.Name].callError(ctx, err)
				break
			}
		}
	}
	for name, s := range streams {
		if err := s.close(); err != nil && failed == nil {
			failed = plugins[name].callError(ctx, err)
		}
	}
	return failed
}

// singleValue refuses a document of a layout holding one value per
// document (a file of the directory layout) that decoded to none or to
// several.
func (o *originReader) singleValue(d *pb.Document, values []*pb.Value) error {
	switch {
	case !d.GetSingleValue() || len(values) == 1:
		return nil
	case len(values) == 0:
		return &sdk.Error{Source: d.GetSource(), Msg: layout.ErrNoResource.Error()}
	}
	return &sdk.Error{Source: d.GetSource(), Line: int(values[1].GetLine()), Msg: layout.ErrSecondResource.Error()}
}

func describeKind(d *pb.Document) string {
	if d.GetMediaType() != "" {
		return "media type " + d.GetMediaType()
	}
	if d.GetExtension() != "" {
		return d.GetExtension() + " files"
	}
	return "documents without an extension or media type"
}

// classify runs values through the schema, collecting resources and links.
func (o *originReader) classify(ctx context.Context, in <-chan decoded) error {
	p, err := o.run.h.Plugin(ctx, o.run.schema.plugin)
	if err != nil {
		return err
	}
	raw, err := p.schemas().Classify(ctx)
	if err != nil {
		return p.callError(ctx, err)
	}
	s := newBatchStream(p, raw)
	follow := o.run.follow
	if o.pagesOnly {
		follow = pb.Follow_FOLLOW_PAGE_UNSPECIFIED
	}
	var failed error
	for failed == nil {
		var d decoded
		var ok bool
		select {
		case d, ok = <-in:
		case <-s.ended():
			// The schema stopped answering: the values in flight will
			// never settle.
			failed = s.failure()
		}
		if !ok || failed != nil {
			break
		}
		var b batch.Batcher[docValue]
		flush := func() error {
			format, batch := d.format, b.Take()
			values := make([]*pb.Value, len(batch))
			docs := make([]string, len(batch))
			size := 0
			for i, dv := range batch {
				values[i], docs[i] = dv.value, dv.doc
				size += len(dv.value.GetJson())
			}
			return s.send(&pb.Classify_Request{Schema: o.run.schema.Name, Follow: follow, Values: values,
				Options: o.run.schemaOptions(o.ep), AcceptsSpans: true}, size,
				func(resp *pb.Classify_Response) error {
					if len(resp.GetResults()) != len(values) {
						return p.protocolError("answered %d values with %d classify results", len(values), len(resp.GetResults()))
					}
					if err := fromproto.ResolveSpans(values, resp); err != nil {
						return p.protocolError("%v", err)
					}
					o.collect(resp, format, docs)
					return nil
				})
		}
		for i, v := range d.values {
			dv := docValue{value: v}
			if i < len(d.docs) {
				dv.doc = d.docs[i]
			}
			if b.Add(dv, len(v.GetJson())) && failed == nil {
				failed = flush()
			}
		}
		if b.Len() > 0 && failed == nil {
			failed = flush()
		}
		// On failure, return without draining in: what is in flight would
		// never settle; the failure cancels the read instead.
	}
	if err := s.close(); err != nil && failed == nil {
		failed = err
	}
	return p.callError(ctx, failed)
}

// docValue is a value to classify and the document it came from, when
// remembered for a session.
type docValue struct {
	value *pb.Value
	doc   string
}

// collect keeps the resources a schema found in the values of docs (one
// entry per value): checked, filtered, fingerprinted, their bodies moved
// to the spill file; the links found start fetching at once.
func (o *originReader) collect(resp *pb.Classify_Response, format string, docs []string) {
	// The values are settled only once their links are on their way.
	defer o.work.finish(len(docs))
	o.mu.Lock()
	defer o.mu.Unlock()
	o.classified += len(resp.GetResults())
	var links []string
	var scope []*pb.Resource
	for i, res := range resp.GetResults() {
		var made *docMade
		if o.next != nil && i < len(docs) {
			made = o.next.get(docs[i])
		}
		if d := res.GetError(); d != nil {
			o.unclassified++
			o.problemLocked(diagnosticError(d))
			continue
		}
		// A document's version is kept only when it holds one resource:
		// what the last sync made of it is then one record.
		single := len(res.GetResources()) == 1
		for _, r := range res.GetResources() {
			var version uint64
			if o.versions != nil {
				if single {
					version = o.versions[r.GetLocation()]
				}
				delete(o.versions, r.GetLocation())
			}
			if err := o.accept(r); err != nil {
				if o.origin < 0 {
					o.run.h.logger.Debug("destination resource left alone", "reason", err)
				} else {
					o.problems = append(o.problems, err)
				}
				continue
			}
			// The destination is filtered when planned: a whole-content
			// destination must keep what the filter leaves out.
			if o.origin >= 0 && !o.run.opts.Filter.Match(r.GetType(), r.GetId()) {
				if version != 0 {
					o.keepFiltered(r, format, version)
				}
				continue
			}
			// Secret fields become placeholders before the body is kept
			// anywhere (secretrun.go).
			if err := o.run.secrets.onRead(r, o.origin >= 0); err != nil {
				o.problems = append(o.problems, err)
				continue
			}
			// The ETag is the one its document came with, if any.
			r.Etag = ""
			if u := r.GetUri(); u != "" && o.etags != nil {
				r.Etag = o.etags[normalizeURI(u)]
			}
			f := &found{rec: toRecord(r, format), origin: int32(o.origin), version: version}
			fp, err := o.run.norm.fingerprint(r.GetType(), r.GetJson())
			if err != nil {
				o.problems = append(o.problems, fmt.Errorf("%s: %w", describeResource(r), err))
				continue
			}
			f.fp = fp
			if o.held != nil && o.held(f) {
				continue
			}
			sp, err := o.run.spill.put(r.GetJson())
			if err != nil {
				o.problems = append(o.problems, err)
				continue
			}
			f.body = sp
			if o.adopt != nil && o.adopt(f) {
				continue
			}
			o.found = append(o.found, f)
			o.early.add(f, r.GetJson())
			made.addFound(f)
			if o.scope != nil {
				scope = append(scope, scopeResource(r.GetId(), r.GetType(), r.GetUri()))
			}
		}
		made.addLinks(res.GetLinks(), res.GetAliases())
		links = o.newLinks(links, res.GetLinks(), res.GetAliases())
	}
	if len(scope) > 0 {
		o.scope.add(scope)
	}
	o.early.flush()
	o.follow(links)
}

// keepFiltered records, for the origin's kept versions, a resource the
// filter leaves out of this sync: without its body, as a kept one. Called
// with o.mu held. Versions are not kept with secret fields, so r holds
// none.
func (o *originReader) keepFiltered(r *pb.Resource, format string, version uint64) {
	fp, err := o.run.norm.fingerprint(r.GetType(), r.GetJson())
	if err != nil {
		return
	}
	o.filtered = append(o.filtered, &found{rec: toRecord(r, format), origin: int32(o.origin), version: version, fp: fp, body: noBody})
}

// newLinks adds to links those not fetched yet. A page's other names
// (aliases) count as fetched first: a prev link back to it is not fetched
// again. Called with o.mu held.
func (o *originReader) newLinks(links, found, aliases []string) []string {
	for _, a := range aliases {
		o.fetched[normalizeURI(a)] = true
	}
	for _, l := range found {
		if k := normalizeURI(l); !o.fetched[k] {
			o.fetched[k] = true
			links = append(links, l)
		}
	}
	return links
}

// follow starts fetching links, when this read follows any.
func (o *originReader) follow(links []string) {
	if o.followLinks && len(links) > 0 {
		o.fetchLinks(links)
	}
}

// accept checks what every resource must satisfy before anything is
// written: a usable type and id, and a size that crosses the plugin
// boundary with its encoded form.
func (o *originReader) accept(r *pb.Resource) error {
	if err := checkIdentity(r); err != nil {
		return err
	}
	if n := len(r.GetJson()); n > batch.MaxResourceBytes {
		return fmt.Errorf("%s is %.1f MiB; a resource may hold at most %d MiB", describeResource(r),
			float64(n)/(1<<20), batch.MaxResourceBytes>>20)
	}
	return nil
}
