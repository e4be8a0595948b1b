package dir_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/resource-sync/resource-sync/plugins/dir"
	"github.com/resource-sync/resource-sync/sdk"
)

// awkward are (type, id) pairs that must be written verbatim.
var awkward = [][2]string{
	{"order", "hello? sausage"},
	{"Hello, 世界", `" ' @ < > & ? + ≠`},
	{"emoji 🦀", " ünïcödé with spaces "},
	{"order", `it's "quoted"`},
	{"order", "tab\tand%46"},
}

func TestWriteAwkwardNamesVerbatimAndReadsThemBack(t *testing.T) {
	root := t.TempDir()
	ep := open(t, root, sdk.RoleDestination, false)
	var items []sdk.WriteItem
	want := map[string]string{}
	for i, name := range awkward {
		content := fmt.Sprintf("---\nn: %d\n", i)
		items = append(items, item(int64(i+1), name[0], name[1], content))
		want[name[0]+"/"] = ""
		want[name[0]+"/"+name[1]+".yaml"] = content
	}
	results, _, err := write(t, ep, items...)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if r := results[it.Seq]; r.Status != sdk.Written || r.Err != nil {
			t.Errorf("%s/%s: %+v, want Written", it.Resource.Type, it.Resource.ID, r)
		}
	}
	if diff := cmp.Diff(want, tree(t, root)); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	docs, errs := readAll(t, ep)
	if len(docs) != len(items) || len(errs) != 0 {
		t.Fatalf("read back %d documents, %v", len(docs), errs)
	}
	for _, doc := range docs {
		typ, _, _ := strings.Cut(doc.Location, "/")
		if doc.TypeHint != typ || want[doc.Location] != string(doc.Content) {
			t.Errorf("read back %+v", doc)
		}
	}
}

func TestWriteRefusesNamesThatAreNotPlainFileNames(t *testing.T) {
	outer := t.TempDir()
	root := filepath.Join(outer, "dest")
	ep := open(t, root, sdk.RoleDestination, false)
	refused := [][2]string{
		{"order", "../x"},
		{"order", "../../x"},
		{"order", "a/b"},
		{"order", "/abs"},
		{"order", ""},
		{"order", "."},
		{"order", ".."},
		{"order", "nul\x00byte"},
		{"order", `back\slash`},
		{"order", ".hidden"},
		{"..", "x"},
		{"a/b", "x"},
		{"/abs", "x"},
		{"", "x"},
		{".", "x"},
		{".git", "config"},
	}
	items := []sdk.WriteItem{item(0, "order", "fine", "---\nok: true\n")}
	for i, name := range refused {
		items = append(items, item(int64(i+1), name[0], name[1], "---\nevil: true\n"))
	}
	results, _, err := write(t, ep, items...)
	if err != nil {
		t.Fatal(err)
	}
	if r := results[0]; r.Status != sdk.Written {
		t.Errorf("the valid item: %+v, want Written", r)
	}
	for i, name := range refused {
		r := results[int64(i+1)]
		var sdkErr *sdk.Error
		if r.Status != sdk.Failed || !errors.As(r.Err, &sdkErr) || sdkErr.Source != "origin.yaml" || sdkErr.Line != i+1 {
			t.Errorf("type %q id %q: %+v, want Failed with an *sdk.Error at origin.yaml:%d", name[0], name[1], r, i+1)
			continue
		}
		if !strings.Contains(sdkErr.Msg, "as a file name") {
			t.Errorf("type %q id %q: unclear message %q", name[0], name[1], sdkErr.Msg)
		}
	}
	want := map[string]string{"dest/": "", "dest/order/": "", "dest/order/fine.yaml": "---\nok: true\n"}
	if diff := cmp.Diff(want, tree(t, outer)); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
}

func TestWriteNeverFollowsASymlinkOutOfTheDirectory(t *testing.T) {
	root, outside := t.TempDir(), t.TempDir()
	if err := os.Symlink(outside, filepath.Join(root, "order")); err != nil {
		t.Fatal(err)
	}
	results, _, err := write(t, open(t, root, sdk.RoleDestination, false), item(1, "order", "o1", "---\nid: o1\n"))
	if err != nil {
		t.Fatal(err)
	}
	if r := results[1]; r.Status != sdk.Failed || r.Err == nil {
		t.Errorf("writing through a symlink out of the tree: %+v, want Failed", r)
	}
	if got := tree(t, outside); len(got) != 0 {
		t.Errorf("wrote outside the directory: %v", got)
	}
}

