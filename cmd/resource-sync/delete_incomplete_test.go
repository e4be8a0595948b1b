package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/resource-sync/resource-sync/server"
)

// A --delete push whose destination cannot list one of its collections
// (here it answers 500, as a server going down mid-sync may): the
// resources of that collection are written again and none of it is
// deleted, and the sync says so with exit 1, naming the collection,
// instead of reporting success while stale resources remain. Found by the
// fault suite (cmd/resource-sync/internal/faults) stopping the server
// during a --delete push.
func TestDeleteIntoUnreadableDestinationIsNotASuccess(t *testing.T) {
	t.Parallel()
	served := copyExamples(t)
	stale := filepath.Join(served, "orderline", "l9.yaml")
	if err := os.WriteFile(stale, []byte("id: l9\n_links:\n  self:\n    href: http://localhost/api/v1/orderline/l9\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Options{Dir: served, Formats: formats(), WriteExt: ".yaml"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/api/v1/orderline") && !strings.Contains(r.URL.Path, "/orderline/") {
			http.Error(w, "the database is down", http.StatusInternalServerError)
			return
		}
		srv.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(api.Close)

	r := runCLI(t, "--delete", examplesDir, api.URL+"/api/")
	if r.code != 1 {
		t.Errorf("exit %d, want 1", r.code)
	}
	for _, want := range []string{
		"12 read: 5 created, 0 updated, 7 unchanged, 0 deleted", // the 5 order lines, written again
		"Error: --delete: the destination could not be read completely, so resources only it holds may remain (0 deleted)",
		"/api/v1/orderline: GET: 500 Internal Server Error: the database is down",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if _, err := os.Stat(stale); err != nil {
		t.Errorf("the stale resource is gone although the destination could not be listed: %v", err)
	}
}
