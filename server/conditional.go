package server

import (
	"fmt"
	"net/http"
	"strings"
)

// precondition is a request's If-Match and If-None-Match (RFC 9110 13.1),
// checked against the resource while its lock is held, so a conditional
// write never overwrites a change made since the client read it.
type precondition struct {
	ifMatch     []string // entity tags, or "*"
	ifNoneMatch []string
}

func preconditionOf(r *http.Request) precondition {
	return precondition{ifMatch: entityTags(r.Header.Values("If-Match")), ifNoneMatch: entityTags(r.Header.Values("If-None-Match"))}
}

// entityTags splits header values into entity tags ("*" included).
func entityTags(values []string) []string {
	var tags []string
	for _, v := range values {
		for len(v) > 0 {
			v = strings.TrimLeft(v, " \t,")
			if v == "" {
				break
			}
			end := strings.IndexByte(v, ',')
			if q := strings.IndexByte(v, '"'); q >= 0 && (end < 0 || q < end) {
				if closing := strings.IndexByte(v[q+1:], '"'); closing >= 0 {
					end = q + 1 + closing + 1
				}
			}
			if end < 0 {
				end = len(v)
			}
			tags = append(tags, strings.TrimSpace(v[:end]))
			v = v[end:]
		}
	}
	return tags
}

// check refuses with 412 when the precondition does not hold for the
// resource as it is now (nil: absent). If-Match compares strongly: a weak
// tag never matches.
func (p precondition) check(path string, current *resource) error {
	if len(p.ifMatch) > 0 {
		if current == nil {
			return &httpError{http.StatusPreconditionFailed, fmt.Sprintf("If-Match: no resource at %s", path)}
		}
		if !matches(p.ifMatch, current.etag, true) {
			return &httpError{http.StatusPreconditionFailed,
				fmt.Sprintf("If-Match: %s changed; its ETag is now %s", path, current.etag)}
		}
	}
	if len(p.ifNoneMatch) > 0 && current != nil && matches(p.ifNoneMatch, current.etag, false) {
		return &httpError{http.StatusPreconditionFailed, fmt.Sprintf("If-None-Match: %s exists (ETag %s)", path, current.etag)}
	}
	return nil
}

func matches(tags []string, etag string, strong bool) bool {
	for _, t := range tags {
		switch {
		case t == "*":
			return true
		case strong && strings.HasPrefix(t, "W/"):
			continue
		case strings.TrimPrefix(t, "W/") == etag:
			return true
		}
	}
	return false
}
