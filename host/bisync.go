package host

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// Bidirectional sync: two locations, each read and written, kept alike
// through a journal of what both held after the last run (journal.go).
// Each run reads both sides (whole, or through a transaction log since
// the journal's cursor), classifies every resource on each side against
// the journal, decides (bisync_decide.go) and then, per side, plans and
// applies on the sync engine: creates and updates parents first, deletes
// children first, conditional where the side does conditional writes
// (bisync_apply.go).

// ConflictPolicy decides a resource changed differently on both sides.
type ConflictPolicy string

const (
	// ConflictFail lists the conflict and leaves both sides as they are.
	ConflictFail ConflictPolicy = "fail"
	// ConflictNewer keeps the side whose update field is greater; a tie,
	// or a side without the field, is left as under fail.
	ConflictNewer ConflictPolicy = "newer"
	// ConflictA and ConflictB keep that side's version, deletion included.
	ConflictA ConflictPolicy = "a"
	ConflictB ConflictPolicy = "b"
)

// ParseConflictPolicy reads fail, newer, a or b.
func ParseConflictPolicy(s string) (ConflictPolicy, error) {
	switch p := ConflictPolicy(strings.ToLower(s)); p {
	case ConflictFail, ConflictNewer, ConflictA, ConflictB:
		return p, nil
	}
	return "", fmt.Errorf("%q is not a conflict policy (want fail, newer, a or b)", s)
}

// DefaultBisyncRounds bounds how often a resource that changed during a
// run (a failed precondition) is read again and planned again.
const DefaultBisyncRounds = 3

// BisyncOptions says which two locations to keep alike, and how.
type BisyncOptions struct {
	A, B Location
	// Schema names the schema component; Follow is none, page, child or
	// all, for reading both sides.
	Schema string
	Follow string
	// Formats each side is written in ("" for the endpoint's default, else
	// the one most of the side's resources are stored in, else YAML).
	Formats [2]string
	// Resync makes both sides hold the union of what they hold, ignoring
	// (and then rebuilding) the journal; the first run needs it.
	Resync bool
	// Conflict decides resources changed differently on both sides.
	Conflict ConflictPolicy
	// UpdatedField is the field ConflictNewer compares: a JSON pointer
	// or a top-level field name; RFC 3339 times or integers.
	UpdatedField string
	// MaxDelete bounds the deletes on each side (default 50% of what it
	// holds in scope).
	MaxDelete DeleteLimit
	Ignore    []IgnoreRule
	Filter    Filter
	FailFast  bool
	// DryRun reads and plans; nothing is written, the journal included.
	DryRun bool
	// Events hears about every resource on each side: planned, then its
	// outcome; Event.Side says which. Never called concurrently.
	Events func(Event)
	// Journal overrides where the journal lives (a file); by default it is
	// under .resource-sync/ inside a directory side, else in StateDir.
	Journal string
	// Rounds bounds re-reads after failed preconditions (default
	// DefaultBisyncRounds).
	Rounds int
}

// sideNames name the two sides in messages and events.
var sideNames = [2]string{"A", "B"}

// bside is one side of a bisync: read, then written.
type bside struct {
	i    int
	name string // "A (./data)"
	run  *syncRun
	// readEP reads the side; run.destEP writes it (the same endpoint
	// unless the format written had to change once the side was read).
	readEP *openEndpoint
	inv    *inventory
	// trusted says the read was whole: a resource the journal knows and
	// the read lacks was deleted here. An incomplete or empty read is not
	// trusted with deletions.
	trusted   bool
	untrusted string // why not
	// viaFeed says only the transaction log was read: resources it did
	// not name are as the journal says, without a body.
	viaFeed bool
	// cursor is the transaction-log position this read started from, to
	// save in the journal after a settled run.
	cursor  string
	fetched int // resources read one by one (feed, re-reads)
}

// bisyncRun is a prepared bisync.
type bisyncRun struct {
	h       *Host
	opts    BisyncOptions
	cat     *catalog
	norm    *normalizer
	schema  entry
	follow  pb.Follow
	spill   *spill
	journal *journal
	sides   [2]*bside
	sink    *eventSink
	// updated is the UpdatedField as pointer tokens.
	updated []string

	items map[Key]*bitem // every resource either side or the journal holds
	keys  []Key          // sorted
	plans [2]*plan
	// warnings are shown once the run ends.
	mu       sync.Mutex
	warnings []string
}

