package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
)

// requireToken lets a request through only with the bearer token, when one
// is configured. Digests are compared so that neither the token's content
// nor its length leaks through timing.
func (s *Server) requireToken(next http.Handler) http.Handler {
	if s.opts.Token == "" {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if !strings.EqualFold(scheme, "Bearer") || token == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="resource-sync"`)
			s.fail(w, r, &httpError{http.StatusUnauthorized, "a bearer token is required: send Authorization: Bearer TOKEN"})
			return
		}
		sum := sha256.Sum256([]byte(strings.TrimSpace(token)))
		if subtle.ConstantTimeCompare(sum[:], s.tokenSum[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="resource-sync", error="invalid_token"`)
			s.fail(w, r, &httpError{http.StatusUnauthorized, "the bearer token is not valid"})
			return
		}
		next.ServeHTTP(w, r)
	})
}
