package http

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sync"

	"github.com/hashicorp/go-hclog"
	"github.com/resource-sync/resource-sync/sdk"
)

var (
	_ sdk.Endpoint = (*Endpoint)(nil)
	_ sdk.Reader   = (*Endpoint)(nil)
	_ sdk.Fetcher  = (*Endpoint)(nil)
	_ sdk.Writer   = (*Endpoint)(nil)
	_ sdk.Deleter  = (*Endpoint)(nil)

	_ sdk.Recommender = (*Endpoint)(nil)
)

// Endpoint is an open HTTP(S) location: an API to read from (the location
// is the first page) or to write to (the location is the base URL).
type Endpoint struct {
	location *url.URL
	// display is the location as shown in messages, without secrets.
	display    string
	cfg        *config
	hosts      hostPolicy
	client     *client
	media      mediaTypes
	stripLinks bool
	redact     *redactor
	log        hclog.Logger

	mu sync.Mutex
	// trav is the current traversal: what the last Read and the Fetch
	// calls since fetched.
	trav *traversal

	// patchable caches, per collection URL, whether it accepts PATCH.
	patchable sync.Map // string -> *allowEntry

	nonJSONOnce sync.Once

	// conditional: the host keeps what it made of each page between
	// reads, so pages are read with conditional GETs (conditional.go).
	conditional bool
	memos       pageMemos
}

// Open validates the location and options; it sends no request.
func Open(ctx context.Context, req sdk.OpenRequest) (sdk.Endpoint, error) {
	return open(req, sdk.Logger())
}

// open is Open with the logger to use, which tests replace.
func open(req sdk.OpenRequest, log hclog.Logger) (*Endpoint, error) {
	loc, userinfo, err := parseLocation(req.Location)
	if err != nil {
		return nil, &sdk.Error{Source: cleanLocation(req.Location), Msg: "not an http(s) location: " + err.Error()}
	}
	var noCredentials *redactor // the options are not parsed yet
	shown := noCredentials.URL(loc)
	cfg, err := parseOptions(req)
	if err != nil {
		return nil, &sdk.Error{Source: shown, Msg: err.Error()}
	}
	red := newRedactor(cfg, userinfo, loc)
	creds := credentials{token: cfg.token, extra: http.Header{}}
	switch {
	case cfg.username != "":
		creds.basic, creds.username, creds.password = true, cfg.username, cfg.password
	case userinfo != nil && cfg.token == "":
		// user:password@host in the location, as curl takes it.
		pass, _ := userinfo.Password()
		creds.basic, creds.username, creds.password = true, userinfo.Username(), pass
	}
	for _, h := range cfg.headers {
		creds.extra.Add(h.name, h.value)
	}
	tlsConf, err := tlsConfig(cfg)
	if err != nil {
		return nil, &sdk.Error{Source: red.String(shown), Msg: red.String(err.Error())}
	}
	e := &Endpoint{
		location:   loc,
		display:    red.URL(loc),
		cfg:        cfg,
		hosts:      newHostPolicy(loc, cfg.allowHosts),
		media:      newMediaTypes(req.Formats),
		stripLinks: req.Schema == "hal" && !cfg.keepLinks,
		redact:     red,
		log:        log,
		trav:       newTraversal(),
		// An origin read again and again (watch), or a destination
		// listed again in the next sync (RestoreMemos).
		conditional: req.ConditionalReads,
	}
	e.client = newClient(cfg, e.hosts, creds, tlsConf, red, log)
	if cfg.insecure {
		log.Warn("TLS certificate verification is off (option insecure): anyone on the network path can read and change this traffic", "location", e.display)
	}
	return e, nil
}

// cleanLocation shows a location that failed to parse without anything
// that looks like userinfo.
func cleanLocation(s string) string {
	if u, err := url.Parse(s); err == nil {
		var noCredentials *redactor
		return noCredentials.URL(u)
	}
	return "(unparsable location)"
}

// Close releases idle connections.
func (e *Endpoint) Close() error {
	e.client.closeIdle()
	return nil
}

// errorf builds the user-facing error about uri, with secrets removed.
func (e *Endpoint) errorf(uri string, format string, args ...any) *sdk.Error {
	return &sdk.Error{Source: e.redact.String(uri), Msg: e.redact.String(fmt.Sprintf(format, args...))}
}

// statusError describes a failed response: method, status and the start
// of the server's message.
func (e *Endpoint) statusError(method string, u *url.URL, r *response) *sdk.Error {
	msg := serverMessage(r.body)
	if msg == "" {
		return e.errorf(e.redact.URL(u), "%s: %s", method, r.statusLine)
	}
	return e.errorf(e.redact.URL(u), "%s: %s: %s", method, r.statusLine, msg)
}

// Recommend says how a write builds its bodies: under the HAL schema
// without keep-links, a JSON body is the resource's canonical JSON less
// its links (body), so the host need not encode resources for it.
func (e *Endpoint) Recommend() sdk.Recommendation {
	return sdk.Recommendation{JSONBodies: e.stripLinks}
}
