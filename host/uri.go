package host

import (
	"net/url"
	"strings"
)

// normalizeURI makes equal uris compare equal: query parameters sorted,
// fragment and trailing slash dropped, scheme and host lower-cased.
func normalizeURI(s string) string {
	if _, ok := normalPath(s); ok {
		return s
	}
	return parseNormalizeURI(s)
}

// uriPath is the path of a uri, normalized, for matching resources of two
// servers that share a layout.
func uriPath(s string) string {
	if path, ok := normalPath(s); ok {
		return path
	}
	u, err := url.Parse(parseNormalizeURI(s))
	if err != nil {
		return s
	}
	return u.EscapedPath()
}

func parseNormalizeURI(s string) string {
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

// normalPath says whether s is already normalized, as almost every uri a
// server gives is, and then returns its path. Planning normalizes every
// uri and parent of a sync several times; parsing each one (url.Parse)
// was most of the plan's time and garbage at 100,000 resources. The rule
// is narrow on purpose: "scheme://host/path" or "/path" in lower-case
// scheme and host, with no query, fragment, escape or trailing slash, in
// characters url.URL.String leaves as they are (FuzzNormalizeURI).
func normalPath(s string) (path string, ok bool) {
	path = s
	if scheme, rest, found := strings.Cut(s, "://"); found {
		if scheme == "" || !isLower(scheme[0]) {
			return "", false
		}
		for i := 1; i < len(scheme); i++ {
			if c := scheme[i]; !isLower(c) && !isDigit(c) && c != '+' && c != '-' && c != '.' {
				return "", false
			}
		}
		host, _, _ := strings.Cut(rest, "/")
		if host == "" || strings.Count(host, ":") > 1 {
			return "", false
		}
		name, port, _ := strings.Cut(host, ":")
		for i := 0; i < len(name); i++ {
			if c := name[i]; !isLower(c) && !isDigit(c) && c != '-' && c != '.' {
				return "", false
			}
		}
		if name == "" || len(port) > 5 || strings.Contains(host, ":") && port == "" {
			return "", false
		}
		for i := 0; i < len(port); i++ {
			if !isDigit(port[i]) {
				return "", false
			}
		}
		path = rest[len(host):]
	} else if !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") {
		return "", false
	}
	if len(path) > 1 && path[len(path)-1] == '/' {
		return "", false
	}
	for i := 0; i < len(path); i++ {
		if c := path[i]; !isLower(c) && !isDigit(c) && !(c >= 'A' && c <= 'Z') && !strings.ContainsRune("-_.~/$&+,;=@", rune(c)) {
			return "", false
		}
	}
	return path, true
}

func isLower(c byte) bool { return c >= 'a' && c <= 'z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
