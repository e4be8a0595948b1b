package http

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/resource-sync/resource-sync/internal/wire/toproto"
	"github.com/resource-sync/resource-sync/sdk"
)

func TestSpecAndPlugin(t *testing.T) {
	s := Spec()
	if s.Name != "http" || strings.Join(s.Schemes, ",") != "http,https" || !s.ConcurrentWrites || s.Open == nil {
		t.Errorf("Spec() = %+v", s)
	}
	if _, ok := s.Implements.(*Endpoint); !ok {
		t.Errorf("Implements is %T, want *Endpoint", s.Implements)
	}
	p := Plugin()
	if p.Name != "http" || p.Version != "1.0.0" || len(p.Endpoints) != 1 || p.Endpoints[0].Name != "http" {
		t.Errorf("Plugin() = %+v", p)
	}
	ep, err := s.Open(context.Background(), sdk.OpenRequest{Location: "http://127.0.0.1:1/api"})
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Close()
	for _, ok := range []bool{isReader(ep), isFetcher(ep), isWriter(ep), isDeleter(ep)} {
		if !ok {
			t.Errorf("Open returned %T, which lacks an endpoint interface", ep)
		}
	}
}

func isReader(e sdk.Endpoint) bool  { _, ok := e.(sdk.Reader); return ok }
func isFetcher(e sdk.Endpoint) bool { _, ok := e.(sdk.Fetcher); return ok }
func isWriter(e sdk.Endpoint) bool  { _, ok := e.(sdk.Writer); return ok }
func isDeleter(e sdk.Endpoint) bool { _, ok := e.(sdk.Deleter); return ok }

func TestOptionDefaults(t *testing.T) {
	c, err := parseOptions(sdk.OpenRequest{})
	if err != nil {
		t.Fatal(err)
	}
	want := config{followNext: true, limit: 100, concurrency: 8, batchSize: 1, maxAttempts: 3, maxBody: 64 << 20}
	if c.followNext != want.followNext || c.limit != want.limit || c.concurrency != want.concurrency ||
		c.batchSize != want.batchSize || c.maxAttempts != want.maxAttempts || c.rate != 0 || c.maxBody != want.maxBody ||
		c.maxPages != 100_000 || c.idleTimeout != 2*time.Minute || c.requestTimeout != 10*time.Minute {
		t.Errorf("defaults = %+v, want %+v", *c, want)
	}
	c, err = parseOptions(sdk.OpenRequest{Follow: sdk.FollowNone,
		Options: map[string]string{"rate": "2.5", "limit": "7", "keep-links": "true", "create-with-post": "true",
			"max-pages": "12", "idle-timeout": "1.5s", "request-timeout": "1h"}})
	if err != nil {
		t.Fatal(err)
	}
	if c.followNext || c.rate != 2.5 || c.limit != 7 || !c.keepLinks || !c.createWithPost ||
		c.maxPages != 12 || c.idleTimeout != 1500*time.Millisecond || c.requestTimeout != time.Hour {
		t.Errorf("parsed %+v", *c)
	}
}

func TestOptionErrors(t *testing.T) {
	for _, tc := range []struct {
		opts map[string]string
		want string
	}{
		{map[string]string{"limit": "0"}, "option limit"},
		{map[string]string{"concurrency": "-1"}, "option concurrency"},
		{map[string]string{"batch-size": "x"}, "option batch-size"},
		{map[string]string{"max-attempts": "1.5"}, "option max-attempts"},
		{map[string]string{"max-body": "0"}, "option max-body"},
		{map[string]string{"max-pages": "0"}, "option max-pages"},
		{map[string]string{"idle-timeout": "0s"}, "option idle-timeout"},
		{map[string]string{"request-timeout": "10"}, `option request-timeout: "10" is not a duration`},
		{map[string]string{"rate": "-1"}, "option rate"},
		{map[string]string{"rate": "NaN"}, "option rate"},
		{map[string]string{"insecure": "yes please"}, "option insecure"},
		{map[string]string{"password": "p"}, "needs username"},
		{map[string]string{"username": "u", "token": "t"}, "exclusive"},
		{map[string]string{"client-cert": "c.pem"}, "go together"},
		{map[string]string{"header": "X-Good: 1\nno colon here"}, "line 2"},
		{map[string]string{"header": "Bad Name: 1"}, "not a valid header name"},
		{map[string]string{"header": "Host: elsewhere"}, "cannot be set"},
		{map[string]string{"allow-host": "http://x.example/"}, "option allow-host"},
		{map[string]string{"allow-host": "ok.example,bad/host"}, "option allow-host"},
		{map[string]string{"ca-cert": "/does/not/exist.pem"}, "option ca-cert"},
	} {
		_, _, err := tryOpen("http://127.0.0.1:1/", flatten(tc.opts)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("options %v: error %v, want one containing %q", tc.opts, err, tc.want)
		}
	}
}

