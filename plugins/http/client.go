package http

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/time/rate"
)

// maxRedirects is as many as net/http follows by default.
const maxRedirects = 10

// client sends requests with retries, the rate cap and credentials, and
// reads whole response bodies up to a limit.
type client struct {
	retry *retryablehttp.Client
	// transport is the network end of the chain of round trippers.
	transport *http.Transport
	maxBody   int64
	redact    *redactor
	log       hclog.Logger
}

// response is a response read to the end.
type response struct {
	status     int
	statusLine string // "404 Not Found"
	header     http.Header
	body       []byte
	// url is where the response came from, after redirects.
	url *url.URL
}

// ok reports a 2xx status.
func (r *response) ok() bool { return r.status >= 200 && r.status < 300 }

func newClient(c *config, hosts hostPolicy, creds credentials, tlsConf *tls.Config, red *redactor, log hclog.Logger) *client {
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.TLSClientConfig = tlsConf
	base.MaxIdleConnsPerHost = c.concurrency
	// A server that accepts and never answers, or trickles its body,
	// would hang the sync. Going silent is an error like a dropped
	// connection, so it is retried; taking too long overall is not.
	var rt http.RoundTripper = &timeoutTransport{base: base, idle: c.idleTimeout, total: c.requestTimeout}
	rt = &credentialTransport{base: rt, hosts: hosts, creds: creds, log: log}
	if c.rate > 0 {
		rt = &rateTransport{base: rt, limiter: rate.NewLimiter(rate.Limit(c.rate), 1)}
	}
	cl := &client{transport: base, maxBody: c.maxBody, redact: red, log: log}
	cl.retry = &retryablehttp.Client{
		HTTPClient: &http.Client{
			Transport: rt,
			CheckRedirect: func(req *http.Request, via []*http.Request) error {
				if len(via) >= maxRedirects {
					return fmt.Errorf("%w (%d)", errTooManyRedirects, maxRedirects)
				}
				return checkRedirect(req, via, hosts, red)
			},
		},
		RetryWaitMin: backoffBase,
		RetryWaitMax: backoffCap,
		RetryMax:     c.maxAttempts - 1,
		CheckRetry:   checkRetry,
		Backoff:      backoff,
		ErrorHandler: giveUp,
		RequestLogHook: func(_ retryablehttp.Logger, req *http.Request, retry int) {
			if retry > 0 {
				cl.log.Info("retrying", "method", req.Method, "uri", cl.redact.URL(req.URL), "attempt", retry+1)
			}
		},
	}
	return cl
}

// redirectError is a redirect not followed; a retry would meet it again.
type redirectError struct{ msg string }

func (e *redirectError) Error() string { return e.msg }

// checkRedirect decides whether req, a redirect of via[0], is followed.
// A write (PUT, POST, PATCH, DELETE) is followed only to the same origin
// (scheme, host and port) and as the same method: net/http would send
// the body to wherever the server points, or turn it into a GET whose
// 200 would look like success. Other requests are followed to the hosts
// links may lead to.
func checkRedirect(req *http.Request, via []*http.Request, hosts hostPolicy, red *redactor) error {
	first, prev := via[0], via[len(via)-1]
	status := "a redirect"
	if req.Response != nil {
		status = req.Response.Status
	}
	from, to := red.URL(prev.URL), red.URL(req.URL)
	switch {
	case isWrite(first.Method) && req.Method != first.Method:
		return &redirectError{fmt.Sprintf("%s answered %s to %s, which would turn the %s into a %s: not followed",
			from, status, to, first.Method, req.Method)}
	case isWrite(first.Method) && origin(req.URL) != origin(first.URL):
		return &redirectError{fmt.Sprintf("%s answered %s to %s, another origin: a %s is only sent where it was addressed, not followed",
			from, status, to, first.Method)}
	case !hosts.allowed(req.URL):
		return &redirectError{fmt.Sprintf("%s answered %s to %s, another host: not followed (option allow-host, --allow-host, allows a host)",
			from, status, to)}
	}
	return nil
}

