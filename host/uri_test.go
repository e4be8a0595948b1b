package host

import (
	"net/url"
	"testing"
)

func TestNormalPathFastPath(t *testing.T) {
	for _, s := range []string{"http://localhost/api/v1/order/o1", "https://h.example:8443/a/b", "/api/x", "http://h", "http://h/"} {
		if _, ok := normalPath(s); !ok {
			t.Errorf("normalPath(%q) takes the slow path", s)
		}
	}
	for _, s := range []string{"HTTP://h/a", "http://H/a", "http://h/a/", "http://h/a?b=1", "http://h/a#f", "http://h/%41", "http://u@h/a",
		"http://h/a b", "//h/a", "a/b", "http://[::1]/a", "http://h:/a", "http://h:x/a", "http:///a", "http://h/é"} {
		if _, ok := normalPath(s); ok {
			t.Errorf("normalPath(%q) takes the fast path", s)
		}
	}
}

// FuzzNormalizeURI checks that the fast path agrees with parsing: a uri it
// accepts normalizes to itself, and its path is the parsed one.
func FuzzNormalizeURI(f *testing.F) {
	for _, s := range []string{"http://localhost/api/v1/order/o1", "https://h.example:8443/a/b", "/api/x", "http://h", "http://h/",
		"HTTP://h/a/", "http://h:0/a", "http://h:99999/a", "a+b://h/x", "http://h/a;b=c,d$e&f+g@h", "http://h/.././a", "http://h//a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		path, ok := normalPath(s)
		if !ok {
			return
		}
		if got := parseNormalizeURI(s); got != s {
			t.Fatalf("normalPath(%q) is ok, but parsing normalizes it to %q", s, got)
		}
		u, err := url.Parse(s)
		if err != nil {
			t.Fatalf("normalPath(%q) is ok, but it does not parse: %v", s, err)
		}
		if u.EscapedPath() != path {
			t.Fatalf("normalPath(%q) = %q, parsed path %q", s, path, u.EscapedPath())
		}
	})
}
