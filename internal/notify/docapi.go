package notify

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/resource-sync/resource-sync/sdk"
)

// DocumentAPIOptions configure the document API.
type DocumentAPIOptions struct {
	// Token, when set, is the bearer token callers must send.
	Token string
	// MaxBody is the largest document accepted, in bytes (1 MiB when zero;
	// NATS carries messages up to 1 MiB by default).
	MaxBody int64
	Logger  *slog.Logger
}

// DocumentsPath is where the document API listens: PUT or DELETE
// /documents/{endpoint}, {endpoint} being the document's full URL, as is
// or percent-encoded.
const DocumentsPath = "/documents/"

// DocumentAPI is the seed's document API over p: an origin PUTs a
// document's new state (JSON) or DELETEs it, and subscribers are told.
//
// Answers: 202 with the outcome per matching resource when something was
// published, 200 when every resource already had that version (or newer),
// 404 when no resource endpoint matches, 400 for a body that is not JSON,
// 422 for a document without a readable change field.
func DocumentAPI(p Publisher, opts DocumentAPIOptions) http.Handler {
	if opts.MaxBody <= 0 {
		opts.MaxBody = 1 << 20
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	// No ServeMux: it would clean the "//" of the embedded URL into a redirect.
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if opts.Token != "" && !validBearer(r, opts.Token) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="resource-sync"`)
			httpError(w, http.StatusUnauthorized, "missing or wrong bearer token")
			return
		}
		raw, ok := strings.CutPrefix(r.URL.EscapedPath(), DocumentsPath)
		if !ok {
			httpError(w, http.StatusNotFound, "not found: documents live under "+DocumentsPath+"{endpoint}")
			return
		}
		uri, err := documentURI(raw, r.URL.RawQuery)
		if err != nil {
			httpError(w, http.StatusBadRequest, err.Error())
			return
		}
		var c Change
		switch r.Method {
		case http.MethodPut:
			body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, opts.MaxBody))
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				httpError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("document larger than %d bytes", opts.MaxBody))
				return
			}
			if err != nil {
				httpError(w, http.StatusBadRequest, err.Error())
				return
			}
			doc, err := sdk.CanonicalJSON(body)
			if err != nil {
				httpError(w, http.StatusBadRequest, "the document is not JSON: "+err.Error())
				return
			}
			c = Change{URI: uri, Document: doc}
		case http.MethodDelete:
			c = Change{Action: ActionDelete, URI: uri}
		default:
			w.Header().Set("Allow", "PUT, DELETE")
			httpError(w, http.StatusMethodNotAllowed, r.Method+" is not supported: PUT a document or DELETE it")
			return
		}
		results, err := p.Publish(r.Context(), c)
		var verr *VersionError
		switch {
		case errors.Is(err, ErrNoResource):
			httpError(w, http.StatusNotFound, err.Error())
			return
		case errors.As(err, &verr):
			httpError(w, http.StatusUnprocessableEntity, err.Error())
			return
		case err != nil:
			opts.Logger.Error("publishing a change", "uri", uri, "err", err)
			httpError(w, http.StatusServiceUnavailable, err.Error())
			return
		}
		status := http.StatusOK
		for _, res := range results {
			if res.Outcome != OutcomeUnchanged {
				status = http.StatusAccepted
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]any{"uri": uri, "results": results})
	})
}

// documentURI reads the document URL from the request path: percent-encoded
// as a whole (http%3A%2F%2F...) or written out, possibly with the "//"
// collapsed by a client.
func documentURI(raw, query string) (string, error) {
	lower := strings.ToLower(raw)
	encoded := false
	for _, p := range []string{"http%3a", "https%3a", "http:%2f", "https:%2f"} {
		encoded = encoded || strings.HasPrefix(lower, p)
	}
	if encoded {
		u, err := url.PathUnescape(raw)
		if err != nil {
			return "", fmt.Errorf("bad endpoint %q: %v", raw, err)
		}
		raw = u
	}
	for _, scheme := range []string{"http:", "https:"} {
		if rest, ok := strings.CutPrefix(raw, scheme); ok && !strings.HasPrefix(rest, "//") {
			raw = scheme + "//" + strings.TrimPrefix(rest, "/")
		}
	}
	if query != "" {
		raw += "?" + query
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("%q is not a document endpoint: want %s{absolute http or https URL}", raw, DocumentsPath)
	}
	return raw, nil
}

func validBearer(r *http.Request, token string) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(got), []byte(token)) == 1
}

func httpError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}
