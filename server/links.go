package server

import (
	"net/http"
	"strings"

	"github.com/resource-sync/resource-sync/sdk"
)

// baseURL is the server's own address as the client reached it. Only the
// connection decides the scheme: forwarding headers are not trusted.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// rebaseHref moves an http(s) URL or an absolute path onto base, keeping
// path, query and fragment. Other hrefs (relative ones, urn:, mailto:) are
// returned unchanged. It works on the string, so templated hrefs
// ("/api/order{?q}") survive.
func rebaseHref(href, base string) string {
	var rest string
	switch {
	case strings.HasPrefix(href, "//"):
		rest = href[2:]
	case strings.HasPrefix(href, "/"):
		return base + href
	default:
		scheme, after, ok := strings.Cut(href, "://")
		if !ok || !(strings.EqualFold(scheme, "http") || strings.EqualFold(scheme, "https")) {
			return href
		}
		rest = after
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		return base + rest[i:]
	}
	return base
}

// rebaseLinks rewrites every href in doc's _links, one link or a list of
// them per relation, and in the resources of its _embedded.
func rebaseLinks(doc map[string]any, base string) {
	if links, ok := doc["_links"].(map[string]any); ok {
		for _, v := range links {
			for _, link := range asList(v) {
				if link, ok := link.(map[string]any); ok {
					if href, ok := link["href"].(string); ok {
						link["href"] = rebaseHref(href, base)
					}
				}
			}
		}
	}
	if embedded, ok := doc["_embedded"].(map[string]any); ok {
		for _, v := range embedded {
			for _, e := range asList(v) {
				if e, ok := e.(map[string]any); ok {
					rebaseLinks(e, base)
				}
			}
		}
	}
}

// asList treats one HAL value and a list of them alike.
func asList(v any) []any {
	if list, ok := v.([]any); ok {
		return list
	}
	return []any{v}
}

// render is a stored resource as served: links rebased onto base, and a
// self link added when it has none.
func render(res *resource, base string) ([]byte, error) {
	v, err := sdk.UnmarshalJSON(res.json)
	if err != nil {
		return nil, err
	}
	doc := v.(map[string]any) // stored resources are objects
	rebaseLinks(doc, base)
	links, ok := doc["_links"].(map[string]any)
	if !ok {
		links = map[string]any{}
		doc["_links"] = links
	}
	if _, ok := links["self"]; !ok {
		links["self"] = map[string]any{"href": base + res.path}
	}
	return sdk.MarshalCanonical(doc)
}
