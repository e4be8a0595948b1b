package notify

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPatternMatch(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		pattern, uri string
		want         map[string]string // nil: no match
	}{
		"one wildcard":         {"http://api.company.com/users/{id}", "http://api.company.com/users/42", map[string]string{"id": "42"}},
		"escaped value":        {"http://h/users/{id}", "http://h/users/c%202", map[string]string{"id": "c%202"}},
		"two wildcards":        {"http://h/{tenant}/orders/{id}.json", "http://h/acme/orders/o1.json", map[string]string{"tenant": "acme", "id": "o1"}},
		"no slash in wildcard": {"http://h/users/{id}", "http://h/users/42/orders", nil},
		"other host":           {"http://h/users/{id}", "http://other/users/42", nil},
		"other scheme":         {"http://h/users/{id}", "https://h/users/42", nil},
		"empty value":          {"http://h/users/{id}", "http://h/users/", nil},
		"literal dots":         {"http://h.com/u/{id}", "http://hxcom/u/1", nil},
		"no wildcard":          {"http://h/config", "http://h/config", map[string]string{}},
		"query is not a value": {"http://h/users/{id}", "http://h/users/1?x=2", nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p, err := ParsePattern(tc.pattern)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := p.Match(tc.uri)
			if ok != (tc.want != nil) {
				t.Fatalf("Match(%q) ok = %v, want %v", tc.uri, ok, tc.want != nil)
			}
			if diff := cmp.Diff(tc.want, got); ok && diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestInterpolate(t *testing.T) {
	t.Parallel()
	values := map[string]string{"id": "c%202", "tenant": "acme"}
	if got := interpolate("http://x/{tenant}/{id}", values, func(v string) string { return v }); got != "http://x/acme/c%202" {
		t.Errorf("url = %q", got)
	}
	data := map[string]any{"id": "{id}", "list": []any{"{tenant}", 3}, "n": 1}
	want := map[string]any{"id": "c 2", "list": []any{"acme", 3}, "n": 1}
	if diff := cmp.Diff(want, interpolateData(data, values)); diff != "" {
		t.Errorf("data (-want +got):\n%s", diff)
	}
}
