package http

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Backoff defaults: full jitter between 0 and base*2^attempt, at most
// backoffCap; a Retry-After is honoured up to retryAfterCap.
const (
	backoffBase   = 100 * time.Millisecond
	backoffCap    = 10 * time.Second
	retryAfterCap = 60 * time.Second
)

// errBodyTooLarge ends a request at once: a retry gets the same body.
var errBodyTooLarge = errors.New("response body too large")

// errTooManyRedirects stops a redirect loop; retrying would loop again.
var errTooManyRedirects = errors.New("too many redirects")

// noRetryKey marks a request context whose request must be sent once.
type noRetryKey struct{}

// withoutRetries marks ctx for a request that is not idempotent (POST):
// resending it after a lost answer could create the resource twice.
func withoutRetries(ctx context.Context) context.Context {
	return context.WithValue(ctx, noRetryKey{}, true)
}

// retryableStatus are the answers that say "try again later".
func retryableStatus(code int) bool {
	switch code {
	case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// checkRetry is the retryablehttp.CheckRetry policy: retry idempotent
// requests on connection errors (including a body cut short) and on
// retryableStatus; everything else is final.
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if ctx.Value(noRetryKey{}) != nil {
		return false, err
	}
	if err != nil {
		if errors.Is(err, errBodyTooLarge) || errors.Is(err, errTooManyRedirects) || isCertError(err) {
			return false, err
		}
		if te, ok := errors.AsType[*timeoutError](err); ok && te.final {
			return false, err
		}
		if _, ok := errors.AsType[*redirectError](err); ok {
			return false, err
		}
		return true, nil
	}
	return retryableStatus(resp.StatusCode), nil
}

// backoff is the retryablehttp.Backoff policy: Retry-After when the
// server sent one (capped at retryAfterCap), otherwise exponential backoff
// with full jitter between 0 and min(max, base*2^attempt).
func backoff(base, capped time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil {
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			return min(d, retryAfterCap)
		}
	}
	ceiling := capped
	if attempt < 32 && base<<attempt > 0 && base<<attempt < capped {
		ceiling = base << attempt
	}
	if ceiling <= 0 {
		return 0
	}
	return rand.N(ceiling + 1)
}

// parseRetryAfter reads Retry-After as seconds or as an HTTP date; a date
// in the past means now.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(retryAfterCap/time.Second) {
			return retryAfterCap, true
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}
