// Package snapshots serves a snapshot store over HTTP, for `resource-sync
// serve --snapshots DIR`, so snapshots can live on another machine:
//
//	POST /manifests             upload a manifest; the answer lists the blobs the store lacks
//	GET  /manifests             every snapshot, oldest first, with whether it is complete
//	GET  /manifests/name/NAME   one manifest, with the blobs it lacks
//	GET  /files/HASH            a blob
//	PUT  /files/HASH            store a blob; refused unless the body hashes to HASH
//
// The JSON shapes are store.Uploaded, store.Listing and store.Remote. A
// manifest is stored as soon as it arrives and is complete once every
// blob it names is uploaded; the snapshot endpoint refuses to restore an
// incomplete one unless told partial.
package snapshots

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"sync"

	"github.com/resource-sync/resource-sync/plugins/snapshot/store"
)

// DefaultMaxBodyBytes limits request bodies when Options.MaxBodyBytes is 0.
const DefaultMaxBodyBytes = 64 << 20

// Options configures a Server.
type Options struct {
	// Dir holds the store; it is made when missing.
	Dir string
	// Token, when set, must come with every request as
	// "Authorization: Bearer TOKEN".
	Token string
	// MaxBodyBytes limits a manifest or a blob; larger ones get 413.
	MaxBodyBytes int64
	// Logger gets one debug record per request; nil discards.
	Logger *slog.Logger
}

// Server serves one store. It is safe for concurrent use, and other
// processes (snapshot, prune) may use the store at the same time.
type Server struct {
	opts     Options
	store    *store.Store
	log      *slog.Logger
	tokenSum [sha256.Size]byte
	mux      *http.ServeMux

	mu       sync.Mutex
	complete map[string]bool // snapshots seen complete; blobs never leave a kept one
}

// New opens (or makes) the store in opts.Dir.
func New(opts Options) (*Server, error) {
	if opts.Dir == "" {
		return nil, errors.New("snapshots: no directory")
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	st, err := store.Create(opts.Dir)
	if err != nil {
		return nil, err
	}
	s := &Server{opts: opts, store: st, log: opts.Logger, complete: map[string]bool{}, mux: http.NewServeMux()}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if opts.Token != "" {
		s.tokenSum = sha256.Sum256([]byte(opts.Token))
	}
	s.mux.HandleFunc("POST /manifests", s.postManifest)
	s.mux.HandleFunc("GET /manifests", s.listManifests)
	s.mux.HandleFunc("GET /manifests/name/{name}", s.getManifest)
	s.mux.HandleFunc("GET /files/{hash}", s.getFile)
	s.mux.HandleFunc("PUT /files/{hash}", s.putFile)
	return s, nil
}

// Paths are the URL paths the server answers, for a caller mounting it
// beside another handler.
var Paths = []string{"/manifests", "/manifests/", "/files/"}

// Handler serves the API.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.log.Debug("snapshot request", "method", r.Method, "path", r.URL.Path)
		if !s.authorized(w, r) {
			return
		}
		s.mux.ServeHTTP(w, r)
	})
}

// authorized checks the bearer token, comparing digests so that neither
// its content nor its length leaks through timing.
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	if s.opts.Token == "" {
		return true
	}
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	sum := sha256.Sum256([]byte(strings.TrimSpace(token)))
	if !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare(sum[:], s.tokenSum[:]) != 1 {
		w.Header().Set("WWW-Authenticate", `Bearer realm="resource-sync"`)
		http.Error(w, "a valid bearer token is required: send Authorization: Bearer TOKEN", http.StatusUnauthorized)
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.log.Warn("snapshot request refused", "method", r.Method, "path", r.URL.Path, "status", status, "error", msg)
	http.Error(w, msg, status)
}

// postManifest stores a manifest and answers the blobs it lacks. The same
// manifest uploaded again (a rerun after an upload cut short) answers
// what is still missing; another one under a taken name is 409.
func (s *Server) postManifest(w http.ResponseWriter, r *http.Request) {
	var m store.Manifest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes))
	if err := dec.Decode(&m); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.fail(w, r, http.StatusRequestEntityTooLarge, "manifest over %d bytes", s.opts.MaxBodyBytes)
			return
		}
		s.fail(w, r, http.StatusBadRequest, "not a manifest: %v", err)
		return
	}
	if m.Name != "" && !store.ValidName(m.Name) {
		s.fail(w, r, http.StatusBadRequest, "invalid snapshot name %q: use letters, digits, '.', '_' and '-'", m.Name)
		return
	}
	lock, err := s.store.ShareLock(r.Context())
	if err != nil {
		s.fail(w, r, http.StatusServiceUnavailable, "%v", err)
		return
	}
	defer lock.Unlock()
	status := http.StatusCreated
	if m.Name != "" {
		if old, err := s.store.Load(m.Name); err == nil {
			if !sameResources(old, &m) {
				s.fail(w, r, http.StatusConflict, "a different snapshot named %s exists", m.Name)
				return
			}
			m, status = *old, http.StatusOK
		}
	}
	if status == http.StatusCreated {
		if _, err := s.store.NewBlobWriter().Commit(&m); err != nil {
			if errors.Is(err, store.ErrExists) {
				s.fail(w, r, http.StatusConflict, "%v", err)
				return
			}
			s.fail(w, r, http.StatusBadRequest, "%v", err)
			return
		}
	}
	missing := s.store.Missing(&m)
	if missing == nil {
		missing = []string{}
	}
	writeJSON(w, status, store.Uploaded{Name: m.Name, Missing: missing})
}