func TestWriteLeavesAFileWithTheSameBytesAlone(t *testing.T) {
	root := t.TempDir()
	mkfiles(t, root, map[string]string{
		"order/hello? sausage.yaml": "---\nid: same\n",
		"order/o2.yaml":             "---\nid: old\n",
	})
	same := filepath.Join(root, "order", "hello? sausage.yaml")
	changed := filepath.Join(root, "order", "o2.yaml")
	setOldMtime(t, same)
	setOldMtime(t, changed)

	results, _, err := write(t, open(t, root, sdk.RoleDestination, false),
		item(1, "order", "hello? sausage", "---\nid: same\n"),
		item(2, "order", "o2", "---\nid: new\n"))
	if err != nil {
		t.Fatal(err)
	}
	if r := results[1]; r.Status != sdk.Unchanged {
		t.Errorf("same bytes: %+v, want Unchanged", r)
	}
	if got := mtime(t, same); !got.Equal(oldTime) {
		t.Errorf("same bytes: mtime became %v", got)
	}
	if r := results[2]; r.Status != sdk.Written {
		t.Errorf("new bytes: %+v, want Written", r)
	}
	if got := tree(t, root)["order/o2.yaml"]; got != "---\nid: new\n" {
		t.Errorf("new bytes: file holds %q", got)
	}
	if got := mtime(t, changed); got.Equal(oldTime) {
		t.Errorf("new bytes: mtime did not change")
	}
}

func TestWriteTrustsTheHostAboutUnchangedItemsAtTheSameLocation(t *testing.T) {
	root := t.TempDir()
	mkfiles(t, root, map[string]string{"order/o1.yaml": "as the host read it\n", "order/o2.yaml": "elsewhere\n"})
	setOldMtime(t, filepath.Join(root, "order", "o1.yaml"))

	here := item(1, "order", "o1", "---\nid: o1\n")
	here.Unchanged, here.ExistingLocation = true, "order/o1.yaml"
	// Held as JSON: a YAML file must still be written.
	moved := item(2, "order", "o2", "---\nid: o2\n")
	moved.Unchanged, moved.ExistingLocation = true, "order/o2.json"

	results, _, err := write(t, open(t, root, sdk.RoleDestination, false), here, moved)
	if err != nil {
		t.Fatal(err)
	}
	if r := results[1]; r.Status != sdk.Unchanged {
		t.Errorf("unchanged at its location: %+v", r)
	}
	if got := tree(t, root)["order/o1.yaml"]; got != "as the host read it\n" {
		t.Errorf("unchanged at its location was rewritten: %q", got)
	}
	if got := mtime(t, filepath.Join(root, "order", "o1.yaml")); !got.Equal(oldTime) {
		t.Errorf("unchanged at its location was touched: mtime %v", got)
	}
	if r := results[2]; r.Status != sdk.Written {
		t.Errorf("unchanged elsewhere: %+v, want Written", r)
	}
	if got := tree(t, root)["order/o2.yaml"]; got != "---\nid: o2\n" {
		t.Errorf("unchanged elsewhere: %q", got)
	}
}

// The dir endpoint does not declare concurrent writes, so the host sends
// every item without waiting for reports. Files are committed in batches,
// and each is reported Written only once it is in place: a long write
// reports its first batch before the last item is pulled. (A batch
// commits while the next is staged, and the third waits for the first.)
func TestWriteReportsEachFileOnceInPlace(t *testing.T) {
	root := t.TempDir()
	ep := open(t, root, sdk.RoleDestination, false)
	const n = 2*4096 + 10 // two batches and a bit (commitFiles)
	var reportedEarly, notInPlace int
	var mu sync.Mutex
	pulled := 0
	_, err := ep.Write(t.Context(), func(yield func(sdk.WriteItem) bool) {
		for i := range int64(n) {
			mu.Lock() // reports come from a committing goroutine
			pulled++
			mu.Unlock()
			if !yield(item(i, "order", fmt.Sprint("o", i), fmt.Sprintf("---\nn: %d\n", i))) {
				return
			}
		}
	}, func(r sdk.WriteResult) {
		mu.Lock()
		defer mu.Unlock()
		if pulled < n {
			reportedEarly++
		}
		data, err := os.ReadFile(filepath.Join(root, "order", fmt.Sprint("o", r.Seq)+".yaml"))
		if r.Status != sdk.Written || err != nil || string(data) != fmt.Sprintf("---\nn: %d\n", r.Seq) {
			notInPlace++
		}
	})
	if err != nil || pulled != n {
		t.Fatalf("pulled %d of %d items, error %v", pulled, n, err)
	}
	if reportedEarly == 0 {
		t.Error("nothing was reported before the last item was pulled")
	}
	if notInPlace > 0 {
		t.Errorf("%d files were reported Written before they were in place with their content", notInPlace)
	}
	if entries, _ := os.ReadDir(root); len(entries) != 1 {
		t.Errorf("the destination holds %d entries, want just order/ (no staging directory left)", len(entries))
	}
}

