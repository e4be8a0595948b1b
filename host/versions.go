package host

import (
	"bufio"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"hash/fnv"
	"io"
	"iter"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unique"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// Kept versions (capability fingerprints). An endpoint that lists its
// documents' versions without their content (a directory: a file's inode,
// size and times) is read whole only once. The host keeps, in the user's
// cache directory, what it made of each document: the resource's
// identity, references and fingerprint, under the document's version. The
// next sync lists the versions and reads only the documents whose version
// changed. A kept resource has no body; the host reads the bodies the plan
// needs before planning:
//   - at the destination (readUncached), those the plan would update or
//     delete, so that a body-less destination resource is only ever found
//     unchanged;
//   - at an origin (readUncachedOrigins), those the destination does not
//     hold as they are: only what is written is read.
//
// A destination whose documents have versions is read after the
// origins, so that what it holds as they do (same fingerprint, format
// and uri) is held once:
//   - a kept document is held only by its location's hash and its
//     version (sameDocument), and its entry is copied from the last file
//     when the file is written again;
//   - a document read is held by its location and version
//     (pairedDocument), and its entry is the origin's record, placed
//     there.
//
// A re-sync with nothing to do holds one side's records, not two, whether
// the destination's versions were kept or not (--read-all).
//
// The cache is an optimisation only: a file that is missing, torn or
// written under other rules is ignored, and a version that does not match
// means a read.

// versionsFormat starts every versions file; it changes when the layout
// or what a fingerprint covers does.
const versionsFormat = "resource-sync destination versions 2\n"

// versionsReadChunk is how many locations one ReadLocations call asks
// for: a request stays far below gRPC's message limit.
const versionsReadChunk = 2000

// versionsMaxAge is how long a versions file nobody used is kept.
const versionsMaxAge = 30 * 24 * time.Hour

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// keptVersions is what the last sync made of one endpoint's documents.
type keptVersions struct {
	path string
	// loaded says there is a last sync to go by.
	loaded bool
	// last is the last sync's resources, sorted by location; nil once the
	// listing is done (lastCount is then how many there were, with same).
	last      byLocation
	lastCount int
	// cursor is where the last hit was found, plus one: a listing in the
	// file's order finds each document there, without a search.
	cursor int
	// same are the destination's documents whose kept resource an origin
	// now holds as it is, sorted by their location's hash: of those, only
	// the location and version are held (asSame). sameHits are the
	// hashes of those the listing found at their version.
	same     []sameDocument
	sameHits []uint64
	// paired are the documents read whole that hold what an origin holds:
	// their record is the origin's at their location (pair). format is
	// the formatter that read them.
	paired    []pairedDocument
	maxPaired int
	format    string
	buf       []byte
}

// pairedDocument is a destination document read whole, whose resource an
// origin holds as it is: what its entry in the versions file needs
// besides the origin's record and fingerprint.
type pairedDocument struct {
	origin       *found
	location     string
	source       unique.Handle[string]
	version      uint64
	line         int32
	sourceHasLoc bool
}

// sameDocument is a document kept at the destination that holds what an
// origin holds: the plan finds it unchanged without its record.
type sameDocument struct {
	location uint64 // versionHash of its location
	version  uint64
	origin   *found
}

// byLocation is a versions file's resources in its order, by location,
// one per location. A sorted slice costs a pointer per resource where a
// map by location would cost about four times that, at the peak of a
// re-sync of 100,000 files (docs/architecture.md, Memory).
type byLocation []*found

// find returns the index of the resource at loc, looking at hint first,
// or -1.
func (l byLocation) find(loc string, hint int) int {
	if hint < len(l) && l[hint].rec.Location() == loc {
		return hint
	}
	i, ok := slices.BinarySearchFunc(l, loc, func(f *found, loc string) int { return strings.Compare(f.rec.Location(), loc) })
	if !ok {
		return -1
	}
	return i
}

// destVersions opens the versions kept for dest, or returns nil when told
// to read everything, when the destination lists no versions, or what it
// holds cannot be told from
// its versions alone: secret fields are masked as they are read, a
// whole-content destination rewrites every resource it keeps, and links
// an endpoint's documents lead to would not be followed. With origins,
// read already, what holds what they hold is kept as sameDocuments.
func (r *syncRun) destVersions(dest *openEndpoint, origins *inventory) *keptVersions {
	if !r.destKeepsVersions(dest) {
		return nil
	}
	var asSame func(*found) *found
	if origins != nil {
		asSame = r.sameAsOrigin(origins)
	}
	return r.keptVersions(dest, "destination", asSame)
}

// destKeepsVersions says whether dest is read through kept versions.
func (r *syncRun) destKeepsVersions(dest *openEndpoint) bool {
	return !r.opts.ReadAll && r.destPairs(dest)
}

// destPairs says whether dest is read once the origins are, so that what
// it holds as they do is held once: a destination whose documents could
// have kept versions, whether they are used (--read-all) or not. What it
// holds is then mostly listed, not read; where it is read whole, a
// document whose resource an origin holds as it is keeps only what its
// versions entry needs (keptVersions.pair).
func (r *syncRun) destPairs(dest *openEndpoint) bool {
	return dest.can(CapFingerprints) && !dest.can(CapFetch) && !dest.wholeContent() && !r.secretFields()
}

// originVersions opens the versions kept for origin o, or returns nil
// when told to read everything, or when keeping them would not spare a
// read: the origin lists no versions,
// or follows links (a kept document's would not be), or the destination
// cannot be compared with (every resource is written, so every body is
// read). Not in a session (watch keeps its own memory) nor with secret
// fields, whose values are only met while a document is classified.
func (r *syncRun) originVersions(o *openEndpoint, followLinks bool) *keptVersions {
	d := r.destEP
	compared := d.can(CapInventory) || d.can(CapCompareBeforeWrite) && d.can(CapRead)
	if r.opts.ReadAll || !o.can(CapFingerprints) || followLinks || !compared || d.wholeContent() || r.conditional || r.secretFields() {
		return nil
	}
	return r.keptVersions(o, "origin", nil)
}

func (r *syncRun) secretFields() bool { return r.secrets != nil && len(r.secrets.fields) > 0 }

// keptVersions loads what the last sync with ep in this role kept; a
// resource that asSame finds an origin holding as it is (when not nil) is
// held only as a sameDocument.
func (r *syncRun) keptVersions(ep *openEndpoint, role string, asSame func(*found) *found) *keptVersions {
	path := r.versionsPath(ep, role)
	if path == "" {
		return nil
	}
	v := &keptVersions{path: path}
	if err := v.load(asSame); err != nil {
		r.h.logger.Debug("kept versions ignored", "file", path, "error", err)
	}
	return v
}

// load reads the versions file, as keptVersions does. A missing file is
// no error: there is no last sync to go by.
func (v *keptVersions) load(asSame func(*found) *found) error {
	last, same, err := loadVersions(v.path, asSame)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return err
	}
	v.loaded, v.last, v.same, v.lastCount = true, last, same, len(last)+len(same)
	return nil
}

