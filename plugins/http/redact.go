package http

import (
	"cmp"
	"encoding/base64"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// redacted replaces a secret in messages.
const redacted = "***"

// minQuerySecret is the shortest query parameter value redacted wherever
// it appears, not only after its name.
const minQuerySecret = 8

// redactor removes secrets from anything shown to the user. Servers echo
// headers and URLs back in error pages, so every error message and log
// value passes through it, not just the ones we build from credentials.
// Besides the credentials it knows, it hides the value of every query
// parameter whose name says it is a secret (sensitiveParam), in URLs and
// in free text.
type redactor struct {
	replacer *strings.Replacer
}

// newRedactor redacts each secret as written, URL-escaped and, for basic
// auth, base64-encoded as it travels; and the values of the location's
// secret query parameters however they appear.
func newRedactor(c *config, userinfo *url.Userinfo, location *url.URL) *redactor {
	var secrets []string
	add := func(s string) {
		if s != "" {
			secrets = append(secrets, s, url.QueryEscape(s), url.PathEscape(s))
		}
	}
	add(c.password)
	add(c.token)
	for _, h := range c.headers {
		add(h.value)
	}
	if c.username != "" || c.password != "" {
		add(base64.StdEncoding.EncodeToString([]byte(c.username + ":" + c.password)))
	}
	if location != nil {
		for _, kv := range strings.Split(location.RawQuery, "&") {
			name, value, _ := strings.Cut(kv, "=")
			// A short value ("?key=1") would blank every "1" in
			// messages; it is still hidden where it appears as key=1.
			if sensitiveParam(unescapeQuery(name)) && len(value) >= minQuerySecret {
				add(value)
				add(unescapeQuery(value))
			}
		}
	}
	if userinfo != nil {
		add(userinfo.String())
		if p, ok := userinfo.Password(); ok {
			add(p)
			add(base64.StdEncoding.EncodeToString([]byte(userinfo.Username() + ":" + p)))
		}
	}
	// Longest first, so a secret containing another is replaced whole.
	slices.SortFunc(secrets, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	secrets = slices.Compact(secrets)
	pairs := make([]string, 0, 2*len(secrets))
	for _, s := range secrets {
		pairs = append(pairs, s, redacted)
	}
	return &redactor{replacer: strings.NewReplacer(pairs...)}
}

// String returns s with every secret replaced.
func (r *redactor) String(s string) string {
	if r != nil && r.replacer != nil {
		s = r.replacer.Replace(s)
	}
	return redactParams(s)
}

// URL prints u without userinfo and fragment, with secrets replaced.
func (r *redactor) URL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := cleanURL(u)
	c.RawQuery = redactQuery(c.RawQuery)
	return r.String(c.String())
}

// sensitiveParam reports whether a query parameter named name carries a
// secret: api_key, access_token, X-Amz-Signature, client_secret, sig...
// Hiding a harmless one (sort_key, pageToken) only costs detail in a
// message.
func sensitiveParam(name string) bool {
	n := strings.ToLower(name)
	n = strings.NewReplacer("-", "", "_", "", ".", "").Replace(n)
	switch n {
	case "sig", "auth", "pass", "pwd", "session", "jwt":
		return true
	}
	if strings.HasSuffix(n, "key") {
		return true
	}
	for _, part := range []string{"token", "secret", "passw", "signature", "credential", "authorization", "sessionid", "apikey"} {
		if strings.Contains(n, part) {
			return true
		}
	}
	return false
}

// redactQuery replaces the values of sensitive parameters in a raw query,
// keeping everything else as it was.
func redactQuery(raw string) string {
	if raw == "" {
		return raw
	}
	parts := strings.Split(raw, "&")
	for i, kv := range parts {
		if name, _, ok := strings.Cut(kv, "="); ok && sensitiveParam(unescapeQuery(name)) {
			parts[i] = name + "=" + redacted
		}
	}
	return strings.Join(parts, "&")
}

func unescapeQuery(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// paramPattern finds name=value pairs in free text: query strings inside
// messages, server error pages and log lines.
// A value ends before "?", so that a uri inside a value is looked at too.
var paramPattern = regexp.MustCompile(`(?:^|[?&;#\s"'(,<])([A-Za-z0-9_.%-]+)=([^?&#\s"'<>;,)]*)`)

// redactParams replaces the values of sensitive name=value pairs in s.
func redactParams(s string) string {
	if !strings.Contains(s, "=") {
		return s
	}
	matches := paramPattern.FindAllStringSubmatchIndex(s, -1)
	if matches == nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, m := range matches {
		name, valueStart, valueEnd := s[m[2]:m[3]], m[4], m[5]
		// "uri?token=x: message" keeps its colon.
		if valueEnd > valueStart && s[valueEnd-1] == ':' {
			valueEnd--
		}
		if !sensitiveParam(unescapeQuery(name)) || s[valueStart:valueEnd] == redacted || valueStart == valueEnd {
			continue
		}
		b.WriteString(s[last:valueStart])
		b.WriteString(redacted)
		last = valueEnd
	}
	b.WriteString(s[last:])
	return b.String()
}

// serverMessage is the start of a response body for an error message: at
// most maxSnippet bytes, on one line, valid UTF-8.
func serverMessage(body []byte) string {
	const maxSnippet = 200
	cut := len(body) > maxSnippet
	if cut {
		body = body[:maxSnippet]
		// Drop a rune cut in half rather than show it as "?".
		for i := len(body) - 1; i >= 0 && i >= len(body)-utf8.UTFMax; i-- {
			if utf8.RuneStart(body[i]) {
				if !utf8.FullRune(body[i:]) {
					body = body[:i]
				}
				break
			}
		}
	}
	s := strings.Join(strings.Fields(strings.ToValidUTF8(string(body), "?")), " ")
	if cut && s != "" {
		s += "…"
	}
	return s
}
