package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gofrs/flock"
	"github.com/google/go-cmp/cmp"
)

// bisyncCLI runs `resource-sync bisync --journal JOURNAL ARGS...`.
func bisyncCLI(t *testing.T, journal string, args ...string) result {
	t.Helper()
	return runCLI(t, append([]string{"bisync", "--journal", journal}, args...)...)
}

func mustBisync(t *testing.T, journal string, args ...string) result {
	t.Helper()
	r := bisyncCLI(t, journal, args...)
	if r.code != 0 {
		t.Fatalf("bisync %s: exit %d, want 0\n%s", strings.Join(args, " "), r.code, r.stderr)
	}
	return r
}

// sendJSON sends doc with method to u and returns the status.
func sendJSON(t *testing.T, method, u string, doc any, header ...string) int {
	t.Helper()
	var body []byte
	if doc != nil {
		var err error
		if body, err = json.Marshal(doc); err != nil {
			t.Fatal(err)
		}
	}
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for _, h := range header {
		name, value, _ := strings.Cut(h, ": ")
		req.Header.Set(name, value)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// edit GETs the resource at u, lets change edit it and PUTs it back.
func edit(t *testing.T, u string, change func(map[string]any)) {
	t.Helper()
	doc := getJSON(t, u, http.StatusOK).(map[string]any)
	change(doc)
	if status := sendJSON(t, http.MethodPut, u, doc); status != http.StatusOK {
		t.Fatalf("PUT %s: %d", u, status)
	}
}

// dataOf is what a tree holds, links aside: the data bisync keeps alike.
func dataOf(t *testing.T, dir string) map[string]any {
	t.Helper()
	out := map[string]any{}
	for k, v := range loadTree(t, dir) {
		out[k] = withoutLinks(v)
	}
	return out
}

// sameData fails the test unless the two trees hold the same data.
func sameData(t *testing.T, a, b string) {
	t.Helper()
	if diff := cmp.Diff(dataOf(t, a), dataOf(t, b)); diff != "" {
		t.Errorf("the sides differ (-A +B):\n%s", diff)
	}
}

// resourceRequests counts the requests a server answered since from that
// named one resource (not a collection page, the discovery document or
// the transaction log).
func resourceRequests(s *served, from int) (n int, what []string) {
	for _, r := range s.log.all()[from:] {
		p := strings.SplitN(r.uri, "?", 2)[0]
		if strings.HasSuffix(p, "/transactions") || strings.Count(strings.Trim(p, "/"), "/") < 3 {
			continue
		}
		n++
		what = append(what, r.method+" "+r.uri)
	}
	return n, what
}

// Two `serve` instances with ETags and transaction logs: the first run
// (--resync) copies A into B; later edits on either side go to the other,
// reading only what the logs name, with conditional writes.
func TestBisyncServeAndServe(t *testing.T) {
	t.Parallel()
	a := serveDir(t, copyExamples(t))
	b := serveDir(t, t.TempDir())
	journal := filepath.Join(t.TempDir(), "journal.json")
	A, B := a.url+"/api/", b.url+"/api/"

	r := mustBisync(t, journal, "--resync", "-a", A, B)
	if !strings.Contains(r.stderr, "12 created, 0 updated, 0 deleted; 0 alike") {
		t.Fatalf("resync: %s", r.stderr)
	}
	sameData(t, a.dir, b.dir)

	// A third party edits both sides.
	edit(t, a.url+"/api/v1/order/o1", func(d map[string]any) { d["status"] = "cancelled" })
	edit(t, b.url+"/api/v1/customer/c1", func(d map[string]any) { d["name"] = "Ada King" })
	if status := sendJSON(t, http.MethodDelete, b.url+"/api/v1/orderline/l4", nil); status != http.StatusNoContent {
		t.Fatal(status)
	}
	if status := sendJSON(t, http.MethodPut, a.url+"/api/v1/customer/c9", map[string]any{"id": "c9", "name": "New"}); status != http.StatusCreated {
		t.Fatal(status)
	}
	fromA, fromB := len(a.log.all()), len(b.log.all())
	r = mustBisync(t, journal, "-a", A, B)
	if !strings.Contains(r.stderr, "0 created, 1 updated, 1 deleted; B ("+B+"): 1 created, 1 updated, 0 deleted") {
		t.Errorf("second run: %s", r.stderr)
	}
	sameData(t, a.dir, b.dir)
	na, wa := resourceRequests(a, fromA)
	nb, wb := resourceRequests(b, fromB)
	// Each side: fetch what its log names, read again what is written
	// without a known ETag, then write: O(changes), no collection read.
	if na+nb > 12 {
		t.Errorf("%d resource requests for 4 changes:\nA: %v\nB: %v", na+nb, wa, wb)
	}
	for s, from := range map[*served]int{a: fromA, b: fromB} {
		for _, req := range s.log.all()[from:] {
			if strings.HasSuffix(strings.SplitN(req.uri, "?", 2)[0], "/order") && req.method == http.MethodGet {
				t.Errorf("a collection was read although the log says what changed: %s %s", req.method, req.uri)
				break
			}
		}
	}
	// Nothing changed since: only the two logs are read.
	fromA, fromB = len(a.log.all()), len(b.log.all())
	r = mustBisync(t, journal, "-a", A, B)
	if !strings.Contains(r.stderr, "0 created, 0 updated, 0 deleted; B ("+B+"): 0 created, 0 updated, 0 deleted; 12 alike") {
		t.Errorf("third run: %s", r.stderr)
	}
	if got := len(a.log.all()) - fromA + len(b.log.all()) - fromB; got != 2 {
		t.Errorf("a run with nothing to do made %d requests, want 2 (the logs): %v %v", got, a.log.all()[fromA:], b.log.all()[fromB:])
	}
}

// A directory kept in sync with `serve`: the journal lives in the
// directory's .resource-sync/, which is never read as resources.
func TestBisyncDirAndServe(t *testing.T) {
	t.Parallel()
	dir := copyExamples(t)
	b := serveDir(t, t.TempDir())
	B := b.url + "/api/"
	mustRun(t, "bisync", "--resync", "-a", dir, B)
	journals, _ := filepath.Glob(filepath.Join(dir, ".resource-sync", "bisync-*.json"))
	if len(journals) != 1 {
		t.Fatalf("journal files in the directory: %v", journals)
	}
	o1 := filepath.Join(dir, "order", "o1.yaml")
	data, _ := os.ReadFile(o1)
	if err := os.WriteFile(o1, bytes.Replace(data, []byte("status: shipped"), []byte("status: lost"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "orderline", "l4.yaml")); err != nil {
		t.Fatal(err)
	}
	edit(t, b.url+"/api/v1/customer/c1", func(d map[string]any) { d["name"] = "Ada King" })
	r := mustRun(t, "bisync", "-a", dir, B)
	if !strings.Contains(r.stderr, "A ("+dir+"): 0 created, 1 updated, 0 deleted; B ("+B+"): 0 created, 1 updated, 1 deleted") {
		t.Errorf("second run: %s", r.stderr)
	}
	sameData(t, dir, b.dir)
	if got := getJSON(t, b.url+"/api/v1/order/o1", http.StatusOK).(map[string]any)["status"]; got != "lost" {
		t.Errorf("o1 on B has status %v", got)
	}
	r = mustRun(t, "bisync", "-a", dir, B)
	if !strings.Contains(r.stderr, "; 11 alike") {
		t.Errorf("third run: %s", r.stderr)
	}
}

// notes writes plain resources (--simple) into a new directory.
func notes(t *testing.T, docs map[string]map[string]any) string {
	t.Helper()
	dir := t.TempDir()
	for id, doc := range docs {
		writeNote(t, dir, id, doc)
	}
	return dir
}

func writeNote(t *testing.T, dir, id string, doc map[string]any) {
	t.Helper()
	c := map[string]any{"id": id, "type": "note", "uri": "http://notes/api/note/" + id}
	for k, v := range doc {
		c[k] = v
	}
	data, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "note"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "note", id+".json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func readNote(t *testing.T, dir, id string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "note", id+".json"))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// Each conflict policy, on two directories holding one note each side
// then edits differently.
func TestBisyncConflictPolicies(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		flags  []string
		a, b   map[string]any // the note's new content on each side; nil deletes it
		code   int
		want   map[string]any // on both sides at the end (nil: deleted); unset with code 3
		stderr string
	}{
		{name: "fail", a: map[string]any{"text": "from A"}, b: map[string]any{"text": "from B"}, code: 3,
			stderr: "conflict: note/n: changed on A, changed on B"},
		{name: "same change", a: map[string]any{"text": "both"}, b: map[string]any{"text": "both"},
			want: map[string]any{"text": "both"}, stderr: "1 changed alike on both"},
		{name: "a wins", flags: []string{"--conflict", "a"}, a: map[string]any{"text": "from A"}, b: map[string]any{"text": "from B"},
			want: map[string]any{"text": "from A"}},
		{name: "b wins", flags: []string{"--conflict", "b"}, a: map[string]any{"text": "from A"}, b: map[string]any{"text": "from B"},
			want: map[string]any{"text": "from B"}},
		{name: "newer time", flags: []string{"--conflict", "newer", "--updated-field", "updatedAt"},
			a: map[string]any{"text": "from A", "updatedAt": "2026-03-01T10:00:00+01:00"}, b: map[string]any{"text": "from B", "updatedAt": "2026-03-01T09:30:00Z"},
			want: map[string]any{"text": "from B", "updatedAt": "2026-03-01T09:30:00Z"}},
		{name: "newer version", flags: []string{"--conflict", "newer", "--updated-field", "/meta/version"},
			a: map[string]any{"text": "from A", "meta": map[string]any{"version": 5}}, b: map[string]any{"text": "from B", "meta": map[string]any{"version": 12}},
			want: map[string]any{"text": "from B", "meta": map[string]any{"version": float64(12)}}},
		{name: "newer tie", flags: []string{"--conflict", "newer", "--updated-field", "updatedAt"},
			a: map[string]any{"text": "from A", "updatedAt": "2026-03-01T10:00:00Z"}, b: map[string]any{"text": "from B", "updatedAt": "2026-03-01T10:00:00Z"},
			code: 3, stderr: "updatedAt is 2026-03-01T10:00:00Z on both sides"},
		{name: "delete against change, a wins", flags: []string{"--conflict", "a"}, a: nil, b: map[string]any{"text": "from B"}, want: nil},
		{name: "delete against change, fail", a: nil, b: map[string]any{"text": "from B"}, code: 3, stderr: "deleted on A, changed on B"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			start := map[string]map[string]any{"n": {"text": "start"}, "other": {"text": "untouched"}}
			a, b := notes(t, start), notes(t, start)
			journal := filepath.Join(t.TempDir(), "journal.json")
			mustBisync(t, journal, "--resync", "-s", a, b)
			for dir, doc := range map[string]map[string]any{a: tc.a, b: tc.b} {
				if doc == nil {
					os.Remove(filepath.Join(dir, "note", "n.json"))
				} else {
					writeNote(t, dir, "n", doc)
				}
			}
			args := append(append([]string{"-s"}, tc.flags...), a, b)
			r := bisyncCLI(t, journal, args...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.stderr) {
				t.Fatalf("exit %d, want %d, and stderr with %q:\n%s", r.code, tc.code, tc.stderr, r.stderr)
			}
			if tc.code == 3 {
				// Left as they were, and still a conflict next time.
				if got := readNote(t, a, "n"); !noteHas(got, tc.a) {
					t.Errorf("A's note changed: %v", got)
				}
				if got := readNote(t, b, "n"); !noteHas(got, tc.b) {
					t.Errorf("B's note changed: %v", got)
				}
				if r := bisyncCLI(t, journal, args...); r.code != 3 {
					t.Errorf("second run: exit %d, want 3 again\n%s", r.code, r.stderr)
				}
				return
			}
			for _, dir := range []string{a, b} {
				if got := readNote(t, dir, "n"); !noteHas(got, tc.want) || (tc.want == nil) != (got == nil) {
					t.Errorf("%s holds %v, want %v", dir, got, tc.want)
				}
			}
			if r := mustBisync(t, journal, args...); !strings.Contains(r.stderr, "0 created, 0 updated, 0 deleted; B") {
				t.Errorf("a run after the resolution changed something: %s", r.stderr)
			}
		})
	}
}

// noteHas says doc holds every field of want (nil matches a missing note).
func noteHas(doc, want map[string]any) bool {
	if want == nil {
		return doc == nil
	}
	for k, v := range want {
		if !cmp.Equal(doc[k], v) {
			return false
		}
	}
	return true
}

// hookedServe is `serve` behind a handler that may act before (or
// instead of) the server.
func hookedServe(t *testing.T, dir string, hook func(w http.ResponseWriter, r *http.Request, next http.Handler) bool) *served {
	t.Helper()
	s := serveDir(t, dir)
	inner := s.Server.Handler()
	ts := httptest.NewServer(s.log.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !hook(w, r, inner) {
			inner.ServeHTTP(w, r)
		}
	})))
	t.Cleanup(ts.Close)
	s.url = ts.URL
	return s
}