// versionsPath names the versions file of ep in role under this sync's
// rules:
// what decides a resource's identity and fingerprint (the schema, the
// format, the ignored fields, the user's and those an endpoint
// recommends, the plugins' and the host's binaries) is
// hashed into the name, so that a file is only read under the same rules.
func (r *syncRun) versionsPath(ep *openEndpoint, role string) string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	cwd, err := os.Getwd()
	if err != nil {
		return ""
	}
	h := sha256.New()
	field := func(s string) { fmt.Fprintf(h, "%d:%s;", len(s), s) }
	fields := func(m map[string]string) {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			field(k)
			field(m[k])
		}
		field("")
	}
	field(versionsFormat)
	field(role)
	field(cwd) // a relative location means another directory elsewhere
	field(ep.target.entry.plugin)
	field(ep.target.entry.Name)
	field(ep.target.location)
	fields(r.openOptions(ep.target))
	field(r.schema.Name)
	fields(r.schemaOptions(ep))
	field(r.format.Name)
	for _, rule := range r.norm.signature() {
		field(rule)
	}
	field("")
	stamp := func(path string) {
		field(path)
		if info, err := os.Stat(path); err == nil {
			field(fmt.Sprint(info.Size(), info.ModTime().UnixNano()))
		}
	}
	if exe, err := os.Executable(); err == nil {
		stamp(exe)
	}
	for _, s := range r.h.sources {
		field(s.Name)
		stamp(s.Path)
	}
	return filepath.Join(dir, "resource-sync", "versions", hex.EncodeToString(h.Sum(nil)[:16]))
}

