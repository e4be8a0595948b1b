package host

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"iter"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
	"unique"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// Key names a resource within a sync: its type and id.
type Key struct{ Type, ID string }

func (k Key) String() string { return k.Type + "/" + k.ID }

// found is a resource read from an origin or from the destination. Its
// body is in the spill file.
type found struct {
	rec  record
	fp   [sha256.Size]byte // SHA-256 of the normalized form (normalize.go)
	body span
	// version is the hash of its document's version at the destination
	// (versions.go), when the endpoint gives one; cached says the
	// resource was kept from the last sync, without its body, since the
	// version is the same.
	version uint64
	origin  int32 // index of the origin; -1 for the destination
	cached  bool
	// destSame, on an origin's resource, says the destination holds it as
	// it is, in a document kept from the last sync that is not in the
	// destination's inventory (sameDocument).
	destSame bool
}

func (f *found) key() Key { return f.rec.key() }

// record is what the host keeps of a resource besides its body: identity,
// references, where it was read, the formatter that decoded it and the
// ETag the endpoint gave for it (conditional writes, bisync). The protobuf
// message it came from is dropped once read (toRecord): a sync of 100,000
// resources keeps one string per resource, and one copy of each source
// that many resources share (a page's uri, a directory's path).
type record struct {
	// packed holds id, type, location, format, uri and ETag, then the
	// number of parent uris, each of them and each parent's type and id:
	// each string preceded by its length as a uvarint. Lengths rather than
	// offsets in the struct keep a found in 96 bytes.
	packed string
	// source is where the resource was read, less its location when it
	// ends with it (sourceHasLoc).
	source       unique.Handle[string]
	line         int32
	sourceHasLoc bool
}

// The fixed fields of a packed record, in order: the most read first
// (sorting by key, by location for the kept versions, comparing formats).
const (
	fieldID = iota
	fieldType
	fieldLocation
	fieldFormat
	fieldURI
	fieldETag
	fixedFields
)

// toRecord keeps what the host needs of r, without its body. format names
// the formatter that decoded it.
func toRecord(r *pb.Resource, format string) record {
	rec := record{line: r.GetLine()}
	source, loc := r.GetSource(), r.GetLocation()
	if loc != "" && strings.HasSuffix(source, loc) {
		source, rec.sourceHasLoc = strings.TrimSuffix(source, loc), true
	}
	rec.source = unique.Make(source)
	fixed := [fixedFields]string{fieldID: r.GetId(), fieldType: r.GetType(), fieldURI: r.GetUri(), fieldLocation: loc,
		fieldFormat: format, fieldETag: r.GetEtag()}
	refs := r.GetParentRefs()
	// Sized exactly: the string is kept for the whole sync.
	n := uvarintLen(len(r.GetParents()))
	for _, s := range fixed {
		n += uvarintLen(len(s)) + len(s)
	}
	for _, p := range r.GetParents() {
		n += uvarintLen(len(p)) + len(p)
	}
	for _, p := range refs {
		n += uvarintLen(len(p.GetType())) + len(p.GetType()) + uvarintLen(len(p.GetId())) + len(p.GetId())
	}
	var b strings.Builder
	b.Grow(n)
	var scratch [binary.MaxVarintLen64]byte
	uvarint := func(v int) { b.Write(binary.AppendUvarint(scratch[:0], uint64(v))) }
	field := func(s string) {
		uvarint(len(s))
		b.WriteString(s)
	}
	for _, s := range fixed {
		field(s)
	}
	uvarint(len(r.GetParents()))
	for _, p := range r.GetParents() {
		field(p)
	}
	for _, p := range refs {
		field(p.GetType())
		field(p.GetId())
	}
	rec.packed = b.String()
	return rec
}

// uvarintLen is how many bytes binary.AppendUvarint takes for v.
func uvarintLen(v int) int {
	n := 1
	for ; v >= 0x80; v >>= 7 {
		n++
	}
	return n
}

// uvarintAt decodes the uvarint s starts with: its value and width, or a
// width of 0 or less when s does not start with one.
func uvarintAt(s string) (uint64, int) {
	if s != "" && s[0] < 0x80 {
		return uint64(s[0]), 1 // lengths below 128: nearly all of them
	}
	return binary.Uvarint([]byte(s[:min(len(s), binary.MaxVarintLen64)]))
}

// nextField splits the length-prefixed string s starts with from the rest.
// Only well-formed records reach it (toRecord, wellFormedRecord). A
// length below 128, nearly all of them, is its one byte: sorting and
// indexing by key read fields millions of times at 100,000 resources.
func nextField(s string) (field, rest string) {
	n, w := int(s[0]), 1
	if n >= 0x80 {
		v, vw := uvarintAt(s)
		n, w = int(v), vw
	}
	return s[w : w+n], s[w+n:]
}

// field is the i-th fixed field.
func (r *record) field(i int) string {
	if r.packed == "" {
		return "" // the zero record
	}
	f, rest := nextField(r.packed)
	for range i {
		f, rest = nextField(rest)
	}
	return f
}

// afterFixed is the packed references, after the fixed fields.
func (r *record) afterFixed() string {
	rest := r.packed
	if rest == "" {
		return "" // the zero record
	}
	for range fixedFields {
		_, rest = nextField(rest)
	}
	return rest
}

