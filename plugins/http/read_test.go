package http

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/resource-sync/resource-sync/sdk"
)

func TestReadSendsAcceptAndLimit(t *testing.T) {
	srv, rec := newServer(t, func(w http.ResponseWriter, r *http.Request, _ recorded) {
		w.Header().Set("Content-Type", "application/hal+json; charset=utf-8")
		fmt.Fprint(w, `{"id":"o1"}`)
	})
	e := openTest(t, srv.URL+"/api/order", "limit", "25")
	docs, errs := collect(t, e.Read(context.Background()))
	if len(errs) > 0 || len(docs) != 1 {
		t.Fatalf("docs %v errs %v", docs, errs)
	}
	want := sdk.Document{
		Content:   []byte(`{"id":"o1"}`),
		MediaType: "application/hal+json",
		Source:    srv.URL + "/api/order",
		URI:       srv.URL + "/api/order",
		TypeHint:  "order",
	}
	if !reflect.DeepEqual(docs[0], want) {
		t.Errorf("document %+v\nwant     %+v", docs[0], want)
	}
	h := rec.all()[0].Header
	if got := h.Get("Accept"); !strings.HasPrefix(got, "application/json, ") || !strings.Contains(got, "application/yaml;q=0.8") {
		t.Errorf("Accept = %q", got)
	}
	if got := h.Get("X-Request-Limit"); got != "25" {
		t.Errorf("X-Request-Limit = %q", got)
	}
}

func TestReadMediaTypes(t *testing.T) {
	for ct, want := range map[string]string{
		"application/json; charset=utf-8": "application/json",
		"Application/Vnd.Api+JSON":        "application/vnd.api+json",
		"text/yaml;charset=utf-8":         "text/yaml",
		"text/html; charset=utf-8":        "",
		"":                                "",
	} {
		srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request, _ recorded) {
			w.Header()["Content-Type"] = []string{ct} // set even when empty: no sniffing
			fmt.Fprint(w, `<html>hello</html>`)
		})
		e := openTest(t, srv.URL+"/x")
		docs, errs := collect(t, e.Read(context.Background()))
		if want == "" {
			if len(errs) != 1 || len(docs) != 0 {
				t.Errorf("Content-Type %q: docs %v errs %v, want one error", ct, docs, errs)
				continue
			}
			var se *sdk.Error
			if !errors.As(errs[0], &se) || se.Source != srv.URL+"/x" {
				t.Errorf("Content-Type %q: error %#v does not name the uri", ct, errs[0])
			}
			mustContain(t, "error", errs[0].Error(), "200 OK", "<html>hello</html>")
			continue
		}
		if len(errs) != 0 || len(docs) != 1 || docs[0].MediaType != want {
			t.Errorf("Content-Type %q: docs %v errs %v, want media type %q", ct, docs, errs, want)
		}
	}
}

// pagedServer serves /items?page=N for N in 1..pages, with Link headers
// written as link(n) returns them. A page asked for twice is a 410, which
// also ends a loop quickly.
func pagedServer(t *testing.T, pages int, link func(n int) string) (string, *recorder) {
	var served sync.Map
	srv, rec := newServer(t, func(w http.ResponseWriter, r *http.Request, _ recorded) {
		n, _ := strconv.Atoi(r.URL.Query().Get("page"))
		if n < 1 || n > pages {
			http.NotFound(w, r)
			return
		}
		if _, again := served.LoadOrStore(n, true); again {
			http.Error(w, "page fetched twice", http.StatusGone)
			return
		}
		if l := link(n); l != "" {
			w.Header().Set("Link", l)
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `[{"id":"%d"}]`, n)
	})
	return srv.URL, rec
}