// versionHash is what the host keeps of a document's version: 8 bytes
// rather than a string per resource. Two versions of a file taken for
// the same one would need a 64-bit collision between them; 0 is no
// version.
func versionHash(v string) uint64 {
	if v == "" {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(v))
	return max(h.Sum64(), 1)
}

// hit is what the last sync made of the listed document d, if its version
// is the same: its resource, or the origin's it holds as it is (same).
func (v *keptVersions) hit(d *pb.Document) (f, same *found) {
	if v == nil || d.GetVersion() == "" {
		return nil, nil
	}
	version := versionHash(d.GetVersion())
	if i := v.last.find(d.GetLocation(), v.cursor); i >= 0 {
		v.cursor = i + 1
		if f := v.last[i]; f.version == version {
			return f, nil
		}
		return nil, nil
	}
	loc := versionHash(d.GetLocation())
	i, ok := slices.BinarySearchFunc(v.same, loc, func(s sameDocument, loc uint64) int { return cmp.Compare(s.location, loc) })
	if ok && v.same[i].version == version {
		v.sameHits = append(v.sameHits, loc)
		return nil, v.same[i].origin
	}
	return nil, nil
}

// produce lists ep's versions and reads, through out, only the
// documents whose version changed since the last sync; kept hears of the
// resources of the others, and same of the origins' resources that the
// others hold as they are, a listed batch at a time. Without a last sync
// it reads everything, each document with its version.
func (v *keptVersions) produce(ep *openEndpoint, kept func([]*found), same func([]*found)) func(context.Context, chan<- docBatch) error {
	if !v.loaded {
		return ep.read
	}
	return func(ctx context.Context, out chan<- docBatch) error {
		listing := make(chan docBatch, 4)
		listed := make(chan error, 1)
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		go func() {
			defer close(listing)
			listed <- ep.listVersions(ctx, listing)
		}()
		defer v.listed()
		var misses []string
		for b := range listing {
			if len(b.errs) > 0 {
				select {
				case out <- docBatch{errs: b.errs}:
				case <-ctx.Done():
				}
			}
			var hits, sameHits []*found
			for _, d := range b.docs {
				switch f, s := v.hit(d); {
				case f != nil:
					hits = append(hits, f)
				case s != nil:
					sameHits = append(sameHits, s)
				default:
					misses = append(misses, d.GetLocation())
				}
			}
			if len(hits) > 0 {
				kept(hits)
			}
			if len(sameHits) > 0 {
				same(sameHits)
			}
			if len(misses) >= versionsReadChunk {
				if err := ep.readLocations(ctx, misses, out); err != nil {
					return err
				}
				misses = nil
			}
		}
		if err := <-listed; err != nil {
			return err
		}
		return ep.readLocations(ctx, misses, out)
	}
}

// listed drops what was kept once the listing is done: what is still
// there went to kept and same. Only the locations of same's hits stay, for
// save.
func (v *keptVersions) listed() {
	v.last, v.same = nil, nil
	slices.Sort(v.sameHits)
	v.sameHits = slices.Compact(v.sameHits)
}

// pair keeps, for save, the entry of f, a document read whole whose
// resource origin o holds as it is, without f itself: its record is o's
// at f's location. It reports false when that is not f's record (an ETag,
// other parents) or f is in another format than the documents paired
// before it, so that f is held as it is.
func (v *keptVersions) pair(f, o *found) bool {
	if v == nil || f.version == 0 {
		return true // nothing to keep of it
	}
	if v.format != "" && f.rec.Format() != v.format {
		return false // the entries name one format; mixed ones are rare
	}
	v.buf = o.rec.appendPlaced(v.buf[:0], f.rec.Location(), f.rec.Format())
	if string(v.buf) != f.rec.packed {
		return false
	}
	if v.paired == nil {
		// Sized once, on the first: grown, it would hold two arrays at
		// the read's peak.
		v.paired = make([]pairedDocument, 0, v.maxPaired)
	}
	v.format = f.rec.Format()
	v.paired = append(v.paired, pairedDocument{origin: o, location: strings.Clone(f.rec.Location()), source: f.rec.source,
		version: f.version, line: f.rec.line, sourceHasLoc: f.rec.sourceHasLoc})
	return true
}

