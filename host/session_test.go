package host_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/resource-sync/resource-sync/host"
	jsonfmt "github.com/resource-sync/resource-sync/plugins/json"
	"github.com/resource-sync/resource-sync/sdk"
	"github.com/resource-sync/resource-sync/server"
)

// statusCounter serves srv and counts its answers by status; failNext
// makes the next GET of a path fail with 500.
type statusCounter struct {
	srv      http.Handler
	mu       sync.Mutex
	statuses map[int]int
	failNext string
}

func (c *statusCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	fail := c.failNext != "" && r.Method == http.MethodGet && r.URL.RawQuery == c.failNext
	if fail {
		c.failNext = ""
	}
	c.mu.Unlock()
	if fail {
		http.Error(w, "broken for a moment", http.StatusInternalServerError)
		return
	}
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	c.srv.ServeHTTP(rec, r)
	if r.Method == http.MethodGet {
		c.mu.Lock()
		c.statuses[rec.status]++
		c.mu.Unlock()
	}
}

// take returns the counts so far and starts counting again.
func (c *statusCounter) take() map[int]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	got := c.statuses
	c.statuses = map[int]int{}
	return got
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// serveWidgets starts `resource-sync serve`'s server on a tree of n
// widgets, counting its answers.
func serveWidgets(t testing.TB, n int) (string, *statusCounter) {
	t.Helper()
	dir := t.TempDir()
	for i := range n {
		writeFile(t, filepath.Join(dir, "widget", fmt.Sprintf("w%02d.json", i)), fmt.Sprintf(`{"id":"w%02d","n":%d}`, i, i))
	}
	srv, err := server.New(server.Options{Dir: dir, Formats: map[string]sdk.Formatter{".json": jsonfmt.Formatter{}}, WriteExt: ".json"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	counter := &statusCounter{srv: srv.Handler(), statuses: map[int]int{}}
	ts := httptest.NewServer(counter)
	t.Cleanup(ts.Close)
	return ts.URL, counter
}

func httpDo(t *testing.T, method, url, body string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		t.Fatalf("%s %s: %s", method, url, resp.Status)
	}
}

// olderByN says an origin copy is older when its "n" is lower.
func olderByN(_, _, _ string, origin, dest []byte) (string, bool, error) {
	var o, d struct{ N int }
	json.Unmarshal(origin, &o)
	json.Unmarshal(dest, &d)
	if o.N < d.N {
		return fmt.Sprintf("the destination's n %d is newer than %d", d.N, o.N), true, nil
	}
	return "", false, nil
}

// TestSessionPasses: a session over a serve origin of 30 widgets in 3
// pages. The first pass writes everything; a pass over an unchanged
// origin costs three 304s and is idle; a changed page is the only one
// read again, and only its changed resource is written; a delete
// propagates; an origin copy older than the destination's is left; a pass
// failing mid-read makes the next one read the origin whole.
func TestSessionPasses(t *testing.T) {
	base, counter := serveWidgets(t, 30)
	dst := filepath.Join(t.TempDir(), "out")
	origin := host.Location{Name: "api", Spec: base + "/api/widget", Options: map[string]string{"limit": "10", "max-attempts": "1"}}
	h := newHost(t, "")
	s, err := h.OpenSession(context.Background(), host.SyncOptions{Origins: []host.Location{origin}, Destination: host.At(dst),
		Format: "json", Schema: "hal", Delete: true, MaxDelete: mustLimit(t, "5"), Older: olderByN})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := s.Conditional(); !slices.Equal(got, []string{"api"}) {
		t.Errorf("conditional origins %q", got)
	}

	// pass runs one pass and returns its outcomes as "outcome type/id", or
	// nil when it was idle.
	pass := func(wantErr string) []string {
		t.Helper()
		var outcomes []string
		p, err := s.Prepare(context.Background(), func(e host.Event) {
			if e.Outcome != host.OutcomePlanned && e.Outcome != host.OutcomeUnchanged || e.Reason != "" && e.Outcome == host.OutcomeUnchanged {
				outcomes = append(outcomes, fmt.Sprintf("%s %s/%s %s", e.Outcome, e.Type, e.ID, e.Reason))
			}
		})
		if wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), wantErr) {
				t.Fatalf("pass: err %v, want %q", err, wantErr)
			}
			return nil
		}
		if err != nil {
			t.Fatal(err)
		}
		if p == nil {
			return nil
		}
		defer p.Close()
		if _, err := p.Apply(context.Background()); err != nil {
			t.Fatal(err)
		}
		slices.Sort(outcomes)
		return outcomes
	}

	if got := pass(""); len(got) != 30 || got[0] != "written widget/w00 " {
		t.Fatalf("first pass: %q", got)
	}
	if got := counter.take(); got[200] != 3 || got[304] != 0 {
		t.Errorf("first pass answers %v, want three 200s", got)
	}
	before, _ := os.Stat(filepath.Join(dst, "widget", "w01.json"))

	if got := pass(""); got != nil {
		t.Errorf("pass over an unchanged origin: %q, want idle", got)
	}
	if got := counter.take(); got[200] != 0 || got[304] != 3 {
		t.Errorf("idle pass answers %v, want three 304s", got)
	}

	httpDo(t, "PUT", base+"/api/widget/w15", `{"id":"w15","n":150}`)
	if got := pass(""); !slices.Equal(got, []string{"written widget/w15 differs at /n"}) {
		t.Errorf("after one change: %q", got)
	}
	if got := counter.take(); got[200] != 1 || got[304] != 2 {
		t.Errorf("answers after one change %v, want one 200 and two 304s", got)
	}
	if data, _ := os.ReadFile(filepath.Join(dst, "widget", "w15.json")); !strings.Contains(string(data), "150") {
		t.Errorf("w15 not updated:\n%s", data)
	}
	if after, _ := os.Stat(filepath.Join(dst, "widget", "w01.json")); !after.ModTime().Equal(before.ModTime()) {
		t.Error("an unchanged resource was rewritten")
	}

	httpDo(t, "PUT", base+"/api/widget/w16", `{"id":"w16","n":1}`)
	if got := pass(""); !slices.Equal(got, []string{"unchanged widget/w16 the destination's n 16 is newer than 1"}) {
		t.Errorf("an older origin copy: %q", got)
	}

	httpDo(t, "DELETE", base+"/api/widget/w29", "")
	if got := pass(""); !slices.Equal(got, []string{"deleted widget/w29 in no origin", "unchanged widget/w16 the destination's n 16 is newer than 1"}) {
		t.Errorf("after a delete: %q", got)
	}
	if _, err := os.Stat(filepath.Join(dst, "widget", "w29.json")); !os.IsNotExist(err) {
		t.Errorf("w29 still in the destination: %v", err)
	}
	counter.take()

	// Page 2 fails once: that pass fails, the next reads everything again.
	httpDo(t, "PUT", base+"/api/widget/w02", `{"id":"w02","n":20}`)
	counter.failNext = "limit=10&offset=10"
	pass("500 Internal Server Error")
	counter.take()
	if got := pass(""); !slices.Equal(got, []string{"unchanged widget/w16 the destination's n 16 is newer than 1", "written widget/w02 differs at /n"}) {
		t.Errorf("after a failed pass: %q", got)
	}
	if got := counter.take(); got[200] != 3 || got[304] != 0 {
		t.Errorf("answers after a failed pass %v, want three 200s", got)
	}

	// Deleting more than --max-delete allows is refused, and nothing
	// changes.
	for i := range 6 {
		httpDo(t, "DELETE", fmt.Sprintf("%s/api/widget/w%02d", base, 20+i), "")
	}
	pass("deletes refused")
	if _, err := os.Stat(filepath.Join(dst, "widget", "w20.json")); err != nil {
		t.Errorf("a refused delete happened: %v", err)
	}
}

func mustLimit(t *testing.T, s string) host.DeleteLimit {
	l, err := host.ParseDeleteLimit(s)
	if err != nil {
		t.Fatal(err)
	}
	return l
}
