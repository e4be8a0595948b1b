package http

import (
	"cmp"
	"encoding/base64"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"
)

// redacted replaces a secret in messages.
const redacted = "***"

// redactor removes secrets from anything shown to the user. Servers echo
// headers and URLs back in error pages, so every error message and log
// value passes through it, not just the ones we build from credentials.
type redactor struct {
	replacer *strings.Replacer
}

// newRedactor redacts each secret as written, URL-escaped and, for basic
// auth, base64-encoded as it travels.
func newRedactor(c *config, userinfo *url.Userinfo) *redactor {
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
	if r == nil || r.replacer == nil {
		return s
	}
	return r.replacer.Replace(s)
}

// URL prints u without userinfo and with secrets replaced.
func (r *redactor) URL(u *url.URL) string {
	if u == nil {
		return ""
	}
	if u.User != nil {
		u = cleanURL(u)
	}
	return r.String(u.String())
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