func TestReadFollowsLinkHeaderPages(t *testing.T) {
	base, rec := pagedServer(t, 3, func(n int) string {
		// As json-server writes them, plus a relative next and a prev.
		links := []string{fmt.Sprintf(`<%s/items?page=1&_limit=1>; rel="first"`, "http://127.0.0.1:1")}
		if n > 1 {
			links = append(links, fmt.Sprintf(`</items?page=%d&_limit=1>; rel="prev"`, n-1))
		}
		if n < 3 {
			links = append(links, fmt.Sprintf(`<?_limit=1&page=%d>; rel="next"; title="page, next"`, n+1))
		} else {
			// A loop back to the first page, query in another order.
			links = append(links, `<?_limit=1&page=1>; rel="next"`)
		}
		return strings.Join(links, ", ")
	})
	e := openTest(t, base+"/items?page=1&_limit=1")
	docs, errs := collect(t, e.Read(context.Background()))
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	if got, want := contents(docs), []string{`[{"id":"1"}]`, `[{"id":"2"}]`, `[{"id":"3"}]`}; !reflect.DeepEqual(got, want) {
		t.Errorf("pages %q, want %q", got, want)
	}
	if docs[1].URI != base+"/items?_limit=1&page=2" {
		t.Errorf("page 2 URI %q", docs[1].URI)
	}
	if n := len(rec.all()); n != 3 {
		t.Errorf("%d requests for 3 pages: %+v", n, rec.all())
	}
	// The host then follows prev links from the bodies: all known pages.
	docs, errs = collect(t, e.Fetch(context.Background(), []string{base + "/items?page=2&_limit=1", base + "/items?_limit=1&page=1#top"}))
	if len(docs)+len(errs) != 0 || len(rec.all()) != 3 {
		t.Errorf("refetched known pages: docs %q errs %v", contents(docs), errs)
	}
}

func TestFollowNoneIgnoresLinkHeader(t *testing.T) {
	base, rec := pagedServer(t, 2, func(n int) string { return `<?page=2>; rel="next"` })
	e := openTest(t, base+"/items?page=1", "follow", "none")
	docs, errs := collect(t, e.Read(context.Background()))
	if len(errs) != 0 || len(docs) != 1 || len(rec.all()) != 1 {
		t.Errorf("docs %q errs %v requests %d; want page 1 only", contents(docs), errs, len(rec.all()))
	}
}

func TestFetchOrderedWhileConcurrent(t *testing.T) {
	var inFlight, peak atomic.Int32
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request, _ recorded) {
		now := inFlight.Add(1)
		defer inFlight.Add(-1)
		for old := peak.Load(); now > old && !peak.CompareAndSwap(old, now); old = peak.Load() {
		}
		// Early uris answer last, so completion order is reversed.
		n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/r/"))
		time.Sleep(time.Duration(12-n) * 5 * time.Millisecond)
		w.Header().Set("Content-Type", "application/json")
		if n == 5 {
			w.WriteHeader(http.StatusInternalServerError)
		}
		fmt.Fprintf(w, `{"n":%d}`, n)
	})
	e := openTest(t, srv.URL+"/r/0", "concurrency", "4", "max-attempts", "1")
	var uris, want []string
	for n := range 12 {
		uris = append(uris, fmt.Sprintf("%s/r/%d", srv.URL, n))
		if n != 5 {
			want = append(want, fmt.Sprintf(`{"n":%d}`, n))
		}
	}
	uris = append(uris, srv.URL+"/r/3?") // the same page again
	var got []string
	for d, err := range e.Fetch(context.Background(), uris) {
		if err != nil {
			got = append(got, "error")
			mustContain(t, "error", err.Error(), srv.URL+"/r/5", "500", `{"n":5}`)
			continue
		}
		got = append(got, string(d.Content))
	}
	want = append(want[:5], append([]string{"error"}, want[5:]...)...)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("order %q\nwant  %q", got, want)
	}
	if p := peak.Load(); p < 2 || p > 4 {
		t.Errorf("peak requests in flight %d, want 2..4 (concurrency 4)", p)
	}
}