// TestOptionsDeclared: every option is declared to the host, which sends
// no other key; a key the plugin does not declare (from an older host)
// is ignored, not refused, so the protocol can grow.
func TestOptionsDeclared(t *testing.T) {
	desc := toproto.Describe_Response(sdk.Plugin{Name: "http", Endpoints: []sdk.EndpointSpec{Spec()}})
	var names []string
	for _, o := range desc.GetComponents()[0].GetOptions() {
		names = append(names, o.GetName())
	}
	want := "username password token header allow-host batch-size limit max-attempts concurrency rate ca-cert client-cert client-key insecure keep-links create-with-post max-body max-pages idle-timeout request-timeout"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("declared options:\n%s\nwant\n%s", got, want)
	}
	if _, _, err := tryOpen("http://127.0.0.1:1/", "option-from-a-newer-host", "x", "follow", "page"); err != nil {
		t.Errorf("an undeclared key is refused: %v", err)
	}
}

func TestLocationErrors(t *testing.T) {
	for _, loc := range []string{"ftp://h/x", "http:///nohost", "://bad"} {
		if _, _, err := tryOpen(loc); err == nil {
			t.Errorf("Open(%q) succeeded", loc)
		}
	}
}

func TestHeaderOption(t *testing.T) {
	hs, err := parseHeaders("X-Api-Key: k1\r\n\n  X-Trace :  a: b  \n")
	if err != nil {
		t.Fatal(err)
	}
	if len(hs) != 2 || hs[0] != (header{"X-Api-Key", "k1"}) || hs[1] != (header{"X-Trace", "a: b"}) {
		t.Errorf("parseHeaders = %q", hs)
	}
	// A malformed line's text is not quoted: it may be a secret.
	_, err = parseHeaders("secret-value-without-name")
	if err == nil || strings.Contains(err.Error(), "secret-value") {
		t.Errorf("error %v", err)
	}
}

func flatten(m map[string]string) []string {
	var kv []string
	for k, v := range m {
		kv = append(kv, k, v)
	}
	return kv
}

func TestAllowHostPolicy(t *testing.T) {
	hosts, err := parseAllowHosts(" API.example.com , 10.0.0.2:8443,[::1]:9000")
	if err != nil {
		t.Fatal(err)
	}
	p := hostPolicy{home: "home.example:80", allow: hosts}
	for uri, want := range map[string]bool{
		"http://home.example/x":           true,
		"http://HOME.example:80/x":        true,
		"http://home.example:8080/x":      false,
		"https://home.example/x":          false,
		"http://api.example.com:1234/":    true,
		"https://api.example.com/":        true,
		"http://evil.api.example.com/":    false,
		"https://10.0.0.2:8443/":          true,
		"https://10.0.0.2/":               false,
		"http://[::1]:9000/":              true,
		"http://home.example.evil.test/x": false,
	} {
		u := mustURL(t, uri)
		if got := p.allowed(u); got != want {
			t.Errorf("allowed(%s) = %v, want %v", uri, got, want)
		}
	}
}

func TestAcceptHeader(t *testing.T) {
	m := newMediaTypes(testFormats)
	want := "application/json, text/json;q=0.9, application/hal+json;q=0.9, application/yaml;q=0.8, application/x-yaml;q=0.8, text/vnd.yaml;q=0.8, text/yaml;q=0.8, text/x-yaml;q=0.8"
	if m.accept != want {
		t.Errorf("Accept %q\nwant   %q", m.accept, want)
	}
	for ct, want := range map[string]bool{
		"application/json":                 true,
		"Application/JSON; charset=utf-8":  true,
		"application/vnd.api+json":         true,
		"application/hal+json;profile=x":   true,
		"text/yaml":                        true,
		"text/html; charset=utf-8":         false,
		"":                                 false,
		"application/octet-stream":         false,
		"application/problem+json; q=what": true,
	} {
		if got := m.claims(baseMediaType(ct)); got != want {
			t.Errorf("claims(%q) = %v, want %v", ct, got, want)
		}
	}
	if got := newMediaTypes(nil).accept; got != "*/*" {
		t.Errorf("Accept without formats = %q", got)
	}
}
