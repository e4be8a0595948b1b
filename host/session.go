package host

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// Session is one sync made pass after pass, as resource-sync watch does:
// the plugins stay started and the endpoints open between passes.
//
// A pass reads every origin, but what an origin reads again is cheap:
//   - an origin declaring conditional reads (HTTP) is opened with
//     Open.conditional_reads; it yields a document unchanged since the last
//     pass (a 304 to a conditional GET) as Document.unchanged, without
//     content, and the host takes what it made of that document last time
//     (its resources, with their bodies in the spill file, and its links)
//     from the origin's docMemory instead of decoding and classifying it;
//   - when the origins hold exactly what the last fully applied pass
//     applied (a digest of every resource's key, uri, parents and
//     content), the pass is idle: the destination is not read and nothing
//     is planned.
//
// Otherwise a pass is a whole sync through the engine: the destination is
// read, the plan compares every resource, and only what changed is written
// or deleted, under the same guardrails. A transaction log (an origin
// listing its changes since a cursor) would replace the re-read: the
// session would patch the remembered inventory with the changes instead,
// and plan as it does now.
type Session struct {
	base *syncRun
	// memory is what the host made of each conditional origin's
	// documents in the last pass; nil for origins read whole every pass.
	memory []*docMemory
	// applied is the digest of the origins the last pass applied without
	// a failure; hasApplied says there is one.
	applied    [sha256.Size]byte
	hasApplied bool
	// reopen says a pass failed while reading the origins: what they and
	// the host remember may disagree, so they are opened anew.
	reopen bool
	open   *Pass // the pass not closed yet
}

// OpenSession starts the plugins of a sync and opens its endpoints, for
// passes made with Prepare. Close it when done.
func (h *Host) OpenSession(ctx context.Context, opts SyncOptions) (*Session, error) {
	r, err := h.startRun(ctx, opts, true)
	if err != nil {
		return nil, err
	}
	s := &Session{base: r}
	s.forget()
	return s, nil
}

// Conditional names the origins read with conditional reads: only what
// changed since the last pass crosses the wire.
func (s *Session) Conditional() []string {
	var names []string
	for i, m := range s.memory {
		if m != nil {
			names = append(names, s.base.originEPs[i].target.name())
		}
	}
	return names
}

// Pass is one pass of a session: a Run, and what the session learns when
// it is applied. Close it before preparing the next one.
type Pass struct {
	*Run
	s      *Session
	digest [sha256.Size]byte
}

// Prepare reads the origins and, unless they hold what the last fully
// applied pass applied, the destination, and plans. It returns a nil Pass
// when there is nothing to do. events hears about this pass's resources,
// as SyncOptions.Events does for a sync.
func (s *Session) Prepare(ctx context.Context, events func(Event)) (*Pass, error) {
	if s.open != nil {
		return nil, errors.New("the session's previous pass is still open")
	}
	if s.reopen {
		if err := s.reopenOrigins(ctx); err != nil {
			return nil, err
		}
	}
	if err := s.compact(); err != nil {
		return nil, err
	}
	r := s.newPass(events)
	var digest [sha256.Size]byte
	read := false
	run, err := r.readAndPlan(ctx, func(origins *inventory) bool {
		// Read whole: what the host made of the documents is what the
		// origins remember having sent.
		read = true
		s.memory = r.memory
		digest = originsDigest(origins)
		return s.hasApplied && digest == s.applied
	})
	if err != nil {
		s.reopen = s.reopen || !read
		return nil, err
	}
	if run == nil {
		return nil, nil
	}
	p := &Pass{Run: run, s: s, digest: digest}
	s.open = p
	return p, nil
}

// Apply carries out the pass's plan, as Run.Apply does. Once a pass
// applied without a failure, the next one with the same origins is idle;
// after a failure the next pass plans again, which retries.
func (p *Pass) Apply(ctx context.Context) (Summary, error) {
	sum, err := p.Run.Apply(ctx)
	p.s.hasApplied = err == nil
	p.s.applied = p.digest
	return sum, err
}

// Close ends the pass; the session's endpoints stay open.
func (p *Pass) Close() {
	p.Run.Close()
	if p.s.open == p {
		p.s.open = nil
	}
}

// Close closes the session's endpoints and drops what it remembers.
func (s *Session) Close() {
	s.base.shared = false
	s.base.close()
}

// newPass is a run sharing the session's endpoints, spill file and
// memory, with its own events, tally and secrets.
func (s *Session) newPass(events func(Event)) *syncRun {
	b := s.base
	return &syncRun{h: b.h, opts: b.opts, cat: b.cat, follow: b.follow, norm: b.norm,
		sink:    &eventSink{fn: events},
		origins: b.origins, dest: b.dest, schema: b.schema, format: b.format, replace: b.replace,
		originEPs: b.originEPs, destEP: b.destEP, spill: b.spill,
		secrets:     newSecretRun(b.opts.Secrets, b.dest, b.h.redact),
		conditional: true, shared: true,
		memory: append([]*docMemory(nil), s.memory...),
	}
}

// forget empties the memories of the conditional origins.
func (s *Session) forget() {
	s.memory = make([]*docMemory, len(s.base.originEPs))
	for i, o := range s.base.originEPs {
		if s.base.conditionalReads(o.target) {
			s.memory[i] = newDocMemory()
		}
	}
	s.hasApplied = false
}

// reopenOrigins opens the origins anew, so that they remember nothing the
// host does not.
func (s *Session) reopenOrigins(ctx context.Context) error {
	for _, o := range s.base.originEPs {
		o.close()
	}
	s.base.originEPs = nil
	if err := s.base.openOrigins(ctx); err != nil {
		return err
	}
	s.reopen = false
	s.forget()
	return nil
}

