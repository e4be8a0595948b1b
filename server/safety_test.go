package server_test

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/resource-sync/resource-sync/server"
)

func TestOptionsAllow(t *testing.T) {
	_, ts := serve(t, server.Options{Dir: widgets(t, 1)})
	for _, tt := range []struct{ path, want string }{
		{"/api/", "GET, OPTIONS"},
		{"/api", "GET, OPTIONS"},
		{"/api/widget", "GET, PATCH, OPTIONS"},
		{"/api/widget/", "GET, PATCH, OPTIONS"},
		{"/api/widget/w00", "GET, PUT, DELETE, OPTIONS"},
		// Nothing there yet: a PUT or a PATCH could make it one.
		{"/api/gadget", "GET, PUT, DELETE, PATCH, OPTIONS"},
	} {
		resp := do(t, "OPTIONS", ts.URL+tt.path, "")
		if resp.status != http.StatusNoContent {
			t.Errorf("OPTIONS %s: %d, want 204", tt.path, resp.status)
		}
		if got := resp.header.Get("Allow"); got != tt.want {
			t.Errorf("OPTIONS %s: Allow %q, want %q", tt.path, got, tt.want)
		}
	}
}

func TestMethodNotAllowed(t *testing.T) {
	dir := widgets(t, 1)
	_, ts := serve(t, server.Options{Dir: dir})
	for _, tt := range []struct{ method, path, allow string }{
		{"PUT", "/api/widget", "GET, PATCH, OPTIONS"},
		{"DELETE", "/api/widget", "GET, PATCH, OPTIONS"},
		{"PATCH", "/api/widget/w00", "GET, PUT, DELETE, OPTIONS"},
		{"POST", "/api/widget", "GET, PATCH, OPTIONS"},
		{"DELETE", "/api/", "GET, OPTIONS"},
	} {
		resp := do(t, tt.method, ts.URL+tt.path, `{"id": "x"}`)
		if resp.status != http.StatusMethodNotAllowed {
			t.Errorf("%s %s: %d, want 405", tt.method, tt.path, resp.status)
			continue
		}
		if got := resp.header.Get("Allow"); got != tt.allow {
			t.Errorf("%s %s: Allow %q, want %q", tt.method, tt.path, got, tt.allow)
		}
		if msg := resp.errorMessage(t); !strings.Contains(msg, tt.method) {
			t.Errorf("%s %s: error %q does not name the method", tt.method, tt.path, msg)
		}
	}
	if got := files(t, dir); !reflect.DeepEqual(got, []string{"widget/w00.json"}) {
		t.Errorf("files = %v", got)
	}
}

func TestBodyTooLarge(t *testing.T) {
	dir := t.TempDir()
	_, ts := serve(t, server.Options{Dir: dir, MaxBodyBytes: 64})
	big := `{"id": "o1", "padding": "` + strings.Repeat("x", 100) + `"}`

	resp := do(t, "PUT", ts.URL+"/api/order/o1", big)
	if resp.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("PUT: %d, want 413", resp.status)
	}
	if msg := resp.errorMessage(t); !strings.Contains(msg, "64") {
		t.Errorf("error %q does not give the limit", msg)
	}

	// Without a Content-Length the limit holds while reading.
	req, _ := http.NewRequest("PATCH", ts.URL+"/api/order", io.MultiReader(strings.NewReader(`{"items": [`), strings.NewReader(big+"]}")))
	req.Header.Set("Content-Type", "application/json")
	req.ContentLength = -1
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("chunked PATCH: %d, want 413", r.StatusCode)
	}

	if resp := do(t, "PUT", ts.URL+"/api/order/o1", `{"id": "o1"}`); resp.status != http.StatusCreated {
		t.Errorf("small PUT: %d", resp.status)
	}
	if got := files(t, dir); !reflect.DeepEqual(got, []string{"order/o1.json"}) {
		t.Errorf("files = %v", got)
	}
}