func TestFetchStopsWhenConsumerStops(t *testing.T) {
	var served atomic.Int32
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request, _ recorded) {
		served.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{}`)
	})
	e := openTest(t, srv.URL+"/", "concurrency", "2")
	var uris []string
	for n := range 1000 {
		uris = append(uris, fmt.Sprintf("%s/r/%d", srv.URL, n))
	}
	for range e.Fetch(context.Background(), uris) {
		break
	}
	if n := served.Load(); n > 2*readAhead+2 {
		t.Errorf("%d requests after the consumer stopped at the first document", n)
	}
}

func TestFetchCancelled(t *testing.T) {
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request, _ recorded) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	e := openTest(t, srv.URL+"/")
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, errs := collect(t, e.Fetch(ctx, []string{srv.URL + "/a", srv.URL + "/b"}))
	if len(errs) == 0 || !errors.Is(errs[len(errs)-1], context.DeadlineExceeded) {
		t.Errorf("errors %v, want the last to be the deadline", errs)
	}
	if time.Since(start) > 2*time.Second {
		t.Errorf("cancelled Fetch took %v", time.Since(start))
	}
}

func TestReadErrorNamesURIStatusAndMessage(t *testing.T) {
	long := `{"message":"order o1 is locked by another session` + strings.Repeat(" and more", 100) + `"}`
	srv, rec := newServer(t, func(w http.ResponseWriter, r *http.Request, _ recorded) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/locked":
			w.WriteHeader(http.StatusConflict)
			fmt.Fprint(w, long)
		case "/down":
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, `{"message":"maintenance"}`)
		}
	})
	e := openTest(t, srv.URL+"/", "max-attempts", "2")
	_, errs := collect(t, e.Fetch(context.Background(), []string{srv.URL + "/locked", srv.URL + "/down"}))
	if len(errs) != 2 {
		t.Fatalf("errors %v", errs)
	}
	msg := errs[0].Error()
	mustContain(t, "error", msg, srv.URL+"/locked", "409 Conflict", "order o1 is locked by another session")
	if len(msg) > 350 {
		t.Errorf("error quotes %d bytes of the body: %q", len(msg), msg)
	}
	mustContain(t, "error", errs[1].Error(), srv.URL+"/down", "503 Service Unavailable", "maintenance")
	if n := rec.count("GET", "/locked"); n != 1 {
		t.Errorf("409 tried %d times, want 1", n)
	}
	if n := rec.count("GET", "/down"); n != 2 {
		t.Errorf("503 tried %d times, want max-attempts 2", n)
	}
}

func TestReadBodyLimit(t *testing.T) {
	srv, rec := newServer(t, func(w http.ResponseWriter, r *http.Request, _ recorded) {
		w.Header().Set("Content-Type", "application/json")
		body := `[` + strings.Repeat(`1,`, 200) + `1]`
		if r.URL.Path == "/huge" {
			// Announces more than the limit, then stalls: refused on the
			// header, without waiting for the body.
			w.Header().Set("Content-Length", "100000")
			fmt.Fprint(w, body[:10])
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return
		}
		if r.URL.Path == "/chunked" {
			// No Content-Length: the limit must hold while reading.
			fmt.Fprint(w, body[:100])
			w.(http.Flusher).Flush()
			fmt.Fprint(w, body[100:])
			return
		}
		fmt.Fprint(w, body)
	})
	e := openTest(t, srv.URL+"/", "max-body", "300")
	for _, p := range []string{"/sized", "/chunked", "/huge"} {
		start := time.Now()
		_, errs := collect(t, e.Fetch(context.Background(), []string{srv.URL + p}))
		if time.Since(start) > 2*time.Second {
			t.Errorf("%s: took %v", p, time.Since(start))
		}
		if len(errs) != 1 {
			t.Fatalf("%s: errors %v", p, errs)
		}
		mustContain(t, "error", errs[0].Error(), srv.URL+p, "300 bytes", "max-body")
		if n := rec.count("GET", p); n != 1 {
			t.Errorf("%s: a too large body was fetched %d times", p, n)
		}
	}
}

func TestCrossHostLinksSkipped(t *testing.T) {
	other, otherRec := newServer(t, func(w http.ResponseWriter, r *http.Request, _ recorded) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"other":true}`)
	})
	home, homeRec := newServer(t, func(w http.ResponseWriter, r *http.Request, _ recorded) {
		w.Header().Set("Link", fmt.Sprintf(`<%s/page2>; rel="next"`, other.URL))
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"home":true}`)
	})

	e := openTest(t, home.URL+"/api", "token", "tok-home-only")
	docs, errs := collect(t, e.Read(context.Background()))
	docs2, errs2 := collect(t, e.Fetch(context.Background(), []string{other.URL + "/direct", other.URL + "/direct#again"}))
	// Each skipped link is one warning that the read is incomplete, so
	// that the host deletes nothing on the strength of it.
	if len(errs) != 1 || len(errs2) != 1 || len(docs) != 1 || len(docs2) != 0 {
		t.Fatalf("docs %q %q errs %v %v", contents(docs), contents(docs2), errs, errs2)
	}
	for _, err := range append(errs, errs2...) {
		var se *sdk.Error
		if !errors.As(err, &se) || !se.Warning || !se.Incomplete {
			t.Errorf("%v: want an incomplete-read warning", err)
		}
	}
	mustContain(t, "warning", errs[0].Error(), other.URL+"/page2", "allow-host")
	mustContain(t, "warning", errs2[0].Error(), other.URL+"/direct", "allow-host")
	if n := len(otherRec.all()); n != 0 {
		t.Errorf("the other host got %d requests", n)
	}
	if got := homeRec.all()[0].Header.Get("Authorization"); got != "Bearer tok-home-only" {
		t.Errorf("home got Authorization %q", got)
	}

	// Allowed, the other host is followed and gets the credentials too.
	e = openTest(t, home.URL+"/api", "token", "tok-home-only", "allow-host", strings.TrimPrefix(other.URL, "http://"))
	docs, errs = collect(t, e.Read(context.Background()))
	if len(errs) != 0 || !reflect.DeepEqual(contents(docs), []string{`{"home":true}`, `{"other":true}`}) {
		t.Fatalf("with allow-host: docs %q errs %v", contents(docs), errs)
	}
	if got := otherRec.all()[0].Header.Get("Authorization"); got != "Bearer tok-home-only" {
		t.Errorf("allowed host got Authorization %q", got)
	}
}

// TestNonHTTPLinksSkipped: links this endpoint cannot fetch (gopher://,
// mailto:) are skipped with a warning, like links to other hosts, and the
// rest is read.
func TestNonHTTPLinksSkipped(t *testing.T) {
	srv, rec := newServer(t, func(w http.ResponseWriter, r *http.Request, _ recorded) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Link", `<gopher://127.0.0.1/1next>; rel="next"`)
		fmt.Fprint(w, `{}`)
	})
	e := openTest(t, srv.URL+"/start")
	docs, errs := collect(t, e.Read(context.Background()))
	docs2, errs2 := collect(t, e.Fetch(context.Background(), []string{"gopher://127.0.0.1/1menu", "mailto:ops@example.com", "MAILTO:ops@example.com", srv.URL + "/other"}))
	if len(errs)+len(errs2) != 0 || len(docs) != 1 || len(docs2) != 1 {
		t.Fatalf("docs %q %q errs %v %v", contents(docs), contents(docs2), errs, errs2)
	}
	if n := len(rec.all()); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
	logs := e.logs.String()
	mustContain(t, "log", logs, "gopher://127.0.0.1/1next", "gopher://127.0.0.1/1menu", "mailto:ops@example.com")
	if n := strings.Count(logs, "[WARN]  not following a link that is not http or https"); n != 3 {
		t.Errorf("%d warnings, want 3 (mailto: twice is one link):\n%s", n, logs)
	}
}
