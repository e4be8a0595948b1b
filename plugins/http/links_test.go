package http

import (
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestParseLinkHeader(t *testing.T) {
	got := parseLinkHeader([]string{
		`<http://h/p?page=1&x=a,b>; rel="first", <?page=3>; rel="next last"; title="a, b; c", ` +
			`</p?page=1>;rel=prev`,
		`<http://h/p/4>; REL="Next"; rel="ignored"`,
		`garbage, <http://h/ok>; anchor="#x"; rel="alternate"`,
		`<http://h/t>; title="say \"next\"", <http://h/u>; rel=next`,
	})
	want := []link{
		{"http://h/p?page=1&x=a,b", []string{"first"}},
		{"?page=3", []string{"next", "last"}},
		{"/p?page=1", []string{"prev"}},
		{"http://h/p/4", []string{"next"}},
		{"http://h/ok", []string{"alternate"}},
		{"http://h/t", nil},
		{"http://h/u", []string{"next"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parseLinkHeader\n got %q\nwant %q", got, want)
	}
}

func TestNextLinksResolveRelativeTargets(t *testing.T) {
	h := http.Header{}
	h.Add("Link", `<?_page=2&_limit=10>; rel="next", <http://other/x>; rel="prev"`)
	h.Add("Link", `<../up/3>; rel="next"`)
	var got []string
	for _, u := range nextLinks(h, mustURL(t, "http://h:1/api/posts?_page=1&_limit=10")) {
		got = append(got, u.String())
	}
	want := []string{"http://h:1/api/posts?_page=2&_limit=10", "http://h:1/up/3"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("nextLinks = %q, want %q", got, want)
	}
}

func TestPageKey(t *testing.T) {
	same := [][]string{
		{"http://H:80/a?a=1&b=2", "http://h/a?b=2&a=1", "http://user:pw@h/a?b=2&a=1#frag"},
		{"https://h", "https://h:443/"},
	}
	for _, group := range same {
		for _, s := range group[1:] {
			if a, b := pageKey(mustURL(t, group[0])), pageKey(mustURL(t, s)); a != b {
				t.Errorf("pageKey(%s) = %s, pageKey(%s) = %s; want equal", group[0], a, s, b)
			}
		}
	}
	if pageKey(mustURL(t, "http://h/a?a=1")) == pageKey(mustURL(t, "http://h/a?a=2")) {
		t.Error("different queries share a page key")
	}
	if pageKey(mustURL(t, "http://h:8080/a")) == pageKey(mustURL(t, "http://h/a")) {
		t.Error("different ports share a page key")
	}
}

func TestTarget(t *testing.T) {
	for _, tc := range []struct{ dest, uri, typ, id, want string }{
		{"http://h:1", "http://o/api/order/o1", "order", "o1", "http://h:1/api/order/o1"},
		{"http://h:1/", "http://o/api/order/o1?v=2", "order", "o1", "http://h:1/api/order/o1?v=2"},
		{"http://h:1/prefix", "http://o/api/order/o1", "order", "o1", "http://h:1/prefix/api/order/o1"},
		{"http://h:1/prefix/", "http://o/prefix/api/order/o1", "order", "o1", "http://h:1/prefix/api/order/o1"},
		// A character prefix is not a path prefix.
		{"http://h:1/pre", "http://o/prefix/o1", "order", "o1", "http://h:1/pre/prefix/o1"},
		{"https://h:2/base", "", "order", "a b/c", "https://h:2/base/order/a%20b%2Fc"},
		{"http://h:1", "http://o/api/%C3%A9t%C3%A9/x%2Fy", "", "", "http://h:1/api/%C3%A9t%C3%A9/x%2Fy"},
		// Dot segments cannot climb out of the prefix.
		{"http://h:1/prefix", "http://o/prefix/../admin/x", "", "", "http://h:1/prefix/admin/x"},
		{"http://h:1/prefix", "http://o/prefix/a/./b/../c", "", "", "http://h:1/prefix/a/c"},
	} {
		got, err := target(mustURL(t, tc.dest), tc.uri, tc.typ, tc.id)
		if err != nil || got.String() != tc.want {
			t.Errorf("target(%s, %q, %s, %s) = %v, %v; want %s", tc.dest, tc.uri, tc.typ, tc.id, got, err, tc.want)
		}
	}
	if _, err := target(mustURL(t, "http://h"), "", "", "x"); err == nil {
		t.Error("a resource without uri and type was placed")
	}
	for _, id := range []string{".", ".."} {
		if u, err := target(mustURL(t, "http://h/api"), "", "thing", id); err == nil {
			t.Errorf("id %q placed at %s", id, u)
		}
	}
}

func TestCollection(t *testing.T) {
	for in, want := range map[string]string{
		"http://h/api/order/o1":    "http://h/api/order",
		"http://h/api/order/o1/":   "http://h/api/order",
		"http://h/api/order/o1?x":  "http://h/api/order",
		"http://h/o1":              "http://h/",
		"http://h/a%2Fb/c":         "http://h/a%2Fb",
		"http://h/pre/order/o%201": "http://h/pre/order",
	} {
		if got := collection(mustURL(t, in)).String(); got != want {
			t.Errorf("collection(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestTypeHint(t *testing.T) {
	for in, want := range map[string]string{
		"http://h/posts?_page=2": "posts",
		"http://h/api/order/":    "order",
		"http://h/":              "",
	} {
		if got := typeHint(mustURL(t, in)); got != want {
			t.Errorf("typeHint(%s) = %q, want %q", in, got, want)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"2", 2 * time.Second, true},
		{"86400", retryAfterCap, true},
		{now.Add(3 * time.Second).Format(http.TimeFormat), 3 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{"", 0, false},
	} {
		got, ok := parseRetryAfter(tc.in, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestBackoffFullJitter(t *testing.T) {
	base, capped := 100*time.Millisecond, 10*time.Second
	for attempt, ceiling := range []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond} {
		var top time.Duration
		for range 500 {
			d := backoff(base, capped, attempt, nil)
			if d < 0 || d > ceiling {
				t.Fatalf("attempt %d: backoff %v outside [0, %v]", attempt, d, ceiling)
			}
			top = max(top, d)
		}
		if top < ceiling/2 {
			t.Errorf("attempt %d: 500 draws never above %v: no jitter over the full range", attempt, top)
		}
	}
	if d := backoff(base, capped, 40, nil); d > capped {
		t.Errorf("attempt 40: %v above the cap", d)
	}
	resp := &http.Response{StatusCode: 503, Header: http.Header{"Retry-After": {"7200"}}}
	if d := backoff(base, capped, 0, resp); d != retryAfterCap {
		t.Errorf("Retry-After 7200: waited %v, want the cap %v", d, retryAfterCap)
	}
}

func TestServerMessage(t *testing.T) {
	long := "x" + strings.Repeat("é", 150) // 301 bytes: the cut falls inside a rune
	got := serverMessage([]byte(long))
	if !strings.HasSuffix(got, "…") || len(got) > 200+len("…") || !utf8.ValidString(got) || strings.Contains(got, "?") {
		t.Errorf("serverMessage cut badly: %d bytes %q", len(got), got)
	}
	if got := serverMessage([]byte("  {\"error\":\n  \"bad\"}\n")); got != `{"error": "bad"}` {
		t.Errorf("serverMessage = %q", got)
	}
}