// writeBehind changes the resource at path on the server directly, as a
// third writer would.
func writeBehind(t *testing.T, h http.Handler, path string, change func(map[string]any)) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	doc := map[string]any{}
	if rec.Code == http.StatusOK {
		if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
			t.Error(err)
			return
		}
	}
	change(doc)
	body, _ := json.Marshal(doc)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPut, path, bytes.NewReader(body)))
	if rec.Code >= 300 {
		t.Errorf("third writer: PUT %s: %d %s", path, rec.Code, rec.Body)
	}
}

// A third writer changes B between bisync's read and its write: the
// conditional PUT gets 412, the resource is read again and planned again,
// and the third writer's change is never overwritten blindly.
func TestBisyncThirdWriter(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		policy string
		code   int
		want   string // o1's status on B at the end
	}{
		{"fail", 3, "held by a third writer"},
		{"a", 0, "lost"},
	} {
		t.Run(tc.policy, func(t *testing.T) {
			t.Parallel()
			dir := copyExamples(t)
			var once sync.Once
			b := hookedServe(t, t.TempDir(), func(w http.ResponseWriter, r *http.Request, next http.Handler) bool {
				if r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/order/o1") && r.Header.Get("If-Match") != "" {
					once.Do(func() {
						writeBehind(t, next, r.URL.Path, func(d map[string]any) { d["status"] = "held by a third writer" })
					})
				}
				return false
			})
			B := b.url + "/api/"
			journal := filepath.Join(t.TempDir(), "journal.json")
			mustBisync(t, journal, "--resync", "-a", dir, B)
			o1 := filepath.Join(dir, "order", "o1.yaml")
			data, _ := os.ReadFile(o1)
			os.WriteFile(o1, bytes.Replace(data, []byte("status: shipped"), []byte("status: lost"), 1), 0o644)

			r := bisyncCLI(t, journal, "-a", "--conflict", tc.policy, dir, B)
			if r.code != tc.code || !strings.Contains(r.stderr, "(1 changed during the run, read again)") {
				t.Fatalf("exit %d (want %d), stderr:\n%s", r.code, tc.code, r.stderr)
			}
			if got := getJSON(t, b.url+"/api/v1/order/o1", http.StatusOK).(map[string]any)["status"]; got != tc.want {
				t.Errorf("o1 on B: status %v, want %q", got, tc.want)
			}
			if tc.code == 3 && !strings.Contains(r.stderr, "conflict: order/o1: changed on A, changed on B") {
				t.Errorf("the conflict is not listed:\n%s", r.stderr)
			}
		})
	}
}

