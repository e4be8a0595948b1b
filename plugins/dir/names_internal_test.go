package dir

import (
	"strings"
	"testing"

	"github.com/resource-sync/resource-sync/sdk"
)

func TestCheckName(t *testing.T) {
	for name, ok := range map[string]bool{
		"o1":                true,
		"hello? sausage":    true,
		`" ' @ < > & ? + ≠`: true,
		"Hello, 世界":         true,
		"🦀":                 true,
		" leading space":    true,
		"trailing dot.":     true,
		"a..b":              true,
		"":                  false,
		".":                 false,
		"..":                false,
		"../x":              false,
		"a/b":               false,
		"/abs":              false,
		`a\b`:               false,
		"nul\x00":           false,
		".hidden":           false,
	} {
		err := checkName("id", name)
		if (err == nil) != ok {
			t.Errorf("checkName(%q) = %v, want ok=%v", name, err, ok)
		}
		if err != nil && !strings.Contains(err.Error(), "id") {
			t.Errorf("checkName(%q) = %q does not say what was refused", name, err)
		}
	}
}

func TestResourcePath(t *testing.T) {
	got, err := resourcePath(sdk.Resource{Type: "Hello, 世界", ID: "hello? sausage"}, ".yaml")
	if err != nil || got != "Hello, 世界/hello? sausage.yaml" {
		t.Errorf("resourcePath = %q, %v", got, err)
	}
	for _, ext := range []string{"", ".", "yaml", "./x", ".a/b", "\\x", ".x\x00"} {
		if got, err := resourcePath(sdk.Resource{Type: "t", ID: "i"}, ext); err == nil {
			t.Errorf("extension %q accepted: %q", ext, got)
		}
	}
}

func TestTypeHint(t *testing.T) {
	for rel, want := range map[string]string{
		"order/o1.json": "order",
		"世界/🦀.yaml":     "世界",
		"top.json":      "",
		"a/b/deep.json": "",
		"a b/c d.json":  "a b",
	} {
		if got := typeHint(rel); got != want {
			t.Errorf("typeHint(%q) = %q, want %q", rel, got, want)
		}
	}
}
