package host

import (
	"bytes"
	"crypto/sha256"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// pagesSample is what a sync keeps of pages: one holding two resources
// (awkward ids, parents and references) and a next link, and an empty
// one; a page without a memo, and one holding a resource without a uri,
// are not kept.
func pagesSample(path string) *keptPages {
	p := &keptPages{path: path, last: newDocMemory(), next: newDocMemory()}
	resource := func(r *pb.Resource) *found {
		f := &found{rec: toRecord(r, "json"), origin: -1}
		f.fp = sha256.Sum256([]byte(r.GetId()))
		return f
	}
	first := &docMade{uri: "http://x/order?page=1", memo: []byte(`{"etag":"\"1\""}`),
		links: []string{"http://x/order?page=2"}, aliases: []string{"http://x/order"}, found: []*found{
			resource(&pb.Resource{Id: "o 1/ü", Type: "order", Uri: "http://x/order/1", Source: "http://x/order?page=1", Line: 3,
				Parents: []string{"http://x/customer/c1"}, ParentRefs: []*pb.ParentRef{{Type: "customer", Id: "c1"}}}),
			resource(&pb.Resource{Id: "o2", Type: "order", Uri: "http://x/order/2", Source: "http://x/order?page=1", Line: 9, Etag: `"e"`}),
		}}
	p.next.docs["uri "+normalizeURI(first.uri)] = first
	p.next.docs["uri http://x/order?page=2"] = &docMade{uri: "http://x/order?page=2", memo: []byte("2")}
	p.next.docs["uri http://x/customer"] = &docMade{uri: "http://x/customer"}
	p.next.docs["uri http://x/team"] = &docMade{uri: "http://x/team", memo: []byte("3"),
		found: []*found{resource(&pb.Resource{Id: "t1", Type: "team", Source: "http://x/team"})}}
	return p
}

func TestPagesRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pages")
	kept := pagesSample(path)
	if err := kept.save(); err != nil {
		t.Fatal(err)
	}
	last, memos, err := loadPages(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []*pb.Memo{{Uri: "http://x/order?page=1", Memo: []byte(`{"etag":"\"1\""}`)}, {Uri: "http://x/order?page=2", Memo: []byte("2")}}
	if diff := cmp.Diff(want, memos, cmp.Comparer(func(a, b *pb.Memo) bool {
		return a.GetUri() == b.GetUri() && bytes.Equal(a.GetMemo(), b.GetMemo())
	})); diff != "" {
		t.Errorf("memos (-want +loaded):\n%s", diff)
	}
	if len(last.docs) != 2 {
		t.Fatalf("loaded %d pages, want the 2 with a memo", len(last.docs))
	}
	for key, made := range kept.next.docs {
		if len(made.memo) == 0 || !fetchable(made.found) {
			continue
		}
		got := last.get(key)
		if got == nil {
			t.Errorf("%s: not loaded", key)
			continue
		}
		if diff := cmp.Diff([][]string{made.links, made.aliases}, [][]string{got.links, got.aliases}); diff != "" {
			t.Errorf("%s: links (-kept +loaded):\n%s", key, diff)
		}
		if len(got.found) != len(made.found) {
			t.Errorf("%s: %d resources loaded, want %d", key, len(got.found), len(made.found))
			continue
		}
		for i, f := range made.found {
			if !got.found[i].cached || got.found[i].body != noBody {
				t.Errorf("%s: %s loaded with a body", key, f.rec.ID())
			}
			if diff := cmp.Diff(seenOf(f), seenOf(got.found[i])); diff != "" {
				t.Errorf("%s: %s (-kept +loaded):\n%s", key, f.rec.ID(), diff)
			}
		}
	}

	// Every page the last sync's: the file is only touched.
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	again := &keptPages{path: path, last: last, memos: memos, next: newDocMemory()}
	for k, made := range last.docs {
		again.next.put(k, made)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("touched only"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := again.save(); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(path); string(data) != "touched only" || info.Size() == 0 {
		t.Errorf("an unchanged memory was written again")
	}
}

// TestPagesFileDamaged: a pages file cut short, with a byte changed, or a
// versions file in its place is refused as a whole.
func TestPagesFileDamaged(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	if err := pagesSample(good).save(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	flipped := append([]byte(nil), data...)
	flipped[len(flipped)/2] ^= 0x20
	versions := filepath.Join(dir, "versions")
	if err := (&keptVersions{path: versions}).save(func(yield func(*found) bool) {
		for _, f := range versionsSample().items {
			if !yield(f) {
				return
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	versionsData, err := os.ReadFile(versions)
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string][]byte{
		"empty":           nil,
		"cut short":       data[:len(data)-7],
		"a byte changed":  flipped,
		"a versions file": versionsData,
		"trailing bytes":  append(append([]byte(nil), data...), 0),
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, content, 0o600); err != nil {
			t.Fatal(err)
		}
		if last, _, err := loadPages(path); err == nil {
			t.Errorf("%s: loaded %d pages; want it refused", name, len(last.docs))
		}
	}
}

func FuzzLoadPages(f *testing.F) {
	path := filepath.Join(f.TempDir(), "seed")
	if err := pagesSample(path).save(); err != nil {
		f.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte(pagesFormat))
	f.Fuzz(func(t *testing.T, content []byte) {
		last, memos, err := readPages(bytes.NewReader(content), int64(len(content)))
		if err != nil {
			return
		}
		if len(memos) != len(last.docs) {
			t.Errorf("%d memos for %d pages", len(memos), len(last.docs))
		}
		// Whatever loads must be usable: every accessor stays in bounds.
		for _, made := range last.docs {
			for _, f := range made.found {
				_ = seenOf(f)
				_ = f.rec.describe()
			}
		}
	})
}
