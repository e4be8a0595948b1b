package http

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/resource-sync/resource-sync/sdk"
)

// validatingServer serves /items?page=1..n, page N holding pages[N-1], with
// Link rel="next" headers, and validators: an ETag (the content's hash)
// when etags is set, else a Last-Modified date per page. It answers 304 to
// a request whose validators still hold, and counts 200s and 304s.
type validatingServer struct {
	mu       sync.Mutex
	pages    []string
	modified []time.Time
	etags    bool
	ok, not  int
}

func (s *validatingServer) set(n int, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pages[n-1] = body
	s.modified[n-1] = s.modified[n-1].Add(time.Minute)
}

func (s *validatingServer) counts() (ok, notModified int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ok, s.not
}

func (s *validatingServer) handle(w http.ResponseWriter, r *http.Request, _ recorded) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, _ := strconv.Atoi(r.URL.Query().Get("page"))
	if n < 1 || n > len(s.pages) {
		http.NotFound(w, r)
		return
	}
	body := s.pages[n-1]
	sum := sha256.Sum256([]byte(body))
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	if n < len(s.pages) {
		w.Header().Set("Link", fmt.Sprintf(`</items?page=%d>; rel="next"`, n+1))
	}
	if s.etags {
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			s.not++
			w.WriteHeader(http.StatusNotModified)
			return
		}
	} else {
		w.Header().Set("Last-Modified", s.modified[n-1].Format(http.TimeFormat))
		if since, err := http.ParseTime(r.Header.Get("If-Modified-Since")); err == nil && !s.modified[n-1].After(since) {
			s.not++
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	s.ok++
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprint(w, body)
}

func newValidatingServer(t *testing.T, etags bool, pages ...string) (string, *validatingServer, *recorder) {
	s := &validatingServer{pages: pages, modified: make([]time.Time, len(pages)), etags: etags}
	for i := range s.modified {
		s.modified[i] = time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	}
	srv, rec := newServer(t, s.handle)
	return srv.URL + "/items?page=1", s, rec
}

// TestConditionalReads: under conditional reads, a second Read sends each
// page's validators back; pages answered 304 come back Unchanged, without
// content but with their uri and media type, and their remembered next
// links are followed; a changed page comes back whole. With ETags and with
// Last-Modified dates.
func TestConditionalReads(t *testing.T) {
	for name, etags := range map[string]bool{"etag": true, "last-modified": false} {
		t.Run(name, func(t *testing.T) {
			loc, srv, rec := newValidatingServer(t, etags, `[{"id":"1"}]`, `[{"id":"2"}]`, `[{"id":"3"}]`)
			e := openTest(t, loc, "conditional-reads", "true")

			docs, errs := collect(t, e.Read(context.Background()))
			if len(errs) != 0 || !reflect.DeepEqual(contents(docs), []string{`[{"id":"1"}]`, `[{"id":"2"}]`, `[{"id":"3"}]`}) {
				t.Fatalf("first read: docs %q errs %v", contents(docs), errs)
			}
			srv.set(2, `[{"id":"2","v":2}]`)
			docs, errs = collect(t, e.Read(context.Background()))
			if len(errs) != 0 || len(docs) != 3 {
				t.Fatalf("second read: docs %q errs %v", contents(docs), errs)
			}
			type seen struct {
				URI, MediaType, Content string
				Unchanged               bool
			}
			var got []seen
			for _, d := range docs {
				got = append(got, seen{d.URI, d.MediaType, string(d.Content), d.Unchanged})
			}
			base := loc[:len(loc)-len("1")]
			want := []seen{
				{base + "1", "application/json", "", true},
				{base + "2", "application/json", `[{"id":"2","v":2}]`, false},
				{base + "3", "application/json", "", true},
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("second read:\n got %+v\nwant %+v", got, want)
			}
			if ok, notModified := srv.counts(); ok != 4 || notModified != 2 {
				t.Errorf("server answered %d 200s and %d 304s, want 4 and 2", ok, notModified)
			}
			header := "If-None-Match"
			if !etags {
				header = "If-Modified-Since"
			}
			for i, r := range rec.all() {
				if has := r.Header.Get(header) != ""; has != (i >= 3) {
					t.Errorf("request %d (%s?%s) sent %s %q", i, r.Path, r.Query, header, r.Header.Get(header))
				}
			}
		})
	}
}

// TestConditionalReadsOff: without conditional reads (a one-off sync, a
// destination) no validator is sent and every page comes back whole.
func TestConditionalReadsOff(t *testing.T) {
	loc, srv, rec := newValidatingServer(t, true, `[{"id":"1"}]`, `[{"id":"2"}]`)
	e := openTest(t, loc)
	for range 2 {
		docs, errs := collect(t, e.Read(context.Background()))
		if len(errs) != 0 || len(docs) != 2 || docs[0].Unchanged || docs[1].Unchanged {
			t.Fatalf("docs %+v errs %v", docs, errs)
		}
	}
	if ok, notModified := srv.counts(); ok != 4 || notModified != 0 {
		t.Errorf("server answered %d 200s and %d 304s, want 4 and 0", ok, notModified)
	}
	for _, r := range rec.all() {
		if r.Header.Get("If-None-Match") != "" {
			t.Errorf("sent If-None-Match to %s?%s", r.Path, r.Query)
		}
	}
}

// TestConditionalReadUnasked: a 304 to a request that carried no
// validators stands for nothing, and is an error naming the uri.
func TestConditionalReadUnasked(t *testing.T) {
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request, _ recorded) {
		w.WriteHeader(http.StatusNotModified)
	})
	e := openTest(t, srv.URL+"/items", "conditional-reads", "true")
	docs, errs := collect(t, e.Read(context.Background()))
	if len(docs) != 0 || len(errs) != 1 {
		t.Fatalf("docs %+v errs %v", docs, errs)
	}
	mustContain(t, "error", errs[0].Error(), srv.URL+"/items", "304 Not Modified to a request that was not conditional")
}

