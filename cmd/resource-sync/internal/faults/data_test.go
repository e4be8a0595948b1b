package faults

import (
	"fmt"
	"io/fs"
	"maps"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	jsonfmt "github.com/resource-sync/resource-sync/plugins/json"
	"github.com/resource-sync/resource-sync/plugins/yaml"
	"github.com/resource-sync/resource-sync/sdk"
)

// linkHost is the host of the generated resources' links; a push swaps it
// for the destination's, and a served tree is rebased onto the server.
const linkHost = "http://origin.invalid"

// The generated shop: customers, their orders (parent:customer) and the
// orders' lines (parent:order), enough that a sync takes a while.
const (
	customers  = 10
	orders     = 40
	orderLines = 100
)

// syncedTypes are the generated types; otherType is one only destinations
// hold, which a --delete sync must leave alone.
var syncedTypes = []string{"customer", "order", "orderline"}

const otherType = "invoice"

// dataset maps "TYPE/ID" to a resource's canonical JSON.
type dataset map[string][]byte

// shop is round's version of the shop: every resource, a third of them
// changed since the round before, and a tenth of the order lines absent
// (they come back the round after), so that each round has creates,
// updates and, under --delete, stale resources.
func shop(round int, rng *rand.Rand) dataset {
	d := dataset{}
	add := func(typ, id, parentRel, parent string, n int) {
		version := 0
		if round > 0 && rng.IntN(3) == 0 {
			version = round
		}
		links := map[string]any{"self": map[string]any{"href": linkHost + "/api/" + typ + "/" + id}}
		if parentRel != "" {
			links[parentRel] = map[string]any{"href": linkHost + "/api/" + parent}
		}
		canon, err := sdk.MarshalCanonical(map[string]any{
			"_links": links, "id": id, "n": n, "version": version,
			"note": strings.Repeat(fmt.Sprintf("%s %d, version %d. ", typ, n, version), 8),
		})
		if err != nil {
			panic(err)
		}
		d[typ+"/"+id] = canon
	}
	for i := range customers {
		add("customer", fmt.Sprintf("c%03d", i), "", "", i)
	}
	for i := range orders {
		add("order", fmt.Sprintf("o%03d", i), "parent:customer", fmt.Sprintf("customer/c%03d", i%customers), i)
	}
	for i := range orderLines {
		key := fmt.Sprintf("orderline/l%03d", i)
		add("orderline", fmt.Sprintf("l%03d", i), "parent:order", fmt.Sprintf("order/o%03d", i%orders), i)
		if round > 0 && rng.IntN(10) == 0 {
			delete(d, key)
		}
	}
	return d
}

// others are resources of otherType, which no origin mentions.
func others() dataset {
	d := dataset{}
	for i := range 5 {
		id := fmt.Sprintf("i%d", i)
		canon, _ := sdk.MarshalCanonical(map[string]any{
			"id": id, "_links": map[string]any{"self": map[string]any{"href": linkHost + "/api/" + otherType + "/" + id}},
		})
		d[otherType+"/"+id] = canon
	}
	return d
}

// writeTree writes d in the directory layout, TYPE/ID.EXT: customers as
// YAML, the rest as JSON, so that a sync from it needs both formatters.
// It replaces whatever resource files dir held and keeps the rest.
func writeTree(t *testing.T, dir string, d dataset) {
	t.Helper()
	for _, typ := range syncedTypes {
		if err := os.RemoveAll(filepath.Join(dir, typ)); err != nil {
			t.Fatal(err)
		}
	}
	for key, canon := range d {
		var f sdk.Formatter = jsonfmt.Formatter{}
		ext := ".json"
		if strings.HasPrefix(key, "customer/") {
			f, ext = yaml.Formatter{}, ".yaml"
		}
		content, err := f.Encode(sdk.Value{JSON: canon}, sdk.StyleFile)
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, filepath.FromSlash(key)+ext), content)
	}
}