// BisyncRun is a prepared bisync: both sides read and the plan made,
// nothing written. Close it when done: it holds the journal's lock.
type BisyncRun struct {
	b       *bisyncRun
	applied bool
}

// PrepareBisync locks the journal of the two locations, reads both sides
// and plans what to write to each. Nothing is written; any guardrail the
// plan would break stops it here.
func (h *Host) PrepareBisync(ctx context.Context, opts BisyncOptions) (_ *BisyncRun, err error) {
	follow, ok := follows[opts.Follow]
	if !ok {
		return nil, usageErrorf("unknown follow mode %q (want none, page, child or all)", opts.Follow)
	}
	if err := opts.Filter.Validate(); err != nil {
		return nil, &UsageError{Err: err}
	}
	if opts.Conflict == "" {
		opts.Conflict = ConflictFail
	}
	if _, err := ParseConflictPolicy(string(opts.Conflict)); err != nil {
		return nil, &UsageError{Err: err}
	}
	if opts.Rounds <= 0 {
		opts.Rounds = DefaultBisyncRounds
	}
	b := &bisyncRun{h: h, opts: opts, follow: follow, items: map[Key]*bitem{}, sink: &eventSink{fn: opts.Events}}
	switch {
	case opts.Conflict == ConflictNewer && opts.UpdatedField == "":
		return nil, usageErrorf("--conflict newer compares a field: name it with --updated-field (updatedAt, or a JSON pointer)")
	case opts.UpdatedField != "":
		p := opts.UpdatedField
		if !strings.HasPrefix(p, "/") {
			p = "/" + escapeToken(p)
		}
		if b.updated, err = pointerTokens(p); err != nil {
			return nil, usageErrorf("--updated-field %s: %v", opts.UpdatedField, err)
		}
	}
	if b.norm, err = newNormalizer(opts.Ignore); err != nil {
		return nil, &UsageError{Err: err}
	}
	b.cat = h.catalog(ctx)
	if err := b.cat.usable(); err != nil {
		return nil, err
	}
	if b.schema, err = b.cat.schema(schemaOrDefault(opts.Schema)); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			b.close()
		}
	}()
	var targets [2]target
	for i, loc := range []Location{opts.A, opts.B} {
		if targets[i], err = b.resolveSide(i, loc); err != nil {
			return nil, err
		}
	}
	ids := [2]string{sideID(targets[0]), sideID(targets[1])}
	if ids[0] == ids[1] {
		return nil, usageErrorf("A and B are the same location: %s", targets[0].name())
	}
	path := opts.Journal
	if path == "" {
		if path, err = journalPath(ids, journalDir(targets)); err != nil {
			return nil, err
		}
	}
	if b.journal, err = openJournal(path, ids); err != nil {
		return nil, err
	}
	if !opts.Resync && !b.journal.exists {
		return nil, usageErrorf("no bisync journal for %s and %s yet: the first run needs --resync, which makes both hold what either holds (%s)",
			targets[0].name(), targets[1].name(), b.journal.path)
	}

	if err := h.StartAll(ctx, b.plugins(targets)); err != nil {
		return nil, err
	}
	if b.spill, err = newSpill(); err != nil {
		return nil, err
	}
	for i, t := range targets {
		if b.sides[i], err = b.openSide(ctx, i, t); err != nil {
			return nil, err
		}
	}
	if err := b.adopt(ctx); err != nil {
		return nil, err
	}
	// The schema and ignore rules are settled: the journal's fingerprints
	// must have been made the same way.
	compare := b.compareSignature()
	switch {
	case opts.Resync:
		b.journal.entries, b.journal.cursors = map[Key]*journalEntry{}, [2]string{}
		b.journal.compare = compare
	case b.journal.compare != compare:
		return nil, usageErrorf("the last bisync of these locations compared resources otherwise (%s, now %s): fingerprints would all differ; run again with --resync",
			b.journal.compare, compare)
	}
	g, gctx := errgroup.WithContext(ctx)
	for _, s := range b.sides {
		g.Go(func() error { return b.readSide(gctx, s) })
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	for _, s := range b.sides {
		if err := b.chooseFormat(ctx, s); err != nil {
			return nil, err
		}
	}
	b.classifyAll()
	if err := b.prefetch(ctx, b.keys); err != nil {
		return nil, err
	}
	if err := b.makePlans(ctx, b.keys, true); err != nil {
		return nil, err
	}
	for i, p := range b.plans {
		for _, s := range p.steps {
			b.sides[i].run.sink.emit(s.event(OutcomePlanned, nil))
		}
	}
	return &BisyncRun{b: b}, nil
}

