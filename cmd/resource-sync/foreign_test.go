package main

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

// foreignAPI serves JSON that is not what the schemas expect: a list of
// things identified by "uuid", and a list where one item has no id.
func foreignAPI(t *testing.T) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /things", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`[{"uuid": "a1", "name": "one"}, {"uuid": "b2", "name": "two"}, {"uuid": "c3", "name": "three"}]`))
	})
	mux.HandleFunc("GET /posts", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`[{"id": 1, "title": "kept"}, {"title": "no id"}]`))
	})
	api := httptest.NewServer(mux)
	t.Cleanup(api.Close)
	return api.URL
}

// Data a schema cannot read over HTTP is an error naming its uri, never a
// sync of what little it recognised; when it recognises nothing at all,
// the error suggests the other schemas.
func TestForeignDataOverHTTP(t *testing.T) {
	url := foreignAPI(t)
	tests := map[string]struct {
		args []string
		want []string
	}{
		"simple, none recognised": {
			args: []string{"--simple", url + "/things"},
			want: []string{
				"Error: 4 problems in the input; nothing was written",
				url + "/things:1: document has no id",
				"the simple schema recognised none of the 3 documents of " + url + "/things; if they are resources of another kind, try another schema: hal (--schema NAME)",
			},
		},
		"hal, none recognised": {
			args: []string{"--hal", url + "/things"},
			want: []string{
				url + "/things:1: document has no id",
				"the hal schema recognised none of the 3 documents of " + url + "/things; if they are resources of another kind, try another schema: simple (--schema NAME; --simple reads plain JSON with id and type fields)",
			},
		},
		"simple, one of two without id": {
			args: []string{"--simple", url + "/posts"},
			want: []string{"Error: " + url + "/posts:1: document has no id"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			dest := filepath.Join(t.TempDir(), "out")
			r := runCLI(t, append(tc.args, dest)...)
			if r.code != 1 {
				t.Errorf("exit %d, want 1", r.code)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr does not say %q:\n%s", w, r.stderr)
				}
			}
			if strings.Contains(r.stderr, " read: ") {
				t.Errorf("stderr reports a sync:\n%s", r.stderr)
			}
		})
	}
}