// compactAt is the spill file size below which a session never compacts
// it.
const compactAt = 64 << 20

// compact rewrites the spill file with only the bodies the memory still
// needs once it is mostly garbage: every pass adds what it read and
// encoded.
func (s *Session) compact() error {
	var live int64
	for _, m := range s.memory {
		m.eachFound(func(f *found) { live += int64(f.body.n) })
	}
	old := s.base.spill
	if old.size < compactAt || old.size < 2*live {
		return nil
	}
	fresh, err := newSpill()
	if err != nil {
		return err
	}
	for _, m := range s.memory {
		m.eachFound(func(f *found) {
			if err != nil {
				return
			}
			var body []byte
			if body, err = old.get(f.body); err == nil {
				f.body, err = fresh.put(body)
			}
		})
	}
	if err != nil {
		fresh.close()
		return err
	}
	old.close()
	s.base.spill = fresh
	return nil
}

// conditionalReads says whether origin t is opened for conditional
// reads: in a session, when its endpoint declares them. Not with secret
// fields, whose values are met only while a document is classified.
func (r *syncRun) conditionalReads(t target) bool {
	return r.conditional && t.kind == endpointPlugin && t.entry.Has(CapConditionalRead) && len(r.opts.Secrets) == 0
}

// originsDigest sums up everything a plan takes from the origins: a pass
// whose origins have the digest of the last applied one has nothing to do.
// Bodies count by their normalized fingerprint, as the plan compares them.
// Fields are length-prefixed, so no two inventories share an input.
func originsDigest(inv *inventory) [sha256.Size]byte {
	keys := make([]Key, 0, len(inv.items))
	for k := range inv.items {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareKeys)
	h := sha256.New()
	var buf []byte
	field := func(s string) {
		buf = binary.AppendUvarint(buf, uint64(len(s)))
		buf = append(buf, s...)
	}
	for _, k := range keys {
		f := inv.items[k]
		buf = buf[:0]
		field(k.Type)
		field(k.ID)
		field(f.rec.URI())
		buf = binary.AppendVarint(buf, int64(f.origin))
		buf = append(buf, f.fp[:]...)
		parents := slices.Collect(f.rec.Parents())
		buf = binary.AppendUvarint(buf, uint64(len(parents)))
		for _, p := range parents {
			field(p)
		}
		h.Write(buf)
	}
	buf = buf[:0]
	for _, list := range [][]string{inv.incomplete, inv.empty} {
		buf = binary.AppendUvarint(buf, uint64(len(list)))
		for _, s := range list {
			field(s)
		}
	}
	h.Write(buf)
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}

// docMemory is what the host made of the documents one origin yielded in
// a pass, by document (docKey).
type docMemory struct {
	mu   sync.Mutex
	docs map[string]*docMade
}

// docMade is what one document held: its resources (bodies in the spill
// file) and the links and aliases its classification gave.
type docMade struct {
	found   []*found
	links   []string
	aliases []string
	// uri and memo are the document's, for kept pages (pages.go).
	uri  string
	memo []byte
}

func newDocMemory() *docMemory { return &docMemory{docs: map[string]*docMade{}} }

// docKey names a document across passes: its uri, else its source.
func docKey(d *pb.Document) string {
	if u := d.GetUri(); u != "" {
		return "uri " + normalizeURI(u)
	}
	return "source " + d.GetSource()
}

// add records d as read in this pass, holding nothing yet, and returns its
// key.
func (m *docMemory) add(d *pb.Document) string {
	key := docKey(d)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.docs[key] == nil {
		m.docs[key] = &docMade{uri: d.GetUri(), memo: d.GetMemo()}
	}
	return key
}

func (m *docMemory) get(key string) *docMade {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.docs[key]
}

func (m *docMemory) put(key string, made *docMade) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.docs[key] = made
}

// eachFound calls fn for every resource remembered; m may be nil.
func (m *docMemory) eachFound(fn func(*found)) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, made := range m.docs {
		for _, f := range made.found {
			fn(f)
		}
	}
}

// addFound and addLinks record what a document held; made may be nil
// (nothing is remembered). The caller holds the reader's lock.
func (made *docMade) addFound(f *found) {
	if made != nil {
		made.found = append(made.found, f)
	}
}

func (made *docMade) addLinks(links, aliases []string) {
	if made != nil {
		made.links = append(made.links, links...)
		made.aliases = append(made.aliases, aliases...)
	}
}

// errNoCopy is an origin calling a document unchanged that the host did
// not keep: the session opens the origin anew and reads it whole.
var errNoCopy = errors.New("the endpoint says it is unchanged since the last pass, but the host kept nothing of it; the next pass reads the origin again in full")

// remember sets o up to use and record the session's memory of origin i.
func (o *originReader) remember(memory []*docMemory, i int) {
	if i < len(memory) && memory[i] != nil {
		o.prev, o.next = memory[i], newDocMemory()
	}
}

// reuse takes what an unchanged document held from the last pass.
func (o *originReader) reuse(d *pb.Document) error {
	key := docKey(d)
	var made *docMade
	if o.prev != nil {
		made = o.prev.get(key)
	}
	if made == nil || o.next == nil {
		o.mu.Lock()
		o.reuseFailed = true
		o.mu.Unlock()
		return fmt.Errorf("%s: %w", d.GetSource(), errNoCopy)
	}
	o.next.put(key, made)
	o.mu.Lock()
	o.reused++
	o.found = append(o.found, made.found...)
	links := o.newLinks(nil, made.links, made.aliases)
	o.mu.Unlock()
	o.follow(links)
	return nil
}