// isWrite reports whether method changes the server's data.
func isWrite(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// giveUp is called when retries end without a usable response. A last
// retryable status is handed back for the caller to report with its body;
// an error says how often it was tried.
func giveUp(resp *http.Response, err error, attempts int) (*http.Response, error) {
	if err == nil {
		return resp, nil
	}
	if resp != nil {
		resp.Body.Close()
	}
	// url.Error repeats method and URL, which the caller names itself.
	if ue, ok := errors.AsType[*url.Error](err); ok {
		err = ue.Err
	}
	if attempts > 1 {
		return nil, fmt.Errorf("%w (after %d attempts)", err, attempts)
	}
	return nil, err
}

// do sends one request (with retries when the method allows) and reads
// the response. body nil sends none. The error, if any, is redacted and
// names neither method nor uri.
func (c *client) do(ctx context.Context, method string, u *url.URL, body []byte, hdr http.Header) (*response, error) {
	if method == http.MethodPost {
		ctx = withoutRetries(ctx)
	}
	var raw any
	if body != nil {
		raw = body
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, method, u.String(), raw)
	if err != nil {
		return nil, c.error(err)
	}
	for name, values := range hdr {
		req.Header[name] = values
	}
	req.Header.Set("User-Agent", "resource-sync-plugin-http/"+Version)
	var out *response
	// Reading the body inside the retry loop makes a connection cut
	// mid-body a retryable error like any other connection error.
	req.SetResponseHandler(func(resp *http.Response) error {
		defer resp.Body.Close()
		r, err := c.read(resp)
		out = r
		return err
	})
	resp, err := c.retry.Do(req)
	if err != nil {
		return nil, c.error(err)
	}
	if out == nil {
		// The last attempt was a retryable status: read it for the message.
		defer resp.Body.Close()
		if out, err = c.read(resp); err != nil {
			return nil, c.error(err)
		}
	}
	// -v shows each request, as the original tool logged each fetch:
	// where the answer came from, after redirects, and its status.
	if c.log.IsInfo() {
		args := []any{"status", out.status}
		if out.url.String() != u.String() {
			args = append(args, "redirected_from", c.redact.URL(u))
		}
		c.log.Info(method+" "+c.redact.URL(out.url), args...)
	}
	return out, nil
}

// read reads resp's body up to the limit.
func (c *client) read(resp *http.Response) (*response, error) {
	tooLarge := func() error {
		return fmt.Errorf("%w: over the limit of %d bytes (option max-body, --max-body)", errBodyTooLarge, c.maxBody)
	}
	if resp.ContentLength > c.maxBody {
		return nil, tooLarge()
	}
	body, err := readBody(resp.Body, resp.ContentLength, c.maxBody)
	if err != nil {
		return nil, fmt.Errorf("reading the response: %w", err)
	}
	if int64(len(body)) > c.maxBody {
		return nil, tooLarge()
	}
	return &response{
		status:     resp.StatusCode,
		statusLine: resp.Status,
		header:     resp.Header,
		body:       body,
		url:        resp.Request.URL,
	}, nil
}

// readBody reads up to limit+1 bytes of body, which says it holds n (-1:
// unknown). A known length is read into one buffer of its size: io.ReadAll
// grew (and cleared) a page's buffer a dozen times, nearly two thirds of
// the CPU of fetching it.
func readBody(body io.Reader, n, limit int64) ([]byte, error) {
	if n < 0 || n > limit {
		return io.ReadAll(io.LimitReader(body, limit+1))
	}
	buf := bytes.NewBuffer(make([]byte, 0, n+bytes.MinRead))
	_, err := buf.ReadFrom(io.LimitReader(body, limit+1))
	return buf.Bytes(), err
}

// error redacts err's message, keeping it unwrappable for errors.Is.
func (c *client) error(err error) error {
	return &redactedError{msg: c.redact.String(err.Error()), err: err}
}

// redactedError is an error whose message has had secrets removed.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// rateTransport caps requests per second across every worker; retries
// and redirects count, since the server sees them.
type rateTransport struct {
	base    http.RoundTripper
	limiter *rate.Limiter
}

func (t *rateTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.limiter.Wait(req.Context()); err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	return t.base.RoundTrip(req)
}

func (t *rateTransport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// closeIdle releases pooled connections.
func (c *client) closeIdle() {
	c.retry.HTTPClient.CloseIdleConnections()
}