// A third writer creates on B the resource bisync is about to create
// there: If-None-Match: * makes the create fail, and the two new
// versions are a conflict.
func TestBisyncThirdWriterCreates(t *testing.T) {
	t.Parallel()
	dir := copyExamples(t)
	var once sync.Once
	b := hookedServe(t, t.TempDir(), func(w http.ResponseWriter, r *http.Request, next http.Handler) bool {
		if r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/customer/c9") {
			once.Do(func() {
				writeBehind(t, next, r.URL.Path, func(d map[string]any) { d["id"], d["name"] = "c9", "theirs" })
			})
		}
		return false
	})
	B := b.url + "/api/"
	journal := filepath.Join(t.TempDir(), "journal.json")
	mustBisync(t, journal, "--resync", "-a", dir, B)
	os.WriteFile(filepath.Join(dir, "customer", "c9.yaml"), []byte("id: c9\nname: ours\n_links:\n  self:\n    href: http://localhost/api/v1/customer/c9\n"), 0o644)
	r := bisyncCLI(t, journal, "-a", dir, B)
	if r.code != 3 || !strings.Contains(r.stderr, "conflict: customer/c9: new on A, new on B") {
		t.Fatalf("exit %d, want 3 and the conflict:\n%s", r.code, r.stderr)
	}
	if got := getJSON(t, b.url+"/api/v1/customer/c9", http.StatusOK).(map[string]any)["name"]; got != "theirs" {
		t.Errorf("c9 on B is %v: the third writer's create was overwritten", got)
	}
}

