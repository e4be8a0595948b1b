package http

import (
	"net/http"
	"sync"

	"github.com/hashicorp/go-hclog"
)

// credentials are what identifies the user to the API: basic auth or a
// bearer token, and the extra headers.
type credentials struct {
	username, password string
	basic              bool
	token              string
	// extra replaces headers of the same name the request has.
	extra http.Header
}

func (c credentials) empty() bool {
	return !c.basic && c.token == "" && len(c.extra) == 0
}

// credentialTransport adds credentials to a request only when it goes to a
// host the user named, over a scheme at least as safe as the location's
// (hostPolicy.credentialsAllowed). It works per hop: net/http keeps
// Authorization on a redirect to the same host name on another port or to
// a subdomain, and copies custom headers (X-Api-Key) to any host, so
// credentials are never put on the request the client sees, only on what
// leaves for an allowed host.
type credentialTransport struct {
	base  http.RoundTripper
	hosts hostPolicy
	creds credentials
	log   hclog.Logger
	// warned holds the hosts told about credentials withheld from plain
	// http, to warn once per host.
	warned sync.Map
}

func (t *credentialTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.creds.empty() || !t.hosts.credentialsAllowed(req.URL) {
		if !t.creds.empty() && t.hosts.allowed(req.URL) {
			if _, seen := t.warned.LoadOrStore(hostKey(req.URL), true); !seen {
				t.log.Warn("sending no credentials over plain http: they were given for an https location", "host", req.URL.Host)
			}
		}
		return t.base.RoundTrip(req)
	}
	// A RoundTripper must not modify the caller's request.
	r := req.Clone(req.Context())
	switch {
	case t.creds.basic:
		r.SetBasicAuth(t.creds.username, t.creds.password)
	case t.creds.token != "":
		r.Header.Set("Authorization", "Bearer "+t.creds.token)
	}
	for name, values := range t.creds.extra {
		r.Header[name] = values
	}
	return t.base.RoundTrip(r)
}

func (t *credentialTransport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}
