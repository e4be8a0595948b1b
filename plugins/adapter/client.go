package adapter

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-retryablehttp"

	"github.com/resource-sync/resource-sync/sdk"
)

// auth is how requests are authenticated, with the values expanded.
type auth struct {
	kind               string // "", header, bearer, basic, query
	name               string
	value              string
	username, password string
}

// client sends the adapter's requests: authenticated, retried when that
// is safe, bounded in time and size, and with secrets kept out of every
// message.
type client struct {
	http    *retryablehttp.Client
	auth    auth
	maxBody int64
	secrets []string
	log     hclog.Logger
}

// response is a server's answer, body read.
type response struct {
	status int
	header http.Header
	body   []byte
}

// onceKey marks a request that must be sent once: a POST resent after a
// lost answer could create an item twice.
type onceKey struct{}

var errBodyTooLarge = errors.New("response body too large")

func newClient(opts Options, a auth, log hclog.Logger) *client {
	c := &client{auth: a, maxBody: opts.MaxBody, log: log}
	for _, s := range []string{a.value, a.password} {
		if len(s) >= 4 {
			c.secrets = append(c.secrets, s, url.QueryEscape(s), url.PathEscape(s))
		}
	}
	hc := &http.Client{Timeout: opts.RequestTimeout}
	// A redirect stays on the server the request was addressed to: the
	// credentials travel with every request.
	hc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		first := via[0].URL
		if req.URL.Scheme != first.Scheme || req.URL.Host != first.Host {
			return fmt.Errorf("redirected to another server (%s), which is not followed", req.URL.Redacted())
		}
		if len(via) >= 10 {
			return errors.New("too many redirects")
		}
		return nil
	}
	c.http = &retryablehttp.Client{
		HTTPClient:   hc,
		RetryMax:     opts.MaxAttempts - 1,
		RetryWaitMin: 100 * time.Millisecond,
		RetryWaitMax: 10 * time.Second,
		CheckRetry:   checkRetry,
		Backoff: func(lo, hi time.Duration, attempt int, resp *http.Response) time.Duration {
			if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
				return retryablehttp.DefaultBackoff(lo, hi, attempt, resp) // honours Retry-After
			}
			ceiling := min(hi, lo<<min(attempt, 16))
			return rand.N(ceiling + 1)
		},
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
	return c
}

// checkRetry retries connection errors and "try again later" answers,
// except for requests that must be sent once.
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if ctx.Value(onceKey{}) != nil {
		return false, err
	}
	if err != nil {
		return !errors.Is(err, errBodyTooLarge) && !strings.Contains(err.Error(), "redirect"), nil
	}
	switch resp.StatusCode {
	case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true, nil
	}
	return false, nil
}

func (c *client) close() { c.http.HTTPClient.CloseIdleConnections() }

// do sends one request with a JSON body (nil for none) and reads the
// answer. Any status is an answer; err is for what is not one.
func (c *client) do(ctx context.Context, method string, u *url.URL, body []byte) (*response, error) {
	if method == http.MethodPost {
		ctx = context.WithValue(ctx, onceKey{}, true)
	}
	sent := *u
	if c.auth.kind == "query" {
		q := sent.Query()
		q.Set(c.auth.name, c.auth.value)
		sent.RawQuery = q.Encode()
	}
	var raw any
	if body != nil {
		raw = body
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, method, sent.String(), raw)
	if err != nil {
		return nil, c.errorf(u, "%s: %v", method, err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	switch c.auth.kind {
	case "header":
		req.Header.Set(c.auth.name, c.auth.value)
	case "bearer":
		req.Header.Set("Authorization", "Bearer "+c.auth.value)
	case "basic":
		req.SetBasicAuth(c.auth.username, c.auth.password)
	}
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, c.errorf(u, "%s: %v", method, cleanTransportError(err, &sent, u))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	if err == nil && int64(len(data)) > c.maxBody {
		err = fmt.Errorf("%w: more than %d bytes (option max-body)", errBodyTooLarge, c.maxBody)
	}
	if err != nil {
		return nil, c.errorf(u, "%s: reading the response: %v", method, err)
	}
	c.log.Debug("request", "method", method, "uri", c.redact(u.String()), "status", resp.StatusCode, "took", time.Since(start).Round(time.Millisecond).String())
	return &response{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

// cleanTransportError names the uri as shown, not as sent (with a query
// credential), in a transport error.
func cleanTransportError(err error, sent, shown *url.URL) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return errors.New(strings.ReplaceAll(ue.Err.Error(), sent.String(), shown.String()))
	}
	return err
}

// statusError describes an answer that is not a success.
func (c *client) statusError(method string, u *url.URL, r *response) *sdk.Error {
	msg := serverMessage(r.body)
	status := fmt.Sprintf("%d %s", r.status, http.StatusText(r.status))
	if msg == "" {
		return c.errorf(u, "%s: %s", method, status)
	}
	return c.errorf(u, "%s: %s: %s", method, status, msg)
}

// serverMessage is the start of an error body, on one line.
func serverMessage(body []byte) string {
	s := strings.Join(strings.Fields(string(bytes.ToValidUTF8(body, []byte("?")))), " ")
	if len(s) > 300 {
		cut := 300
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "..."
	}
	return s
}

// errorf is an error about u for the user, without secrets.
func (c *client) errorf(u *url.URL, format string, args ...any) *sdk.Error {
	return &sdk.Error{Source: c.redact(u.String()), Msg: c.redact(fmt.Sprintf(format, args...))}
}

// redact hides the credentials in s, as written or escaped.
func (c *client) redact(s string) string {
	for _, secret := range c.secrets {
		s = strings.ReplaceAll(s, secret, "***")
	}
	return s
}