// readUncached reads again, before planning, the destination's resources
// kept from the last sync whose body the plan needs: those that differ
// from the origins' (an update shows and merges the destination's body)
// and, under --delete, those in no origin. A directory reads them at
// their location; an API whose pages were kept (pages.go) fetches each at
// its uri, on a handle of its own that reads nothing conditionally. One
// gone since is absent.
func (r *syncRun) readUncached(ctx context.Context, origins, dest *inventory) error {
	needed := r.bodiesNeeded(origins, dest)
	if len(needed) == 0 {
		return nil
	}
	ep, keys, read := r.destEP, []string(nil), r.destEP.readLocations
	if dest.pages != nil {
		for _, f := range needed {
			if f.rec.URI() == "" {
				// Nowhere to fetch it from: the destination may hold it or not.
				dest.incomplete = append(dest.incomplete, f.rec.where()+": kept without a uri to read it again at")
				continue
			}
			keys = append(keys, f.rec.URI())
		}
		if len(keys) == 0 {
			return nil
		}
		plain, err := r.openHandle(ctx, r.dest, pb.Open_ROLE_DESTINATION, true)
		if err != nil {
			return err
		}
		defer plain.close()
		ep, read = plain, plain.fetch
	} else {
		for _, f := range needed {
			keys = append(keys, f.rec.Location())
		}
	}
	rd := r.destReader(ep, dest.pages == nil)
	if err := rd.readAll(ctx, inChunks(keys, read)); err != nil {
		return r.destReadFailed(ctx, ep, dest, err)
	}
	for _, p := range rd.problems {
		r.h.logger.Debug("destination", "problem", p)
	}
	dest.incomplete = append(dest.incomplete, rd.incomplete...)
	r.addDestination(dest, rd.found)
	return nil
}

// bodiesNeeded takes out of dest the resources kept without a body whose
// body the plan needs, and returns them.
func (r *syncRun) bodiesNeeded(origins, dest *inventory) []*found {
	var needed []*found
	for k, f := range dest.items {
		if !f.cached {
			continue
		}
		src := origins.items[k]
		switch {
		case src != nil && src.fp == f.fp && f.rec.Format() == r.format.Name:
			continue
		case src == nil && !r.opts.Delete:
			continue
		}
		needed = append(needed, f)
		delete(dest.items, k)
	}
	return needed
}

// readUncachedOrigins reads the bodies of the origins' resources kept
// from the last sync that the plan will write: those the destination does
// not hold as they are. A document changed since it was listed yields
// what it holds now; one gone since yields nothing. Problems fail the
// sync, as they do in the first read.
func (r *syncRun) readUncachedOrigins(ctx context.Context, origins, dest *inventory) error {
	needed := func(k Key, f *found) bool {
		d := dest.items[k]
		return f.cached && !f.destSame && (d == nil || d.fp != f.fp || d.rec.Format() != r.format.Name)
	}
	byOrigin := map[int][]string{}
	for k, f := range origins.items {
		if needed(k, f) {
			byOrigin[int(f.origin)] = append(byOrigin[int(f.origin)], f.rec.Location())
		}
	}
	for _, i := range slices.Sorted(maps.Keys(byOrigin)) {
		ep := r.originEPs[i]
		rd := &originReader{run: r, ep: ep, origin: i}
		// A resource read as it was kept only gets its body: a sync that
		// writes every kept resource (into an empty destination) holds
		// one record of each, not two.
		rd.adopt = func(f *found) bool {
			prev := origins.items[f.key()]
			if prev == nil || !prev.cached || prev.origin != f.origin || prev.fp != f.fp || prev.rec != f.rec {
				return false
			}
			prev.body, prev.cached = f.body, false
			return true
		}
		if err := rd.readAll(ctx, readLocations(ep, byOrigin[i])); err != nil {
			return err
		}
		if len(rd.problems) > 0 {
			return errorsJoin(rd.problems)
		}
		for _, f := range rd.found {
			// A later origin's copy still wins.
			if prev, ok := origins.items[f.key()]; !ok || int(prev.origin) <= i {
				origins.items[f.key()] = f
			}
		}
	}
	// What was not read again is gone since it was listed.
	for k, f := range origins.items {
		if needed(k, f) {
			delete(origins.items, k)
		}
	}
	return nil
}

// readLocations reads the documents at locations, a chunk at a time.
func readLocations(ep *openEndpoint, locations []string) func(context.Context, chan<- docBatch) error {
	return inChunks(locations, ep.readLocations)
}

