package host

import (
	"bytes"
	stdcmp "cmp"
	"crypto/sha256"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// versionsSample is what a sync keeps of two files: awkward ids, parents
// and references, a source that ends with the location and one that does
// not.
func versionsSample() *inventory {
	inv := &inventory{items: map[Key]*found{}}
	for i, r := range []*pb.Resource{
		{Id: "o 1/ü", Type: "order", Uri: "http://x/order/1", Location: "order/o 1.yaml", Source: "/data/tree/order/o 1.yaml",
			Line: 3, Parents: []string{"http://x/customer/c1"}, ParentRefs: []*pb.ParentRef{{Type: "customer", Id: "c1"}}},
		{Id: "c1", Type: "customer", Location: "customer/c1.json", Source: "elsewhere"},
	} {
		f := &found{rec: toRecord(r, "yaml"), origin: -1, version: versionHash("v" + r.GetId())}
		f.fp = sha256.Sum256([]byte(r.GetId()))
		f.fp[0] = byte(i)
		inv.items[f.key()] = f
	}
	return inv
}

// seen is what the checks compare of a kept resource.
type seen struct {
	ID, Type, URI, Location, Source, Format string
	Version                                 uint64
	Line                                    int32
	Parents                                 []string
	Refs                                    []Key
	FP                                      [32]byte
}

func seenOf(f *found) seen {
	s := seen{ID: f.rec.ID(), Type: f.rec.Type(), URI: f.rec.URI(), Location: f.rec.Location(), Source: f.rec.Source(),
		Format: f.rec.Format(), Version: f.version, Line: f.rec.Line(), FP: f.fp}
	for p := range f.rec.Parents() {
		s.Parents = append(s.Parents, p)
	}
	for k := range f.rec.ParentRefs() {
		s.Refs = append(s.Refs, k)
	}
	return s
}

func TestVersionsRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "versions")
	inv := versionsSample()
	if err := (&keptVersions{path: path}).save(maps.Values(inv.items)); err != nil {
		t.Fatal(err)
	}
	last, _, err := loadVersions(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(last) != len(inv.items) {
		t.Fatalf("kept %d resources, loaded %d", len(inv.items), len(last))
	}
	for _, f := range inv.items {
		i := last.find(f.rec.Location(), 0)
		if i < 0 {
			t.Errorf("%s: not loaded", f.rec.Location())
			continue
		}
		got := last[i]
		if !got.cached || got.origin != -1 {
			t.Errorf("%s: loaded as cached=%v origin=%d", f.rec.Location(), got.cached, got.origin)
		}
		if diff := cmp.Diff(seenOf(f), seenOf(got)); diff != "" {
			t.Errorf("%s (-kept +loaded):\n%s", f.rec.Location(), diff)
		}
	}

	// Nothing new: the file is not rewritten.
	info, _ := os.Stat(path)
	v := &keptVersions{path: path, loaded: true, last: last, lastCount: len(last)}
	kept := &inventory{items: map[Key]*found{}}
	for _, f := range last {
		kept.items[f.key()] = f
	}
	if err := v.save(maps.Values(kept.items)); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.Stat(path); !os.SameFile(info, after) {
		t.Error("the versions file was written again though nothing changed")
	}
}

// TestVersionsFileDamaged loads a versions file cut short, with a byte
// changed, or of another format: each is refused as a whole.
func TestVersionsFileDamaged(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	if err := (&keptVersions{path: good}).save(maps.Values(versionsSample().items)); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	flipped := append([]byte(nil), data...)
	flipped[len(flipped)/2] ^= 0x20
	other := append([]byte("resource-sync destination versions 0\n"), data[len(versionsFormat):]...)
	for name, content := range map[string][]byte{
		"empty":                nil,
		"cut short":            data[:len(data)-7],
		"without its checksum": data[:len(data)-4],
		"a byte changed":       flipped,
		"another format":       other,
		"trailing bytes":       append(append([]byte(nil), data...), 0),
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, content, 0o600); err != nil {
			t.Fatal(err)
		}
		if last, _, err := loadVersions(path, nil); err == nil {
			t.Errorf("%s: loaded %d resources; want it refused", name, len(last))
		}
	}
}