func writeFile(t *testing.T, name string, content []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, content, 0o644); err != nil {
		t.Fatal(err)
	}
}

// bystanders are files a sync into dir must never touch: not resources
// (no formatter claims them, or hidden), or resources of a type no origin
// holds.
func plantBystanders(t *testing.T, dir string) {
	t.Helper()
	writeFile(t, filepath.Join(dir, "README.md"), []byte("# kept by hand\n"))
	writeFile(t, filepath.Join(dir, "order", "notes.txt"), []byte("not a resource\n"))
	writeFile(t, filepath.Join(dir, ".git", "config"), []byte("[core]\n"))
	for key, canon := range others() {
		writeFile(t, filepath.Join(dir, filepath.FromSlash(key)+".json"), canon)
	}
}

// formats decode the files of a tree, by extension.
var formats = map[string]sdk.Formatter{".json": jsonfmt.Formatter{}, ".yaml": yaml.Formatter{}, ".yml": yaml.Formatter{}}

// tree is what a directory holds: its resources, and every other file.
type tree struct {
	resources dataset           // "TYPE/ID" -> canonical JSON, parsed from TYPE/ID.EXT
	paths     map[string]string // "TYPE/ID" -> the file that holds it
	files     map[string]string // every other file, hidden ones included, by slash path
	problems  []string          // resource files that do not parse, or hold something else
}

// readTree reads dir as the directory endpoint would: every TYPE/ID.EXT
// file with a claimed extension must hold the one resource TYPE/ID.
func readTree(t *testing.T, dir string) tree {
	t.Helper()
	tr := tree{resources: dataset{}, paths: map[string]string{}, files: map[string]string{}}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) && p == dir {
				return fs.SkipAll
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		content, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		ext := path.Ext(rel)
		f := formats[ext]
		hidden := slices.ContainsFunc(strings.Split(rel, "/"), func(s string) bool { return strings.HasPrefix(s, ".") })
		if f == nil || hidden || strings.Count(rel, "/") != 1 {
			tr.files[rel] = string(content)
			return nil
		}
		key := strings.TrimSuffix(rel, ext)
		values, err := f.Decode(sdk.Document{Content: content, Extension: ext, Source: rel})
		if err != nil || len(values) != 1 {
			tr.problems = append(tr.problems, fmt.Sprintf("%s does not hold one resource (%d values, %v):\n%s", rel, len(values), err, content))
			return nil
		}
		if _, dup := tr.resources[key]; dup {
			tr.problems = append(tr.problems, fmt.Sprintf("%s is held by two files", key))
		}
		tr.resources[key] = values[0].JSON
		tr.paths[key] = p
		return nil
	})
	if err != nil {
		t.Fatalf("reading %s: %v", dir, err)
	}
	return tr
}

// content is a resource's JSON as a sync compares it: canonical, without
// HAL's _links and _embedded (they name a server, not the data).
func content(t *testing.T, canon []byte) string {
	t.Helper()
	v, err := sdk.UnmarshalJSON(canon)
	if err != nil {
		t.Fatalf("not JSON: %v\n%s", err, canon)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("not a JSON object:\n%s", canon)
	}
	delete(obj, "_links")
	delete(obj, "_embedded")
	out, err := sdk.MarshalCanonical(obj)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// contents maps each resource of d to its compared content.
func contents(t *testing.T, d dataset) map[string]string {
	t.Helper()
	out := make(map[string]string, len(d))
	for key, canon := range d {
		out[key] = content(t, canon)
	}
	return out
}

// only keeps the resources of the given types.
func only(d map[string]string, types []string) map[string]string {
	out := map[string]string{}
	for key, c := range d {
		if typ, _, _ := strings.Cut(key, "/"); slices.Contains(types, typ) {
			out[key] = c
		}
	}
	return out
}

// except drops the resources of the given types.
func except(d map[string]string, types []string) map[string]string {
	out := maps.Clone(d)
	for key := range only(d, types) {
		delete(out, key)
	}
	return out
}
