package host

import (
	"fmt"
	"path"
	"strings"
)

// Filter selects resources by glob patterns (path.Match syntax: *, ?,
// [a-z]) over their type, or over "TYPE/ID" for a pattern holding a "/".
// A resource is in when some include matches (or there is none) and no
// exclude does. It applies to reading, planning and deleting alike: an
// excluded resource is neither written nor deleted.
type Filter struct {
	Include []string
	Exclude []string
}

// Validate checks every pattern's syntax.
func (f Filter) Validate() error {
	for _, list := range [][]string{f.Include, f.Exclude} {
		for _, p := range list {
			if p == "" {
				return fmt.Errorf("empty filter pattern")
			}
			if _, err := path.Match(p, ""); err != nil {
				return fmt.Errorf("filter pattern %q: %v", p, err)
			}
			if strings.Count(p, "/") > 1 {
				return fmt.Errorf("filter pattern %q: want TYPE or TYPE/ID", p)
			}
		}
	}
	return nil
}

// Match reports whether the resource typ/id is selected.
func (f Filter) Match(typ, id string) bool {
	if len(f.Include) > 0 && !matchAny(f.Include, typ, id) {
		return false
	}
	return !matchAny(f.Exclude, typ, id)
}

// Empty says the filter selects everything.
func (f Filter) Empty() bool { return len(f.Include) == 0 && len(f.Exclude) == 0 }

func matchAny(patterns []string, typ, id string) bool {
	for _, p := range patterns {
		subject := typ
		if strings.Contains(p, "/") {
			subject = typ + "/" + id
		}
		if ok, _ := path.Match(p, subject); ok {
			return true
		}
	}
	return false
}

// Args is the filter as command-line arguments ("--include=order/*"), for
// a destination that records what scoped a sync (a snapshot manifest).
func (f Filter) Args() []string {
	var out []string
	for _, p := range f.Include {
		out = append(out, "--include="+p)
	}
	for _, p := range f.Exclude {
		out = append(out, "--exclude="+p)
	}
	return out
}
