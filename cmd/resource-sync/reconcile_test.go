package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cli"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/iostreams"
	"github.com/resource-sync/resource-sync/internal/testserver"
)

// strictOrigin writes a tree of plain JSON resources (--simple): teams,
// and members whose parent is a team.
func strictOrigin(t *testing.T, teams []string, members map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	put := func(typ, id string, doc map[string]any) {
		doc["id"] = id
		doc["uri"] = "http://origin/api/" + typ + "/" + id
		b, _ := json.Marshal(doc)
		if err := os.MkdirAll(filepath.Join(dir, typ), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, typ, id+".json"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range teams {
		put("team", id, map[string]any{"name": "Team " + id})
	}
	for id, team := range members {
		put("member", id, map[string]any{"parents": []string{"http://origin/api/team/" + team}})
	}
	return dir
}

// TestReconcileStrictServer: a server that stamps version and updatedAt on
// every write and refuses to delete a parent that still has children.
// Ignored fields make a re-push send nothing; deletes go children first,
// so the server ends up in sync.
func TestReconcileStrictServer(t *testing.T) {
	t.Parallel()
	srv := testserver.NewStrict()
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	dest := ts.URL + "/"
	ignore := []string{"--ignore", "/version", "--ignore", "/updatedAt"}

	full := strictOrigin(t, []string{"t1", "t2"}, map[string]string{"m1": "t1", "m2": "t2"})
	r := mustRun(t, "-s", full, dest)
	if !strings.Contains(r.stderr, "4 read: 4 created, 0 updated, 0 unchanged, 0 deleted") || srv.Writes() != 4 {
		t.Fatalf("first push: %d writes, stderr %q", srv.Writes(), r.stderr)
	}

	// Without --ignore, the stamps are differences: diff says where, exit 3.
	r = runCLI(t, "diff", "-s", full, dest)
	if r.code != 3 || !strings.Contains(r.out, "update member/m1 (differs at /updatedAt)") {
		t.Errorf("diff without --ignore: exit %d, stdout %q; want 3 and the stamped field", r.code, r.out)
	}
	// With it, nothing to do, and a re-push sends no write at all.
	if r = runCLI(t, append([]string{"diff", "-s"}, append(ignore, full, dest)...)...); r.code != 0 {
		t.Errorf("diff with --ignore: exit %d\n%s%s", r.code, r.out, r.stderr)
	}
	r = mustRun(t, append([]string{"-s"}, append(ignore, full, dest)...)...)
	if !strings.Contains(r.stderr, "4 read: 0 created, 0 updated, 4 unchanged, 0 deleted") || srv.Writes() != 4 {
		t.Errorf("re-push: %d writes in all (want 4, from the first push), stderr %q", srv.Writes(), r.stderr)
	}

	// t2 and its member go: the member first, or the server refuses.
	smaller := strictOrigin(t, []string{"t1"}, map[string]string{"m1": "t1"})
	r = mustRun(t, append([]string{"-s", "--delete"}, append(ignore, smaller, dest)...)...)
	if !strings.Contains(r.stderr, "2 read: 0 created, 0 updated, 2 unchanged, 2 deleted") {
		t.Errorf("delete: stderr %q", r.stderr)
	}
	if diff := cmp.Diff([]string{"/api/member/m2", "/api/team/t2"}, srv.Deletes()); diff != "" {
		t.Errorf("deletes (-want +got):\n%s", diff)
	}
	if refused := srv.Refused(); len(refused) > 0 {
		t.Errorf("the server refused %v: a parent went before its child", refused)
	}
	if diff := cmp.Diff([]string{"/api/member/m1", "/api/team/t1"}, srv.Paths()); diff != "" {
		t.Errorf("the server holds (-want +got):\n%s", diff)
	}
}

// TestReconcileDeleteGuardrails: nothing is deleted (or written) when an
// origin yields nothing, or when more would go than --max-delete allows.
func TestReconcileDeleteGuardrails(t *testing.T) {
	t.Parallel()
	srv := testserver.NewStrict()
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	dest := ts.URL + "/"
	full := strictOrigin(t, []string{"t1", "t2", "t3", "t4"}, nil)
	mustRun(t, "-s", full, dest)

	empty := t.TempDir()
	os.Mkdir(filepath.Join(empty, "team"), 0o755)
	r := runCLI(t, "-s", "--delete", "--max-delete", "100%", empty, dest)
	if r.code != 1 || !strings.Contains(r.stderr, "yielded no resources") {
		t.Errorf("empty origin: exit %d, stderr %q; want 1 and the refusal", r.code, r.stderr)
	}

	// Three of four would go: over the default 50%. A changed resource is
	// not written either: the refused sync does nothing at all.
	one := strictOrigin(t, []string{"t1"}, nil)
	os.WriteFile(filepath.Join(one, "team", "t1.json"), []byte(`{"id":"t1","uri":"http://origin/api/team/t1","name":"renamed"}`), 0o644)
	r = runCLI(t, "-s", "--delete", "--ignore", "/version", "--ignore", "/updatedAt", one, dest)
	if r.code != 1 || !strings.Contains(r.stderr, "3 of the destination's 4 resources in scope would be deleted, more than --max-delete 50% allows") {
		t.Errorf("over --max-delete: exit %d, stderr %q", r.code, r.stderr)
	}
	r = runCLI(t, "-s", "--delete", "--max-delete", "2", one, dest)
	if r.code != 1 || !strings.Contains(r.stderr, "more than --max-delete 2 allows") {
		t.Errorf("over --max-delete 2: exit %d, stderr %q", r.code, r.stderr)
	}
	if n := srv.Writes(); n != 4 {
		t.Errorf("%d writes, want the first push's 4 only", n)
	}
	if len(srv.Deletes()) != 0 || len(srv.Paths()) != 4 {
		t.Errorf("deleted %v; the server holds %v", srv.Deletes(), srv.Paths())
	}

	// Within the limit, without a terminal, --delete goes ahead.
	r = mustRun(t, "-s", "--delete", "--max-delete", "75%", "--ignore", "/version", "--ignore", "/updatedAt", one, dest)
	if !strings.Contains(r.stderr, "1 read: 0 created, 1 updated, 0 unchanged, 3 deleted") {
		t.Errorf("within --max-delete: stderr %q", r.stderr)
	}
}

// TestReconcileServe: a re-push to `serve` of what it holds sends no PUT
// or PATCH; --delete removes what the origin lacks, through DELETE, and
// only for the synced types.
func TestReconcileServe(t *testing.T) {
	t.Parallel()
	dest := serveDir(t, t.TempDir())
	mustRun(t, examplesDir, dest.url+"/")
	before := len(dest.log.all())

	r := mustRun(t, examplesDir, dest.url+"/")
	if !strings.Contains(r.stderr, "12 read: 0 created, 0 updated, 12 unchanged, 0 deleted") {
		t.Errorf("re-push: %q", r.stderr)
	}
	for _, req := range dest.log.all()[before:] {
		if req.method != http.MethodGet {
			t.Errorf("re-push sent %s %s", req.method, req.uri)
		}
	}
	r = runCLI(t, "diff", examplesDir, dest.url+"/")
	if r.code != 0 || r.out != "" {
		t.Errorf("diff after a push: exit %d, stdout %q", r.code, r.out)
	}

	// The origin loses an order line; the server has an extra type too.
	origin := copyExamples(t)
	os.Remove(filepath.Join(origin, "orderline", "l4.yaml"))
	extra := `{"id":"w1","_links":{"self":{"href":"` + dest.url + `/api/v1/widget/w1"}}}`
	req, _ := http.NewRequest(http.MethodPut, dest.url+"/api/v1/widget/w1", strings.NewReader(extra))
	req.Header.Set("Content-Type", "application/json")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode >= 300 {
		t.Fatalf("PUT widget: %v %v", resp, err)
	}

	r = runCLI(t, "diff", "--delete", origin, dest.url+"/")
	if r.code != 3 || !strings.HasPrefix(r.out, "delete orderline/l4 (in no origin)\n") || strings.Contains(r.out, "widget") {
		t.Errorf("diff --delete: exit %d, stdout:\n%s", r.code, r.out)
	}
	before = len(dest.log.all())
	r = mustRun(t, "--delete", origin, dest.url+"/")
	if !strings.Contains(r.stderr, "11 read: 0 created, 0 updated, 11 unchanged, 1 deleted") {
		t.Errorf("--delete: %q", r.stderr)
	}
	var deletes []string
	for _, req := range dest.log.all()[before:] {
		if req.method != http.MethodGet {
			deletes = append(deletes, req.method+" "+req.uri)
		}
	}
	if diff := cmp.Diff([]string{"DELETE /api/v1/orderline/l4"}, deletes); diff != "" {
		t.Errorf("requests other than GET (-want +got):\n%s", diff)
	}
	getJSON(t, dest.url+"/api/v1/orderline/l4", http.StatusNotFound)
	getJSON(t, dest.url+"/api/v1/widget/w1", http.StatusOK)
}

// TestReconcileServeKeptOrigin: a directory origin lists its files'
// versions, and what the last push made of them is kept, so a re-push
// reads no origin file it does not write. One that the server lost is
// read and PUT again, whole; one changed at the server shows in diff.
func TestReconcileServeKeptOrigin(t *testing.T) {
	t.Parallel()
	dest := serveDir(t, t.TempDir())
	mustRun(t, examplesDir, dest.url+"/") // keeps the origin's versions

	req, _ := http.NewRequest(http.MethodDelete, dest.url+"/api/v1/order/o2", nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode >= 300 {
		t.Fatalf("DELETE o2: %v %v", resp, err)
	}
	r := mustRun(t, "-v", examplesDir, dest.url+"/")
	if !strings.Contains(r.stderr, "12 of 12 documents unchanged since the last sync, not read again") ||
		!strings.Contains(r.stderr, "12 read: 1 created, 0 updated, 11 unchanged, 0 deleted") {
		t.Errorf("re-push after the server lost o2:\n%s", r.stderr)
	}
	o2, _ := getJSON(t, dest.url+"/api/v1/order/o2", http.StatusOK).(map[string]any)
	if o2["placed_at"] != "2018-03-04T12:00:00Z" || o2["status"] != "null" || fmt.Sprint(o2["total"]) != "1000" {
		t.Errorf("o2 written again as %v", o2)
	}

	changed := `{"id":"o1","status":"lost","_links":{"self":{"href":"` + dest.url + `/api/v1/order/o1"}}}`
	req, _ = http.NewRequest(http.MethodPut, dest.url+"/api/v1/order/o1", strings.NewReader(changed))
	req.Header.Set("Content-Type", "application/json")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode >= 300 {
		t.Fatalf("PUT o1: %v %v", resp, err)
	}
	r = runCLI(t, "diff", examplesDir, dest.url+"/")
	if r.code != 3 || !strings.HasPrefix(r.out, "update order/o1 (differs at ") ||
		!strings.Contains(r.out, "\n-  \"status\": \"lost\"\n") || !strings.Contains(r.out, "\n+  \"status\": \"shipped\",\n") {
		t.Errorf("diff after o1 changed at the server: exit %d, stdout:\n%s", r.code, r.out)
	}
}

// TestDanglingParentsSummarised: a sync names the first 20 resources whose
// parent is nowhere, and counts the rest; validate names them all.
func TestDanglingParentsSummarised(t *testing.T) {
	t.Parallel()
	members := map[string]string{}
	for i := range 25 {
		members[fmt.Sprintf("m%02d", i)] = "gone"
	}
	origin := strictOrigin(t, nil, members)
	r := mustRun(t, "-s", origin, t.TempDir())
	if n := strings.Count(r.stderr, "names a parent that is in neither the origins nor the destination: http://origin/api/team/gone"); n != 20 {
		t.Errorf("a sync named %d dangling parents, want 20:\n%s", n, r.stderr)
	}
	if !strings.Contains(r.stderr, "and 5 more parents that are in neither the origins nor the destination (resource-sync validate lists them all)") {
		t.Errorf("the rest are not counted:\n%s", r.stderr)
	}
	r = mustRun(t, "validate", "-s", origin)
	if n := strings.Count(r.stderr, "names a parent that is nowhere in the input"); n != 25 {
		t.Errorf("validate named %d dangling parents, want 25:\n%s", n, r.stderr)
	}
}

// TestReconcileJSONReport: --output json gives one object per resource,
// planned (diff) or done (sync).
func TestReconcileJSONReport(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "out")
	r := mustRun(t, "--output", "json", examplesDir, out)
	lines := strings.Split(strings.TrimSpace(r.out), "\n")
	if len(lines) != 12 {
		t.Fatalf("%d lines, want 12:\n%s", len(lines), r.out)
	}
	for _, l := range lines {
		var e map[string]string
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatal(err)
		}
		if e["action"] != "create" || e["outcome"] != "written" || e["type"] == "" || e["id"] == "" ||
			!strings.HasPrefix(e["fingerprint"], "sha256:") {
			t.Errorf("line: %v", e)
		}
	}
	r = runCLI(t, "diff", "--output", "json", examplesDir, out)
	var actions []string
	for _, l := range strings.Split(strings.TrimSpace(r.out), "\n") {
		var e map[string]string
		json.Unmarshal([]byte(l), &e)
		actions = append(actions, e["action"]+"/"+e["outcome"])
	}
	actions = slices.Compact(actions)
	if r.code != 0 || fmt.Sprint(actions) != "[unchanged/planned]" {
		t.Errorf("diff --output json: exit %d, actions %v", r.code, actions)
	}
}

// TestReconcileConfirmsDeletesOnATerminal: on a terminal the deletions are
// listed and confirmed; "n" changes nothing, "y" goes ahead, --yes asks
// nothing.
func TestReconcileConfirmsDeletesOnATerminal(t *testing.T) {
	t.Parallel()
	origin := copyExamples(t)
	dest := filepath.Join(t.TempDir(), "dest")
	mustRun(t, origin, dest)
	os.Remove(filepath.Join(origin, "orderline", "l4.yaml"))
	run := func(answer string, args ...string) result {
		ios, in, out, errOut := iostreams.Test()
		ios.SetStdinTTY(true)
		in.WriteString(answer)
		code := cli.Run(t.Context(), cli.NewFactory(ios), args)
		return result{code, out.String(), errOut.String()}
	}
	r := run("n\n", "--delete", origin, dest)
	if r.code != 1 || !strings.Contains(r.stderr, "1 resource would be deleted from "+dest+":\n  orderline/l4\nDelete it? [y/N] ") ||
		!strings.Contains(r.stderr, "deletions not confirmed; nothing was changed") {
		t.Errorf("answer n: exit %d, stderr %q", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dest, "orderline", "l4.yaml")); err != nil {
		t.Errorf("l4 went although the deletion was not confirmed: %v", err)
	}
	r = run("y\n", "--delete", origin, dest)
	if r.code != 0 || !strings.Contains(r.stderr, "1 deleted") {
		t.Errorf("answer y: exit %d, stderr %q", r.code, r.stderr)
	}
	r = run("", "--delete", "--yes", origin, dest)
	if r.code != 0 || strings.Contains(r.stderr, "[y/N]") {
		t.Errorf("--yes: exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestReconcileServeKeptPages: what a sync made of the destination's
// pages is kept for the next. An unchanged page is a 304 and is not read
// again; a body the plan needs (an update shown by diff, a delete) is
// fetched on its own; a page changed at the server is read again.
func TestReconcileServeKeptPages(t *testing.T) {
	t.Parallel()
	origin := copyExamples(t)
	dest := serveDir(t, t.TempDir())
	mustRun(t, origin, dest.url+"/")
	mustRun(t, origin, dest.url+"/") // keeps the pages as the writes left them
	since := len(dest.log.all())
	r := mustRun(t, "-v", origin, dest.url+"/")
	if !strings.Contains(r.stderr, "destination: 3 of 3 pages unchanged since the last sync, not read again") ||
		!strings.Contains(r.stderr, "12 read: 0 created, 0 updated, 12 unchanged, 0 deleted") ||
		strings.Contains(r.stderr, "status=200") {
		t.Errorf("re-push of what the server holds:\n%s", r.stderr)
	}
	for _, req := range dest.log.all()[since:] {
		if req.method != http.MethodGet {
			t.Errorf("re-push sent %s %s", req.method, req.uri)
		}
	}

	// o1 changes at the origin only: its page is unchanged, so diff
	// fetches the body it shows.
	o1 := filepath.Join(origin, "order", "o1.yaml")
	content, err := os.ReadFile(o1)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(o1, bytes.Replace(content, []byte("status: shipped"), []byte("status: returned"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	since = len(dest.log.all())
	r = runCLI(t, "diff", "-v", origin, dest.url+"/")
	if r.code != 3 || !strings.Contains(r.stderr, "3 of 3 pages unchanged") ||
		!strings.Contains(r.out, "\n-  \"status\": \"shipped\",\n") || !strings.Contains(r.out, "\n+  \"status\": \"returned\",\n") {
		t.Errorf("diff after o1 changed at the origin: exit %d, stdout:\n%s\nstderr:\n%s", r.code, r.out, r.stderr)
	}
	if got := requestsTo(dest.log.all()[since:], "/api/v1/order/o1"); got != 1 {
		t.Errorf("diff GET order/o1 %d times, want once", got)
	}

	// l1 goes at the origin; the server changes o2 on its own.
	if err := os.Remove(filepath.Join(origin, "orderline", "l1.yaml")); err != nil {
		t.Fatal(err)
	}
	changed := `{"id":"o2","status":"lost","_links":{"self":{"href":"` + dest.url + `/api/v1/order/o2"}}}`
	req, _ := http.NewRequest(http.MethodPut, dest.url+"/api/v1/order/o2", strings.NewReader(changed))
	req.Header.Set("Content-Type", "application/json")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode >= 300 {
		t.Fatalf("PUT o2: %v %v", resp, err)
	}
	r = mustRun(t, "-v", "--delete", origin, dest.url+"/")
	if !strings.Contains(r.stderr, "2 of 3 pages unchanged") ||
		!strings.Contains(r.stderr, "11 read: 0 created, 2 updated, 9 unchanged, 1 deleted") {
		t.Errorf("sync --delete:\n%s", r.stderr)
	}
	getJSON(t, dest.url+"/api/v1/orderline/l1", http.StatusNotFound)
	for id, status := range map[string]string{"o1": "returned", "o2": "null"} {
		o, _ := getJSON(t, dest.url+"/api/v1/order/"+id, http.StatusOK).(map[string]any)
		if fmt.Sprint(o["status"]) != status {
			t.Errorf("order %s holds %v, want status %s", id, o, status)
		}
	}

	// What the sync wrote changed two pages; the next one is kept again.
	mustRun(t, origin, dest.url+"/")
	r = mustRun(t, "-v", origin, dest.url+"/")
	if !strings.Contains(r.stderr, "3 of 3 pages unchanged") || !strings.Contains(r.stderr, "11 unchanged") {
		t.Errorf("re-push after the writes:\n%s", r.stderr)
	}
	r = mustRun(t, "-v", "--read-all", origin, dest.url+"/")
	if strings.Contains(r.stderr, "pages unchanged") || strings.Contains(r.stderr, "status=304") {
		t.Errorf("--read-all used kept pages:\n%s", r.stderr)
	}
}

// requestsTo counts the requests for path, query aside.
func requestsTo(reqs []request, path string) int {
	n := 0
	for _, r := range reqs {
		if strings.SplitN(r.uri, "?", 2)[0] == path {
			n++
		}
	}
	return n
}
