package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// This plugin is the one sdk/README.md shows, written from it alone: its
// code and its tests are the README's, so that the README stays enough to
// write a schema that passes the kit and syncs (cmd/resource-sync's
// TestThirdPartySchema runs it through the real binary).
func TestREADMEShowsThisPlugin(t *testing.T) {
	data, err := os.ReadFile("../../../sdk/README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	start, end := strings.Index(readme, "## A schema"), strings.Index(readme, "## Testing with sdktest")
	if start < 0 || end < start {
		t.Fatal("sdk/README.md has no section \"## A schema\" before \"## Testing with sdktest\"")
	}
	blocks := regexp.MustCompile("(?s)```go\n(.*?)```").FindAllStringSubmatch(readme[start:end], -1)
	for _, f := range []struct{ file, mark string }{{"main.go", "package main"}, {"acme_test.go", "func TestSchema"}} {
		src, err := os.ReadFile(f.file)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, b := range blocks {
			if strings.Contains(b[1], f.mark) {
				found = true
				if !strings.Contains(string(src), b[1]) {
					t.Errorf("%s differs from the README's block holding %q", f.file, f.mark)
				}
			}
		}
		if !found {
			t.Errorf("the README's schema section has no block holding %q", f.mark)
		}
	}
}
