package testserver

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// Strict is a REST API for tests that behaves like a careful server of
// plain JSON resources (the simple schema): it stores a resource at
// PUT /api/TYPE/ID only when the resources its "parents" list names are
// there, answers 409 to deleting a resource that is still some other's
// parent, and stamps "version" (a counter) and "updatedAt" on every
// write, as servers that manage fields do. GET /api/TYPE lists a type as
// a JSON array (404 while it has no resource).
type Strict struct {
	mu        sync.Mutex
	resources map[string]map[string]any // by path
	version   int
	writes    int
	deletes   []string // paths, in the order they were deleted
	refused   []string // "DELETE path" answered 409
}

// NewStrict returns an empty server.
func NewStrict() *Strict { return &Strict{resources: map[string]map[string]any{}} }

func (s *Strict) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimSuffix(r.URL.Path, "/")
	s.mu.Lock()
	defer s.mu.Unlock()
	switch r.Method {
	case http.MethodGet:
		if res, ok := s.resources[p]; ok {
			writeJSON(w, http.StatusOK, res)
			return
		}
		var list []map[string]any
		for _, k := range s.sortedPaths() {
			if strings.HasPrefix(k, p+"/") && !strings.Contains(k[len(p)+1:], "/") {
				list = append(list, s.resources[k])
			}
		}
		if list == nil {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		writeJSON(w, http.StatusOK, list)
	case http.MethodPut:
		body, err := io.ReadAll(r.Body)
		var res map[string]any
		if err == nil {
			err = json.Unmarshal(body, &res)
		}
		if err != nil {
			http.Error(w, "not a JSON object", http.StatusBadRequest)
			return
		}
		for _, parent := range parentsOf(res) {
			if _, ok := s.resources[parent]; !ok {
				http.Error(w, "parent "+parent+" does not exist", http.StatusConflict)
				return
			}
		}
		s.version++
		s.writes++
		res["version"] = s.version
		res["updatedAt"] = time.Now().UTC().Format(time.RFC3339Nano)
		s.resources[p] = res
		writeJSON(w, http.StatusOK, res)
	case http.MethodDelete:
		if _, ok := s.resources[p]; !ok {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		for _, k := range s.sortedPaths() {
			if slices.Contains(parentsOf(s.resources[k]), p) {
				s.refused = append(s.refused, "DELETE "+p)
				http.Error(w, p+" is the parent of "+k, http.StatusConflict)
				return
			}
		}
		delete(s.resources, p)
		s.deletes = append(s.deletes, p)
		w.WriteHeader(http.StatusNoContent)
	default:
		w.Header().Set("Allow", "GET, PUT, DELETE")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

func (s *Strict) sortedPaths() []string {
	keys := make([]string, 0, len(s.resources))
	for k := range s.resources {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// parentsOf is the paths of res's parents list.
func parentsOf(res map[string]any) []string {
	list, _ := res["parents"].([]any)
	var out []string
	for _, p := range list {
		if s, ok := p.(string); ok {
			if u, err := url.Parse(s); err == nil {
				out = append(out, strings.TrimSuffix(u.Path, "/"))
			}
		}
	}
	return out
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// Paths lists what the server holds.
func (s *Strict) Paths() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sortedPaths()
}

// Writes counts the PUTs stored.
func (s *Strict) Writes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writes
}

// Deletes lists the paths deleted, in order.
func (s *Strict) Deletes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.deletes)
}

// Refused lists the deletes answered 409.
func (s *Strict) Refused() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.refused)
}
