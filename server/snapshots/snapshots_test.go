package snapshots_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/resource-sync/resource-sync/plugins/snapshot/store"
	"github.com/resource-sync/resource-sync/server/snapshots"
)

func newServer(t *testing.T, opts snapshots.Options) *httptest.Server {
	t.Helper()
	opts.Dir = filepath.Join(t.TempDir(), "store")
	srv, err := snapshots.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts
}

func do(t *testing.T, method, url, token string, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

// TestAPI walks the seed's API: a manifest upload answers what is
// missing, PUTs must match their hash, and the manifest is complete once
// they are all there.
func TestAPI(t *testing.T) {
	ts := newServer(t, snapshots.Options{MaxBodyBytes: 1 << 10})
	a, b := []byte(`{"id":"a"}`), []byte(`{"id":"b"}`)
	m := store.Manifest{Info: store.Info{Name: "nightly", Origins: []string{"https://api/"}}, Resources: []store.Entry{
		{Type: "t", ID: "a", Hash: store.Hash(a), Size: int64(len(a))},
		{Type: "t", ID: "b", Hash: store.Hash(b), Size: int64(len(b))},
	}}
	body, _ := json.Marshal(m)
	code, out := do(t, http.MethodPost, ts.URL+"/manifests", "", body)
	var up store.Uploaded
	if code != http.StatusCreated || json.Unmarshal([]byte(out), &up) != nil || up.Name != "nightly" || len(up.Missing) != 2 {
		t.Fatalf("POST /manifests: %d %s", code, out)
	}
	code, out = do(t, http.MethodGet, ts.URL+"/manifests", "", nil)
	if code != http.StatusOK || !strings.Contains(out, `"complete":false,"missing":2`) {
		t.Errorf("GET /manifests before the uploads: %d %s", code, out)
	}

	for _, c := range []struct {
		hash string
		body []byte
		want int
	}{
		{store.Hash(a), b, http.StatusUnprocessableEntity}, // not what the name says
		{"not-a-hash", a, http.StatusBadRequest},
		{store.Hash(a), a, http.StatusCreated},
		{store.Hash(a), a, http.StatusOK}, // already there
		{store.Hash(bytes.Repeat(b, 200)), bytes.Repeat(b, 200), http.StatusRequestEntityTooLarge},
	} {
		if code, out := do(t, http.MethodPut, ts.URL+"/files/"+c.hash, "", c.body); code != c.want {
			t.Errorf("PUT /files/%s: %d %s, want %d", c.hash, code, out, c.want)
		}
	}
	if code, out := do(t, http.MethodGet, ts.URL+"/files/"+store.Hash(b), "", nil); code != http.StatusNotFound {
		t.Errorf("GET of a blob never uploaded: %d %s", code, out)
	}
	do(t, http.MethodPut, ts.URL+"/files/"+store.Hash(b), "", b)
	if code, out := do(t, http.MethodGet, ts.URL+"/files/"+store.Hash(b), "", nil); code != http.StatusOK || out != string(b) {
		t.Errorf("GET /files: %d %s", code, out)
	}

	code, out = do(t, http.MethodGet, ts.URL+"/manifests/name/nightly", "", nil)
	var got store.Remote
	if code != http.StatusOK || json.Unmarshal([]byte(out), &got) != nil || len(got.Missing) != 0 || len(got.Resources) != 2 || got.Origins[0] != "https://api/" {
		t.Errorf("GET /manifests/name/nightly: %d %s", code, out)
	}
	// The same manifest again answers what is missing (nothing); another
	// under the same name is refused.
	if code, out := do(t, http.MethodPost, ts.URL+"/manifests", "", body); code != http.StatusOK || !strings.Contains(out, `"missing":[]`) {
		t.Errorf("POST of the same manifest: %d %s", code, out)
	}
	m.Resources = m.Resources[:1]
	other, _ := json.Marshal(m)
	if code, out := do(t, http.MethodPost, ts.URL+"/manifests", "", other); code != http.StatusConflict {
		t.Errorf("POST of another manifest under a taken name: %d %s", code, out)
	}
	for _, bad := range []string{`{"name":"../x","resources":[]}`, `{"resources":[{"type":"t","id":"a","hash":"zz"}]}`, `not json`} {
		if code, out := do(t, http.MethodPost, ts.URL+"/manifests", "", []byte(bad)); code != http.StatusBadRequest {
			t.Errorf("POST %s: %d %s, want 400", bad, code, out)
		}
	}
	if code, _ := do(t, http.MethodGet, ts.URL+"/manifests/name/nosuch", "", nil); code != http.StatusNotFound {
		t.Errorf("GET of an unknown manifest: %d", code)
	}
}

func TestToken(t *testing.T) {
	ts := newServer(t, snapshots.Options{Token: "tok"})
	for token, want := range map[string]int{"": http.StatusUnauthorized, "wrong": http.StatusUnauthorized, "tok": http.StatusOK} {
		if code, out := do(t, http.MethodGet, ts.URL+"/manifests", token, nil); code != want {
			t.Errorf("token %q: %d %s, want %d", token, code, out, want)
		}
	}
}
