package http

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/resource-sync/resource-sync/internal/jsonscan"
)

// link is one RFC 8288 link-value of a Link header.
type link struct {
	target string
	// rels are the relation types of the first rel parameter, lower-cased.
	rels []string
}

// parseLinkHeader parses every Link header value: several links per value,
// parameters with token or quoted-string values, commas and semicolons
// inside quotes or the <target>. Malformed link-values are skipped.
func parseLinkHeader(values []string) []link {
	var links []link
	for _, s := range values {
		for {
			s = strings.TrimLeft(s, " \t,")
			if s == "" {
				break
			}
			if s[0] != '<' {
				s = skipLinkValue(s)
				continue
			}
			end := strings.IndexByte(s, '>')
			if end < 0 {
				break
			}
			l := link{target: strings.TrimSpace(s[1:end])}
			s = s[end+1:]
			relSeen := false
			for {
				s = strings.TrimLeft(s, " \t")
				if s == "" || s[0] != ';' {
					break
				}
				var name, value string
				name, s = linkToken(strings.TrimLeft(s[1:], " \t"))
				s = strings.TrimLeft(s, " \t")
				if s != "" && s[0] == '=' {
					s = strings.TrimLeft(s[1:], " \t")
					if s != "" && s[0] == '"' {
						value, s = quotedString(s)
					} else {
						value, s = linkToken(s)
					}
				}
				// RFC 8288 3.3: occurrences after the first rel are ignored.
				if strings.EqualFold(name, "rel") && !relSeen {
					relSeen = true
					l.rels = strings.Fields(strings.ToLower(value))
				}
			}
			links = append(links, l)
			s = skipLinkValue(s)
		}
	}
	return links
}

// linkToken reads a token (or the stray characters of a malformed value)
// up to whitespace or a delimiter.
func linkToken(s string) (token, rest string) {
	i := strings.IndexAny(s, " \t;,=\"")
	if i < 0 {
		return s, ""
	}
	return s[:i], s[i:]
}

// quotedString reads a quoted-string starting at s[0] == '"', undoing
// backslash escapes.
func quotedString(s string) (value, rest string) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			}
		case '"':
			return b.String(), s[i+1:]
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), ""
}

// skipLinkValue skips to the comma that ends the current link-value,
// ignoring commas inside quotes and angle brackets.
func skipLinkValue(s string) string {
	inQuote, inTarget := false, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case inQuote && c == '\\':
			i++
		case c == '"' && !inTarget:
			inQuote = !inQuote
		case c == '<' && !inQuote:
			inTarget = true
		case c == '>' && !inQuote:
			inTarget = false
		case c == ',' && !inQuote && !inTarget:
			return s[i+1:]
		}
	}
	return ""
}

// pageLinkPointers parses the schema's page links; one that is not a JSON
// pointer is dropped: they only spare the host fetching those pages.
func pageLinkPointers(pointers []string) [][]string {
	var out [][]string
	for _, p := range pointers {
		if tokens, err := jsonscan.PointerTokens(p); err == nil && len(tokens) > 0 {
			out = append(out, tokens)
		}
	}
	return out
}

// bodyLinks are the next pages a JSON page names where the schema says
// (sdk.OpenRequest.PageLinks), resolved as the schema resolves a page's
// links: against the uri the page was fetched from. Only the uri at each
// pointer is read; the page is not decoded.
func bodyLinks(body []byte, mediaType string, pointers [][]string, base *url.URL) []*url.URL {
	if len(pointers) == 0 || !isJSON(mediaType) {
		return nil
	}
	var next []*url.URL
	for _, p := range pointers {
		raw, ok := jsonscan.Pointer(body, p)
		if !ok || raw[0] != '"' {
			continue
		}
		var href string
		if json.Unmarshal(raw, &href) != nil || href == "" {
			continue
		}
		if u, err := base.Parse(href); err == nil {
			next = append(next, u)
		}
	}
	return next
}

// nextLinks returns the absolute targets of rel="next" links in h,
// resolved against base (the uri the response came from).
func nextLinks(h http.Header, base *url.URL) []*url.URL {
	var next []*url.URL
	for _, l := range parseLinkHeader(h.Values("Link")) {
		if !slices.Contains(l.rels, "next") {
			continue
		}
		if u, err := base.Parse(l.target); err == nil {
			next = append(next, u)
		}
	}
	return next
}
