package testserver_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/resource-sync/resource-sync/internal/testserver"
)

// put sends one PUT and returns its status, or 0 when the connection was
// cut.
func put(t *testing.T, url, body string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPut, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func serve(t *testing.T, opts testserver.Options) (*testserver.Server, string) {
	t.Helper()
	s := testserver.New(opts)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts.URL
}

func TestParentsFirst(t *testing.T) {
	s, base := serve(t, testserver.Options{})
	child := `{"_links":{"parent:customer":{"href":"http://elsewhere/c/1"},"parent:tag":[{"href":"/t/1"}]},"id":"1"}`
	steps := []struct {
		path, body string
		want       int
	}{
		{"/o/1", child, http.StatusConflict},
		{"/c/1", `{"id":"1"}`, http.StatusCreated},
		{"/o/1", child, http.StatusConflict}, // /t/1 still missing
		{"/t/1", `{"id":"1"}`, http.StatusCreated},
		{"/o/1", child, http.StatusCreated},
		{"/o/1", child, http.StatusOK},
		{"/bad", `not json`, http.StatusBadRequest},
	}
	for _, st := range steps {
		if got := put(t, base+st.path, st.body); got != st.want {
			t.Errorf("PUT %s: %d, want %d", st.path, got, st.want)
		}
	}
	want := []string{"/o/1 before /c/1, /t/1", "/o/1 before /t/1"}
	got := s.Conflicts()
	for i := range got {
		// Link relations come out of a map: sort the missing parents.
		head, tail, _ := strings.Cut(got[i], " before ")
		missing := strings.Split(tail, ", ")
		slices.Sort(missing)
		got[i] = head + " before " + strings.Join(missing, ", ")
	}
	if !slices.Equal(got, want) {
		t.Errorf("Conflicts = %q, want %q", got, want)
	}
	if n := s.Stores("/o/1"); n != 2 {
		t.Errorf("Stores(/o/1) = %d, want 2", n)
	}
	if !s.StoredBefore("/c/1", "/o/1") || s.StoredBefore("/o/1", "/c/1") {
		t.Error("StoredBefore does not follow the store order")
	}
}

// TestFaultsAreDeterministic: two servers with one seed inject the same
// faults on a path; every kind shows up; MaxFaults bounds them; a cut
// after storing stores.
func TestFaultsAreDeterministic(t *testing.T) {
	opts := testserver.Options{Seed: 7, FaultRate: 0.5, MaxFaults: 3}
	a, baseA := serve(t, opts)
	b, baseB := serve(t, opts)
	kinds := map[testserver.Fault]bool{}
	for i := range 400 {
		p := "/r/" + strconv.Itoa(i)
		for range 5 {
			statusA, statusB := put(t, baseA+p, `{}`), put(t, baseB+p, `{}`)
			if statusA != statusB {
				t.Fatalf("PUT %s: %d on one server, %d on the other", p, statusA, statusB)
			}
		}
		fa, fb := a.Faults(p), b.Faults(p)
		if !slices.Equal(fa, fb) {
			t.Fatalf("faults on %s: %v and %v", p, fa, fb)
		}
		if len(fa) > 3 {
			t.Errorf("%d faults on %s, want at most MaxFaults", len(fa), p)
		}
		if a.Stores(p) == 0 {
			t.Errorf("%s not stored after 5 attempts and faults %v", p, fa)
		}
		for _, f := range fa {
			kinds[f] = true
		}
	}
	for f := testserver.Unavailable; f <= testserver.CutAfter; f++ {
		if !kinds[f] {
			t.Errorf("fault %v never injected", f)
		}
	}
}

func TestReject(t *testing.T) {
	s, base := serve(t, testserver.Options{Reject: func(p string) bool { return p == "/no" }})
	if got := put(t, base+"/no", `{}`); got != http.StatusBadRequest {
		t.Errorf("PUT /no: %d, want 400", got)
	}
	if got := put(t, base+"/yes", `{}`); got != http.StatusCreated {
		t.Errorf("PUT /yes: %d, want 201", got)
	}
	if n := s.Attempts("/no"); n != 1 {
		t.Errorf("Attempts(/no) = %d, want 1", n)
	}
	if _, ok := s.Resources()["/no"]; ok {
		t.Error("a rejected resource was stored")
	}
}
