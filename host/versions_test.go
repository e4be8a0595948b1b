package host

import (
	"bytes"
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
	last, err := loadVersions(path)
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
	v := &keptVersions{path: path, last: last, lastCount: len(last)}
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
		if last, err := loadVersions(path); err == nil {
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
		err := writeKept(path, func(w *versionsWriter) {
			w.str(versionsFormat)
			w.uvarint(uint64(len(entries)))
			for _, f := range entries {
				w.entry(f)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		last, err := loadVersions(path)
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
		last, err := readVersions(bytes.NewReader(content), int64(len(content)))
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
	})
}
