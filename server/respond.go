package server

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/resource-sync/resource-sync/sdk"
)

const (
	halJSON   = "application/hal+json"
	plainJSON = "application/json"
)

// httpError is a failure the client caused or can act on, with its status.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func badRequest(err error) *httpError {
	return &httpError{http.StatusBadRequest, err.Error()}
}

// writeJSON sends v as canonical JSON.
func writeJSON(w http.ResponseWriter, status int, contentType string, v any) {
	body, err := sdk.MarshalCanonical(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"error":"encoding the response failed"}`)
		contentType = plainJSON
	}
	writeBody(w, status, contentType, body)
}

// writeRepresentation answers a GET or HEAD with body and a strong ETag,
// a hash of it. A request whose If-None-Match names that tag gets 304 Not
// Modified without a body: a client reading again (resource-sync watch)
// is spared the transfer.
func writeRepresentation(w http.ResponseWriter, r *http.Request, contentType string, body []byte) {
	sum := sha256.Sum256(body)
	writeTagged(w, r, contentType, body, `"`+base64.RawURLEncoding.EncodeToString(sum[:18])+`"`)
}

// writeTagged answers body with etag, or 304 Not Modified when the
// request's If-None-Match names it.
func writeTagged(w http.ResponseWriter, r *http.Request, contentType string, body []byte, etag string) {
	w.Header().Set("ETag", etag)
	if etagListed(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	writeBody(w, http.StatusOK, contentType, body)
}

// etagListed reports whether an If-None-Match value names etag, by the
// weak comparison RFC 9110 prescribes for it, or is "*".
func etagListed(ifNoneMatch, etag string) bool {
	for tag := range strings.SplitSeq(ifNoneMatch, ",") {
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
		if tag == "*" || tag == etag {
			return true
		}
	}
	return false
}

func writeBody(w http.ResponseWriter, status int, contentType string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

// fail sends err as {"error": "..."}: an *httpError with its status, any
// other error as a 500, logged because it is the server's problem.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusInternalServerError
	var he *httpError
	if errors.As(err, &he) {
		status = he.status
	} else {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeJSON(w, status, plainJSON, map[string]string{"error": err.Error()})
}
