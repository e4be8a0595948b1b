// Package testserver is a REST API for tests that misbehaves on purpose:
// it stores resources by path, refuses a resource whose parents it does
// not hold yet, and answers some requests with 503 or 429, or cuts the
// connection before or after storing, so a client's retries and write
// order can be checked against what the server actually saw.
//
// Faults are deterministic: each resource path draws them from its own
// random source, seeded from Options.Seed and the path, one draw per
// request on that path. A client retrying one resource at a time therefore
// meets the same faults on every run, whatever the timing between
// resources.
package testserver

import (
	"encoding/json"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
)

// Fault is what the server does to one request instead of answering it
// normally.
type Fault int

const (
	// NoFault answers normally.
	NoFault Fault = iota
	// Unavailable answers 503 Service Unavailable.
	Unavailable
	// TooManyNow answers 429 Too Many Requests with Retry-After: 0.
	TooManyNow
	// TooManyLater answers 429 Too Many Requests with Retry-After: 1.
	TooManyLater
	// CutBefore closes the connection without reading the request body or
	// storing anything.
	CutBefore
	// CutAfter stores the resource, then closes the connection without
	// answering: the client cannot tell it was stored.
	CutAfter
)

var faultNames = [...]string{"none", "503", "429 Retry-After: 0", "429 Retry-After: 1", "cut before storing", "cut after storing"}

func (f Fault) String() string {
	if f < 0 || int(f) >= len(faultNames) {
		return "unknown fault"
	}
	return faultNames[f]
}

// faultWeights are the relative odds of each fault, once a request is
// faulty. TooManyLater makes the client wait a whole second, so it is rare.
var faultWeights = []struct {
	fault  Fault
	weight int
}{
	{Unavailable, 30},
	{TooManyNow, 30},
	{TooManyLater, 1},
	{CutBefore, 20},
	{CutAfter, 19},
}

// Options configures a Server.
type Options struct {
	// Seed makes a run's faults reproducible.
	Seed uint64
	// FaultRate is the chance, from 0 to 1, that a PUT gets a fault.
	FaultRate float64
	// MaxFaults bounds the faults per path; later requests on a path
	// that had that many are answered normally, so a client allowed
	// MaxFaults+1 attempts always gets through. Zero means no bound.
	MaxFaults int
	// Reject, when it returns true for a path, makes every PUT on it fail
	// with 400 Bad Request.
	Reject func(path string) bool
}

// Server is an http.Handler holding JSON resources by path. PUT creates or
// replaces the resource at the request path once every parent the body
// names (the hrefs of its _links relations that start with "parent:") is
// stored, and answers 409 Conflict otherwise; GET returns a stored
// resource. It is safe for concurrent use.
type Server struct {
	opts Options

	mu        sync.Mutex
	resources map[string][]byte
	stores    map[string]int
	attempts  map[string]int
	faults    map[string][]Fault
	rngs      map[string]*rand.Rand
	conflicts []string
	seq       int
	firstSeq  map[string]int // when each path was first stored
}

// New returns an empty Server.
func New(opts Options) *Server {
	return &Server{
		opts:      opts,
		resources: map[string][]byte{},
		stores:    map[string]int{},
		attempts:  map[string]int{},
		faults:    map[string][]Fault{},
		rngs:      map[string]*rand.Rand{},
		firstSeq:  map[string]int{},
	}
}