func TestWriteManyItemsOfOneType(t *testing.T) {
	root := t.TempDir()
	var items []sdk.WriteItem
	for i := range 200 {
		items = append(items, item(int64(i), "ordér", fmt.Sprintf("o%03d 🦀", i), fmt.Sprintf("---\nn: %d\n", i)))
	}
	results, _, err := write(t, open(t, root, sdk.RoleDestination, false), items...)
	if err != nil {
		t.Fatal(err)
	}
	got := tree(t, root)
	for _, it := range items {
		if results[it.Seq].Status != sdk.Written || got["ordér/"+it.Resource.ID+".yaml"] != string(it.Content) {
			t.Errorf("%s: %+v", it.Resource.ID, results[it.Seq])
		}
	}
}

func TestWriteStopsWhenCancelled(t *testing.T) {
	root := t.TempDir()
	mkfiles(t, root, map[string]string{"order/stale.yaml": "---\n"})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var mu sync.Mutex
	var reports []sdk.WriteResult
	_, err := open(t, root, sdk.RoleDestination, true).Write(ctx, func(yield func(sdk.WriteItem) bool) {
		yield(item(1, "order", "o1", "---\n"))
	}, func(r sdk.WriteResult) {
		mu.Lock()
		defer mu.Unlock()
		reports = append(reports, r)
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled", err)
	}
	if len(reports) != 1 || reports[0].Status != sdk.Failed {
		t.Errorf("reports = %+v, want the pulled item Failed", reports)
	}
	want := map[string]string{"order/": "", "order/stale.yaml": "---\n"}
	if diff := cmp.Diff(want, tree(t, root)); diff != "" {
		t.Errorf("a cancelled write changed files (-want +got):\n%s", diff)
	}
}

// A file the stagers fail to write is reported failed once, with its
// path, and left out of its commit; the files staged beside it, by other
// stagers and across flushes and commits, land; and a replace then keeps
// the files it did not produce.
func TestWriteLeavesOutWhatTheStagersFailedToWrite(t *testing.T) {
	root := t.TempDir()
	mkfiles(t, root, map[string]string{"order/gone.yaml": "id: gone\n"})
	dir.FailStaging(t, "5", "2000", "4999")
	n := 2*dir.CommitFiles + 100 // several flushes and commits
	items := make([]sdk.WriteItem, n)
	for i := range items {
		items[i] = item(int64(i), "order", fmt.Sprintf("o%05d", i), fmt.Sprintf("id: o%05d\n", i))
	}
	results, _, err := write(t, open(t, root, sdk.RoleDestination, true), items...)
	if err == nil || !strings.Contains(err.Error(), "stale files were kept because 3 writes failed") {
		t.Errorf("Write: %v, want it to say the stale files were kept", err)
	}
	if len(results) != n {
		t.Fatalf("%d items reported, want %d", len(results), n)
	}
	for seq, r := range results {
		path := filepath.Join(root, "order", fmt.Sprintf("o%05d.yaml", seq))
		_, statErr := os.Stat(path)
		if seq == 5 || seq == 2000 || seq == 4999 {
			if r.Status != sdk.Failed || r.Err == nil || !strings.Contains(r.Err.Error(), "cannot write "+path+": disk on fire") {
				t.Errorf("item %d: %v %v, want it failed, naming %s", seq, r.Status, r.Err, path)
			}
			if statErr == nil {
				t.Errorf("%s was written, though its staging failed", path)
			}
			continue
		}
		if r.Status != sdk.Written || statErr != nil {
			t.Errorf("item %d: %v %v (%v), want it written", seq, r.Status, r.Err, statErr)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "order", "gone.yaml")); err != nil {
		t.Errorf("a replace with failed items removed a stale file: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, dir.StagingDir)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s left behind: %v", dir.StagingDir, err)
	}
}

// writeThen writes items, running between after the last was handed over
// and before the write ends, and fails the test on any failed item.
func writeThen(t *testing.T, ep *dir.Endpoint, items []sdk.WriteItem, between func()) {
	t.Helper()
	_, err := ep.Write(t.Context(), func(yield func(sdk.WriteItem) bool) {
		for _, it := range items {
			if !yield(it) {
				return
			}
		}
		between()
	}, func(r sdk.WriteResult) {
		if r.Status != sdk.Written {
			t.Errorf("item %d: %+v, want Written", r.Seq, r)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
}

func orders(n int) (items []sdk.WriteItem, want map[string]string) {
	want = map[string]string{"order/": ""}
	for i := range n {
		id := fmt.Sprintf("o%05d", i)
		items = append(items, item(int64(i+1), "order", id, "id: "+id+"\n"))
		want["order/"+id+".yaml"] = "id: " + id + "\n"
	}
	return items, want
}

// A type directory that did not exist is staged whole and appears with
// its files, in one rename. Files committed after that, by the same
// write or another, are renamed into it one by one.
func TestWriteMakesANewTypeDirectoryWhole(t *testing.T) {
	for _, n := range []int{50, dir.CommitFiles + 100} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			root := t.TempDir()
			ep := open(t, root, sdk.RoleDestination, false)
			items, want := orders(n + 10)
			writeThen(t, ep, items[:n], func() {
				_, err := os.Lstat(filepath.Join(root, "order"))
				if n < dir.CommitFiles && !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("order/ appeared before the commit: %v", err)
				}
			})
			writeThen(t, ep, items[n:], func() {})
			if diff := cmp.Diff(want, tree(t, root)); diff != "" {
				t.Errorf("files (-want +got):\n%s", diff)
			}
		})
	}
}

