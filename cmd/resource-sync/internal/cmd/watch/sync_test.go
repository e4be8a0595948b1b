package watch

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestWatchServeOrigin: two watches follow one `serve` origin while it
// changes, one into a directory, one into a second serve with --delete.
// Created and updated resources reach both, the delete reaches the one
// that propagates deletes; nothing is written twice; the origin answers
// the polls with 304s; Ctrl-C stops both cleanly.
func TestWatchServeOrigin(t *testing.T) {
	t.Parallel()
	origin := serveDir(t, map[string]string{
		"widget/w0.json": widget("w0", 0), "widget/w1.json": widget("w1", 1), "widget/w2.json": widget("w2", 2),
	})
	dest := serveDir(t, nil)
	dir := filepath.Join(t.TempDir(), "out")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	toDir := runWatch(t, ctx, "--interval", "50ms", "--json", origin.URL+"/api/widget", dir)
	toServe := runWatch(t, ctx, "--interval", "50ms", "--delete", origin.URL+"/api/widget", dest.URL+"/")

	waitFor(t, 30*time.Second, "the first passes", func() bool {
		return len(tree(dir)) == 3 && len(tree(dest.Dir)) == 3
	})
	origin.do(t, "PUT", "/api/widget/w3", widget("w3", 3))
	origin.do(t, "PUT", "/api/widget/w1", widget("w1", 100))
	origin.do(t, "DELETE", "/api/widget/w2", "")
	waitFor(t, 10*time.Second, "the changes to reach both destinations", func() bool {
		d, s := tree(dir), tree(dest.Dir)
		return strings.Contains(d["widget/w3.json"], `"w3"`) && strings.Contains(d["widget/w1.json"], "100") &&
			strings.Contains(s["widget/w3.json"], `"w3"`) && strings.Contains(s["widget/w1.json"], "100") && s["widget/w2.json"] == ""
	})
	if _, ok := tree(dir)["widget/w2.json"]; !ok {
		t.Error("the watch without --delete deleted w2")
	}
	// Let a few idle polls go by: they must write nothing.
	time.Sleep(300 * time.Millisecond)
	if n := dest.count("PUT 201") + dest.count("PUT 200"); n != 5 {
		t.Errorf("the second serve got %d PUTs, want 5 (3 creates, then one create and one update)", n)
	}
	if n := dest.count("DELETE 204") + dest.count("DELETE 200"); n != 1 {
		t.Errorf("the second serve got %d DELETEs, want 1", n)
	}
	if n := origin.count("GET 304"); n < 4 {
		t.Errorf("the origin answered %d conditional GETs with 304", n)
	}
	t.Logf("origin answers: %d 200, %d 304", origin.count("GET 200"), origin.count("GET 304"))
	cancel()
	toDir.stop(t)
	toServe.stop(t)
	for _, w := range []*watching{toDir, toServe} {
		if out := w.errOut.String(); !strings.Contains(out, "conditional GETs for "+origin.URL+"/api/widget") {
			t.Errorf("start-up line does not say how the origin is polled:\n%s", out)
		}
	}
}

