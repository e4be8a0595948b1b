package http

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/resource-sync/resource-sync/sdk"
)

// config is the validated form of OpenRequest.Options.
type config struct {
	followNext bool
	// pageLinks are the schema's JSON pointers to a page's next page.
	pageLinks      [][]string
	limit          int
	concurrency    int
	batchSize      int
	maxAttempts    int
	rate           float64
	maxBody        int64
	maxPages       int
	idleTimeout    time.Duration
	requestTimeout time.Duration
	username       string
	password       string
	token          string
	headers        []header
	allowHosts     []string
	caCert         string
	clientCert     string
	clientKey      string
	insecure       bool
	keepLinks      bool
	createWithPost bool
}

// header is one extra request header from the "header" option.
type header struct{ name, value string }

// Options are the http endpoint's options. Their tags declare them to the
// host, which checks names and types before anything starts and builds
// resource-sync's --help from them (see sdk.OpenRequest.DecodeOptions).
type Options struct {
	Username       string   `option:"username,credential" help:"HTTP basic auth user; the password comes from $RESOURCE_SYNC_PASSWORD or a prompt"`
	Password       string   `option:"password,secret,credential" help:"HTTP basic auth password (give it as '${env:VARIABLE}')"`
	Token          string   `option:"token,secret,credential" env:"RESOURCE_SYNC_TOKEN" help:"HTTP bearer token"`
	Headers        []string `option:"header,secret,credential" help:"extra HTTP header 'Name: value'"`
	AllowHosts     []string `option:"allow-host,credential" help:"also follow links to this host (host or host:port, comma separated); credentials are sent there too"`
	BatchSize      int      `option:"batch-size" default:"1" min:"1" help:"PATCH up to N consecutive resources of a type at once, when the API allows PATCH"`
	Limit          int      `option:"limit" default:"100" min:"1" help:"page size asked for, as X-Request-Limit"`
	MaxAttempts    int      `option:"max-attempts" default:"3" min:"1" help:"attempts per idempotent HTTP request"`
	Concurrency    int      `option:"concurrency" default:"8" min:"1" help:"HTTP requests in flight"`
	Rate           float64  `option:"rate" min:"0" help:"at most this many HTTP requests per second (0: no cap)"`
	CACert         string   `option:"ca-cert,credential" help:"PEM file of extra CAs to trust for HTTPS"`
	ClientCert     string   `option:"client-cert,credential" help:"PEM client certificate for HTTPS"`
	ClientKey      string   `option:"client-key,credential" help:"PEM key of the client certificate"`
	Insecure       bool     `option:"insecure,credential" help:"do not verify HTTPS certificates (dangerous)"`
	KeepLinks      bool     `option:"keep-links" help:"send HAL _links and _embedded in bodies written to HTTP"`
	CreateWithPost bool     `option:"create-with-post" help:"when PUT answers 404 or 405, POST to the collection instead"`
	MaxBody        int64    `option:"max-body" default:"67108864" min:"1" help:"largest response body accepted, in bytes"`
	// Limits that keep a misbehaving server from holding a sync forever.
	MaxPages       int           `option:"max-pages" default:"100000" min:"1" help:"most pages read from one collection: its next links may never end"`
	IdleTimeout    time.Duration `option:"idle-timeout" default:"2m" help:"longest the server may send nothing, before its headers or in a body"`
	RequestTimeout time.Duration `option:"request-timeout" default:"10m" help:"longest one attempt of a request may take, body included"`
}

// parseOptions decodes and checks the options the host sent.
func parseOptions(req sdk.OpenRequest) (*config, error) {
	var o Options
	if err := req.DecodeOptions(&o); err != nil {
		return nil, err
	}
	if math.IsInf(o.Rate, 0) || math.IsNaN(o.Rate) {
		return nil, fmt.Errorf("option rate: %g is not a number of requests per second", o.Rate)
	}
	for name, d := range map[string]time.Duration{"idle-timeout": o.IdleTimeout, "request-timeout": o.RequestTimeout} {
		if d <= 0 {
			return nil, fmt.Errorf("option %s: %s is not a duration > 0 such as 30s or 2m", name, d)
		}
	}
	c := &config{
		followNext:     req.Follow != sdk.FollowNone,
		limit:          o.Limit,
		concurrency:    o.Concurrency,
		batchSize:      o.BatchSize,
		maxAttempts:    o.MaxAttempts,
		rate:           o.Rate,
		maxBody:        o.MaxBody,
		maxPages:       o.MaxPages,
		idleTimeout:    o.IdleTimeout,
		requestTimeout: o.RequestTimeout,
		username:       o.Username,
		password:       o.Password,
		token:          o.Token,
		caCert:         o.CACert,
		clientCert:     o.ClientCert,
		clientKey:      o.ClientKey,
		insecure:       o.Insecure,
		keepLinks:      o.KeepLinks,
		createWithPost: o.CreateWithPost,
		pageLinks:      pageLinkPointers(req.PageLinks),
	}
	if c.password != "" && c.username == "" {
		return nil, fmt.Errorf("option password needs username")
	}
	if c.token != "" && c.username != "" {
		return nil, fmt.Errorf("options token and username are exclusive: use one kind of credentials")
	}
	if (c.clientCert == "") != (c.clientKey == "") {
		return nil, fmt.Errorf("options client-cert and client-key go together")
	}
	var err error
	if c.headers, err = parseHeaders(strings.Join(o.Headers, "\n")); err != nil {
		return nil, err
	}
	if c.allowHosts, err = parseAllowHosts(strings.Join(o.AllowHosts, ",")); err != nil {
		return nil, err
	}
	return c, nil
}

// parseHeaders reads "Name: value" lines. The error never quotes a line:
// header values are often secrets.
func parseHeaders(s string) ([]header, error) {
	var hs []header
	for i, line := range strings.Split(s, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		switch {
		case !ok:
			return nil, fmt.Errorf("option header: line %d is not \"Name: value\"", i+1)
		case !validHeaderName(name):
			return nil, fmt.Errorf("option header: line %d: %q is not a valid header name", i+1, name)
		case !validHeaderValue(value):
			return nil, fmt.Errorf("option header: line %d (%s): the value holds control characters", i+1, name)
		case strings.EqualFold(name, "Host"), strings.EqualFold(name, "Content-Length"):
			return nil, fmt.Errorf("option header: line %d: %s cannot be set", i+1, name)
		}
		hs = append(hs, header{name, value})
	}
	return hs, nil
}

// validHeaderName reports whether name is an RFC 9110 token.
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if r >= 0x7f || r <= ' ' || strings.ContainsRune("\"(),/:;<=>?@[\\]{}", r) {
			return false
		}
	}
	return true
}

func validHeaderValue(v string) bool {
	for _, r := range v {
		if (r < ' ' && r != '\t') || r == 0x7f {
			return false
		}
	}
	return true
}

// parseAllowHosts reads "host[:port]" entries, lower-cased.
func parseAllowHosts(s string) ([]string, error) {
	var hosts []string
	for h := range strings.SplitSeq(s, ",") {
		h = strings.ToLower(strings.TrimSpace(h))
		if h == "" {
			continue
		}
		if strings.ContainsAny(h, "/@?#") {
			return nil, fmt.Errorf("option allow-host: %q is not a host or host:port", h)
		}
		hosts = append(hosts, h)
	}
	return hosts, nil
}
