package host

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/resource-sync/resource-sync/internal/batch"
	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// found is a resource read from an origin. Its body is in the spill
// file (res.Json is nil); sum identifies the body.
type found struct {
	res    *pb.Resource
	origin int
	format string // the formatter that decoded it
	sum    [sha256.Size]byte
	body   span
}

func (f *found) key() string { return resourceKey(f.res) }

func resourceKey(r *pb.Resource) string { return r.GetType() + "\x00" + r.GetId() }

func describeResource(r *pb.Resource) string {
	where := r.GetSource()
	if r.GetLine() > 0 {
		where = fmt.Sprintf("%s:%d", where, r.GetLine())
	}
	return fmt.Sprintf("%s/%s (%s)", r.GetType(), r.GetId(), where)
}

// readOrigins reads every origin in turn and merges what they hold: a
// later origin's copy of a resource wins.
func (r *syncRun) readOrigins(ctx context.Context, origins []*openEndpoint) ([]*found, error) {
	merged := map[string]*found{}
	var problems []error
	for i, o := range origins {
		rd := &originReader{run: r, ep: o, origin: i, follow: r.follow != pb.Follow_FOLLOW_NONE && o.can(CapFetch), spill: r.spill}
		if err := rd.readAll(ctx); err != nil {
			return nil, err
		}
		problems = append(problems, rd.problems...)
		seen := map[string]*found{}
		for _, f := range rd.found {
			k := f.key()
			if prev, ok := seen[k]; ok {
				if prev.sum != f.sum {
					problems = append(problems, fmt.Errorf("%s/%s is defined twice with different content: %s and %s",
						f.res.GetType(), f.res.GetId(), where(prev.res), where(f.res)))
				}
				continue
			}
			seen[k] = f
			if prev, ok := merged[k]; ok && prev.origin != i {
				r.h.logger.Info(fmt.Sprintf("%s/%s from %s overrides the copy from %s",
					f.res.GetType(), f.res.GetId(), o.target.location, origins[prev.origin].target.location))
			}
			merged[k] = f
		}
	}
	if len(problems) > 0 {
		return nil, errorsJoin(problems)
	}
	out := make([]*found, 0, len(merged))
	for _, f := range merged {
		out = append(out, f)
	}
	return out, nil
}

func where(r *pb.Resource) string {
	if r.GetLine() > 0 {
		return fmt.Sprintf("%s:%d", r.GetSource(), r.GetLine())
	}
	return r.GetSource()
}

// existingResource is what the destination already holds for a key.
type existingResource struct {
	sum      [sha256.Size]byte
	location string
	format   string
}

// readExisting reads the destination when it asks to be compared against,
// so unchanged resources are not rewritten. Problems there only cost a
// rewrite, so they are logged, not fatal.
func (r *syncRun) readExisting(ctx context.Context, dest *openEndpoint) map[string]existingResource {
	if !dest.can(CapCompareBeforeWrite) || !dest.can(CapRead) {
		return nil
	}
	rd := &originReader{run: r, ep: dest, origin: -1}
	if err := rd.readAll(ctx); err != nil {
		r.h.logger.Warn("cannot read the destination to compare; every resource will be written", "error", err)
		return nil
	}
	for _, p := range rd.problems {
		r.h.logger.Debug("destination", "problem", p)
	}
	have := make(map[string]existingResource, len(rd.found))
	for _, f := range rd.found {
		have[f.key()] = existingResource{sum: f.sum, location: f.res.GetLocation(), format: f.format}
	}
	return have
}

// originReader runs one endpoint's documents through the formatters and
// the schema: read (or fetch) -> decode -> classify, each stage a stream
// with batches in flight, then fetches the links found, wave by wave.
type originReader struct {
	run    *syncRun
	ep     *openEndpoint
	origin int
	follow bool
	spill  *spill // where bodies go; nil keeps only their sums

	mu       sync.Mutex
	found    []*found
	problems []error
	links    []string
	aliases  []string // uris of documents already fetched under another uri
}

func (o *originReader) readAll(ctx context.Context) error {
	fetched := map[string]bool{}
	first := true
	for {
		var links []string
		for _, a := range o.aliases {
			fetched[normalizeURI(a)] = true
		}
		o.aliases = nil
		if !first {
			for _, l := range o.links {
				n := normalizeURI(l)
				if !fetched[n] {
					fetched[n] = true
					links = append(links, l)
				}
			}
			if len(links) == 0 {
				return nil
			}
		}
		o.links = nil
		err := o.wave(ctx, func(ctx context.Context, out chan<- docBatch) error {
			if first {
				return o.ep.read(ctx, out)
			}
			return o.ep.fetch(ctx, links, out)
		})
		if err != nil {
			return err
		}
		if first {
			fetched[normalizeURI(o.ep.target.location)] = true
			first = false
		}
		if !o.follow {
			return nil
		}
	}
}