func (r *record) ID() string       { return r.field(fieldID) }
func (r *record) Type() string     { return r.field(fieldType) }
func (r *record) URI() string      { return r.field(fieldURI) }
func (r *record) Location() string { return r.field(fieldLocation) }
func (r *record) Format() string   { return r.field(fieldFormat) }
func (r *record) ETag() string     { return r.field(fieldETag) }
func (r *record) Line() int32      { return r.line }
func (r *record) key() Key {
	// Sorting by key calls this millions of times: short fields, nearly
	// all of them, are read without a call.
	s := r.packed
	if s != "" {
		if n := int(s[0]); n < 0x80 && 1+n < len(s) {
			if m := int(s[1+n]); m < 0x80 {
				return Key{Type: s[2+n : 2+n+m], ID: s[1 : 1+n]}
			}
		}
	}
	return Key{Type: r.Type(), ID: r.ID()}
}

// appendPlaced appends to dst r's packed record as it would be read at
// location by formatter format, without an ETag: the record of another
// side's copy of the same resource (keptVersions.pair).
func (r *record) appendPlaced(dst []byte, location, format string) []byte {
	rest := r.packed
	if rest == "" {
		return dst // the zero record
	}
	for i := range fixedFields {
		var f string
		f, rest = nextField(rest)
		switch i {
		case fieldLocation:
			f = location
		case fieldFormat:
			f = format
		case fieldETag:
			f = ""
		}
		dst = binary.AppendUvarint(dst, uint64(len(f)))
		dst = append(dst, f...)
	}
	return append(dst, rest...)
}

// Source is where the resource was read: a file, a page's uri.
func (r *record) Source() string {
	if r.sourceHasLoc {
		return r.source.Value() + r.Location()
	}
	return r.source.Value()
}

// references walks the packed parents: each parent uri to uri, then each
// parent ref to ref (nil: stop there). A false from either stops the walk.
func (r *record) references(uri func(string) bool, ref func(Key) bool) {
	rest := r.afterFixed()
	next := func() string {
		s, after := nextField(rest)
		rest = after
		return s
	}
	count, w := uvarintAt(rest)
	rest = rest[w:]
	for range count {
		if p := next(); uri != nil && !uri(p) {
			return
		}
	}
	for ref != nil && rest != "" {
		k := Key{Type: next()}
		k.ID = next()
		if !ref(k) {
			return
		}
	}
}

// Parents are the uris of the resources r depends on.
func (r *record) Parents() iter.Seq[string] {
	return func(yield func(string) bool) { r.references(yield, nil) }
}

// ParentRefs are the resources r depends on, named by type and id.
func (r *record) ParentRefs() iter.Seq[Key] {
	return func(yield func(Key) bool) { r.references(nil, yield) }
}

// toProto is r as the plugins know it, with body json and etag.
func (r *record) toProto(json []byte, etag string) *pb.Resource {
	out := &pb.Resource{Id: r.ID(), Type: r.Type(), Uri: r.URI(), Parents: slices.Collect(r.Parents()),
		Json: json, Source: r.Source(), Line: r.line, Location: r.Location(), Etag: etag}
	for k := range r.ParentRefs() {
		out.ParentRefs = append(out.ParentRefs, &pb.ParentRef{Type: k.Type, Id: k.ID})
	}
	return out
}

func (r *record) describe() string { return describeAt(r.Type(), r.ID(), r.where()) }
func (r *record) where() string    { return whereAt(r.Source(), r.line, r.URI()) }

// fingerprint is how reports name a body: "sha256:" and the hex digest of
// the normalized canonical JSON.
func fingerprint(sum [sha256.Size]byte) string { return "sha256:" + hex.EncodeToString(sum[:]) }

func describeResource(r *pb.Resource) string {
	return describeAt(r.GetType(), r.GetId(), where(r))
}

func where(r *pb.Resource) string { return whereAt(r.GetSource(), r.GetLine(), r.GetUri()) }

// describeAt names a resource in messages: TYPE/ID, and where it was read.
func describeAt(typ, id, where string) string {
	if where != "" {
		return fmt.Sprintf("%s/%s (%s)", typ, id, where)
	}
	return typ + "/" + id
}

// whereAt is where a resource was read: its file and line, else its
// source, else its uri.
func whereAt(source string, line int32, uri string) string {
	if line > 0 {
		return fmt.Sprintf("%s:%d", source, line)
	}
	if source == "" {
		return uri
	}
	return source
}

// MaxNameBytes bounds a type or id, so that a resource always fits in a
// directory tree (255-byte file names, room for an extension) and in a url.
const MaxNameBytes = 250

// checkName says why a type or id cannot name a resource, or "". Every
// resource must be storable as DIR/TYPE/ID.EXT and addressable as a path
// segment, whatever the destination, so the rule is the same everywhere
// and is checked while reading, before anything is written.
func checkName(name string) string {
	switch {
	case name == "":
		return "it is empty"
	case !utf8.ValidString(name):
		return "it is not valid UTF-8"
	case len(name) > MaxNameBytes:
		return fmt.Sprintf("it is %d bytes long (at most %d)", len(name), MaxNameBytes)
	case name == "." || name == "..":
		return "it names a directory"
	case strings.ContainsAny(name, `/\`):
		return "it contains a path separator"
	case strings.HasPrefix(name, "."):
		return "it starts with a dot (hidden files are not resources)"
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return fmt.Sprintf("it contains the control character %U", r)
		}
	}
	return ""
}

// checkIdentity refuses a resource whose type or id cannot be used.
func checkIdentity(r *pb.Resource) error {
	if why := checkName(r.GetType()); why != "" {
		return fmt.Errorf("%s: type %q cannot name resources: %s", where(r), shorten(r.GetType()), why)
	}
	if why := checkName(r.GetId()); why != "" {
		return fmt.Errorf("%s: %s id %q cannot name a resource: %s", where(r), r.GetType(), shorten(r.GetId()), why)
	}
	return nil
}

// shorten keeps an offending name readable in a message.
func shorten(s string) string {
	if len(s) <= 80 {
		return s
	}
	cut := 60
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s... (%d bytes)", s[:cut], len(s))
}
