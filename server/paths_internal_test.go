package server

import (
	"strings"
	"testing"
)

func TestRebaseHref(t *testing.T) {
	const base = "http://127.0.0.1:8080"
	for in, want := range map[string]string{
		"http://localhost/api/v1/order/o1":        base + "/api/v1/order/o1",
		"https://api.example.com:8443/a?b=1#c":    base + "/a?b=1#c",
		"HTTP://Example.COM/x":                    base + "/x",
		"http://localhost":                        base,
		"http://localhost?page=2":                 base + "?page=2",
		"//cdn.example.com/x/y":                   base + "/x/y",
		"/api/v1/order/o1":                        base + "/api/v1/order/o1",
		"/api/v1/order{?q}":                       base + "/api/v1/order{?q}",
		"http://localhost/api/v1/customer/Zoë Sm": base + "/api/v1/customer/Zoë Sm",
		"relative/o1":                             "relative/o1",
		"urn:isbn:0451450523":                     "urn:isbn:0451450523",
		"mailto:someone@example.com":              "mailto:someone@example.com",
		"ftp://files.example.com/x":               "ftp://files.example.com/x",
		"":                                        "",
	} {
		if got := rebaseHref(in, base); got != want {
			t.Errorf("rebaseHref(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSplitAndJoinPath(t *testing.T) {
	for _, tt := range []struct {
		in, canonical string
		slash         bool
	}{
		{"/", "/", false},
		{"/api/", "/api", true},
		{"/api/v1/order/o1", "/api/v1/order/o1", false},
		{"/api/customer/Zo%C3%AB%20Smith", "/api/customer/Zo%C3%AB%20Smith", false},
		{"/api/customer/Zoë Smith", "/api/customer/Zo%C3%AB%20Smith", false},
		{"/api/customer/O%27Brien/", "/api/customer/O%27Brien", true},
		{"/api/thing/a+b", "/api/thing/a+b", false},
	} {
		segs, slash, err := splitPath(tt.in)
		if err != nil {
			t.Errorf("splitPath(%q): %v", tt.in, err)
			continue
		}
		if got := joinPath(segs); got != tt.canonical || slash != tt.slash {
			t.Errorf("splitPath(%q) = %q, %v; want %q, %v", tt.in, got, slash, tt.canonical, tt.slash)
		}
	}
	for _, in := range []string{"api", "/api//x", "/api/../x", "/api/./x", "/api/%zz"} {
		if _, _, err := splitPath(in); err == nil {
			t.Errorf("splitPath(%q) succeeded", in)
		}
	}
}

func TestCheckName(t *testing.T) {
	for _, ok := range []string{"o1", "Zoë Smith", `O'Brien "Jr"`, "a b", "0755", "x.y"} {
		if err := checkName("id", ok); err != nil {
			t.Errorf("checkName(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", ".", "..", "a/b", `a\b`, "a\x00b", ".git", "\xff", strings.Repeat("x", 251)} {
		if err := checkName("id", bad); err == nil {
			t.Errorf("checkName(%q) succeeded", bad)
		}
	}
}
