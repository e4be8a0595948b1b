package layout_test

import (
	"testing"

	"github.com/resource-sync/resource-sync/internal/layout"
	"github.com/resource-sync/resource-sync/sdk"
)

func TestExtensionsMatch(t *testing.T) {
	exts := layout.ClaimedExtensions([]sdk.FormatInfo{
		{Name: "yaml", Extensions: []string{".yaml", "YML"}},
		{Name: "json", Extensions: []string{".json"}},
		{Name: "hal", Extensions: []string{".hal.json"}},
	})
	for name, want := range map[string]string{
		"o1.json":             ".json",
		"hello? sausage.YAML": ".yaml",
		"世界 🦀.Yml":            ".yml",
		"x.hal.json":          ".hal.json",
		"README.md":           "",
		"json":                "",
		".json":               "",
		"o1.json.bak":         "",
	} {
		// Several times over: the claims are a map, iterated in random order.
		for range 20 {
			got, ok := exts.Match(name)
			if got != want || ok != (want != "") {
				t.Errorf("Match(%q) = %q, %v; want %q", name, got, ok, want)
				break
			}
		}
	}
}

func TestClaims(t *testing.T) {
	yaml := sdk.FormatInfo{Name: "yaml", Extensions: []string{".yaml", ".yml"}}
	json := sdk.FormatInfo{Name: "json", Extensions: []string{".json"}}
	if !layout.Claims(yaml, ".YAML") || layout.Claims(json, ".yaml") || layout.Claims(yaml, "") {
		t.Error("Claims got a format's extensions wrong")
	}
}

func TestTypeHint(t *testing.T) {
	for rel, want := range map[string]string{
		"order/o1.json":     "order",
		"o1.json":           "",
		"a/b/o1.json":       "",
		"type with space/x": "type with space",
	} {
		if got := layout.TypeHint(rel); got != want {
			t.Errorf("TypeHint(%q) = %q, want %q", rel, got, want)
		}
	}
}

func TestIsHidden(t *testing.T) {
	for name, want := range map[string]bool{".git": true, ".json": true, "a.json": false, "": false, "..": true} {
		if got := layout.IsHidden(name); got != want {
			t.Errorf("IsHidden(%q) = %v, want %v", name, got, want)
		}
	}
}
