package host

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// Key names a resource within a sync: its type and id.
type Key struct{ Type, ID string }

func (k Key) String() string { return k.Type + "/" + k.ID }

// found is a resource read from an origin or from the destination. Its
// body is in the spill file (res.Json is nil).
type found struct {
	res    *pb.Resource
	origin int               // index of the origin; -1 for the destination
	format string            // the formatter that decoded it
	sum    [sha256.Size]byte // SHA-256 of the canonical JSON as read
	fp     [sha256.Size]byte // SHA-256 of the normalized form (normalize.go)
	body   span
	// etag is the resource's ETag where the endpoint gave one for it
	// (conditional writes, bisync).
	etag string
}

func (f *found) key() Key { return Key{f.res.GetType(), f.res.GetId()} }

// fingerprint is how reports name a body: "sha256:" and the hex digest of
// the normalized canonical JSON.
func fingerprint(sum [sha256.Size]byte) string { return "sha256:" + hex.EncodeToString(sum[:]) }

func describeResource(r *pb.Resource) string {
	if w := where(r); w != "" {
		return fmt.Sprintf("%s/%s (%s)", r.GetType(), r.GetId(), w)
	}
	return r.GetType() + "/" + r.GetId()
}

func where(r *pb.Resource) string {
	if r.GetLine() > 0 {
		return fmt.Sprintf("%s:%d", r.GetSource(), r.GetLine())
	}
	if r.GetSource() == "" {
		return r.GetUri()
	}
	return r.GetSource()
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
