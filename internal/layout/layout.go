// Package layout is the directory layout's rules for what a tree holds,
// in one place for the two that read trees: the dir endpoint and
// `resource-sync serve`. A tree holds one resource per file,
// TYPE/ID.EXT: files whose extension an installed formatter claims
// (Extensions), outside hidden directories and not hidden themselves
// (IsHidden); the directory a file sits in directly below the top is its
// type (TypeHint); a file holding no resource or several is refused
// (ErrNoResource, ErrSecondResource).
package layout

import (
	"errors"
	"strings"
)

// IsHidden reports whether a file or directory name is hidden (".git",
// ".DS_Store"); hidden entries are never resources.
func IsHidden(name string) bool {
	return strings.HasPrefix(name, ".")
}

// TypeHint is the type directory a file sits in, its path slash
// separated and relative to the top of the tree: "order" for
// "order/o1.json", nothing for files at the top or deeper down.
func TypeHint(rel string) string {
	typ, name, ok := strings.Cut(rel, "/")
	if !ok || strings.Contains(name, "/") {
		return ""
	}
	return typ
}

// The problems of a file that does not hold exactly one resource.
var (
	ErrNoResource     = errors.New("no resource in the file; the directory layout holds one resource per file")
	ErrSecondResource = errors.New("a second resource; the directory layout holds one resource per file")
)