func TestEscapingNamesAreRefused(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "served")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	_, ts := serve(t, server.Options{Dir: dir})

	for _, path := range []string{
		"/api/order/%2E%2E",
		"/api/%2E%2E/evil",
		"/api/order/..",
		"/api/../../evil",
		"/api/order/.",
		"/api/order/..%2F..%2Fevil",
		"/api/order/a%2Fb",
		"/api/order/a%5Cb",
		"/api/order/a%00b",
		"/api/order/.hidden",
		"/api/.git/config",
		"/api/order/%FF",
		"/api//order/o1",
		"/evil",
		"/api/evil",
	} {
		for _, method := range []string{"PUT", "DELETE", "PATCH"} {
			body := `{"items": []}`
			if method == "PUT" {
				body = `{"x": 1}`
			}
			resp := do(t, method, ts.URL+path, body)
			if method == "PATCH" && resp.status == http.StatusOK {
				continue // an empty batch on a harmless collection path
			}
			if resp.status != http.StatusBadRequest {
				t.Errorf("%s %s: %d, want 400: %s", method, path, resp.status, resp.body)
				continue
			}
			resp.errorMessage(t)
		}
	}
	// PATCH items are names too.
	for _, id := range []string{"..", "../evil", `a\\b`, ".hidden", ""} {
		body := `{"items": [{"id": "` + id + `"}]}`
		if resp := do(t, "PATCH", ts.URL+"/api/order", body); resp.status != http.StatusBadRequest {
			t.Errorf("PATCH item id %q: %d, want 400", id, resp.status)
		}
	}
	if got := files(t, parent); len(got) != 0 {
		t.Errorf("refused requests wrote %v", got)
	}
}

func TestTokenRequired(t *testing.T) {
	_, ts := serve(t, server.Options{Dir: widgets(t, 1), Token: "s3cret"})
	for _, tt := range []struct {
		name, method, auth string
		want               int
	}{
		{"none", "GET", "", http.StatusUnauthorized},
		{"wrong", "GET", "Bearer nope", http.StatusUnauthorized},
		{"prefix of the token", "GET", "Bearer s3cre", http.StatusUnauthorized},
		{"basic", "GET", "Basic czNjcmV0", http.StatusUnauthorized},
		{"options without", "OPTIONS", "", http.StatusUnauthorized},
		{"put without", "PUT", "", http.StatusUnauthorized},
		{"right", "GET", "Bearer s3cret", http.StatusOK},
		{"scheme case", "GET", "bearer s3cret", http.StatusOK},
		{"options with", "OPTIONS", "Bearer s3cret", http.StatusNoContent},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var header []string
			if tt.auth != "" {
				header = append(header, "Authorization: "+tt.auth)
			}
			body := ""
			if tt.method == "PUT" {
				body = `{"id": "w00"}`
			}
			resp := do(t, tt.method, ts.URL+"/api/widget/w00", body, header...)
			if resp.status != tt.want {
				t.Fatalf("%d, want %d", resp.status, tt.want)
			}
			if tt.want == http.StatusUnauthorized {
				if got := resp.header.Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer ") {
					t.Errorf("WWW-Authenticate = %q", got)
				}
				if msg := resp.errorMessage(t); strings.Contains(msg, "s3cret") {
					t.Errorf("error leaks the token: %q", msg)
				}
			}
		})
	}
}

func TestBadBodies(t *testing.T) {
	dir := t.TempDir()
	_, ts := serve(t, server.Options{Dir: dir})
	url := ts.URL + "/api/order/o1"
	for _, tt := range []struct {
		name, contentType, body string
		status                  int
		want                    string
	}{
		{"syntax", "application/json", "{\n  \"id\": \"o1\",\n  x\n}", 400, "line 3, column 3"},
		{"truncated", "application/json", `{"id": "o1",`, 400, "not valid JSON"},
		{"trailing data", "application/json", `{"id": "o1"} {}`, 400, "not valid JSON"},
		{"array", "application/json", `[{"id": "o1"}]`, 400, "must be a JSON object"},
		{"empty", "application/json", " ", 400, "empty"},
		{"plain text", "text/plain", `{"id": "o1"}`, 415, "text/plain"},
		{"yaml without a yaml formatter", "application/yaml", "id: o1\n", 415, "application/yaml"},
		{"bad content type", "application/", `{"id": "o1"}`, 415, "Content-Type"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp := do(t, "PUT", url, tt.body, "Content-Type: "+tt.contentType)
			if resp.status != tt.status {
				t.Fatalf("%d, want %d: %s", resp.status, tt.status, resp.body)
			}
			if msg := resp.errorMessage(t); !strings.Contains(msg, tt.want) {
				t.Errorf("error %q does not contain %q", msg, tt.want)
			}
		})
	}
	for _, ct := range []string{"application/hal+json", "application/json; charset=utf-8", "application/vnd.acme+json", ""} {
		resp := do(t, "PUT", url, `{"id": "o1"}`, "Content-Type: "+ct)
		if resp.status != http.StatusCreated && resp.status != http.StatusOK {
			t.Errorf("Content-Type %q: %d %s", ct, resp.status, resp.body)
		}
	}
	if got := files(t, dir); !reflect.DeepEqual(got, []string{"order/o1.json"}) {
		t.Errorf("files = %v", got)
	}
}