// TestVersionsFileUnsorted loads versions files whose entries are not in
// strictly increasing order of location, as save writes them: a lookup
// would miss resources, so each is refused as a whole.
func TestVersionsFileUnsorted(t *testing.T) {
	var sorted []*found
	for f := range maps.Values(versionsSample().items) {
		sorted = append(sorted, f)
	}
	slices.SortFunc(sorted, func(a, b *found) int { return strings.Compare(a.rec.Location(), b.rec.Location()) })
	dir := t.TempDir()
	for name, entries := range map[string][]*found{
		"reversed":           {sorted[1], sorted[0]},
		"a location twice":   {sorted[0], sorted[0]},
		"in order (control)": sorted,
	} {
		path := filepath.Join(dir, name)
		err := writeKept(path, func(w *versionsWriter) error {
			w.str(versionsFormat)
			w.uvarint(uint64(len(entries)))
			for _, f := range entries {
				w.entry(f)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		last, _, err := loadVersions(path, nil)
		if name == "in order (control)" {
			if err != nil || len(last) != len(sorted) {
				t.Errorf("%s: loaded %d resources, error %v", name, len(last), err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: loaded %d resources; want it refused", name, len(last))
		}
	}
}

func FuzzLoadVersions(f *testing.F) {
	path := filepath.Join(f.TempDir(), "seed")
	if err := (&keptVersions{path: path}).save(maps.Values(versionsSample().items)); err != nil {
		f.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte(versionsFormat))
	f.Fuzz(func(t *testing.T, content []byte) {
		last, _, err := readVersions(bytes.NewReader(content), int64(len(content)), nil)
		if err != nil {
			return
		}
		// Whatever loads must be usable: every accessor stays in bounds,
		// and each resource is found at its location.
		for i, f := range last {
			for _, hint := range []int{0, i, i + 1, len(last)} {
				if got := last.find(f.rec.Location(), hint); got != i {
					t.Errorf("%q, looked for from %d: found at %d, want %d", f.rec.Location(), hint, got, i)
				}
			}
			_ = seenOf(f)
			_ = f.rec.describe()
		}
		// Held as an origin's instead, every other resource is found by
		// its location's hash, at its version.
		origin := &found{}
		odd, same, err := readVersions(bytes.NewReader(content), int64(len(content)), func(f *found) *found {
			if len(f.rec.Location())%2 == 0 {
				return origin
			}
			return nil
		})
		if err != nil {
			t.Fatalf("loaded as it is, refused with resources held as an origin's: %v", err)
		}
		if len(odd)+len(same) != len(last) {
			t.Fatalf("%d resources and %d held as an origin's, of %d", len(odd), len(same), len(last))
		}
		for _, f := range last {
			if len(f.rec.Location())%2 != 0 {
				continue
			}
			i, ok := slices.BinarySearchFunc(same, versionHash(f.rec.Location()), func(s sameDocument, h uint64) int { return stdcmp.Compare(s.location, h) })
			if !ok || same[i].version != f.version || same[i].origin != origin {
				t.Errorf("%q: not held as the origin's at its version", f.rec.Location())
			}
		}
	})
}

// TestVersionsSameAsOrigin loads a destination's versions alongside
// origins that hold some of its resources as they are: those are held
// only by location and version, a listing finds them, and a save copies
// their entries from the last file, merged with what was read since.
func TestVersionsSameAsOrigin(t *testing.T) {
	path := filepath.Join(t.TempDir(), "versions")
	ids := []string{"a", "b é", "c", "d/1"}
	file := func(id, version, body string) *found {
		f := &found{rec: toRecord(&pb.Resource{Id: id, Type: "t", Uri: "http://x/t/" + id, Location: "t/" + id + ".json",
			Source: "/dest/t/" + id + ".json", Line: 1}, "json"), origin: -1, version: versionHash(version)}
		f.fp = sha256.Sum256([]byte(body))
		return f
	}
	last := map[string]*found{}
	dest := &inventory{items: map[Key]*found{}}
	for _, id := range ids {
		last[id] = file(id, "v1 "+id, id)
		dest.items[last[id].key()] = last[id]
	}
	if err := (&keptVersions{path: path}).save(maps.Values(dest.items)); err != nil {
		t.Fatal(err)
	}

	// The origins hold a and "b é" as they are, c changed, not d/1.
	origins := &inventory{items: map[Key]*found{}}
	for id, body := range map[string]string{"a": "a", "b é": "b é", "c": "c changed"} {
		o := &found{rec: toRecord(&pb.Resource{Id: id, Type: "t", Uri: "http://x/t/" + id, Location: "t/" + id + ".yaml"}, "yaml")}
		o.fp = sha256.Sum256([]byte(body))
		origins.items[o.key()] = o
	}
	asSame := func(f *found) *found {
		if o := origins.items[f.key()]; o != nil && o.fp == f.fp {
			return o
		}
		return nil
	}
	v := &keptVersions{path: path}
	if err := v.load(asSame); err != nil {
		t.Fatal(err)
	}
	if len(v.last) != 2 || len(v.same) != 2 || v.lastCount != 4 {
		t.Fatalf("loaded %d resources and %d held as the origins', of %d; want 2 and 2 of 4", len(v.last), len(v.same), v.lastCount)
	}

	// The listing: a and c at their version, "b é" edited since, d/1 gone.
	listed := func(id, version string) (f, same *found) {
		return v.hit(&pb.Document{Location: "t/" + id + ".json", Version: version})
	}
	if f, same := listed("a", "v1 a"); f != nil || same != origins.items[Key{"t", "a"}] {
		t.Errorf("a: hit %v, same %v; want a's origin resource", f, same)
	}
	if f, same := listed("b é", "v2"); f != nil || same != nil {
		t.Errorf("b é, at another version: hit %v, same %v; want a miss", f, same)
	}
	c, same := listed("c", "v1 c")
	if c == nil || same != nil || c.rec.Location() != "t/c.json" || !c.cached {
		t.Fatalf("c: hit %v, same %v; want c's kept resource", c, same)
	}
	v.listed()

	// The save: a copied from the last file, "b é" as read again, c kept.
	after := &inventory{items: map[Key]*found{}}
	edited := file("b é", "v2", "b é edited")
	after.items[edited.key()] = edited
	after.items[c.key()] = c
	if err := v.save(maps.Values(after.items)); err != nil {
		t.Fatal(err)
	}
	got, sameDocs, err := loadVersions(path, nil)
	if err != nil || len(sameDocs) != 0 {
		t.Fatalf("loaded %d, %d held as the origins', error %v", len(got), len(sameDocs), err)
	}
	want := []*found{last["a"], edited, last["c"]}
	if len(got) != len(want) {
		t.Fatalf("saved %d resources; want %d", len(got), len(want))
	}
	for i, w := range want {
		if diff := cmp.Diff(seenOf(w), seenOf(got[i])); diff != "" {
			t.Errorf("%s (-want +saved):\n%s", w.rec.Location(), diff)
		}
	}

	// A last file that no longer holds what was found the same is not
	// merged from: the save fails and leaves it as it is.
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	gone := &keptVersions{path: path, lastCount: 5, sameHits: []uint64{versionHash("t/d/1.json")}}
	if err := gone.save(maps.Values(after.items)); err == nil {
		t.Error("saved, merging a resource the last file does not hold")
	}
	if now, _ := os.ReadFile(path); !bytes.Equal(now, before) {
		t.Error("a failed save changed the versions file")
	}
}

// TestVersionsPaired pairs destination documents read whole with the
// origins' resources they hold as they are: the versions file written
// from the pairs is byte for byte the one written from the destination's
// own records, merged in location order with what was held as read, and
// with what the last file held as the origins' (sameHits).
func TestVersionsPaired(t *testing.T) {
	dir := t.TempDir()
	origin := func(id string, parents ...string) *found {
		o := &found{rec: toRecord(&pb.Resource{Id: id, Type: "t", Uri: "http://x/t/" + id, Location: "t/" + id + ".yaml",
			Source: "/origin/t/" + id + ".yaml", Parents: parents, ParentRefs: []*pb.ParentRef{{Type: "p", Id: "p 1"}}}, "yaml")}
		o.fp = sha256.Sum256([]byte(id))
		return o
	}
	read := func(o *found, etag string, version string) *found {
		id := o.rec.ID()
		f := &found{rec: toRecord(&pb.Resource{Id: id, Type: "t", Uri: o.rec.URI(), Location: "t/" + id + ".json",
			Source: "/dest/t/" + id + ".json", Parents: slices.Collect(o.rec.Parents()), Etag: etag,
			ParentRefs: []*pb.ParentRef{{Type: "p", Id: "p 1"}}}, "json"), origin: -1, version: versionHash(version), fp: o.fp}
		return f
	}
	ids := []string{"a", "b é", "c", "d/1", "e", "f"}
	var dest []*found
	origins := map[string]*found{}
	for _, id := range ids {
		origins[id] = origin(id, "http://x/p/"+id)
		dest = append(dest, read(origins[id], "", "v1 "+id))
	}
	dest[4] = read(origins["e"], `"etag"`, "v1 e") // not the origin's record, placed

	// The reference: every document saved from its own record.
	want := filepath.Join(dir, "want")
	if err := (&keptVersions{path: want}).save(slices.Values(dest)); err != nil {
		t.Fatal(err)
	}

	// The same documents, read whole: c held as read, the others paired.
	got := filepath.Join(dir, "got")
	v := &keptVersions{path: got, maxPaired: len(ids)}
	var held []*found
	for i, f := range dest {
		if ids[i] == "c" || !v.pair(f, origins[ids[i]]) {
			held = append(held, f)
		}
	}
	if len(held) != 2 || len(v.paired) != 4 {
		t.Fatalf("%d held and %d paired; want c and e held (e has an ETag), the 4 others paired", len(held), len(v.paired))
	}
	if err := v.save(slices.Values(held)); err != nil {
		t.Fatal(err)
	}
	if v.paired != nil {
		t.Error("the pairs are still held after the save")
	}
	compareFiles(t, want, got)

	// A document in another format than those paired before is held.
	mixed := &keptVersions{maxPaired: 2}
	yamlDoc := &found{rec: toRecord(&pb.Resource{Id: "b é", Type: "t", Uri: origins["b é"].rec.URI(), Location: "t/b é.yaml",
		Source: "/dest/t/b é.yaml", Parents: slices.Collect(origins["b é"].rec.Parents()),
		ParentRefs: []*pb.ParentRef{{Type: "p", Id: "p 1"}}}, "yaml"), origin: -1, version: versionHash("v1 b é yaml"), fp: origins["b é"].fp}
	if !mixed.pair(dest[0], origins["a"]) || mixed.pair(yamlDoc, origins["b é"]) || len(mixed.paired) != 1 {
		t.Errorf("a json then a yaml document: %d paired; want the json one only", len(mixed.paired))
	}

	// A document without a version pairs without an entry.
	unversioned := read(origins["a"], "", "")
	if v := (&keptVersions{}); !v.pair(unversioned, origins["a"]) || len(v.paired) != 0 {
		t.Errorf("a document without a version: paired %d entries; want it paired with none", len(v.paired))
	}

	// The next sync: a and c listed as kept, held as the origins' (same);
	// b é and d/1 read again and paired; e and f read again and held.
	asSame := func(f *found) *found {
		if o := origins[f.rec.ID()]; o != nil && o.fp == f.fp && (f.rec.ID() == "a" || f.rec.ID() == "c") {
			return o
		}
		return nil
	}
	next := &keptVersions{path: got, maxPaired: len(ids)}
	if err := next.load(asSame); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"a", "c"} {
		if _, same := next.hit(&pb.Document{Location: "t/" + id + ".json", Version: "v1 " + id}); same != origins[id] {
			t.Fatalf("%s: not listed as the origin's", id)
		}
	}
	next.listed()
	held = nil
	for i, f := range dest {
		switch ids[i] {
		case "b é", "d/1":
			if !next.pair(f, origins[ids[i]]) {
				t.Fatalf("%s: not paired", ids[i])
			}
		case "e", "f":
			held = append(held, f)
		}
	}
	if err := next.save(slices.Values(held)); err != nil {
		t.Fatal(err)
	}
	compareFiles(t, want, got)
}

// compareFiles fails t unless the files at want and got hold the same
// bytes.
func compareFiles(t *testing.T, want, got string) {
	t.Helper()
	w, err := os.ReadFile(want)
	if err != nil {
		t.Fatal(err)
	}
	g, err := os.ReadFile(got)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(w, g) {
		t.Errorf("%s differs from %s (%d and %d bytes)", got, want, len(g), len(w))
	}
}
