package layout

import (
	"strings"

	"github.com/resource-sync/resource-sync/sdk"
)

// Extensions is a set of lower-cased file extensions, each with its dot.
type Extensions map[string]bool

// ClaimedExtensions gathers every extension the installed formatters read,
// so that an endpoint hands the host only files some formatter can decode.
func ClaimedExtensions(formats []sdk.FormatInfo) Extensions {
	exts := Extensions{}
	for _, f := range formats {
		for _, ext := range f.Extensions {
			if ext = normalize(ext); ext != "" {
				exts[ext] = true
			}
		}
	}
	return exts
}

// Claims reports whether the format reads files ending in ext, ignoring case.
func Claims(f sdk.FormatInfo, ext string) bool {
	return ClaimedExtensions([]sdk.FormatInfo{f})[normalize(ext)]
}

// Match returns the longest claimed extension name ends with, lower-cased,
// so that a claim such as ".tar.json" wins over ".json". A name that is
// nothing but an extension (".json") does not match: it is a hidden file.
func (e Extensions) Match(name string) (ext string, ok bool) {
	lower := strings.ToLower(name)
	for claimed := range e {
		if len(claimed) > len(ext) && len(lower) > len(claimed) && strings.HasSuffix(lower, claimed) {
			ext = claimed
		}
	}
	return ext, ext != ""
}

// normalize lower-cases ext and gives it its leading dot; formatters are
// asked to register ".yaml" but "yaml" means the same.
func normalize(ext string) string {
	if ext == "" {
		return ""
	}
	ext = strings.ToLower(ext)
	if !strings.HasPrefix(ext, ".") {
		ext = "." + ext
	}
	return ext
}