// inChunks reads what keys name (locations, uris) with read, in order, a
// chunk at a time: a request stays far below gRPC's message limit.
func inChunks(keys []string, read func(context.Context, []string, chan<- docBatch) error) func(context.Context, chan<- docBatch) error {
	slices.Sort(keys)
	return func(ctx context.Context, out chan<- docBatch) error {
		for chunk := range slices.Chunk(keys, versionsReadChunk) {
			if err := read(ctx, chunk, out); err != nil {
				return err
			}
		}
		return nil
	}
}

// save keeps what this sync made of the endpoint's documents that have a
// version, unless it is what the last sync kept. The documents held only
// as the origins' (same) are copied from the last sync's file.
func (v *keptVersions) save(all iter.Seq[*found]) error {
	if v == nil {
		return nil
	}
	var keep []*found
	fresh := len(v.paired)
	for f := range all {
		if f.version == 0 {
			continue
		}
		keep = append(keep, f)
		if !f.cached {
			fresh++
		}
	}
	if fresh == 0 && len(keep)+len(v.sameHits) == v.lastCount {
		if !v.loaded {
			return nil // nothing kept, nothing to keep
		}
		// Used, so not pruned.
		now := time.Now()
		return os.Chtimes(v.path, now, now)
	}
	slices.SortFunc(keep, func(a, b *found) int { return strings.Compare(a.rec.Location(), b.rec.Location()) })
	paired := v.paired
	v.paired = nil // garbage once written, before the plan
	slices.SortFunc(paired, func(a, b pairedDocument) int { return strings.Compare(a.location, b.location) })
	// writeBefore writes, in location order, what was read and comes
	// before loc ("" for all of it).
	writeBefore := func(w *versionsWriter, loc string) {
		for {
			k, p := len(keep) > 0 && (loc == "" || keep[0].rec.Location() < loc), len(paired) > 0 && (loc == "" || paired[0].location < loc)
			switch {
			case k && (!p || keep[0].rec.Location() < paired[0].location):
				w.entry(keep[0])
				keep = keep[1:]
			case p:
				w.pairedEntry(&paired[0], v.format)
				paired = paired[1:]
			default:
				return
			}
		}
	}
	var prev *versionsReader // the last file, for the entries held as the origins'
	var prevCount uint64
	check := func() error { return nil }
	if len(v.sameHits) > 0 {
		// Opened before writeKept prunes: it may be a month old.
		file, rd, checkRead, err := openVersionsFile(v.path)
		if err != nil {
			return err
		}
		defer file.Close()
		prev, check, prevCount = rd, checkRead, rd.uvarint()
	}
	return writeKept(v.path, func(w *versionsWriter) error {
		w.str(versionsFormat)
		w.uvarint(uint64(len(keep) + len(paired) + len(v.sameHits)))
		copied := 0
		for range prevCount {
			f := prev.entry()
			if prev.err != nil {
				return errVersionsFile
			}
			loc := f.rec.Location()
			if _, ok := slices.BinarySearch(v.sameHits, versionHash(loc)); !ok {
				continue
			}
			writeBefore(w, loc)
			w.entry(f)
			copied++
		}
		if err := check(); err != nil {
			return err
		}
		if copied != len(v.sameHits) {
			return fmt.Errorf("%s changed since it was read", v.path)
		}
		writeBefore(w, "")
		return nil
	})
}

// writeKept writes a versions or pages file at path through write, and
// prunes the files nobody used for a month.
func writeKept(path string, write func(*versionsWriter) error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	pruneVersions(filepath.Dir(path))
	// Renamed into place, without an fsync: after a crash the file may be
	// empty or torn, which its checksum tells, and the next sync reads
	// everything. Durability would cost more than it saves.
	t, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(t.Name()) // once renamed, there is nothing there
	w := newVersionsWriter(t)
	if err := write(w); err != nil {
		t.Close()
		return err
	}
	if err := w.finish(); err != nil {
		t.Close()
		return err
	}
	if err := t.Close(); err != nil {
		return err
	}
	return os.Rename(t.Name(), path)
}