// decoded is a batch of values and the formatter that produced them.
type decoded struct {
	values []*pb.Value
	format string
}

func (o *originReader) wave(ctx context.Context, produce func(context.Context, chan<- docBatch) error) error {
	g, ctx := errgroup.WithContext(ctx)
	docs := make(chan docBatch, 4)
	values := make(chan decoded, 4)
	g.Go(func() error {
		defer close(docs)
		return produce(ctx, docs)
	})
	g.Go(func() error {
		defer close(values)
		return o.decode(ctx, docs, values)
	})
	g.Go(func() error { return o.classify(ctx, values) })
	return g.Wait()
}

func (o *originReader) problem(err error) {
	o.mu.Lock()
	o.problems = append(o.problems, err)
	o.mu.Unlock()
}

// decode sends each document to the formatter that claims it, one stream
// per formatter, opened when its first document arrives.
func (o *originReader) decode(ctx context.Context, in <-chan docBatch, out chan<- decoded) error {
	streams := map[string]*batchStream[pb.Decode_Request, pb.Decode_Response]{}
	plugins := map[string]*Plugin{}
	var failed error
	for b := range in {
		for _, err := range b.errs {
			o.problem(err)
		}
		groups := map[string][]*pb.Document{}
		var order []entry
		for _, d := range b.docs {
			e, ok := o.run.cat.formatterFor(d.GetMediaType(), d.GetExtension())
			if !ok {
				o.problem(fmt.Errorf("%s: no installed format reads %s", d.GetSource(), describeKind(d)))
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
				p, err := o.run.h.Plugin(ctx, e.plugin)
				if err != nil {
					return err
				}
				raw, err := p.formatters().Decode(ctx)
				if err != nil {
					return p.callError(ctx, err)
				}
				s = newBatchStream(raw)
				streams[e.Name], plugins[e.Name] = s, p
			}
			format := e.Name
			err := s.send(&pb.Decode_Request{Format: format, Documents: groups[e.Name]}, func(resp *pb.Decode_Response) {
				var vals []*pb.Value
				for _, res := range resp.GetResults() {
					if d := res.GetError(); d != nil {
						o.problem(diagnosticError(d))
						continue
					}
					vals = append(vals, res.GetValues()...)
				}
				select {
				case out <- decoded{values: vals, format: format}:
				case <-ctx.Done():
				}
			})
			if err != nil {
				failed = plugins[e.Name].callError(ctx, err)
				break
			}
		}
		if failed != nil {
			break
		}
	}
	for name, s := range streams {
		if err := s.close(); err != nil && failed == nil {
			failed = plugins[name].callError(ctx, err)
		}
	}
	return failed
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
	s := newBatchStream(raw)
	var failed error
	for d := range in {
		var b batch.Batcher[*pb.Value]
		flush := func() error {
			format := d.format
			return s.send(&pb.Classify_Request{Schema: o.run.schema.Name, Follow: o.run.follow, Values: b.Take()},
				func(resp *pb.Classify_Response) { o.collect(resp, format) })
		}
		for _, v := range d.values {
			if b.Add(v, len(v.GetJson())) && failed == nil {
				failed = flush()
			}
		}
		if b.Len() > 0 && failed == nil {
			failed = flush()
		}
		if failed != nil {
			for range in {
			}
			break
		}
	}
	if err := s.close(); err != nil && failed == nil {
		failed = err
	}
	return p.callError(ctx, failed)
}

func (o *originReader) collect(resp *pb.Classify_Response, format string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, res := range resp.GetResults() {
		if d := res.GetError(); d != nil {
			o.problems = append(o.problems, diagnosticError(d))
			continue
		}
		for _, r := range res.GetResources() {
			// Secret fields become placeholders before the body is kept
			// anywhere (secretrun.go).
			if err := o.run.secrets.onRead(r, o.origin >= 0); err != nil {
				o.problems = append(o.problems, err)
				continue
			}
			f := &found{res: r, origin: o.origin, format: format, sum: sha256.Sum256(r.GetJson())}
			if o.spill != nil {
				sp, err := o.spill.put(r.GetJson())
				if err != nil {
					o.problems = append(o.problems, err)
					continue
				}
				f.body = sp
			}
			r.Json = nil
			o.found = append(o.found, f)
		}
		o.links = append(o.links, res.GetLinks()...)
		o.aliases = append(o.aliases, res.GetAliases()...)
	}
}

// normalizeURI makes equal uris compare equal: query parameters sorted,
// fragment and trailing slash dropped, scheme and host lower-cased.
func normalizeURI(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return s
	}
	u.Fragment = ""
	u.Host = strings.ToLower(u.Host)
	u.Scheme = strings.ToLower(u.Scheme)
	u.RawQuery = u.Query().Encode() // Encode sorts by key
	if len(u.Path) > 1 {
		u.Path = strings.TrimSuffix(u.Path, "/")
		u.RawPath = ""
	}
	return u.String()
}