// TestWatchDirectoryEvents: a directory origin is watched for file-system
// events (the poll interval is an hour): a new file, a change and a
// removal reach the destination, and a burst of writes makes few passes.
func TestWatchDirectoryEvents(t *testing.T) {
	t.Parallel()
	src, dst := t.TempDir(), filepath.Join(t.TempDir(), "out")
	writeFiles(t, src, map[string]string{"widget/a.json": widget("a", 1)})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := runWatch(t, ctx, "--interval", "1h", "--debounce", "30ms", "--delete", "--max-delete", "100%", "--json", src, dst)
	if p := w.next(t); p.err != nil || p.sum.Created != 1 {
		t.Fatalf("first pass: %+v", p)
	}
	writeFiles(t, src, map[string]string{"widget/b.json": widget("b", 1)})
	if p := w.next(t); p.sum.Created != 1 {
		t.Errorf("after a new file: %+v", p)
	}
	writeFiles(t, src, map[string]string{"widget/a.json": widget("a", 2)})
	if p := w.next(t); p.sum.Updated != 1 {
		t.Errorf("after a change: %+v", p)
	}
	if !strings.Contains(tree(dst)["widget/a.json"], `"n": 2`) {
		t.Errorf("a not updated: %q", tree(dst)["widget/a.json"])
	}
	os.Remove(filepath.Join(src, "widget", "b.json"))
	if p := w.next(t); p.sum.Deleted != 1 {
		t.Errorf("after a removal: %+v", p)
	}
	if _, ok := tree(dst)["widget/b.json"]; ok {
		t.Error("b still in the destination")
	}
	// A new directory with files, and a burst of 30 writes.
	for i := range 30 {
		writeFiles(t, src, map[string]string{fmt.Sprintf("gadget/g%02d.json", i): widget(fmt.Sprintf("g%02d", i), i)})
	}
	created, passes := 0, 0
	for created < 30 {
		p := w.next(t)
		created += p.sum.Created
		passes++
	}
	if passes > 3 {
		t.Errorf("a burst of 30 writes made %d passes", passes)
	}
	cancel()
	w.stop(t)
	if !strings.Contains(w.errOut.String(), "file-system events for "+src) {
		t.Errorf("start-up line:\n%s", w.errOut)
	}
}

// TestWatchGuardrails: deletes propagate within --max-delete and are
// refused beyond it, changing nothing; with --change-field a resource is
// never moved back to an older version.
func TestWatchGuardrails(t *testing.T) {
	t.Parallel()
	src, dst := t.TempDir(), filepath.Join(t.TempDir(), "out")
	files := map[string]string{}
	for i := range 10 {
		files[fmt.Sprintf("widget/w%d.json", i)] = fmt.Sprintf(`{"id":"w%d","rev":1}`, i)
	}
	writeFiles(t, src, files)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := runWatch(t, ctx, "--interval", "1h", "--debounce", "30ms", "--delete", "--max-delete", "2", "--change-field", "rev", "--json", src, dst)
	if p := w.next(t); p.sum.Created != 10 {
		t.Fatalf("first pass: %+v", p)
	}
	os.Remove(filepath.Join(src, "widget", "w0.json"))
	if p := w.next(t); p.sum.Deleted != 1 {
		t.Errorf("one removal: %+v", p)
	}
	for i := 1; i <= 5; i++ {
		os.Remove(filepath.Join(src, "widget", fmt.Sprintf("w%d.json", i)))
	}
	p := w.next(t)
	if p.err == nil || !strings.Contains(p.err.Error(), "more than --max-delete 2 allows") {
		t.Errorf("five removals: %+v", p)
	}
	if n := len(tree(dst)); n != 9 {
		t.Errorf("the destination holds %d resources after a refused pass, want 9", n)
	}
	if !strings.Contains(w.errOut.String(), "pass failed, trying again") {
		t.Errorf("the refusal was not shown:\n%s", w.errOut)
	}
	// The origin moves w9 to rev 3, then back to rev 2: the destination
	// keeps rev 3.
	writeFiles(t, src, map[string]string{"widget/w9.json": `{"id":"w9","rev":3}`})
	for i := 1; i <= 5; i++ {
		writeFiles(t, src, map[string]string{fmt.Sprintf("widget/w%d.json", i): fmt.Sprintf(`{"id":"w%d","rev":1}`, i)})
	}
	waitFor(t, 10*time.Second, "rev 3", func() bool { return strings.Contains(tree(dst)["widget/w9.json"], `"rev": 3`) })
	time.Sleep(100 * time.Millisecond) // past the debounce of those writes
	w.drain()
	writeFiles(t, src, map[string]string{"widget/w9.json": `{"id":"w9","rev":2}`})
	for {
		p := w.next(t)
		if p.err != nil || p.sum.Written() > 0 {
			t.Fatalf("an older version was written: %+v", p)
		}
		if p.sum.Unchanged > 0 {
			break
		}
	}
	if got := tree(dst)["widget/w9.json"]; !strings.Contains(got, `"rev": 3`) {
		t.Errorf("w9 moved back: %s", got)
	}
	cancel()
	w.stop(t)
}
