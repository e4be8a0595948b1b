package http

import (
	"fmt"
	"strings"

	"github.com/resource-sync/resource-sync/sdk"
)

// mediaTypes is what the installed formatters can decode.
type mediaTypes struct {
	// accept is the Accept header: the first formatter's first media type
	// preferred, the rest with lower q-values in formatter order.
	accept  string
	claimed map[string]bool
}

func newMediaTypes(formats []sdk.FormatInfo) mediaTypes {
	m := mediaTypes{claimed: map[string]bool{}}
	var accept []string
	for i, f := range formats {
		q := max(0.9-0.1*float64(i), 0.1)
		for _, t := range f.MediaTypes {
			t = baseMediaType(t)
			if t == "" || m.claimed[t] {
				continue
			}
			m.claimed[t] = true
			if len(accept) == 0 {
				accept = append(accept, t)
			} else {
				accept = append(accept, fmt.Sprintf("%s;q=%.1f", t, q))
			}
		}
	}
	m.accept = strings.Join(accept, ", ")
	if m.accept == "" {
		m.accept = "*/*"
	}
	return m
}

// claims reports whether some formatter reads mediaType (already base).
// Any +json type counts as application/json. With no formatters known,
// anything goes: the host decides.
func (m mediaTypes) claims(mediaType string) bool {
	if len(m.claimed) == 0 {
		return true
	}
	if m.claimed[mediaType] {
		return true
	}
	return isJSON(mediaType) && m.claimed["application/json"]
}

// baseMediaType is a Content-Type without parameters, lower-cased, or ""
// when it is not type/subtype.
func baseMediaType(contentType string) string {
	t, _, _ := strings.Cut(contentType, ";")
	t = strings.ToLower(strings.TrimSpace(t))
	if typ, sub, ok := strings.Cut(t, "/"); !ok || typ == "" || sub == "" {
		return ""
	}
	return t
}

// isJSON reports whether a media type is JSON.
func isJSON(mediaType string) bool { return sdk.IsJSONMediaType(mediaType) }