// resolveSide finds the endpoint of one side: it must be read and written.
func (b *bisyncRun) resolveSide(i int, loc Location) (target, error) {
	r := &syncRun{h: b.h, cat: b.cat}
	t, err := r.resolveOne(loc)
	if err != nil {
		return t, err
	}
	switch {
	case t.kind != endpointPlugin:
		return t, usageErrorf("bisync %s: %s holds nothing to keep in sync", sideNames[i], t.name())
	case !t.entry.Has(CapRead):
		return t, usageErrorf("bisync %s: %s endpoints cannot be read: %s", sideNames[i], t.entry.Name, t.name())
	case !t.entry.Has(CapWrite):
		return t, usageErrorf("bisync %s: %s endpoints cannot be written: %s", sideNames[i], t.entry.Name, t.name())
	case !t.entry.Has(CapDelete) && !t.entry.Has(CapReplace):
		return t, usageErrorf("bisync %s: %s endpoints cannot remove resources, so deletions could not be kept in sync: %s",
			sideNames[i], t.entry.Name, t.name())
	}
	return t, nil
}

// sideID identifies a location in the journal: an absolute path, or a URL
// without credentials, query or fragment.
func sideID(t target) string {
	if u, err := url.Parse(t.location); err == nil && u.Scheme != "" && u.Host != "" {
		u.User, u.RawQuery, u.Fragment = nil, "", ""
		return u.String()
	}
	if abs, err := filepath.Abs(t.location); err == nil {
		return abs
	}
	return t.location
}

// journalDir is the directory side the journal lives in, if any: A's,
// else B's.
func journalDir(targets [2]target) string {
	for _, t := range targets {
		if t.entry.Directories && !strings.Contains(t.location, "://") {
			if abs, err := filepath.Abs(t.location); err == nil {
				return abs
			}
		}
	}
	return ""
}

// compareSignature names how fingerprints are computed: a journal made
// otherwise cannot be compared with.
func (b *bisyncRun) compareSignature() string {
	rules := make([]string, len(b.opts.Ignore))
	for i, r := range b.opts.Ignore {
		rules[i] = r.String()
	}
	slices.Sort(rules)
	sig := "schema " + b.schema.Name
	if len(rules) > 0 {
		sig += ", ignoring " + strings.Join(slices.Compact(rules), " ")
	}
	return sig
}

func (b *bisyncRun) plugins(targets [2]target) []string {
	set := map[string]bool{b.schema.plugin: true}
	for _, t := range targets {
		set[t.entry.plugin] = true
	}
	var names []string
	for n := range set {
		names = append(names, n)
	}
	return names
}

// adopt takes what the two sides recommend (an adapter's schema, its
// server-managed and secret fields), for both: each side's run sees the
// other's endpoint as a peer, and both settle on the same schema.
func (b *bisyncRun) adopt(ctx context.Context) error {
	for i, s := range b.sides {
		s.run.peers = []*openEndpoint{b.sides[1-i].readEP}
		s.run.opts.Schema = b.opts.Schema
	}
	for _, s := range b.sides {
		if err := s.run.adopt(ctx); err != nil {
			return err
		}
		s.readEP = s.run.destEP // reopened under the adopted schema
	}
	b.schema, b.norm = b.sides[0].run.schema, b.sides[0].run.norm
	return nil
}

