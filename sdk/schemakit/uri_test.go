package schemakit

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestResolve(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		base, ref, want, err string
	}{
		"absolute, kept as written":   {base: "http://h/a/", ref: "HTTP://Other/./x%7e", want: "HTTP://Other/./x%7e"},
		"absolute path":               {base: "http://h:81/a/b?q=1", ref: "/c/d", want: "http://h:81/c/d"},
		"relative path":               {base: "http://h/a/b", ref: "c", want: "http://h/a/c"},
		"dot segments":                {base: "http://h/a/b/c", ref: "../d/./e", want: "http://h/a/d/e"},
		"query only":                  {base: "http://h/a?x=1", ref: "?x=2", want: "http://h/a?x=2"},
		"network path":                {base: "https://h/a", ref: "//g/x", want: "https://g/x"},
		"empty ref is the base":       {base: "http://h/a?x=1", ref: "", want: "http://h/a?x=1"},
		"unicode":                     {base: "http://h/a/", ref: "été 世", want: "http://h/a/%C3%A9t%C3%A9%20%E4%B8%96"},
		"no base: kept relative":      {ref: "../c", want: "../c"},
		"relative base":               {base: "/api/order/o1", ref: "../customer/c1", want: "/api/customer/c1"},
		"invalid ref":                 {base: "http://h/", ref: "%zz", err: `invalid uri "%zz"`},
		"invalid ref without a base":  {ref: "http://[::1", err: `invalid uri "http://[::1"`},
		"invalid base":                {base: "http://h/%zz", ref: "x", err: `invalid base uri "http://h/%zz"`},
		"invalid base, absolute ref":  {base: "http://h/%zz", ref: "http://g/x", want: "http://g/x"},
		"opaque uri":                  {base: "http://h/", ref: "urn:isbn:0451450523", want: "urn:isbn:0451450523"},
		"quotes and spaces in a path": {base: "http://h/", ref: `a "b" c`, want: "http://h/a%20%22b%22%20c"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := Resolve(tc.base, tc.ref)
			if gotErr := errText(err); gotErr != tc.err || got != tc.want {
				t.Errorf("Resolve(%q, %q) = %q, %q; want %q, %q", tc.base, tc.ref, got, gotErr, tc.want, tc.err)
			}
		})
	}
}

func TestSegmentsAndType(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		uri  string
		segs []string
		typ  string
	}{
		{"https://h/api/v1/order/o1", []string{"api", "v1", "order", "o1"}, "order"},
		{"https://h/api/v1/order/o1/", []string{"api", "v1", "order", "o1"}, "order"},
		{"/order//o1", []string{"order", "o1"}, "order"},
		{"http://h/order/o1?a=/b/c#/d", []string{"order", "o1"}, "order"},
		{"http://h/caf%C3%A9/%20", []string{"café", " "}, "café"},
		{"http://h/a%2Fb/c", []string{"a/b", "c"}, "a/b"},
		{"http://h/o1", []string{"o1"}, ""},
		{"http://h/", nil, ""},
		{"", nil, ""},
		{"urn:x:y", nil, ""},
		{"%zz", nil, ""},
	} {
		if diff := cmp.Diff(tc.segs, Segments(tc.uri)); diff != "" {
			t.Errorf("Segments(%q) (-want +got):\n%s", tc.uri, diff)
		}
		if got := TypeFromURI(tc.uri); got != tc.typ {
			t.Errorf("TypeFromURI(%q) = %q, want %q", tc.uri, got, tc.typ)
		}
	}
}

func TestIsAbsolute(t *testing.T) {
	t.Parallel()
	for uri, want := range map[string]bool{
		"http://h/x":          true,
		"acme://tenant/order": true,
		"https://[::1]:8/x":   true,
		"/x":                  false,
		"//h/x":               false,
		"x":                   false,
		"":                    false,
		"urn:isbn:1":          false,
		"file:///etc/passwd":  false,
		"http://h/%zz":        false,
	} {
		if got := IsAbsolute(uri); got != want {
			t.Errorf("IsAbsolute(%q) = %v, want %v", uri, got, want)
		}
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
