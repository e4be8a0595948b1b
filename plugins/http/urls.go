package http

import (
	"fmt"
	"net"
	"net/url"
	"path"
	"strings"
)

// parseLocation checks that s is an absolute http(s) URL and returns it
// without fragment and userinfo; the userinfo is returned apart because it
// is a credential.
func parseLocation(s string) (*url.URL, *url.Userinfo, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, nil, fmt.Errorf("not a URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, nil, fmt.Errorf("scheme %q is not http or https", u.Scheme)
	}
	if u.Host == "" {
		return nil, nil, fmt.Errorf("no host")
	}
	user := u.User
	return cleanURL(u), user, nil
}

// cleanURL drops what is never sent: the fragment and the userinfo (this
// plugin adds credentials itself, only to hosts that may have them).
func cleanURL(u *url.URL) *url.URL {
	c := *u
	c.User = nil
	c.Fragment, c.RawFragment = "", ""
	return &c
}

// pageKey identifies a page for "fetch each uri once": scheme and host
// lower-cased, default port dropped, query parameters sorted, fragment
// and userinfo dropped. ?a=1&b=2 and ?b=2&a=1 are the same page.
func pageKey(u *url.URL) string {
	k := cleanURL(u)
	k.Scheme = strings.ToLower(k.Scheme)
	k.Host = hostKey(u)
	if k.EscapedPath() == "" {
		k.Path, k.RawPath = "/", ""
	}
	if k.RawQuery != "" {
		if q, err := url.ParseQuery(k.RawQuery); err == nil {
			k.RawQuery = q.Encode()
		}
	}
	k.ForceQuery = false
	return k.String()
}

// hostKey is u's host lower-cased with the scheme's default port made
// explicit, so http://h and http://h:80 are one host.
func hostKey(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if strings.EqualFold(u.Scheme, "https") {
			port = "443"
		}
	}
	return net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// origin is u's scheme, host and port, as browsers compare them.
func origin(u *url.URL) string {
	return strings.ToLower(u.Scheme) + "://" + hostKey(u)
}

// hostPolicy says which hosts links may lead to and credentials may go to:
// the location's own host (host and port) and the allow-host entries. An
// entry without a port allows every port of that host name. Credentials
// given for an https location never go over plain http.
type hostPolicy struct {
	home  string
	allow []string
	// secure is set for an https location.
	secure bool
}

// newHostPolicy is the policy of location loc.
func newHostPolicy(loc *url.URL, allow []string) hostPolicy {
	return hostPolicy{home: hostKey(loc), allow: allow, secure: strings.EqualFold(loc.Scheme, "https")}
}

// credentialsAllowed reports whether credentials may be sent to u: an
// allowed host, over https if they were given for https. Plain http to a
// host of an http location is what the user asked for; https to it is
// only safer.
func (p hostPolicy) credentialsAllowed(u *url.URL) bool {
	return p.allowed(u) && !p.downgrade(u)
}

// downgrade reports whether u is plain http while the location is https.
func (p hostPolicy) downgrade(u *url.URL) bool {
	return p.secure && !strings.EqualFold(u.Scheme, "https")
}

func (p hostPolicy) allowed(u *url.URL) bool {
	key := hostKey(u)
	if key == p.home {
		return true
	}
	name := strings.ToLower(u.Hostname())
	for _, a := range p.allow {
		if _, _, err := net.SplitHostPort(a); err == nil {
			if a == key {
				return true
			}
		} else if strings.Trim(a, "[]") == name {
			return true
		}
	}
	return false
}

// target is where a resource is written on the destination dest: the
// resource uri's path and query on dest's scheme and host, under dest's
// path prefix unless the path already starts with it. A resource without
// a uri goes to <dest>/<type>/<id>.
func target(dest *url.URL, uri, typ, id string) (*url.URL, error) {
	prefix := strings.TrimSuffix(dest.EscapedPath(), "/")
	var p, query string
	if uri != "" {
		u, err := url.Parse(uri)
		if err != nil {
			return nil, fmt.Errorf("uri %q is not a URL", uri)
		}
		// Dot segments are resolved first, so /prefix/../admin is not
		// taken to be under /prefix.
		u = u.ResolveReference(&url.URL{})
		p, query = u.EscapedPath(), u.RawQuery
		if p == "" || p == "/" {
			return nil, fmt.Errorf("uri %q has no path", uri)
		}
		if !strings.HasPrefix(p, "/") {
			p = "/" + p
		}
		if prefix != "" && p != prefix && !strings.HasPrefix(p, prefix+"/") {
			p = prefix + p
		}
	} else {
		if typ == "" || id == "" {
			return nil, fmt.Errorf("resource has no uri and no type and id to place it by")
		}
		for _, seg := range []string{typ, id} {
			if seg == "." || seg == ".." {
				return nil, fmt.Errorf("%q cannot be a path segment", seg)
			}
		}
		p = prefix + "/" + url.PathEscape(typ) + "/" + url.PathEscape(id)
	}
	t, err := url.Parse(dest.Scheme + "://" + dest.Host + p)
	if err != nil {
		return nil, fmt.Errorf("bad target path %q", p)
	}
	t.RawQuery = query
	return t, nil
}

// collection is the collection holding the resource at u: its path minus
// the last segment (a trailing slash ignored), without query.
// /api/order/o1 -> /api/order.
func collection(u *url.URL) *url.URL {
	c := *u
	c.RawQuery, c.ForceQuery = "", false
	p := strings.TrimSuffix(u.EscapedPath(), "/")
	dir := p[:strings.LastIndex(p, "/")+1]
	if dir != "/" {
		dir = strings.TrimSuffix(dir, "/")
	}
	if parsed, err := url.Parse(dir); err == nil {
		c.Path, c.RawPath = parsed.Path, parsed.RawPath
	}
	return &c
}

// typeHint is the last path segment of u: the collection a listing such as
// GET /posts comes from, for schemas whose resources carry no type.
func typeHint(u *url.URL) string {
	p := strings.TrimSuffix(u.Path, "/")
	if p == "" {
		return ""
	}
	return path.Base(p)
}
