package schemakit

import (
	"strings"

	"github.com/resource-sync/resource-sync/sdk"
)

// Follows reports whether a link of this relation is followed under mode:
// next and prev by default, also child:* relations under FollowChild,
// everything under FollowAll, nothing under FollowNone. A resource's own
// uri (self) is never followed.
func Follows(mode sdk.Follow, relation string) bool {
	if relation == "self" {
		return false
	}
	switch mode {
	case sdk.FollowNone:
		return false
	case sdk.FollowAll:
		return true
	case sdk.FollowChild:
		if strings.HasPrefix(relation, "child:") {
			return true
		}
	case sdk.FollowPage:
	}
	return relation == "next" || relation == "prev"
}

// IsParent reports whether a relation is a dependency edge: the linked
// resource must be written first.
func IsParent(relation string) bool {
	return strings.HasPrefix(relation, "parent:")
}

// linkSet collects the uris to follow once each, in the order first seen.
// Uris that are not absolute are dropped: no endpoint could fetch them.
type linkSet struct {
	seen map[string]bool
	list []string
}

// Add adds uri unless it is relative or already present.
func (l *linkSet) Add(uri string) {
	if l.seen[uri] || !IsAbsolute(uri) {
		return
	}
	if l.seen == nil {
		l.seen = make(map[string]bool)
	}
	l.seen[uri] = true
	l.list = append(l.list, uri)
}

// List returns the uris in the order they were added; nil when none.
func (l *linkSet) List() []string { return l.list }

// appendUnique appends s to list unless list already holds it.
func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