// openSide opens one side as the destination of its own sync run.
func (b *bisyncRun) openSide(ctx context.Context, i int, t target) (*bside, error) {
	s := &bside{i: i, name: sideNames[i] + " (" + t.name() + ")"}
	r := &syncRun{h: b.h, cat: b.cat, follow: b.follow, norm: b.norm, schema: b.schema, dest: t, spill: b.spill,
		opts: SyncOptions{Filter: b.opts.Filter, FailFast: b.opts.FailFast, Ignore: b.opts.Ignore, MaxDelete: b.opts.MaxDelete, Delete: true}}
	r.sink = &eventSink{fn: func(e Event) {
		e.Side = sideNames[i]
		b.sink.emit(e)
	}}
	r.secrets = newSecretRun(nil, t, b.h.redact)
	// A whole-content side (a YAML file) is rewritten with what it keeps.
	r.replace = !t.entry.Has(CapDelete) && t.entry.Has(CapReplace)
	format := b.opts.Formats[i]
	if format == "" {
		format = t.entry.DefaultFormat
	}
	if format == "" {
		format = "yaml"
	}
	var err error
	if r.format, err = b.cat.formatter(format); err != nil {
		return nil, err
	}
	if r.destEP, err = r.open(ctx, t, pb.Open_ROLE_DESTINATION); err != nil {
		return nil, err
	}
	s.run, s.readEP = r, r.destEP
	return s, nil
}

// chooseFormat settles the format a side is written in: the one given,
// else the endpoint's default, else the one most of its resources are
// stored in (a tree of JSON files stays JSON). The side is opened again
// for writing when that differs from what it was opened with.
func (b *bisyncRun) chooseFormat(ctx context.Context, s *bside) error {
	t := s.run.dest
	if b.opts.Formats[s.i] != "" || t.entry.DefaultFormat != "" || s.inv == nil {
		return nil
	}
	count := map[string]int{}
	for _, f := range s.inv.items {
		if f.rec.Format() != "" {
			count[f.rec.Format()]++
		}
	}
	best := s.run.format.Name
	for name, n := range count {
		if n > count[best] || n == count[best] && name < best {
			best = name
		}
	}
	if best == s.run.format.Name {
		return nil
	}
	format, err := b.cat.formatter(best)
	if err != nil {
		return nil // a formatter that reads but is not installed to write: keep the default
	}
	s.run.format = format
	ep, err := s.run.open(ctx, t, pb.Open_ROLE_DESTINATION)
	if err != nil {
		return err
	}
	s.run.destEP = ep
	return nil
}

// readSide reads what one side holds: through its transaction log since
// the journal's cursor where it offers one, else whole. A side that fails
// to read stops the run before anything is written.
func (b *bisyncRun) readSide(ctx context.Context, s *bside) error {
	ep := s.readEP
	if ep.can(CapChanges) {
		if cursor := b.journal.cursors[s.i]; cursor != "" && !b.opts.Resync {
			feed, err := ep.changes(ctx, cursor, false)
			switch {
			case err != nil:
				return fmt.Errorf("bisync %s: reading its transaction log: %w", s.name, err)
			case feed.unavailable == "":
				return b.readChanges(ctx, s, feed)
			}
			b.h.logger.Info("no transaction log since the last run; reading everything", "side", s.name, "reason", feed.unavailable)
		}
		// The next run starts from where this read began.
		feed, err := ep.changes(ctx, "", true)
		if err != nil {
			return fmt.Errorf("bisync %s: reading its transaction log: %w", s.name, err)
		}
		if feed.unavailable == "" {
			s.cursor = feed.cursor
		}
	}
	inv, err := s.run.readOrigins(ctx, []*openEndpoint{ep})
	if err != nil {
		return fmt.Errorf("bisync %s: %w", s.name, err)
	}
	s.inv, s.trusted = inv, true
	held := 0
	for k := range b.journal.entries {
		if b.opts.Filter.Match(k.Type, k.ID) {
			held++
		}
	}
	switch {
	case len(inv.incomplete) > 0:
		s.trusted, s.untrusted = false, "it was read incompletely: "+strings.Join(inv.incomplete, "; ")
	case len(inv.items) == 0 && held > 0:
		s.trusted, s.untrusted = false, fmt.Sprintf("it holds nothing, while the journal says it held %d resources", held)
	}
	if !s.trusted {
		b.warn(fmt.Sprintf("%s: %s; nothing is deleted on the strength of what it lacks", s.name, s.untrusted))
	}
	return nil
}