// ServeHTTP serves GET and PUT on resource paths.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.EscapedPath()
	switch r.Method {
	case http.MethodGet:
		s.mu.Lock()
		body, ok := s.resources[p]
		s.mu.Unlock()
		if !ok {
			http.Error(w, "no resource at "+p, http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	case http.MethodPut:
		s.put(w, r, p)
	default:
		w.Header().Set("Allow", "GET, PUT")
		http.Error(w, r.Method+" is not allowed", http.StatusMethodNotAllowed)
	}
}

func (s *Server) put(w http.ResponseWriter, r *http.Request, p string) {
	fault := s.attempt(p)
	switch fault {
	case Unavailable:
		http.Error(w, "try again", http.StatusServiceUnavailable)
		return
	case TooManyNow, TooManyLater:
		w.Header().Set("Retry-After", map[Fault]string{TooManyNow: "0", TooManyLater: "1"}[fault])
		http.Error(w, "slow down", http.StatusTooManyRequests)
		return
	case CutBefore:
		cut(w)
		return
	}
	if s.opts.Reject != nil && s.opts.Reject(p) {
		http.Error(w, "rejected: "+p, http.StatusBadRequest)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return // the client went away
	}
	parents, err := parentPaths(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	var missing []string
	for _, parent := range parents {
		if _, ok := s.resources[parent]; !ok {
			missing = append(missing, parent)
		}
	}
	if len(missing) > 0 {
		s.conflicts = append(s.conflicts, p+" before "+strings.Join(missing, ", "))
		s.mu.Unlock()
		http.Error(w, "parents not stored yet: "+strings.Join(missing, ", "), http.StatusConflict)
		return
	}
	_, existed := s.resources[p]
	s.resources[p] = body
	s.stores[p]++
	if !existed {
		s.seq++
		s.firstSeq[p] = s.seq
	}
	s.mu.Unlock()
	if fault == CutAfter {
		cut(w)
		return
	}
	if existed {
		w.WriteHeader(http.StatusOK)
	} else {
		w.WriteHeader(http.StatusCreated)
	}
}

// attempt counts a request on p and draws its fault.
func (s *Server) attempt(p string) Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.attempts[p]++
	rng := s.rngs[p]
	if rng == nil {
		h := fnv.New64a()
		h.Write([]byte(p))
		rng = rand.New(rand.NewPCG(s.opts.Seed, h.Sum64()))
		s.rngs[p] = rng
	}
	// Both draws are made every time, so the sequence on a path does not
	// depend on how many faults were bounded away.
	faulty, pick := rng.Float64() < s.opts.FaultRate, rng.IntN(100)
	if !faulty || (s.opts.MaxFaults > 0 && len(s.faults[p]) >= s.opts.MaxFaults) {
		return NoFault
	}
	var f Fault
	for _, fw := range faultWeights {
		if pick < fw.weight {
			f = fw.fault
			break
		}
		pick -= fw.weight
	}
	s.faults[p] = append(s.faults[p], f)
	return f
}

// cut closes the connection under w without answering.
func cut(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // HTTP/2: abort the stream instead
	}
	conn.Close()
}

// parentPaths reads the paths of the parent:* links of a JSON body.
func parentPaths(body []byte) ([]string, error) {
	var doc struct {
		Links map[string]json.RawMessage `json:"_links"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, err
	}
	var paths []string
	for rel, raw := range doc.Links {
		if !strings.HasPrefix(rel, "parent:") {
			continue
		}
		var links []struct{ Href string }
		if err := json.Unmarshal(raw, &links); err != nil {
			var one struct{ Href string }
			if err := json.Unmarshal(raw, &one); err != nil {
				return nil, err
			}
			links = append(links, one)
		}
		for _, l := range links {
			u, err := url.Parse(l.Href)
			if err != nil {
				return nil, err
			}
			paths = append(paths, u.EscapedPath())
		}
	}
	return paths, nil
}

// Resources returns a copy of every stored resource by path.
func (s *Server) Resources() map[string][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string][]byte, len(s.resources))
	for p, b := range s.resources {
		out[p] = slices.Clone(b)
	}
	return out
}

// Stores is how many times the resource at p was stored.
func (s *Server) Stores(p string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stores[p]
}

// Attempts is how many PUT requests arrived for p.
func (s *Server) Attempts(p string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts[p]
}

// Faults returns the faults injected on p, in order.
func (s *Server) Faults(p string) []Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.faults[p])
}

// FaultCounts counts the faults injected on every path, by kind.
func (s *Server) FaultCounts() map[Fault]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := map[Fault]int{}
	for _, fs := range s.faults {
		for _, f := range fs {
			n[f]++
		}
	}
	return n
}

// Conflicts lists the PUTs refused because a parent was missing, as
// "path before parent, ...".
func (s *Server) Conflicts() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.conflicts)
}

// StoredBefore reports whether a was first stored before b; false when
// either was never stored.
func (s *Server) StoredBefore(a, b string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	sa, okA := s.firstSeq[a]
	sb, okB := s.firstSeq[b]
	return okA && okB && sa < sb
}
