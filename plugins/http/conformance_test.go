package http

import (
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/resource-sync/resource-sync/sdk/sdktest"
)

func TestMain(m *testing.M) { sdktest.Main(m, Plugin()) }

// TestConformance runs the SDK's endpoint checks, in process and over the
// plugin protocol, against a store server: one per location.
func TestConformance(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and reads tens of MiB")
	}
	sdktest.RunEndpoint(t, conformanceOpt())
}

// TestConformanceUnderHAL runs the checks again for a sync whose schema is
// HAL: http then answers json_bodies and builds each body from the
// resource's JSON, and the checks send items without content, as the
// host does.
func TestConformanceUnderHAL(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and reads tens of MiB")
	}
	opt := conformanceOpt()
	opt.SchemaName = "hal"
	sdktest.RunEndpoint(t, opt)
}

func conformanceOpt() sdktest.EndpointOpt {
	return sdktest.EndpointOpt{
		Plugin: Plugin(),
		Name:   "http",
		Location: func(t *testing.T) string {
			srv := httptest.NewServer(newStore("/store"))
			t.Cleanup(srv.Close)
			return srv.URL + "/store"
		},
		// Each resource lives at LOCATION/TYPE/ID, where Fetch finds it.
		ResourceURI: func(location, typ, id string) string {
			return location + "/" + url.PathEscape(typ) + "/" + url.PathEscape(id)
		},
		// A REST API cannot list what a sync did not write.
		SkipReplace: true,
	}
}

// store keeps what is PUT under its prefix, answers a GET of each, and
// lists them one resource per page, chained by Link rel="next" headers,
// as paginated APIs do.
type store struct {
	prefix string
	mu     sync.Mutex
	docs   map[string][]byte // escaped path -> body
}

func newStore(prefix string) *store {
	return &store{prefix: prefix, docs: map[string][]byte{}}
}

func (s *store) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.EscapedPath()
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case r.Method == http.MethodGet && path == s.prefix:
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range s.docs {
				if !yield(k) {
					return
				}
			}
		})
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		page = max(page, 1)
		if page > len(keys) {
			http.NotFound(w, r)
			return
		}
		if page < len(keys) {
			w.Header().Set("Link", fmt.Sprintf(`<%s?page=%d>; rel="next"`, s.prefix, page+1))
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		tagged(w, r, s.docs[keys[page-1]])
	case r.Method == http.MethodGet && strings.HasPrefix(path, s.prefix+"/") && strings.Count(path[len(s.prefix):], "/") == 2:
		doc, ok := s.docs[path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		tagged(w, r, doc)
	case r.Method == http.MethodPut && strings.HasPrefix(path, s.prefix+"/"):
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s.docs[path] = body
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodDelete && strings.HasPrefix(path, s.prefix+"/"):
		if _, ok := s.docs[path]; !ok {
			http.NotFound(w, r)
			return
		}
		delete(s.docs, path)
		w.WriteHeader(http.StatusNoContent)
	default:
		http.Error(w, "not here", http.StatusMethodNotAllowed)
	}
}

// tagged answers body with a strong ETag, or 304 Not Modified when the
// request names it (If-None-Match), so conditional reads are checked.
func tagged(w http.ResponseWriter, r *http.Request, body []byte) {
	etag := fmt.Sprintf(`"%x"`, sha256.Sum256(body))
	w.Header().Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Write(body)
}
