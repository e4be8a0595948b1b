// Package fileutil holds what the file-backed endpoints (dir, yamlfile)
// share: which files are resources (the directory layout's rules, in
// internal/layout, which serve shares too), and how to replace one safely.
package fileutil

import (
	"github.com/resource-sync/resource-sync/internal/layout"
	"github.com/resource-sync/resource-sync/sdk"
)

// Extensions is a set of lower-cased file extensions, each with its dot;
// see layout.Extensions.
type Extensions = layout.Extensions

// ClaimedExtensions gathers every extension the installed formatters read;
// see layout.ClaimedExtensions.
func ClaimedExtensions(formats []sdk.FormatInfo) Extensions { return layout.ClaimedExtensions(formats) }

// Claims reports whether the format reads files ending in ext, ignoring case.
func Claims(f sdk.FormatInfo, ext string) bool { return layout.Claims(f, ext) }

// IsHidden reports whether a file or directory name is hidden; see
// layout.IsHidden.
func IsHidden(name string) bool { return layout.IsHidden(name) }
