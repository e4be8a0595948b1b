package snapshot_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/resource-sync/resource-sync/plugins/snapshot"
	"github.com/resource-sync/resource-sync/plugins/snapshot/store"
	"github.com/resource-sync/resource-sync/sdk"
	"github.com/resource-sync/resource-sync/sdk/sdktest"
	"github.com/resource-sync/resource-sync/server/snapshots"
)

func TestMain(m *testing.M) { sdktest.Main(m, snapshot.Plugin()) }

func TestConformance(t *testing.T) {
	sdktest.RunEndpoint(t, sdktest.EndpointOpt{
		Plugin:   snapshot.Plugin(),
		Name:     "snapshot",
		Location: func(t *testing.T) string { return "snapshot:" + filepath.Join(t.TempDir(), "backups") },
		// Content already stored is reported unchanged.
		ExpectUnchanged: true,
		// Every snapshot holds exactly what was written to it; there is
		// nothing stale to remove.
		SkipReplace: true,
	})
}

func TestParseLocation(t *testing.T) {
	for in, want := range map[string]snapshot.Location{
		"snapshot:./backups":                          {Store: "./backups"},
		"snapshot:./backups@nightly":                  {Store: "./backups", Select: "nightly"},
		"SNAPSHOT:/var/b@2026-11-30":                  {Store: "/var/b", Select: "2026-11-30"},
		"snapshot:b@2026-11-30T02:00:00+01:00":        {Store: "b", Select: "2026-11-30T02:00:00+01:00"},
		"snapshot:./a@b/":                             {Store: "./a@b/"}, // '@' before the last '/' is part of the path
		"snapshot:./a@b/c@x":                          {Store: "./a@b/c", Select: "x"},
		"snapshot:http://127.0.0.1:8090/":             {Store: "http://127.0.0.1:8090/", Remote: true},
		"snapshot:https://backup.example/api@nightly": {Store: "https://backup.example/api", Remote: true, Select: "nightly"},
	} {
		got, err := snapshot.ParseLocation(in)
		if err != nil || got != want {
			t.Errorf("ParseLocation(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for in, msg := range map[string]string{
		"snapshot:":    "no store named",
		"snapshot:b@":  "nothing after '@'",
		"snapshot:@x":  "no store named",
		"snap:./b":     "not a snapshot location",
		"./plain/path": "not a snapshot location",
	} {
		_, err := snapshot.ParseLocation(in)
		if err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("ParseLocation(%q): %v, want %q", in, err, msg)
		}
	}
}

// item is a resource as the host hands it to Write.
func item(seq int, typ, id, body string) sdk.WriteItem {
	js := fmt.Sprintf(`{"body":%q,"id":%q}`, body, id)
	return sdk.WriteItem{Seq: int64(seq), Resource: sdk.Resource{Type: typ, ID: id, URI: "http://api/" + typ + "/" + id,
		Parents: []string{"http://api/root/r"}, JSON: []byte(js)}, Content: []byte(js)}
}

// write opens location as a destination and writes items, returning the
// status reported for each.
func write(t *testing.T, location string, items []sdk.WriteItem, opts map[string]string) ([]sdk.WriteStatus, error) {
	t.Helper()
	ep, err := snapshot.Open(t.Context(), sdk.OpenRequest{Location: location, Role: sdk.RoleDestination,
		Origins: []string{"https://api.example/v1/"}, Schema: "hal", Options: opts})
	if err != nil {
		return nil, err
	}
	defer ep.Close()
	var mu sync.Mutex
	statuses := make([]sdk.WriteStatus, len(items))
	_, err = ep.(sdk.Writer).Write(t.Context(), slices.Values(items), func(r sdk.WriteResult) {
		mu.Lock()
		statuses[r.Seq] = r.Status
		mu.Unlock()
	})
	return statuses, err
}

// read opens location as an origin and returns the documents' content.
func read(t *testing.T, location string, opts map[string]string) ([]string, error) {
	t.Helper()
	ep, err := snapshot.Open(t.Context(), sdk.OpenRequest{Location: location, Options: opts})
	if err != nil {
		return nil, err
	}
	defer ep.Close()
	var out []string
	for doc, err := range ep.(sdk.Reader).Read(t.Context()) {
		if err != nil {
			return out, err
		}
		if doc.MediaType != "application/json" || doc.TypeHint == "" || doc.URI == "" {
			t.Errorf("document %s lacks its media type, type hint or uri: %+v", doc.Source, doc)
		}
		out = append(out, string(doc.Content))
	}
	return out, nil
}

func contents(items []sdk.WriteItem) []string {
	var out []string
	for _, it := range items {
		out = append(out, string(it.Resource.JSON))
	}
	slices.Sort(out)
	return out
}

func sorted(s []string) []string { slices.Sort(s); return s }

// countingServer is a snapshot server on loopback, as `serve --snapshots`
// runs it, that counts blob uploads and can fail them after a number.
type countingServer struct {
	*httptest.Server
	dir      string
	puts     atomic.Int64
	failFrom atomic.Int64 // PUTs from this one on fail with 503; 0: none fail
}

func newServer(t *testing.T) *countingServer {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "served")
	srv, err := snapshots.New(snapshots.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	c := &countingServer{dir: dir}
	h := srv.Handler()
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			n := c.puts.Add(1)
			if f := c.failFrom.Load(); f > 0 && n >= f {
				http.Error(w, "disk full", http.StatusServiceUnavailable)
				return
			}
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(c.Close)
	return c
}

func TestRemoteStoreSendsOnlyMissingBlobs(t *testing.T) {
	srv := newServer(t)
	loc := "snapshot:" + srv.URL + "/"
	day1 := []sdk.WriteItem{item(0, "order", "o1", "one"), item(1, "order", "o2", "two"), item(2, "customer", "c1", "ada")}
	statuses, err := write(t, loc, day1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(statuses, []sdk.WriteStatus{sdk.Written, sdk.Written, sdk.Written}) || srv.puts.Load() != 3 {
		t.Errorf("first snapshot: statuses %v, %d PUTs; want 3 written, 3 PUTs", statuses, srv.puts.Load())
	}
	day2 := []sdk.WriteItem{item(0, "order", "o1", "one"), item(1, "order", "o2", "changed"), item(2, "customer", "c1", "ada")}
	if statuses, err = write(t, loc, day2, nil); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(statuses, []sdk.WriteStatus{sdk.Unchanged, sdk.Written, sdk.Unchanged}) || srv.puts.Load() != 4 {
		t.Errorf("second snapshot: statuses %v, %d PUTs in all; want one written, 4 PUTs", statuses, srv.puts.Load())
	}
	got, err := read(t, loc, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(contents(day2), sorted(got)); diff != "" {
		t.Errorf("latest snapshot read back (-want +got):\n%s", diff)
	}
	// The served directory is an ordinary store: the first snapshot is
	// there, with its origin.
	s, err := store.Open(srv.dir)
	if err != nil {
		t.Fatal(err)
	}
	infos, err := s.List()
	if err != nil || len(infos) != 2 || infos[0].Origins[0] != "https://api.example/v1/" || infos[0].Count != 3 {
		t.Fatalf("served store lists %+v, %v", infos, err)
	}
	got, err = read(t, loc+"@"+infos[0].Name, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(contents(day1), sorted(got)); diff != "" {
		t.Errorf("first snapshot read back by name (-want +got):\n%s", diff)
	}
}

// An upload cut short leaves an incomplete snapshot on the server: a
// restore refuses it, unless partial, and rerunning the same named
// snapshot uploads the rest.
func TestRemoteUploadCutShortThenResumed(t *testing.T) {
	srv := newServer(t)
	loc := "snapshot:" + srv.URL + "/@nightly"
	var items []sdk.WriteItem
	for i := range 40 {
		items = append(items, item(i, "order", fmt.Sprint("o", i), fmt.Sprint("body ", i)))
	}
	srv.failFrom.Store(11)
	_, err := write(t, loc, items, map[string]string{"snapshot-concurrency": "1"})
	if err == nil || !strings.Contains(err.Error(), "snapshot nightly stays incomplete") || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("upload cut short: %v", err)
	}
	_, err = read(t, loc, nil)
	if err == nil || !strings.Contains(err.Error(), "snapshot nightly is incomplete: the content of 30 of its 40 resources is missing") ||
		!strings.Contains(err.Error(), "--partial") {
		t.Fatalf("restoring an incomplete snapshot: %v", err)
	}
	got, err := read(t, loc, map[string]string{"partial": "true"})
	if err != nil || len(got) != 10 {
		t.Fatalf("partial restore: %d resources, %v; want the 10 uploaded", len(got), err)
	}

	srv.failFrom.Store(0)
	before := srv.puts.Load()
	statuses, err := write(t, loc, items, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := srv.puts.Load() - before; n != 30 {
		t.Errorf("the rerun sent %d blobs; want the 30 missing", n)
	}
	if written := countStatus(statuses, sdk.Written); written != 30 {
		t.Errorf("the rerun reports %d written; want 30", written)
	}
	got, err = read(t, loc, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(contents(items), sorted(got)); diff != "" {
		t.Errorf("resumed snapshot read back (-want +got):\n%s", diff)
	}
	// The same name with other content is refused.
	if _, err := write(t, loc, items[:3], nil); err == nil || !strings.Contains(err.Error(), "409") {
		t.Errorf("another snapshot under a taken name: %v", err)
	}
}

func countStatus(statuses []sdk.WriteStatus, want sdk.WriteStatus) int {
	n := 0
	for _, s := range statuses {
		if s == want {
			n++
		}
	}
	return n
}

func TestLocalPartialRestore(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "b")
	items := []sdk.WriteItem{item(0, "order", "o1", "one"), item(1, "order", "o2", "two")}
	if _, err := write(t, "snapshot:"+dir+"@first", items, nil); err != nil {
		t.Fatal(err)
	}
	h := store.Hash(items[1].Resource.JSON)
	if err := os.Remove(filepath.Join(dir, "blobs", h[:2], h)); err != nil {
		t.Fatal(err)
	}
	if _, err := read(t, "snapshot:"+dir, nil); err == nil || !strings.Contains(err.Error(), "1 of its 2 resources is missing") {
		t.Errorf("restoring a damaged snapshot: %v", err)
	}
	got, err := read(t, "snapshot:"+dir+"@first", map[string]string{"partial": "true"})
	if err != nil || !slices.Equal(got, []string{string(items[0].Resource.JSON)}) {
		t.Errorf("partial restore: %q, %v", got, err)
	}
}

func TestOpenRefusals(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "b")
	if _, err := write(t, "snapshot:"+dir+"@first", []sdk.WriteItem{item(0, "order", "o1", "one")}, nil); err != nil {
		t.Fatal(err)
	}
	other := t.TempDir()
	if err := os.WriteFile(filepath.Join(other, "notes.txt"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, c := range []struct {
		location string
		role     sdk.Role
		msg      string
	}{
		{"snapshot:" + dir + "@first", sdk.RoleDestination, "a snapshot named first exists"},
		{"snapshot:" + dir + "@2026-11-30T02:00:00Z", sdk.RoleDestination, "invalid snapshot name"},
		{"snapshot:" + other, sdk.RoleDestination, "is not a snapshot store and not empty"},
		{"snapshot:" + filepath.Join(other, "no", "parent"), sdk.RoleDestination, "does not exist"},
		{"snapshot:" + other, sdk.RoleOrigin, "not a snapshot store"},
		{"snapshot:" + dir + "@nosuch", sdk.RoleOrigin, `no snapshot named "nosuch"`},
		{"snapshot:" + dir + "@2001-01-01", sdk.RoleOrigin, "no snapshot taken at or before 2001-01-01"},
		{"snapshot:http://user:secret@127.0.0.1:1/", sdk.RoleOrigin, "credentials do not belong in the URL"},
	} {
		_, err := snapshot.Open(ctx, sdk.OpenRequest{Location: c.location, Role: c.role})
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("Open(%s, role %d): %v; want %q", c.location, c.role, err, c.msg)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("the error shows the password: %v", err)
		}
	}
}
