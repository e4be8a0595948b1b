package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/resource-sync/resource-sync/plugins/snapshot/store"
)

// resource is the canonical JSON of one test resource.
func resource(typ, id, body string) []byte {
	return []byte(fmt.Sprintf(`{"body":%q,"id":%q,"type":%q}`, body, id, typ))
}

// snapshot writes resources (TYPE/ID -> body) as a snapshot taken at t.
func snapshot(t *testing.T, s *store.Store, name string, at time.Time, resources map[string]string) *store.Manifest {
	t.Helper()
	lock, err := s.ShareLock(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Unlock()
	w := s.NewBlobWriter()
	m := &store.Manifest{Info: store.Info{Name: name, Time: at, Origins: []string{"./data"}, Follow: "page", Schema: "hal"}}
	for key, body := range resources {
		typ, id, _ := strings.Cut(key, "/")
		data := resource(typ, id, body)
		h, _, err := w.Put(data)
		if err != nil {
			t.Fatal(err)
		}
		m.Resources = append(m.Resources, store.Entry{Type: typ, ID: id, URI: "http://x/api/" + key, Hash: h, Size: int64(len(data))})
	}
	if _, err := w.Commit(m); err != nil {
		t.Fatal(err)
	}
	return m
}

func newStore(t *testing.T) *store.Store {
	t.Helper()
	s, err := store.Create(filepath.Join(t.TempDir(), "backups"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func countFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCommitLoadRoundTrip(t *testing.T) {
	s := newStore(t)
	day := time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC)
	m := snapshot(t, s, "", day, map[string]string{"customer/c1": "a", "order/o1": "b", "order/o 2/ü": "c"})
	if m.Name != "2026-11-30T020000Z" {
		t.Errorf("generated name %q", m.Name)
	}
	got, err := s.Load(m.Name)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(m, got); diff != "" {
		t.Errorf("Load differs (-saved +loaded):\n%s", diff)
	}
	for _, e := range got.Resources {
		data, err := s.ReadBlob(e.Hash)
		if err != nil {
			t.Fatal(err)
		}
		typ, id, _ := strings.Cut(e.Key(), "/")
		if string(data) != string(resource(typ, id, map[string]string{"customer/c1": "a", "order/o1": "b", "order/o 2/ü": "c"}[e.Key()])) {
			t.Errorf("%s: blob holds %s", e.Key(), data)
		}
	}
	// Same time again: the generated name gets a suffix, never overwrites.
	again := snapshot(t, s, "", day, map[string]string{"customer/c1": "a"})
	if again.Name != "2026-11-30T020000Z-2" {
		t.Errorf("second name %q", again.Name)
	}
	// A given name that is taken is refused.
	lock, _ := s.ShareLock(t.Context())
	defer lock.Unlock()
	_, err = s.NewBlobWriter().Commit(&store.Manifest{Info: store.Info{Name: m.Name}})
	if err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("committing a taken name: %v", err)
	}
	if _, err := s.NewBlobWriter().Commit(&store.Manifest{Info: store.Info{Name: "../escape"}}); err == nil {
		t.Error("committed the name ../escape")
	}
}

func TestUnchangedSnapshotWritesNoBlob(t *testing.T) {
	s := newStore(t)
	resources := map[string]string{}
	for i := range 500 {
		resources[fmt.Sprintf("item/i%03d", i)] = fmt.Sprint("v", i)
	}
	snapshot(t, s, "one", time.Now(), resources)
	before := countFiles(t, filepath.Join(s.Dir(), "blobs"))

	lock, _ := s.ShareLock(t.Context())
	w := s.NewBlobWriter()
	for key, body := range resources {
		typ, id, _ := strings.Cut(key, "/")
		if _, written, err := w.Put(resource(typ, id, body)); err != nil || written {
			t.Fatalf("Put of a stored blob: written=%v err=%v", written, err)
		}
	}
	lock.Unlock()
	// One changed resource costs its blob, one chunk of the resource list
	// and the list of chunks.
	resources["item/i250"] = "changed"
	snapshot(t, s, "two", time.Now(), resources)
	if after := countFiles(t, filepath.Join(s.Dir(), "blobs")); after != before+3 {
		t.Errorf("one changed resource added %d blobs, want 3 (its content, one chunk, the list)", after-before)
	}
}

func TestResolve(t *testing.T) {
	at := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	infos := []store.Info{
		{Name: "a", Time: at("2026-11-28T02:00:00Z")},
		{Name: "b", Time: at("2026-11-29T02:00:00Z")},
		{Name: "2026-11-29", Time: at("2026-11-29T23:00:00Z")}, // a name wins over a date
		{Name: "d", Time: at("2026-11-30T02:00:00Z")},
	}
	for sel, want := range map[string]string{
		"":                          "d",
		"a":                         "a",
		"2026-11-29":                "2026-11-29",
		"2026-11-28":                "a", // up to the end of that UTC day
		"2026-11-30T01:59:59Z":      "2026-11-29",
		"2026-11-30T02:00:00Z":      "d", // at or before
		"2026-11-30T03:00:00+02:00": "2026-11-29",
		"2027-01-01":                "d",
	} {
		got, err := store.Resolve(infos, sel)
		if err != nil || got.Name != want {
			t.Errorf("Resolve(%q) = %q, %v; want %q", sel, got.Name, err, want)
		}
	}
	for sel, msg := range map[string]string{
		"nosuch":     `no snapshot named "nosuch"`,
		"2026-11-27": "no snapshot taken at or before 2026-11-27 (the first is a,",
	} {
		if _, err := store.Resolve(infos, sel); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("Resolve(%q): %v, want %q", sel, err, msg)
		}
	}
	if _, err := store.Resolve(nil, ""); err == nil {
		t.Error("Resolve on no snapshots succeeded")
	}
}

func TestOpenRefusesWhatIsNotAStore(t *testing.T) {
	dir := t.TempDir()
	if _, err := store.Open(dir); err == nil || !strings.Contains(err.Error(), "not a snapshot store") {
		t.Errorf("Open of an empty directory: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Create(dir); err == nil || !strings.Contains(err.Error(), "holds notes.txt") {
		t.Errorf("Create in a directory of other files: %v", err)
	}
}

func TestVerifyNamesCorruptAndMissingBlobs(t *testing.T) {
	s := newStore(t)
	m := snapshot(t, s, "nightly", time.Now(), map[string]string{"order/o1": "one", "order/o2": "two", "order/o3": "three"})
	rep, err := s.Verify(t.Context())
	if err != nil || len(rep.Problems) != 0 || rep.Manifests != 1 || rep.Blobs != 5 { // 3 contents, a chunk, the list
		t.Fatalf("verify of a sound store: %+v, %v", rep, err)
	}
	byKey := map[string]store.Entry{}
	for _, e := range m.Resources {
		byKey[e.Key()] = e
	}
	corrupt := filepath.Join(s.Dir(), "blobs", byKey["order/o1"].Hash[:2], byKey["order/o1"].Hash)
	if err := os.WriteFile(corrupt, []byte(`{"id":"o1","type":"order","body":"tampered"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(s.Dir(), "blobs", byKey["order/o2"].Hash[:2], byKey["order/o2"].Hash)); err != nil {
		t.Fatal(err)
	}
	rep, err = s.Verify(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(rep.Problems, "\n")
	for _, want := range []string{
		"corrupt blob blobs/" + byKey["order/o1"].Hash[:2] + "/" + byKey["order/o1"].Hash + ": its content hashes to ",
		"; needed by order/o1 in snapshot nightly",
		"missing blob blobs/" + byKey["order/o2"].Hash[:2] + "/" + byKey["order/o2"].Hash + "; needed by order/o2 in snapshot nightly",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("verify report lacks %q:\n%s", want, all)
		}
	}
	if len(rep.Problems) != 2 {
		t.Errorf("want 2 problems, got:\n%s", all)
	}
	if _, err := s.ReadBlob(byKey["order/o1"].Hash); err == nil {
		t.Error("ReadBlob handed on a corrupt blob")
	}
	if missing := s.Missing(m); len(missing) != 1 || missing[0] != byKey["order/o2"].Hash {
		t.Errorf("Missing = %v", missing)
	}
}

func TestRetain(t *testing.T) {
	var infos []store.Info
	start := time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC) // a Sunday
	for d := range 30 {
		for h := range 2 { // two snapshots a day
			at := start.AddDate(0, 0, d).Add(time.Duration(h) * 12 * time.Hour)
			infos = append(infos, store.Info{Name: store.NameFor(at), Time: at})
		}
	}
	kept, dropped := store.Retain(infos, store.Policy{Last: 3, Daily: 7, Weekly: 4})
	var names []string
	for _, k := range kept {
		names = append(names, k.Name+" "+strings.Join(k.Reasons, ","))
	}
	want := []string{
		"2026-11-30T140000Z last,daily,weekly",
		"2026-11-30T020000Z last",
		"2026-11-29T140000Z last,daily,weekly",
		"2026-11-28T140000Z daily",
		"2026-11-27T140000Z daily",
		"2026-11-26T140000Z daily",
		"2026-11-25T140000Z daily",
		"2026-11-24T140000Z daily",
		"2026-11-22T140000Z weekly",
		"2026-11-15T140000Z weekly",
	}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("kept (-want +got):\n%s", diff)
	}
	if len(kept)+len(dropped) != len(infos) {
		t.Errorf("%d kept + %d dropped != %d", len(kept), len(dropped), len(infos))
	}
}

func TestPruneRemovesSnapshotsThenUnneededBlobs(t *testing.T) {
	s := newStore(t)
	start := time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC)
	for d := range 5 {
		snapshot(t, s, "", start.AddDate(0, 0, d), map[string]string{"order/o1": fmt.Sprint("day ", d), "order/o2": "same"})
	}
	rep, err := s.Prune(t.Context(), store.Policy{Last: 2}, true)
	if err != nil || len(rep.Removed) != 3 || rep.Blobs != 9 {
		t.Fatalf("dry run: %+v, %v; want 3 snapshots and 9 blobs (3 contents, 3 chunks, 3 lists)", rep, err)
	}
	if infos, _ := s.List(); len(infos) != 5 {
		t.Fatalf("the dry run removed snapshots: %d left", len(infos))
	}
	if _, err := s.Prune(t.Context(), store.Policy{}, false); err == nil {
		t.Error("prune without a policy ran")
	}
	if rep, err = s.Prune(t.Context(), store.Policy{Last: 2}, false); err != nil || rep.Blobs != 9 {
		t.Fatalf("prune: %+v, %v", rep, err)
	}
	infos, err := s.List()
	if err != nil || len(infos) != 2 || infos[0].Name != "2026-11-04T020000Z" {
		t.Fatalf("after prune: %+v, %v", infos, err)
	}
	if v, err := s.Verify(t.Context()); err != nil || len(v.Problems) > 0 || v.Blobs != 7 {
		t.Errorf("verify after prune: %+v, %v; want 7 blobs (3 contents, 2 chunks, 2 lists)", v, err)
	}
}

// TestPruneNeverTakesABlobFromAConcurrentSnapshot runs writers that keep
// taking snapshots of shared and fresh content while prune keeps only the
// newest: every snapshot that survives must be whole.
func TestPruneNeverTakesABlobFromAConcurrentSnapshot(t *testing.T) {
	s := newStore(t)
	// At least two seconds of contention, and at least three prunes that
	// removed blobs however busy the machine; thirty seconds at most.
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	enough := time.Now().Add(2 * time.Second)
	errs := make(chan error, 3)
	for w := range 2 {
		go func() {
			for i := 0; ctx.Err() == nil; i++ {
				other, err := store.Open(s.Dir()) // as another process would
				if err != nil {
					errs <- err
					return
				}
				lock, err := other.ShareLock(ctx)
				if err != nil {
					break
				}
				bw := other.NewBlobWriter()
				m := &store.Manifest{Info: store.Info{Name: fmt.Sprintf("w%d-%04d", w, i)}}
				for r := range 20 {
					// Half the content is shared with earlier snapshots
					// that prune is removing.
					data := resource("item", fmt.Sprint(r), fmt.Sprint(r%2, "-", i/(r%2+1)))
					h, _, err := bw.Put(data)
					if err != nil {
						errs <- err
						return
					}
					m.Resources = append(m.Resources, store.Entry{Type: "item", ID: fmt.Sprint(r), Hash: h, Size: int64(len(data))})
				}
				_, err = bw.Commit(m)
				lock.Unlock()
				if err != nil {
					errs <- err
					return
				}
				time.Sleep(5 * time.Millisecond) // room for prune: flock is not fair
			}
			errs <- nil
		}()
	}
	prunes := 0
	go func() {
		for ctx.Err() == nil {
			rep, err := s.Prune(ctx, store.Policy{Last: 1}, false)
			if err != nil && ctx.Err() == nil {
				errs <- err
				return
			}
			if err == nil && rep.Blobs > 0 {
				prunes++
			}
			if prunes >= 3 && time.Now().After(enough) {
				cancel()
			}
		}
		errs <- nil
	}()
	for range 3 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if prunes < 3 {
		t.Fatalf("only %d prunes removed blobs while the writers ran", prunes)
	}
	infos, err := s.List()
	if err != nil || len(infos) == 0 {
		t.Fatalf("no snapshot left: %v", err)
	}
	for _, in := range infos {
		m, err := s.Load(in.Name)
		if err != nil {
			t.Fatal(err)
		}
		if missing := s.Missing(m); len(missing) > 0 {
			t.Errorf("snapshot %s lost %d blobs to a concurrent prune", in.Name, len(missing))
		}
	}
	if v, err := s.Verify(t.Context()); err != nil || len(v.Problems) > 0 {
		t.Errorf("verify: %v %v", v.Problems, err)
	}
}

// A snapshot whose resource list lost a blob: verify names it, loading it
// says so, and prune refuses to run rather than guess which blobs it needs.
func TestDamagedResourceList(t *testing.T) {
	s := newStore(t)
	snapshot(t, s, "keep", time.Now(), map[string]string{"order/o1": "one"})
	data, err := os.ReadFile(filepath.Join(s.Dir(), "manifests", "keep.json"))
	if err != nil {
		t.Fatal(err)
	}
	var st struct{ List string }
	if err := json.Unmarshal(data, &st); err != nil || !store.ValidHash(st.List) {
		t.Fatalf("manifest file %s: %v", data, err)
	}
	if err := os.Remove(filepath.Join(s.Dir(), "blobs", st.List[:2], st.List)); err != nil {
		t.Fatal(err)
	}
	rep, err := s.Verify(t.Context())
	if err != nil || len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0], "; needed by its resource list in snapshot keep") {
		t.Errorf("verify: %q, %v", rep.Problems, err)
	}
	if _, err := s.Load("keep"); err == nil || !strings.Contains(err.Error(), "snapshot keep: its resource list is damaged") {
		t.Errorf("Load: %v", err)
	}
	if _, err := s.Prune(t.Context(), store.Policy{Last: 1}, false); err == nil || !strings.Contains(err.Error(), "cannot prune") {
		t.Errorf("prune over a damaged list: %v", err)
	}
}
