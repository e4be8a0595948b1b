package host

import (
	"cmp"
	"encoding/json"
	"io"
	"net/url"
	"slices"
	"strings"
	"sync"
)

// Masked stands for a secret in logs and errors.
const Masked = "***"

// minSecretLen: shorter values are not masked, since masking "on" or
// "12" would garble every log line while protecting nothing worth it.
const minSecretLen = 4

// redactor masks the secret values a host has met: secret option values,
// and secret fields of resources. Logs pass through it on their way out,
// and so do errors (Host.RedactError).
type redactor struct {
	mu       sync.RWMutex
	secrets  map[string]bool
	replacer *strings.Replacer
}

func newRedactor() *redactor { return &redactor{secrets: map[string]bool{}} }

// add masks s from now on, as written and as it travels in URLs and JSON.
func (r *redactor) add(s string) {
	if len(s) < minSecretLen {
		return
	}
	forms := []string{s, url.QueryEscape(s), url.PathEscape(s)}
	if j, err := json.Marshal(s); err == nil {
		forms = append(forms, string(j[1:len(j)-1]))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	changed := false
	for _, f := range forms {
		if !r.secrets[f] {
			r.secrets[f], changed = true, true
		}
	}
	if !changed {
		return
	}
	all := make([]string, 0, len(r.secrets))
	for f := range r.secrets {
		all = append(all, f)
	}
	// Longest first, so a secret holding another is masked whole.
	slices.SortFunc(all, func(a, b string) int { return cmp.Or(cmp.Compare(len(b), len(a)), strings.Compare(a, b)) })
	pairs := make([]string, 0, 2*len(all))
	for _, f := range all {
		pairs = append(pairs, f, Masked)
	}
	r.replacer = strings.NewReplacer(pairs...)
}

// addOption masks a secret option's value; for a list, each item, and
// the value of a "Name: value" header item.
func (r *redactor) addOption(v string) {
	for item := range strings.SplitSeq(v, "\n") {
		r.add(item)
		if _, value, ok := strings.Cut(item, ":"); ok {
			r.add(strings.TrimSpace(value))
		}
	}
}

// String returns s with every known secret masked.
func (r *redactor) String(s string) string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.replacer == nil {
		return s
	}
	return r.replacer.Replace(s)
}

// writer masks secrets in what goes through it. Loggers write whole
// lines, so a secret is not split across two writes.
func (r *redactor) writer(w io.Writer) io.Writer { return &redactingWriter{w: w, r: r} }

type redactingWriter struct {
	w io.Writer
	r *redactor
}

func (rw *redactingWriter) Write(p []byte) (int, error) {
	masked := rw.r.String(string(p))
	if _, err := io.WriteString(rw.w, masked); err != nil {
		return 0, err
	}
	return len(p), nil
}

// redactedError is an error whose message has its secrets masked; errors.As
// still finds what it wraps (a UsageError, a WriteError).
type redactedError struct {
	err error
	msg string
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// RedactError masks in err's message every secret the host has met; the
// CLI prints errors through it.
func (h *Host) RedactError(err error) error {
	if err == nil {
		return nil
	}
	msg := h.redact.String(err.Error())
	if msg == err.Error() {
		return err
	}
	return &redactedError{err: err, msg: msg}
}
