package schemautil

import "github.com/resource-sync/resource-sync/sdk/schemakit"

// Links collects the uris to follow once each, in the order first seen.
// Uris that are not absolute are dropped: no endpoint could fetch them.
type Links struct {
	seen map[string]bool
	list []string
}

// Add adds uri unless it is relative or already present.
func (l *Links) Add(uri string) {
	if l.seen[uri] || !schemakit.IsAbsolute(uri) {
		return
	}
	if l.seen == nil {
		l.seen = make(map[string]bool)
	}
	l.seen[uri] = true
	l.list = append(l.list, uri)
}

// List returns the uris in the order they were added; nil when none.
func (l *Links) List() []string { return l.list }

// AppendUnique appends s to list unless list already holds it.
func AppendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
