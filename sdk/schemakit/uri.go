package schemakit

import (
	"fmt"
	"net/url"
	"strings"
)

// Resolve makes ref absolute against base. An absolute ref is returned as
// written, so a server's uris are never rewritten; a relative one stays
// relative when there is no base (a file), and then still matches the same
// relative uri elsewhere in that file.
func Resolve(base, ref string) (string, error) {
	r, err := url.Parse(ref)
	if err != nil {
		return "", fmt.Errorf("invalid uri %q", ref)
	}
	if r.IsAbs() || base == "" {
		return ref, nil
	}
	b, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("invalid base uri %q", base)
	}
	return b.ResolveReference(r).String(), nil
}

// IsAbsolute reports whether uri names a scheme and a host, so that an
// endpoint can fetch it.
func IsAbsolute(uri string) bool {
	u, err := url.Parse(uri)
	return err == nil && u.Scheme != "" && u.Host != ""
}

// Segments returns the non-empty segments of uri's path, percent-decoded.
// Empty segments are dropped so that "/order/o1/" and "/order//o1" read as
// "/order/o1"; an encoded slash ("%2F") stays inside its segment.
func Segments(uri string) []string {
	u, err := url.Parse(uri)
	if err != nil {
		return nil
	}
	var segs []string
	for _, raw := range strings.Split(u.EscapedPath(), "/") {
		if raw == "" {
			continue
		}
		if s, err := url.PathUnescape(raw); err == nil {
			raw = s
		}
		segs = append(segs, raw)
	}
	return segs
}

// TypeFromURI returns the second-to-last path segment of uri, the
// collection in the REST convention ".../<type>/<id>"; "" when the path
// has fewer than two segments.
func TypeFromURI(uri string) string {
	segs := Segments(uri)
	if len(segs) < 2 {
		return ""
	}
	return segs[len(segs)-2]
}
