package http

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/resource-sync/resource-sync/internal/testserver"
)

// dualServer serves h over HTTPS and plain HTTP on one port, as a server
// behind a careless proxy may: https://ADDR and http://ADDR are the same
// host and port. It returns ADDR and a file with the CA to trust.
func dualServer(t *testing.T, h http.Handler) (addr, caFile string) {
	d, err := testserver.NewDual(h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	caFile = filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, d.CertPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return d.Addr, caFile
}

// schemeRecorder records, per path, the scheme and Authorization of each
// request.
type schemeRecorder struct {
	mu   sync.Mutex
	seen map[string][]string // path -> "https Bearer x"
}

func (s *schemeRecorder) add(r *http.Request) {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seen[r.URL.Path] = append(s.seen[r.URL.Path], strings.TrimSpace(scheme+" "+r.Header.Get("Authorization")))
}

func (s *schemeRecorder) get(path string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seen[path]
}

// TestNoCredentialsOnSchemeDowngrade: with a token given for an https
// location, a next link and a redirect to plain http on the same host and
// port are followed without the token (and with one warning); a link
// from an http location up to https on the same host and port keeps it.
func TestNoCredentialsOnSchemeDowngrade(t *testing.T) {
	rec := &schemeRecorder{seen: map[string][]string{}}
	var addr string
	addr, ca := dualServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.add(r)
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/start":
			w.Header().Set("Link", `<http://`+addr+`/plain-next>; rel="next"`)
		case "/redirect":
			http.Redirect(w, r, "http://"+addr+"/plain-landing", http.StatusFound)
			return
		case "/up":
			w.Header().Set("Link", `<https://`+addr+`/secure-next>; rel="next"`)
		}
		io.WriteString(w, `{"path":"`+r.URL.Path+`"}`)
	}))

	e := openTest(t, "https://"+addr+"/start", "token", "tok-secret", "ca-cert", ca)
	docs, errs := collect(t, e.Read(context.Background()))
	if len(errs) != 0 || len(docs) != 2 {
		t.Fatalf("docs %q errs %v", contents(docs), errs)
	}
	docs, errs = collect(t, e.Fetch(context.Background(), []string{"https://" + addr + "/redirect"}))
	if len(errs) != 0 || len(docs) != 1 {
		t.Fatalf("redirect: docs %q errs %v", contents(docs), errs)
	}
	for path, want := range map[string]string{
		"/start": "https Bearer tok-secret", "/plain-next": "http",
		"/redirect": "https Bearer tok-secret", "/plain-landing": "http",
	} {
		if got := rec.get(path); len(got) != 1 || got[0] != want {
			t.Errorf("%s got %q, want [%q]", path, got, want)
		}
	}
	if n := strings.Count(e.logs.String(), "sending no credentials over plain http"); n != 1 {
		t.Errorf("warned %d times, want once:\n%s", n, e.logs.String())
	}

	// Given for plain http, the token may go to https on that host and port.
	e = openTest(t, "http://"+addr+"/up", "token", "tok-plain", "ca-cert", ca)
	if docs, errs := collect(t, e.Read(context.Background())); len(errs) != 0 || len(docs) != 2 {
		t.Fatalf("upgrade: docs %q errs %v", contents(docs), errs)
	}
	if got := rec.get("/secure-next"); len(got) != 1 || got[0] != "https Bearer tok-plain" {
		t.Errorf("/secure-next got %q", got)
	}
}

func TestCredentialsAllowed(t *testing.T) {
	secure, _, _ := parseLocation("https://api.example:8443/")
	plain, _, _ := parseLocation("http://api.example:8080/")
	for _, tc := range []struct {
		policy hostPolicy
		uri    string
		want   bool
	}{
		{newHostPolicy(secure, nil), "https://api.example:8443/x", true},
		{newHostPolicy(secure, nil), "http://api.example:8443/x", false},
		{newHostPolicy(secure, nil), "HTTPS://API.example:8443/x", true},
		{newHostPolicy(secure, []string{"cdn.example"}), "http://cdn.example/x", false},
		{newHostPolicy(secure, []string{"cdn.example"}), "https://cdn.example/x", true},
		{newHostPolicy(secure, nil), "https://api.example/x", false},
		{newHostPolicy(plain, nil), "http://api.example:8080/x", true},
		{newHostPolicy(plain, nil), "https://api.example:8080/x", true},
		{newHostPolicy(plain, nil), "https://api.example/x", false},
	} {
		u, _, err := parseLocation(tc.uri)
		if err != nil {
			t.Fatal(err)
		}
		if got := tc.policy.credentialsAllowed(u); got != tc.want {
			t.Errorf("secure %v, allow %v: credentialsAllowed(%s) = %v, want %v", tc.policy.secure, tc.policy.allow, tc.uri, got, tc.want)
		}
	}
}
