package http

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/resource-sync/resource-sync/sdk"
)

// TestWriteRedirects: a write answered with a redirect to another origin,
// or with one that would turn it into a GET, fails with an error naming
// both uris, and nothing reaches the other server; a 307 or 308 within
// the origin is followed with the body.
func TestWriteRedirects(t *testing.T) {
	other, otherRec := newServer(t, func(w http.ResponseWriter, r *http.Request, _ recorded) {
		w.Header().Set("Allow", "GET, PUT, PATCH")
		w.WriteHeader(http.StatusOK)
	})
	home, homeRec := newServer(t, func(w http.ResponseWriter, r *http.Request, _ recorded) {
		switch {
		case r.Method == http.MethodOptions:
			w.Header().Set("Allow", "GET, PUT, PATCH")
		case strings.HasPrefix(r.URL.Path, "/away"):
			http.Redirect(w, r, other.URL+"/stolen"+r.URL.Path, http.StatusTemporaryRedirect)
		case r.URL.Path == "/found/x/1":
			http.Redirect(w, r, "/x/1", http.StatusFound)
		case r.URL.Path == "/moved/x/1":
			http.Redirect(w, r, "/x/1", http.StatusPermanentRedirect)
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	})
	e := openTest(t, home.URL+"/", "token", "tok-secret")
	res := writeAll(t, e.Endpoint,
		jsonItem(1, "x", "1", home.URL+"/away/x/1", `{"id":"1","card":"4111"}`),
		jsonItem(2, "x", "1", home.URL+"/found/x/1", `{"id":"1"}`),
		jsonItem(3, "x", "1", home.URL+"/moved/x/1", `{"id":"1","v":3}`))
	if r := res[1]; r.Status != sdk.Failed {
		t.Errorf("PUT redirected to another host: %+v, want failed", r)
	} else {
		mustContain(t, "error", r.Err.Error(), home.URL+"/away/x/1", other.URL+"/stolen/away/x/1", "307", "another origin")
	}
	if r := res[2]; r.Status != sdk.Failed {
		t.Errorf("PUT answered 302: %+v, want failed", r)
	} else {
		mustContain(t, "error", r.Err.Error(), home.URL+"/found/x/1", "/x/1", "302 Found", "into a GET")
	}
	if r := res[3]; r.Status != sdk.Written {
		t.Errorf("PUT answered 308 on its own origin: %+v, want written", r)
	}
	if n := homeRec.count(http.MethodGet, "/x/1"); n != 0 {
		t.Errorf("a redirected PUT became %d GETs", n)
	}
	for _, r := range homeRec.all() {
		if r.Path == "/x/1" && (r.Method != http.MethodPut || r.Body != `{"id":"1","v":3}`) {
			t.Errorf("the 308 landed as %+v", r)
		}
	}
	if n := homeRec.count(http.MethodPut, "/x/1"); n != 1 {
		t.Errorf("the 308 landed %d times", n)
	}
	mustContain(t, "log", e.logs.String(), "PUT "+home.URL+"/x/1: status=204 redirected_from="+home.URL+"/moved/x/1")

	// DELETE and a PATCH batch are writes too.
	err := e.Delete(context.Background(), []sdk.Resource{{URI: home.URL + "/away/x/9"}})
	if err == nil {
		t.Error("DELETE redirected to another host succeeded")
	} else {
		mustContain(t, "error", err.Error(), "DELETE", other.URL+"/stolen/away/x/9", "another origin")
	}
	e = openTest(t, home.URL+"/", "batch-size", "2")
	// Batches form from the items already pulled, never by waiting for
	// more: on a busy machine the two may go as PUTs, so the write is
	// repeated until they went as one PATCH.
	batched := func(res map[int64]sdk.WriteResult) bool {
		for _, r := range res {
			if !strings.Contains(fmt.Sprint(r.Err), "PATCH (batch of 2)") {
				return false
			}
		}
		return true
	}
	for range 5 {
		res = writeAll(t, e.Endpoint, jsonItem(1, "x", "1", home.URL+"/away/x/1", `{"id":"1"}`), jsonItem(2, "x", "2", home.URL+"/away/x/2", `{"id":"2"}`))
		if batched(res) {
			break
		}
	}
	for seq, r := range res {
		if r.Status != sdk.Failed || !strings.Contains(fmt.Sprint(r.Err), "PATCH (batch of 2)") || !strings.Contains(fmt.Sprint(r.Err), "another origin") {
			t.Errorf("batch item %d: %+v, want failed, redirected to another origin", seq, r)
		}
	}
	if n := len(otherRec.all()); n != 0 {
		t.Errorf("the other server got %d requests: %+v", n, otherRec.all())
	}
}

// TestGetRedirectLogsWhereTheAnswerCameFrom: -v names the final uri and
// its real status, and the one redirected from.
func TestGetRedirectLogsWhereTheAnswerCameFrom(t *testing.T) {
	home, _, _, _ := redirectServers(t)
	e := openTest(t, home+"/go")
	if docs, errs := collect(t, e.Read(context.Background())); len(errs) != 0 || len(docs) != 1 {
		t.Fatalf("docs %q errs %v", contents(docs), errs)
	}
	mustContain(t, "log", e.logs.String(), "GET "+home+"/here: status=200 redirected_from="+home+"/go")
}