// Another write making the type directory meanwhile keeps it, and gets
// the files renamed into it one by one.
func TestWriteIntoATypeDirectoryMadeMeanwhile(t *testing.T) {
	root := t.TempDir()
	ep := open(t, root, sdk.RoleDestination, false)
	items, want := orders(50)
	writeThen(t, ep, items, func() {
		mkfiles(t, root, map[string]string{"order/keep.yaml": "id: keep\n"})
	})
	want["order/keep.yaml"] = "id: keep\n"
	if diff := cmp.Diff(want, tree(t, root)); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
}

// A write killed while it staged a new type directory leaves it in its
// staging directory; the next write removes it, files and all.
func TestWriteRemovesTheNewTypeDirectoryOfAnInterruptedWrite(t *testing.T) {
	root := t.TempDir()
	mkfiles(t, root, map[string]string{
		dir.StagingDir + "/w-0123456789abcdef/d0/o1.yaml": "id: o1\n",
		dir.StagingDir + "/w-0123456789abcdef/d0/o2.yaml": "id: o2\n",
		dir.StagingDir + "/w-0123456789abcdef/7":          "id: o3\n",
	})
	ep := open(t, root, sdk.RoleDestination, false)
	items, want := orders(1)
	writeThen(t, ep, items, func() {})
	if diff := cmp.Diff(want, tree(t, root)); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
}

// When every file staged in a new type directory failed, the directory is
// still placed for the files staged after its first commit.
func TestWriteNewTypeDirectoryWhoseFirstFilesAllFailed(t *testing.T) {
	root := t.TempDir()
	var failing []string
	for i := range dir.CommitFiles {
		failing = append(failing, fmt.Sprint(i))
	}
	dir.FailStaging(t, failing...)
	items, all := orders(dir.CommitFiles + 10)
	results, _, err := write(t, open(t, root, sdk.RoleDestination, false), items...)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"order/": ""}
	for i, it := range items {
		r := results[it.Seq]
		if i < dir.CommitFiles {
			if r.Status != sdk.Failed {
				t.Fatalf("item %d: %+v, want it failed", it.Seq, r)
			}
			continue
		}
		if r.Status != sdk.Written {
			t.Errorf("item %d: %+v, want Written", it.Seq, r)
		}
		rel := "order/" + it.Resource.ID + ".yaml"
		want[rel] = all[rel]
	}
	if diff := cmp.Diff(want, tree(t, root)); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
}