// TestMemosRestored: the memos a handle gives, handed to a new handle
// (the next sync), make its unchanged pages 304s, next links and all. A
// page with only Last-Modified, or whose uri holds a secret, gives none.
func TestMemosRestored(t *testing.T) {
	loc, srv, _ := newValidatingServer(t, true, `[{"id":"1"}]`, `[{"id":"2"}]`, `[{"id":"3"}]`)
	docs, errs := collect(t, openTest(t, loc, "conditional-reads", "true").Read(context.Background()))
	var memos []sdk.Memo
	for _, d := range docs {
		if len(d.Memo) == 0 {
			t.Errorf("%s: no memo", d.URI)
		}
		memos = append(memos, sdk.Memo{URI: d.URI, Memo: d.Memo})
	}
	if len(errs) != 0 || len(memos) != 3 {
		t.Fatalf("first read: docs %q errs %v", contents(docs), errs)
	}
	srv.set(2, `[{"id":"2","v":2}]`)
	e := openTest(t, loc, "conditional-reads", "true")
	e.RestoreMemos(append(memos, sdk.Memo{URI: "not a uri"}, sdk.Memo{URI: loc, Memo: []byte("{")}))
	docs, errs = collect(t, e.Read(context.Background()))
	var unchanged []bool
	for _, d := range docs {
		unchanged = append(unchanged, d.Unchanged)
		if len(d.Memo) == 0 {
			t.Errorf("%s: no memo in the second read", d.URI)
		}
	}
	if len(errs) != 0 || !reflect.DeepEqual(unchanged, []bool{true, false, true}) {
		t.Errorf("second read: unchanged %v, errs %v", unchanged, errs)
	}
	if ok, notModified := srv.counts(); ok != 4 || notModified != 2 {
		t.Errorf("server answered %d 200s and %d 304s, want 4 and 2", ok, notModified)
	}

	loc, _, _ = newValidatingServer(t, false, `[{"id":"1"}]`)
	for _, at := range []string{loc, loc + "&access_token=secret"} {
		docs, _ := collect(t, openTest(t, at, "conditional-reads", "true").Read(context.Background()))
		if len(docs) != 1 || len(docs[0].Memo) != 0 {
			t.Errorf("%s: docs %+v, want one without a memo", at, docs)
		}
	}
	loc, _, _ = newValidatingServer(t, true, `[{"id":"1"}]`)
	docs, _ = collect(t, openTest(t, loc+"&access_token=secret", "conditional-reads", "true").Read(context.Background()))
	if len(docs) != 1 || len(docs[0].Memo) != 0 {
		t.Errorf("with a secret in the uri: docs %+v, want one without a memo", docs)
	}
}
