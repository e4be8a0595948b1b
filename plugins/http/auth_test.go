package http

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/resource-sync/resource-sync/sdk"
)

func TestCredentialsSent(t *testing.T) {
	srv, rec := newServer(t, func(w http.ResponseWriter, r *http.Request, _ recorded) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{}`)
	})
	host := strings.TrimPrefix(srv.URL, "http://")
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("ann:pa:ss"))
	for _, tc := range []struct {
		name     string
		location string
		opts     []string
		auth     string
	}{
		{"basic", srv.URL + "/", []string{"username", "ann", "password", "pa:ss"}, basic},
		{"userinfo", "http://ann:pa%3Ass@" + host + "/", nil, basic},
		{"bearer", srv.URL + "/", []string{"token", "t0k"}, "Bearer t0k"},
		{"header overrides", srv.URL + "/", []string{"token", "t0k", "header", "Authorization: Custom x\nX-Api-Key: k1"}, "Custom x"},
	} {
		e := openTest(t, tc.location, tc.opts...)
		if _, errs := collect(t, e.Read(context.Background())); len(errs) != 0 {
			t.Fatalf("%s: %v", tc.name, errs)
		}
		reqs := rec.all()
		h := reqs[len(reqs)-1].Header
		if got := h.Get("Authorization"); got != tc.auth {
			t.Errorf("%s: Authorization %q, want %q", tc.name, got, tc.auth)
		}
		if tc.name == "header overrides" && h.Get("X-Api-Key") != "k1" {
			t.Errorf("%s: X-Api-Key %q", tc.name, h.Get("X-Api-Key"))
		}
	}
}

// redirectServers starts home, whose /go redirects to /here on itself and
// whose /away redirects to other; both record what they get.
func redirectServers(t *testing.T) (homeURL, otherURL string, home, other *recorder) {
	otherSrv, other := newServer(t, func(w http.ResponseWriter, r *http.Request, _ recorded) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"at":"other"}`)
	})
	homeSrv, home := newServer(t, func(w http.ResponseWriter, r *http.Request, _ recorded) {
		switch r.URL.Path {
		case "/go":
			http.Redirect(w, r, "/here", http.StatusFound)
		case "/away":
			// The same host name on another port is another host.
			http.Redirect(w, r, otherSrv.URL+"/landing", http.StatusTemporaryRedirect)
		default:
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"at":"home"}`)
		}
	})
	return homeSrv.URL, otherSrv.URL, home, other
}

// TestNetHTTPRedirectLeaksCredentials records what net/http does by
// itself, which is why credentials are added per hop by the transport:
// it keeps Authorization on a redirect to the same host name on another
// port, and custom headers on a redirect anywhere.
func TestNetHTTPRedirectLeaksCredentials(t *testing.T) {
	home, _, _, other := redirectServers(t)
	req, _ := http.NewRequest(http.MethodGet, home+"/away", nil)
	req.Header.Set("Authorization", "Bearer leaked")
	req.Header.Set("X-Api-Key", "leaked-too")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	h := other.all()[0].Header
	if h.Get("Authorization") != "Bearer leaked" || h.Get("X-Api-Key") != "leaked-too" {
		t.Skipf("net/http no longer forwards credentials across ports (got %q, %q); the transport guard stays anyway", h.Get("Authorization"), h.Get("X-Api-Key"))
	}
}

// TestNoCredentialsOnCrossHostRedirect: a redirect to another host is not
// followed, so neither credentials nor anything else goes there; allowed
// with allow-host, it is followed and the credentials go along, as to any
// allowed host. A redirect within the home host keeps them.
func TestNoCredentialsOnCrossHostRedirect(t *testing.T) {
	home, other, homeRec, otherRec := redirectServers(t)
	for _, opts := range [][]string{
		{"token", "tok-secret", "header", "X-Api-Key: key-secret"},
		{"username", "ann", "password", "pw-secret", "header", "X-Api-Key: key-secret"},
	} {
		e := openTest(t, home+"/", opts...)
		docs, errs := collect(t, e.Fetch(context.Background(), []string{home + "/away", home + "/go"}))
		if len(errs) != 1 || len(docs) != 1 || string(docs[0].Content) != `{"at":"home"}` {
			t.Fatalf("docs %q errs %v", contents(docs), errs)
		}
		mustContain(t, "error", errs[0].Error(), home+"/away", other+"/landing", "another host", "allow-host")
		if n := len(otherRec.all()); n != 0 {
			t.Errorf("%v: the other host got %d requests", opts[0], n)
		}
		for _, r := range homeRec.all()[len(homeRec.all())-3:] {
			if r.Header.Get("Authorization") == "" || r.Header.Get("X-Api-Key") != "key-secret" {
				t.Errorf("%v: home %s got Authorization %q, X-Api-Key %q", opts[0], r.Path, r.Header.Get("Authorization"), r.Header.Get("X-Api-Key"))
			}
		}
	}
	e := openTest(t, home+"/", "token", "tok-secret", "allow-host", strings.TrimPrefix(other, "http://"))
	docs, errs := collect(t, e.Fetch(context.Background(), []string{home + "/away"}))
	if len(errs) != 0 || len(docs) != 1 || string(docs[0].Content) != `{"at":"other"}` {
		t.Fatalf("allowed: docs %q errs %v", contents(docs), errs)
	}
	if got := otherRec.all()[0].Header.Get("Authorization"); got != "Bearer tok-secret" {
		t.Errorf("the allowed host got Authorization %q", got)
	}
}

func TestSecretsNeverInErrorsOrLogs(t *testing.T) {
	const (
		password = "pw-Sup3r-s3cret"
		token    = "tok-Sup3r-s3cret"
		apiKey   = "key-Sup3r-s3cret"
		userPass = "up-Sup3r-s3cret"
	)
	var srvURL string
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request, _ recorded) {
		// A careless server echoes what it got, in headers, body and links.
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Link", fmt.Sprintf(`<http://evil.example/?k=%s&a=%s>; rel="next"`, r.Header.Get("X-Api-Key"), r.Header.Get("Authorization")))
		if r.URL.Path == "/ok" {
			fmt.Fprint(w, `{}`)
			return
		}
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"error":"bad credentials: %s / %s / %s"}`, r.Header.Get("Authorization"), r.Header.Get("X-Api-Key"), r.URL.RawQuery)
	})
	srvURL = srv.URL
	host := strings.TrimPrefix(srvURL, "http://")
	secrets := []string{password, token, apiKey, userPass,
		base64.StdEncoding.EncodeToString([]byte("ann:" + password)),
		base64.StdEncoding.EncodeToString([]byte("bob:" + userPass))}

	var texts []string
	check := func(e testEndpoint) {
		_, errs := collect(t, e.Fetch(context.Background(), []string{srvURL + "/ok", srvURL + "/fail?k=" + apiKey, "http://bob:" + userPass + "@elsewhere.example/x"}))
		for _, err := range errs {
			texts = append(texts, err.Error())
		}
		res := writeAll(t, e.Endpoint, jsonItem(1, "x", "1", srvURL+"/fail", `{}`), jsonItem(2, "x", "2", "http://o/fail?k="+apiKey, `{}`))
		for _, r := range res {
			if r.Status != sdk.Failed {
				t.Errorf("write %+v should fail", r)
			}
			texts = append(texts, r.Err.Error())
		}
		if err := e.Delete(context.Background(), []sdk.Resource{{URI: srvURL + "/fail"}}); err != nil {
			texts = append(texts, err.Error())
		}
		texts = append(texts, e.logs.String())
	}
	check(openTest(t, srvURL+"/", "username", "ann", "password", password, "header", "X-Api-Key: "+apiKey, "max-attempts", "1"))
	check(openTest(t, srvURL+"/", "token", token, "header", "X-Api-Key: "+apiKey, "max-attempts", "1"))
	check(openTest(t, "http://bob:"+userPass+"@"+host+"/", "header", "X-Api-Key: "+apiKey, "max-attempts", "1"))
	// A connection error names the URL too.
	dead, _, err := tryOpen("http://bob:"+userPass+"@127.0.0.1:1/", "max-attempts", "1")
	if err != nil {
		t.Fatal(err)
	}
	_, errs := collect(t, dead.Read(context.Background()))
	texts = append(texts, fmt.Sprint(errs))
	_, _, err = tryOpen("http://bob:"+userPass+"@"+host+"/", "header", "X-Api-Key "+apiKey)
	texts = append(texts, err.Error())

	all := strings.Join(texts, "\n")
	if !strings.Contains(all, "400 Bad Request") || !strings.Contains(all, "bad credentials: Bearer *** / ***") || !strings.Contains(all, "not following") {
		t.Fatalf("the checks did not see the failures they look at:\n%s", all)
	}
	for _, s := range secrets {
		if strings.Contains(all, s) {
			t.Errorf("secret %q appears in:\n%s", s, all)
		}
	}
}

func TestOpenErrorIsSDKErrorWithoutUserinfo(t *testing.T) {
	_, _, err := tryOpen("ftp://bob:hunter2@h/x")
	var se *sdk.Error
	if !errors.As(err, &se) || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "ftp://h/x") {
		t.Errorf("error %v", err)
	}
}
