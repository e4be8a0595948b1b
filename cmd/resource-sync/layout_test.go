package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/resource-sync/resource-sync/server"
)

// `serve DIR` and `resource-sync DIR ...` read a tree by the same rules:
// the same resources from the same files, hidden entries and files no
// format claims left out, the type from the type directory.
func TestServeAndDirReadTheSameTree(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"customer/c1.yaml":       "id: c1\nname: Ada\n",
		"customer/C2.YAML":       "id: C2\nname: Upper case extension\n",
		"customer/.draft.yaml":   "id: draft\n",
		".git/config.yaml":       "id: config\n",
		"order/o1.json":          `{"id": "o1", "total": 3}`,
		"order/notes.txt":        "not a resource",
		"README.md":              "# a tree",
		"customer/archive/.keep": "",
	})
	r := mustRun(t, "--json", dir, "-")
	var fromDir []string
	for _, line := range strings.Split(strings.TrimSpace(r.out), "\n") {
		var v struct{ ID string }
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		fromDir = append(fromDir, v.ID)
	}
	slices.Sort(fromDir)

	s := serveWith(t, server.Options{Dir: dir})
	var fromServe []string
	for _, coll := range []string{"customer", "order"} {
		resp := getJSON(t, s.url+"/api/"+coll, 200).(map[string]any)
		for _, item := range resp["items"].([]any) {
			fromServe = append(fromServe, item.(map[string]any)["id"].(string))
		}
	}
	slices.Sort(fromServe)
	want := []string{"C2", "c1", "o1"}
	if !slices.Equal(fromDir, want) || !slices.Equal(fromServe, want) {
		t.Errorf("the dir endpoint reads %q and serve %q; want %q for both", fromDir, fromServe, want)
	}
}

// A file holding two resources is refused by both, with the same words.
func TestServeAndDirRefuseTwoResourcesInAFile(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"customer/c1.yaml":  "id: c1\n",
		"customer/two.yaml": "---\nid: a\n---\nid: b\n",
	})
	const want = "two.yaml:3: a second resource; the directory layout holds one resource per file"
	r := runCLI(t, dir, "-")
	if r.code != 1 || !strings.Contains(r.stderr, want) {
		t.Errorf("resource-sync DIR -: exit %d, want 1 and %q:\n%s", r.code, want, r.stderr)
	}
	_, err := server.New(server.Options{Dir: dir, Formats: formats(), WriteExt: ".yaml"})
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("serve DIR: %v; want %q", err, want)
	}
}