// readChanges builds a side's inventory from the journal and its
// transaction log: what the log names is fetched (unless its ETag is the
// one the journal holds: a write of the last run), what it reports
// deleted is gone, the rest is as the journal says.
func (b *bisyncRun) readChanges(ctx context.Context, s *bside, feed changeFeed) error {
	s.viaFeed, s.trusted, s.cursor = true, true, feed.cursor
	inv := &inventory{items: map[Key]*found{}}
	byURI := map[string]Key{}
	for k, e := range b.journal.entries {
		if !b.opts.Filter.Match(k.Type, k.ID) {
			continue
		}
		inv.items[k] = journalFound(e, s.i)
		if u := e.Sides[s.i].URI; u != "" {
			byURI[normalizeURI(u)] = k
		}
	}
	var fetch []string
	for _, c := range feed.changes {
		k, known := byURI[normalizeURI(c.GetUri())]
		if !known && c.GetType() != "" && c.GetId() != "" {
			k = Key{c.GetType(), c.GetId()}
			_, known = b.journal.entries[k]
		}
		switch {
		case c.GetDeleted():
			if known {
				delete(inv.items, k)
			}
		case known && c.GetEtag() != "" && c.GetEtag() == b.journal.entries[k].Sides[s.i].ETag:
			// Unchanged since the journal saw it (a write of the last run).
		default:
			if known {
				delete(inv.items, k) // until fetched: it may have moved or gone
			}
			fetch = append(fetch, c.GetUri())
		}
	}
	b.h.logger.Debug("transaction log read", "side", s.name, "changes", len(feed.changes), "fetching", len(fetch))
	if len(fetch) > 0 {
		got, err := b.fetchResources(ctx, s, fetch)
		if err != nil {
			return fmt.Errorf("bisync %s: fetching what its transaction log names: %w", s.name, err)
		}
		for k, f := range got {
			inv.items[k] = f
		}
	}
	s.inv = inv
	return nil
}

// journalFound is a resource as the journal last saw it on side i: no
// body, its fingerprint, uri, ETag and parents.
func journalFound(e *journalEntry, i int) *found {
	side := e.Sides[i]
	f := &found{rec: toRecord(&pb.Resource{Id: e.ID, Type: e.Type, Uri: side.URI, Parents: side.Parents, Etag: side.ETag}, ""), body: noBody}
	f.fp, _ = parseFingerprint(e.Fingerprint)
	return f
}

func hasBody(f *found) bool { return f != nil && f.body != noBody }

// fetchResources reads the resources at uris from a side, one request
// each: no links followed. It opens the side afresh, since an endpoint
// skips what its current read already fetched, and this must read again.
// A uri that cannot be read fails the read.
func (b *bisyncRun) fetchResources(ctx context.Context, s *bside, uris []string) (map[Key]*found, error) {
	if !s.readEP.can(CapFetch) {
		return nil, fmt.Errorf("%s endpoints cannot fetch single resources", s.run.dest.entry.Name)
	}
	ep, err := s.run.open(ctx, s.run.dest, pb.Open_ROLE_DESTINATION)
	if err != nil {
		return nil, err
	}
	defer ep.close()
	rd := &originReader{run: s.run, ep: ep, origin: 0}
	err = rd.readAll(ctx, func(ctx context.Context, out chan<- docBatch) error { return ep.fetch(ctx, uris, out) })
	if err == nil && len(rd.problems) > 0 {
		err = errorsJoin(rd.problems)
	}
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	s.fetched += len(uris)
	b.mu.Unlock()
	got := map[Key]*found{}
	for _, f := range rd.found {
		got[f.key()] = f
	}
	return got, nil
}

func (b *bisyncRun) warn(msg string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.warnings = append(b.warnings, msg)
}

func (b *bisyncRun) close() {
	for _, s := range b.sides {
		if s == nil {
			continue
		}
		if s.run.destEP != s.readEP {
			s.run.destEP.close()
		}
		s.readEP.close()
	}
	if b.spill != nil {
		b.spill.close()
	}
	if b.journal != nil {
		b.journal.close()
	}
}

// Close releases the endpoints, the spilled bodies and the journal's lock.
func (run *BisyncRun) Close() { run.b.close() }