// Guardrails: no journal without --resync; a side emptied behind bisync's
// back causes no deletes; --max-delete refuses the run; a second bisync
// of the pair waits for none.
func TestBisyncGuardrails(t *testing.T) {
	t.Parallel()
	a, b := copyExamples(t), t.TempDir()
	journal := filepath.Join(t.TempDir(), "journal.json")
	if r := bisyncCLI(t, journal, a, b); r.code != 2 || !strings.Contains(r.stderr, "the first run needs --resync") {
		t.Fatalf("first run without --resync: exit %d\n%s", r.code, r.stderr)
	}
	mustBisync(t, journal, "--resync", a, b)

	// B loses everything: A is left alone.
	hidden := filepath.Join(t.TempDir(), "b-away")
	if err := os.Rename(b, hidden); err != nil {
		t.Fatal(err)
	}
	os.Mkdir(b, 0o755)
	r := mustBisync(t, journal, a, b)
	if !strings.Contains(r.stderr, "holds nothing, while the journal says it held 12 resources") || !strings.Contains(r.stderr, "A ("+a+"): 0 created, 0 updated, 0 deleted") {
		t.Errorf("an emptied side: %s", r.stderr)
	}
	if n := len(loadTree(t, a)); n != 12 {
		t.Errorf("A holds %d resources after B was emptied, want 12", n)
	}
	os.RemoveAll(b)
	os.Rename(hidden, b)

	// More deletes than --max-delete allows: nothing is done.
	for _, f := range []string{"order/o1", "order/o2", "order/o3", "orderline/l1", "orderline/l2", "orderline/l3", "orderline/l4"} {
		os.Remove(filepath.Join(b, f+".yaml"))
	}
	r = bisyncCLI(t, journal, a, b)
	if r.code != 1 || !strings.Contains(r.stderr, "deletes refused") || !strings.Contains(r.stderr, "--max-delete 50%") {
		t.Errorf("7 of 12 deletes: exit %d\n%s", r.code, r.stderr)
	}
	if n := len(loadTree(t, a)); n != 12 {
		t.Errorf("a refused run deleted from A: %d left", n)
	}
	r = mustBisync(t, journal, "--max-delete", "7", a, b)
	if !strings.Contains(r.stderr, "0 created, 0 updated, 7 deleted") {
		t.Errorf("with --max-delete 7: %s", r.stderr)
	}

	// bisync B A shares the journal of bisync A B.
	if r := mustBisync(t, journal, b, a); !strings.Contains(r.stderr, "; 5 alike") {
		t.Errorf("the pair the other way round: %s", r.stderr)
	}

	// The journal is locked while a bisync of the pair runs.
	mustBisync(t, journal, "--dry-run", a, b)
	lock := flockFile(t, journal+".lock")
	defer lock()
	if r := bisyncCLI(t, journal, a, b); r.code != 1 || !strings.Contains(r.stderr, "another bisync of these locations is running") {
		t.Errorf("with the journal locked: exit %d\n%s", r.code, r.stderr)
	}
}

