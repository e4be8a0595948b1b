package http

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/resource-sync/resource-sync/sdk"
)

func TestSensitiveParam(t *testing.T) {
	for name, want := range map[string]bool{
		"api_key": true, "apikey": true, "API-Key": true, "key": true, "subscription-key": true,
		"token": true, "access_token": true, "refresh_token": true, "X-Amz-Security-Token": true,
		"password": true, "passwd": true, "pwd": true, "secret": true, "client_secret": true,
		"signature": true, "X-Amz-Signature": true, "sig": true, "X-Amz-Credential": true, "auth": true,
		"page": false, "limit": false, "offset": false, "q": false, "author": false, "id": false, "sort": false,
	} {
		if got := sensitiveParam(name); got != want {
			t.Errorf("sensitiveParam(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestRedactText(t *testing.T) {
	r := newRedactor(&config{}, nil, nil)
	for in, want := range map[string]string{
		"http://h/x?api_key=abc&page=2":                          "http://h/x?api_key=***&page=2",
		"GET http://h/x?page=2&access_token=a.b.c: 400":          "GET http://h/x?page=2&access_token=***: 400",
		`bad request: "http://h/?sig=zz%2F1;p=1" token=t0k,x`:    `bad request: "http://h/?sig=***;p=1" token=***,x`,
		"https://b.s3/o?X-Amz-Signature=deadbeef#frag":           "https://b.s3/o?X-Amz-Signature=***#frag",
		"no params here; a=b c=d":                                "no params here; a=b c=d",
		"http://h/x?Password=&user=ann":                          "http://h/x?Password=&user=ann",
		"http://h/x?client%5Fsecret=s1&next=http://h/?token=s2":  "http://h/x?client%5Fsecret=***&next=http://h/?token=***",
		"error from server: invalid apiKey=K-123 (check config)": "error from server: invalid apiKey=*** (check config)",
	} {
		if got := r.String(in); got != want {
			t.Errorf("String(%q) =\n  %q, want\n  %q", in, got, want)
		}
	}
}

// TestQuerySecretsRedacted: secrets in the location's query string, and in
// the query strings of links the server sends, appear neither in errors
// nor in the -v log, even where the server echoes them in its own words.
func TestQuerySecretsRedacted(t *testing.T) {
	const (
		apiKey = "k3y-in-the-location"
		linked = "t0ken-in-a-next-link"
		signed = "s1gnature-in-a-redirect"
	)
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request, _ recorded) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/start":
			w.Header().Set("Link", `</page2?access_token=`+linked+`>; rel="next"`)
			fmt.Fprint(w, `{}`)
		case "/page2":
			http.Redirect(w, r, "/signed?X-Amz-Signature="+signed, http.StatusFound)
		default:
			// A careless server quotes the request back, in plain words.
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintf(w, `{"error":"forbidden: %s (your key was %s)"}`, r.URL.RawQuery, r.URL.Query().Get("api_key"))
		}
	})
	e := openTest(t, srv.URL+"/start?api_key="+apiKey, "max-attempts", "1")
	docs, errs := collect(t, e.Read(context.Background()))
	_, moreErrs := collect(t, e.Fetch(context.Background(), []string{srv.URL + "/denied?api_key=" + apiKey}))
	res := writeAll(t, e.Endpoint, jsonItem(1, "x", "1", srv.URL+"/denied?api_key="+apiKey, `{}`))
	if len(docs) != 1 || len(errs) != 1 || len(moreErrs) != 1 || res[1].Status != sdk.Failed {
		t.Fatalf("docs %q errs %v %v write %+v; want page 1, then two failures", contents(docs), errs, moreErrs, res[1])
	}
	all := strings.Join([]string{errs[0].Error(), moreErrs[0].Error(), res[1].Err.Error(), e.logs.String(), docs[0].URI, docs[0].Source}, "\n")
	for _, want := range []string{"403 Forbidden", "/start?api_key=***", "/page2?access_token=***", "X-Amz-Signature=***", "your key was ***"} {
		if !strings.Contains(all, want) {
			t.Errorf("%q not seen; the test no longer looks where it should:\n%s", want, all)
		}
	}
	for _, secret := range []string{apiKey, linked, signed} {
		if strings.Contains(all, secret) {
			t.Errorf("secret %q appears in:\n%s", secret, all)
		}
	}
}

// TestOpenErrorsHideQuerySecrets: errors about the location or the options,
// made before credentials are known, hide secret query values too.
func TestOpenErrorsHideQuerySecrets(t *testing.T) {
	for _, tc := range []struct {
		location string
		opts     []string
	}{
		{"http://127.0.0.1:1/?api_key=k3y-s3cret-value", []string{"limit", "0"}},
		{"ftp://h/x?token=k3y-s3cret-value", nil},
		{"http://127.0.0.1:1/?access_token=k3y-s3cret-value", []string{"ca-cert", "/does/not/exist.pem"}},
	} {
		_, _, err := tryOpen(tc.location, tc.opts...)
		if err == nil || strings.Contains(err.Error(), "k3y-s3cret-value") || !strings.Contains(err.Error(), "=***") {
			t.Errorf("open %s: error %v, want one with the secret hidden", tc.location, err)
		}
	}
}