// pruneVersions removes the versions files no sync used for a month.
func pruneVersions(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > versionsMaxAge {
			_ = os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// A versions file: versionsFormat, the number of entries, the entries
// sorted by location, then the CRC-32C of all that. An entry: the
// version's hash (8 bytes), the packed record and its source, each a
// uvarint length and the bytes; the record's line, and whether the source
// ends with the location; the fingerprint.

type versionsWriter struct {
	w      *bufio.Writer
	crc    hash.Hash32
	buf    []byte
	packed []byte
}

func newVersionsWriter(w io.Writer) *versionsWriter {
	crc := crc32.New(crcTable)
	return &versionsWriter{w: bufio.NewWriterSize(io.MultiWriter(w, crc), 1<<16), crc: crc}
}

func (w *versionsWriter) uvarint(v uint64) {
	w.buf = binary.AppendUvarint(w.buf[:0], v)
	w.w.Write(w.buf)
}

func (w *versionsWriter) str(s string) {
	w.uvarint(uint64(len(s)))
	w.w.WriteString(s)
}

func (w *versionsWriter) entry(f *found) {
	w.w.Write(binary.LittleEndian.AppendUint64(w.buf[:0], f.version))
	w.str(f.rec.packed)
	w.entryEnd(f.rec.source, f.rec.line, f.rec.sourceHasLoc, &f.fp)
}

// pairedEntry writes the entry of p: its origin's record, placed at p.
func (w *versionsWriter) pairedEntry(p *pairedDocument, format string) {
	w.w.Write(binary.LittleEndian.AppendUint64(w.buf[:0], p.version))
	w.packed = p.origin.rec.appendPlaced(w.packed[:0], p.location, format)
	w.uvarint(uint64(len(w.packed)))
	w.w.Write(w.packed)
	w.entryEnd(p.source, p.line, p.sourceHasLoc, &p.origin.fp)
}

// entryEnd writes what follows an entry's record.
func (w *versionsWriter) entryEnd(source unique.Handle[string], line int32, sourceHasLoc bool, fp *[sha256.Size]byte) {
	w.str(source.Value())
	w.buf = binary.AppendVarint(w.buf[:0], int64(line))
	w.w.Write(w.buf)
	flag := byte(0)
	if sourceHasLoc {
		flag = 1
	}
	w.w.WriteByte(flag)
	w.w.Write(fp[:])
}

// finish writes the checksum of everything before it.
func (w *versionsWriter) finish() error {
	if err := w.w.Flush(); err != nil {
		return err
	}
	sum := w.crc.Sum32()
	_, err := w.w.Write(binary.LittleEndian.AppendUint32(nil, sum))
	if err != nil {
		return err
	}
	return w.w.Flush()
}

// minVersionsEntry is the fewest bytes an entry takes (its version, two
// lengths, a line, a flag and a fingerprint): a count of
// entries beyond the file's size over it is refused before it sizes
// anything.
const minVersionsEntry = 8 + 2 + 1 + 1 + sha256.Size

var errVersionsFile = errors.New("not a versions file of this version, or a torn one")

// loadVersions reads a versions file. A resource that asSame finds an
// origin holding as it is (when not nil) is returned in same, sorted by
// location hash, without its record.
func loadVersions(path string, asSame func(*found) *found) (last byLocation, same []sameDocument, err error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer file.Close()
	info, err := file.Stat()
	if err != nil {
		return nil, nil, err
	}
	return readVersions(file, info.Size(), asSame)
}

// readVersions reads a versions file of size bytes from r, as
// loadVersions does.
func readVersions(r io.Reader, size int64, asSame func(*found) *found) (byLocation, []sameDocument, error) {
	rd, check, err := openVersionsReader(r, size, versionsFormat)
	if err != nil {
		return nil, nil, err
	}
	n := rd.uvarint()
	if rd.err != nil || n > uint64(size)/minVersionsEntry {
		return nil, nil, errVersionsFile
	}
	var last byLocation
	var same []sameDocument
	if asSame == nil {
		last = make(byLocation, 0, n)
	}
	prev := ""
	for i := range n {
		f := rd.entry()
		if rd.err != nil {
			return nil, nil, errVersionsFile
		}
		// save writes them sorted, each location once: find relies on it.
		loc := f.rec.Location()
		if i > 0 && prev >= loc {
			return nil, nil, errVersionsFile
		}
		prev = loc
		if asSame != nil {
			if o := asSame(f); o != nil {
				same = append(same, sameDocument{location: versionHash(loc), version: f.version, origin: o})
				continue
			}
		}
		last = append(last, f)
	}
	if err := check(); err != nil {
		return nil, nil, err
	}
	slices.SortFunc(same, func(a, b sameDocument) int { return cmp.Compare(a.location, b.location) })
	for i := 1; i < len(same); i++ {
		if same[i].location == same[i-1].location {
			return nil, nil, errVersionsFile // two locations, one hash: read them
		}
	}
	return last, same, nil
}

// openVersionsFile opens the versions file at path, as openVersionsReader
// does; the caller closes file.
func openVersionsFile(path string) (file *os.File, rd *versionsReader, check func() error, err error) {
	if file, err = os.Open(path); err != nil {
		return nil, nil, nil, err
	}
	info, err := file.Stat()
	if err == nil {
		rd, check, err = openVersionsReader(file, info.Size(), versionsFormat)
	}
	if err != nil {
		file.Close()
		return nil, nil, nil, err
	}
	return file, rd, check, nil
}

// openVersionsReader starts reading a file of size bytes from r that
// begins with format (a versions or a pages file). check, once
// everything was read, says the file ended there and its checksum holds.
func openVersionsReader(r io.Reader, size int64, format string) (*versionsReader, func() error, error) {
	if size < 4 {
		return nil, nil, errVersionsFile
	}
	crc := crc32.New(crcTable)
	br := bufio.NewReaderSize(io.TeeReader(io.LimitReader(r, size-4), crc), 1<<16)
	rd := &versionsReader{r: br, limit: int(size)}
	if rd.str() != format {
		return nil, nil, errVersionsFile
	}
	check := func() error {
		if rd.err != nil {
			return errVersionsFile
		}
		if _, err := br.ReadByte(); err != io.EOF {
			return errVersionsFile
		}
		var sum [4]byte
		if _, err := io.ReadFull(r, sum[:]); err != nil || binary.LittleEndian.Uint32(sum[:]) != crc.Sum32() {
			return errVersionsFile
		}
		return nil
	}
	return rd, check, nil
}

type versionsReader struct {
	r     *bufio.Reader
	limit int
	err   error
	buf   []byte // str's, reused
}

func (r *versionsReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, err := binary.ReadUvarint(r.r)
	r.err = err
	return v
}

func (r *versionsReader) str() string {
	n := r.uvarint()
	if r.err != nil {
		return ""
	}
	if n > uint64(r.limit) {
		r.err = errVersionsFile
		return ""
	}
	if uint64(cap(r.buf)) < n {
		r.buf = make([]byte, n)
	}
	b := r.buf[:n]
	_, r.err = io.ReadFull(r.r, b)
	return string(b)
}

func (r *versionsReader) entry() *found {
	f := &found{origin: -1, cached: true, body: noBody}
	var version [8]byte
	if _, err := io.ReadFull(r.r, version[:]); err != nil {
		r.err = errVersionsFile
		return nil
	}
	f.version = binary.LittleEndian.Uint64(version[:])
	f.rec.packed = r.str()
	f.rec.source = unique.Make(r.str())
	if r.err != nil {
		return nil
	}
	line, err := binary.ReadVarint(r.r)
	if err != nil || line < 0 || line > 1<<31-1 {
		r.err = errVersionsFile
		return nil
	}
	f.rec.line = int32(line)
	flag, err := r.r.ReadByte()
	if err != nil || flag > 1 {
		r.err = errVersionsFile
		return nil
	}
	f.rec.sourceHasLoc = flag == 1
	if _, err := io.ReadFull(r.r, f.fp[:]); err != nil || !wellFormedRecord(f.rec.packed) {
		r.err = errVersionsFile
		return nil
	}
	return f
}

// wellFormedRecord says a packed record (resource.go) parses to its end,
// so that every accessor stays in bounds.
func wellFormedRecord(rest string) bool {
	uvarint := func() (uint64, bool) {
		v, w := uvarintAt(rest)
		if w <= 0 {
			return 0, false
		}
		rest = rest[w:]
		return v, true
	}
	field := func() bool {
		n, ok := uvarint()
		if !ok || n > uint64(len(rest)) {
			return false
		}
		rest = rest[n:]
		return true
	}
	for range fixedFields {
		if !field() {
			return false
		}
	}
	count, ok := uvarint()
	if !ok || count > uint64(len(rest)) {
		return false
	}
	for range count {
		if !field() {
			return false
		}
	}
	for rest != "" {
		if !field() || !field() {
			return false
		}
	}
	return true
}
