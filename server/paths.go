package server

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// discoveryPath is where the discovery document lives ("/api/" too), so no
// collection may have this path.
const discoveryPath = "/api"

// maxNameBytes keeps <id>.<ext> under the 255-byte file name limit of
// common file systems.
const maxNameBytes = 250

// target is where a resource lives: its canonical path and the file-system
// names derived from it.
type target struct {
	// path has every segment escaped by url.PathEscape and no trailing
	// slash, so one resource has exactly one key however it was spelled.
	path       string
	collection string
	typ, id    string
}

// splitPath decodes an escaped URL path into its segments. A trailing slash
// is reported, not kept as an empty segment; other empty, "." and ".."
// segments are refused.
func splitPath(escaped string) (segs []string, trailingSlash bool, err error) {
	if !strings.HasPrefix(escaped, "/") {
		return nil, false, fmt.Errorf("path %q does not start with /", escaped)
	}
	rest := escaped[1:]
	if strings.HasSuffix(rest, "/") {
		rest, trailingSlash = rest[:len(rest)-1], true
	}
	if rest == "" {
		return nil, trailingSlash, nil
	}
	for _, part := range strings.Split(rest, "/") {
		seg, err := url.PathUnescape(part)
		if err != nil {
			return nil, false, fmt.Errorf("path %q: bad escape in segment %q", escaped, part)
		}
		switch seg {
		case "":
			return nil, false, fmt.Errorf("path %q has an empty segment", escaped)
		case ".", "..":
			return nil, false, fmt.Errorf("path %q has a %q segment", escaped, seg)
		}
		segs = append(segs, seg)
	}
	return segs, trailingSlash, nil
}

// joinPath is the canonical spelling of decoded segments.
func joinPath(segs []string) string {
	var b strings.Builder
	for _, s := range segs {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(s))
	}
	if b.Len() == 0 {
		return "/"
	}
	return b.String()
}

// resourceTarget names the resource at segs: the last segment is its id,
// the one before its type, and both become file names.
func resourceTarget(segs []string) (target, error) {
	p := joinPath(segs)
	if len(segs) < 2 {
		return target{}, fmt.Errorf("resource path %s needs a type and an id segment", p)
	}
	typ, id := segs[len(segs)-2], segs[len(segs)-1]
	if err := checkName("type", typ); err != nil {
		return target{}, err
	}
	if err := checkName("id", id); err != nil {
		return target{}, err
	}
	coll := joinPath(segs[:len(segs)-1])
	if coll == discoveryPath {
		return target{}, fmt.Errorf("resource path %s: %s is the discovery document, not a collection", p, discoveryPath)
	}
	return target{path: p, collection: coll, typ: typ, id: id}, nil
}

// checkCollection checks that segs can name a collection, whose type is
// its last segment, and returns its canonical path.
func checkCollection(segs []string) (string, error) {
	p := joinPath(segs)
	if len(segs) == 0 {
		return "", fmt.Errorf("collection path %s needs a type segment", p)
	}
	if p == discoveryPath {
		return "", fmt.Errorf("%s is the discovery document, not a collection", p)
	}
	if err := checkName("type", segs[len(segs)-1]); err != nil {
		return "", err
	}
	return p, nil
}

// checkName refuses a type or id that cannot be a file or directory name
// inside the served tree: one that would escape it, or that the loader
// would skip as hidden.
func checkName(what, name string) error {
	switch {
	case name == "":
		return fmt.Errorf("empty %s", what)
	case name == "." || name == "..":
		return fmt.Errorf("%s %q would escape the directory", what, name)
	case strings.ContainsAny(name, "/\\\x00"):
		return fmt.Errorf("%s %q contains a slash, a backslash or a NUL byte", what, name)
	case strings.HasPrefix(name, "."):
		return fmt.Errorf("%s %q starts with a dot: hidden files are not served", what, name)
	case !utf8.ValidString(name):
		return fmt.Errorf("%s %q is not valid UTF-8", what, name)
	case len(name) > maxNameBytes:
		return fmt.Errorf("%s is %d bytes long; the limit is %d", what, len(name), maxNameBytes)
	case !filepath.IsLocal(name):
		return fmt.Errorf("%s %q is not a valid file name on this system", what, name) // NUL, COM1 on Windows
	}
	return nil
}

// hrefPath returns the canonical path of an href, ignoring its scheme and
// host.
func hrefPath(href string) ([]string, error) {
	u, err := url.Parse(href)
	if err != nil {
		return nil, err
	}
	if u.Path == "" {
		return nil, fmt.Errorf("href %q has no path", href)
	}
	segs, _, err := splitPath(u.EscapedPath())
	return segs, err
}