// --dry-run prints both plans and the conflicts, changes nothing (the
// journal included), and exits 3.
func TestBisyncDryRun(t *testing.T) {
	t.Parallel()
	start := map[string]map[string]any{"x": {"text": "1"}, "y": {"text": "1"}}
	a, b := notes(t, start), notes(t, start)
	journal := filepath.Join(t.TempDir(), "journal.json")
	mustBisync(t, journal, "-s", "--resync", a, b)
	writeNote(t, a, "x", map[string]any{"text": "2"})
	writeNote(t, b, "z", map[string]any{"text": "new"})
	before, _ := os.ReadFile(journal)
	r := bisyncCLI(t, journal, "-s", "--dry-run", a, b)
	if r.code != 3 {
		t.Fatalf("exit %d, want 3\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"# A (" + a + ")\ncreate note/z (new on B)", "# B (" + b + ")\nupdate note/x (changed on A)", `-  "text": "1",`, "+++ " + b + "/note/x"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, r.out)
		}
	}
	after, _ := os.ReadFile(journal)
	if !bytes.Equal(before, after) || readNote(t, b, "x")["text"] != "1" || readNote(t, a, "z") != nil {
		t.Errorf("a dry run changed something")
	}
	r = bisyncCLI(t, journal, "-s", "--dry-run", "--output", "json", a, b)
	if !strings.Contains(r.out, `{"side":"B","action":"update","type":"note","id":"x"`) {
		t.Errorf("--output json:\n%s", r.out)
	}
}