// sameResources compares an uploaded manifest with a stored one, after
// putting the upload in the stored order.
func sameResources(old, m *store.Manifest) bool {
	probe := append([]store.Entry(nil), m.Resources...)
	if store.SortEntries(probe) != nil || len(probe) != len(old.Resources) {
		return false
	}
	for i := range probe {
		if !reflect.DeepEqual(probe[i], old.Resources[i]) {
			return false
		}
	}
	return true
}

func (s *Server) status(in store.Info) (store.Status, error) {
	s.mu.Lock()
	done := s.complete[in.Name]
	s.mu.Unlock()
	if done {
		return store.Status{Info: in, Complete: true}, nil
	}
	m, err := s.store.Load(in.Name)
	if err != nil {
		return store.Status{}, err
	}
	missing := len(s.store.Missing(m))
	if missing == 0 {
		s.mu.Lock()
		s.complete[in.Name] = true
		s.mu.Unlock()
	}
	return store.Status{Info: in, Complete: missing == 0, Missing: missing}, nil
}

func (s *Server) listManifests(w http.ResponseWriter, r *http.Request) {
	infos, err := s.store.List()
	if err != nil {
		s.log.Warn("listing snapshots", "error", err) // the readable ones are still listed
	}
	l := store.Listing{Manifests: []store.Status{}}
	for _, in := range infos {
		st, err := s.status(in)
		if err != nil {
			s.log.Warn("listing snapshots", "snapshot", in.Name, "error", err)
			continue
		}
		l.Manifests = append(l.Manifests, st)
	}
	writeJSON(w, http.StatusOK, l)
}

func (s *Server) getManifest(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if !store.ValidName(name) {
		s.fail(w, r, http.StatusNotFound, "no snapshot %q", name)
		return
	}
	m, err := s.store.Load(name)
	if err != nil {
		code := http.StatusInternalServerError
		if errors.Is(err, store.ErrNoSnapshot) {
			code = http.StatusNotFound
		}
		s.fail(w, r, code, "%v", err)
		return
	}
	missing := s.store.Missing(m)
	if missing == nil {
		missing = []string{}
	}
	writeJSON(w, http.StatusOK, store.Remote{Manifest: *m, Missing: missing})
}

func (s *Server) getFile(w http.ResponseWriter, r *http.Request) {
	h := r.PathValue("hash")
	if !store.ValidHash(h) {
		s.fail(w, r, http.StatusNotFound, "no blob %q: blobs are named by 64 lower-case hex digits", h)
		return
	}
	f, err := s.store.OpenBlob(h)
	if errors.Is(err, fs.ErrNotExist) {
		s.fail(w, r, http.StatusNotFound, "no blob %s", h)
		return
	}
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "%v", err)
		return
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "%v", err)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("ETag", `"`+h+`"`)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	http.ServeContent(w, r, "", info.ModTime(), f)
}

func (s *Server) putFile(w http.ResponseWriter, r *http.Request) {
	h := r.PathValue("hash")
	if !store.ValidHash(h) {
		s.fail(w, r, http.StatusBadRequest, "invalid blob name %q: want its SHA-256 as 64 lower-case hex digits", h)
		return
	}
	lock, err := s.store.ShareLock(r.Context())
	if err != nil {
		s.fail(w, r, http.StatusServiceUnavailable, "%v", err)
		return
	}
	defer lock.Unlock()
	bw := s.store.NewBlobWriter()
	err = bw.PutReader(h, http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes))
	var tooBig *http.MaxBytesError
	switch {
	case errors.Is(err, fs.ErrExist):
		w.WriteHeader(http.StatusOK)
		return
	case errors.As(err, &tooBig):
		s.fail(w, r, http.StatusRequestEntityTooLarge, "blob over %d bytes", s.opts.MaxBodyBytes)
		return
	case errors.Is(err, store.ErrCorrupt):
		s.fail(w, r, http.StatusUnprocessableEntity, "%v", err)
		return
	case err != nil:
		s.fail(w, r, http.StatusInternalServerError, "%v", err)
		return
	}
	if err := bw.Sync(); err != nil {
		s.fail(w, r, http.StatusInternalServerError, "%v", err)
		return
	}
	w.WriteHeader(http.StatusCreated)
}