func TestBisyncUsage(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"bisync", "a"}, {"bisync", "--conflict", "maybe", "a", "b"}, {"bisync", "--conflict", "newer", "a", "b"}} {
		if r := runCLI(t, args...); r.code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s", args, r.code, r.stderr)
		}
	}
	d := t.TempDir()
	if r := runCLI(t, "bisync", "--resync", "--journal", filepath.Join(d, "j"), d, d); r.code != 2 || !strings.Contains(r.stderr, "same") {
		t.Errorf("A = B: exit %d\n%s", r.code, r.stderr)
	}
}

// flockFile holds the lock a bisync takes on its journal until the
// returned function is called.
func flockFile(t *testing.T, path string) func() {
	t.Helper()
	l := flock.New(path)
	ok, err := l.TryLock()
	if err != nil || !ok {
		t.Fatalf("locking %s: %v %v", path, ok, err)
	}
	return func() { l.Unlock() }
}

// Ignored fields apply as in diff: a difference there is no change, and
// a side written to keeps its own value of them.
func TestBisyncIgnore(t *testing.T) {
	t.Parallel()
	a := notes(t, map[string]map[string]any{"x": {"text": "1", "version": 1}})
	b := notes(t, map[string]map[string]any{"x": {"text": "1", "version": 40}})
	journal := filepath.Join(t.TempDir(), "journal.json")
	r := mustBisync(t, journal, "-s", "--ignore", "/version", "--resync", a, b)
	if !strings.Contains(r.stderr, "1 changed alike on both") {
		t.Errorf("resync with the versions ignored: %s", r.stderr)
	}
	writeNote(t, a, "x", map[string]any{"text": "2", "version": 2})
	mustBisync(t, journal, "-s", "--ignore", "/version", a, b)
	if got := readNote(t, b, "x"); got["text"] != "2" || got["version"] != float64(40) {
		t.Errorf("B's note: %v; want A's text and B's own version", got)
	}
	// Comparing otherwise than the journal did needs --resync.
	if r := bisyncCLI(t, journal, "-s", a, b); r.code != 2 || !strings.Contains(r.stderr, "--resync") {
		t.Errorf("without --ignore: exit %d\n%s", r.code, r.stderr)
	}
}
