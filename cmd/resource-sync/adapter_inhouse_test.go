//go:build unix

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// configAPI is an in-house configuration API of the kind adapters are
// for: an API key header; devices with their id in deviceID, listed with
// a cursor, and a server-managed updatedAt; folders listed under "data"
// with a next URL in the body, naming the devices they are shared with
// and holding a password. PUT creates or replaces; nothing is hypertext.
type configAPI struct {
	key string
	mu  sync.Mutex
	// collections by name, items by id
	items map[string]map[string]map[string]any
	tick  int
}

// configAdapter describes configAPI.
const configAdapter = `name: config-api
base_url: ${env:CONFIG_API_URL}
auth: {type: header, name: X-API-Key, value: "${env:CONFIG_API_KEY}"}
defaults:
  item: /rest/{collection}/{id}
  create: put
collections:
  devices:
    list: /rest/devices
    id: deviceID
    items: devices
    pagination: {type: cursor, cursor: next}
    server_managed: [updatedAt]
  folders:
    list: /rest/folders?limit=2
    items: $.data[*]
    pagination: {type: next_url, next: $.links.next}
    references:
      - devices[].deviceID -> devices
    secrets: [{field: password, env: "RS_TEST_FOLDER_{id}_PASSWORD"}]
`

func newConfigAPI(t *testing.T, key string) (*configAPI, *httptest.Server) {
	api := &configAPI{key: key, items: map[string]map[string]map[string]any{"devices": {}, "folders": {}}}
	ts := httptest.NewServer(api)
	t.Cleanup(ts.Close)
	return api, ts
}

func (a *configAPI) put(collection string, item map[string]any) {
	a.mu.Lock()
	defer a.mu.Unlock()
	id, _ := scalarID(item, collection)
	a.tick++
	if collection == "devices" {
		item["updatedAt"] = strconv.Itoa(a.tick)
	}
	a.items[collection][id] = item
}

func scalarID(item map[string]any, collection string) (string, bool) {
	field := "id"
	if collection == "devices" {
		field = "deviceID"
	}
	id, ok := item[field].(string)
	return id, ok
}

func (a *configAPI) sorted(collection string) []map[string]any {
	a.mu.Lock()
	defer a.mu.Unlock()
	ids := slices.Sorted(func(yield func(string) bool) {
		for id := range a.items[collection] {
			if !yield(id) {
				return
			}
		}
	})
	out := make([]map[string]any, len(ids))
	for i, id := range ids {
		out[i] = a.items[collection][id]
	}
	return out
}

func (a *configAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("X-API-Key") != a.key {
		// Echoing what was sent, as careless servers do.
		http.Error(w, "invalid API key "+r.Header.Get("X-API-Key"), http.StatusUnauthorized)
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) < 2 || parts[0] != "rest" || a.items[parts[1]] == nil {
		http.NotFound(w, r)
		return
	}
	collection := parts[1]
	if len(parts) == 2 && r.Method == http.MethodGet {
		a.list(w, r, collection)
		return
	}
	if len(parts) != 3 {
		http.NotFound(w, r)
		return
	}
	id := parts[2]
	switch r.Method {
	case http.MethodGet:
		a.mu.Lock()
		item, ok := a.items[collection][id]
		a.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		json.NewEncoder(w).Encode(item)
	case http.MethodPut:
		var item map[string]any
		body, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(body, &item); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if got, _ := scalarID(item, collection); got != id {
			http.Error(w, "id mismatch", http.StatusBadRequest)
			return
		}
		if collection == "folders" {
			for _, d := range item["devices"].([]any) {
				a.mu.Lock()
				_, ok := a.items["devices"][d.(map[string]any)["deviceID"].(string)]
				a.mu.Unlock()
				if !ok {
					http.Error(w, "unknown device", http.StatusConflict)
					return
				}
			}
		}
		a.put(collection, item)
		w.WriteHeader(http.StatusNoContent)
	case http.MethodDelete:
		a.mu.Lock()
		delete(a.items[collection], id)
		a.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	default:
		http.Error(w, "no", http.StatusMethodNotAllowed)
	}
}

// list answers a page of two: devices with a cursor (the last id), folders
// with a next URL.
func (a *configAPI) list(w http.ResponseWriter, r *http.Request, collection string) {
	items := a.sorted(collection)
	after := r.URL.Query().Get("cursor")
	if collection == "folders" {
		after = r.URL.Query().Get("after")
	}
	start := 0
	for start < len(items) && after != "" {
		if id, _ := scalarID(items[start], collection); id > after {
			break
		}
		start++
	}
	page := items[start:min(start+2, len(items))]
	more := start+2 < len(items)
	last := ""
	if len(page) > 0 {
		last, _ = scalarID(page[len(page)-1], collection)
	}
	if collection == "devices" {
		resp := map[string]any{"devices": page}
		if more {
			resp["next"] = last
		}
		json.NewEncoder(w).Encode(resp)
		return
	}
	resp := map[string]any{"data": page, "links": map[string]any{}}
	if more {
		resp["links"] = map[string]any{"next": "/rest/folders?limit=2&after=" + last}
	}
	json.NewEncoder(w).Encode(resp)
}

// TestAdapterInHouseAPI syncs an in-house API described by an adapter
// written for it: ids in different fields, cursor and next-URL pages, an
// API key, a secret field that becomes a placeholder in files and a value
// again in the API, and folders written after the devices they name.
func TestAdapterInHouseAPI(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	loc := "adapter:" + filepath.Join(dir, "config-api.yaml")
	if err := os.WriteFile(filepath.Join(dir, "config-api.yaml"), []byte(configAdapter), 0o644); err != nil {
		t.Fatal(err)
	}
	origin, originSrv := newConfigAPI(t, "origin-key-1234")
	for i := 1; i <= 5; i++ {
		origin.put("devices", map[string]any{"deviceID": fmt.Sprintf("DEV-%d", i), "name": fmt.Sprintf("device %d", i)})
	}
	origin.put("folders", map[string]any{"id": "docs", "label": "Documents", "password": "hunter2-docs",
		"devices": []any{map[string]any{"deviceID": "DEV-1"}, map[string]any{"deviceID": "DEV-4"}}})
	origin.put("folders", map[string]any{"id": "photos", "label": "Photos", "password": "hunter2-photos",
		"devices": []any{map[string]any{"deviceID": "DEV-5"}}})
	origin.put("folders", map[string]any{"id": "music", "label": "Music", "password": "hunter2-music", "devices": []any{}})
	setEnv(t, "RS_TEST_ORIGIN_KEY", "origin-key-1234")
	setEnv(t, "RS_TEST_DEST_KEY", "dest-key-5678")
	from := []string{"--from-base-url", originSrv.URL, "--from-token", "${env:RS_TEST_ORIGIN_KEY}"}

	pulled := t.TempDir()
	mustRun(t, append(from, loc, pulled)...)
	files := treeFiles(t, pulled)
	if len(files) != 8 {
		t.Fatalf("pulled %d files, want 8: %v", len(files), slices.Sorted(func(y func(string) bool) {
			for k := range files {
				y(k)
			}
		}))
	}
	if got := string(files["folders/docs.yaml"]); !strings.Contains(got, "password: ${env:RS_TEST_FOLDER_DOCS_PASSWORD}") || strings.Contains(got, "hunter2") {
		t.Errorf("folders/docs.yaml holds the password, or no placeholder:\n%s", got)
	}
	if got := string(files["devices/DEV-1.yaml"]); strings.Contains(got, "updatedAt") {
		t.Errorf("devices/DEV-1.yaml holds the server-managed updatedAt:\n%s", got)
	}

	// Into an empty instance: the secrets come from the environment.
	dest, destSrv := newConfigAPI(t, "dest-key-5678")
	proxy, log := recordingProxy(t, destSrv.URL)
	to := []string{"--to-base-url", proxy, "--to-token", "${env:RS_TEST_DEST_KEY}"}
	for _, f := range []string{"docs", "photos", "music"} {
		setEnv(t, "RS_TEST_FOLDER_"+strings.ToUpper(f)+"_PASSWORD", "hunter2-"+f)
	}
	if r := mustRun(t, append(to, pulled, loc)...); !strings.Contains(r.stderr, "8 read: 8 created") {
		t.Errorf("push: %q", r.stderr)
	}
	if got := dest.sorted("folders")[0]["password"]; got != "hunter2-docs" {
		t.Errorf("the docs folder's password at the destination is %v, want the variable's value", got)
	}
	writes := log.all()
	if d4, docs := position(writes, "PUT", "/rest/devices/DEV-4"), position(writes, "PUT", "/rest/folders/docs"); d4 < 0 || d4 > docs {
		t.Errorf("PUT DEV-4 at %d, the folder that names it at %d: want the device first", d4, docs)
	}
	before := len(log.all())
	if r := mustRun(t, append(to, pulled, loc)...); !strings.Contains(r.stderr, "8 read: 0 created, 0 updated, 8 unchanged") {
		t.Errorf("second push: %q", r.stderr)
	}
	if w := writesSince(log, before); len(w) > 0 {
		t.Errorf("a second push wrote %v", w)
	}

	// API to API: the values read are written, no variable needed.
	other, otherSrv := newConfigAPI(t, "dest-key-5678")
	mustRun(t, append(from, "--to-base-url", otherSrv.URL, "--to-token", "${env:RS_TEST_DEST_KEY}", loc, loc)...)
	for i, f := range other.sorted("folders") {
		if want := origin.sorted("folders")[i]["password"]; f["password"] != want {
			t.Errorf("folder %v: password %v, want %v", f["id"], f["password"], want)
		}
	}

	// A wrong key: the error names the API, never the key, even echoed.
	setEnv(t, "RS_TEST_WRONG_KEY", "wrong-key-0000")
	r := runCLI(t, "--from-base-url", originSrv.URL, "--from-token", "${env:RS_TEST_WRONG_KEY}", loc, t.TempDir())
	if r.code != 1 || !strings.Contains(r.stderr, "401 Unauthorized") || strings.Contains(r.stderr, "wrong-key-0000") {
		t.Errorf("wrong key: exit %d, want 1, 401 and the key masked:\n%s", r.code, r.stderr)
	}
}
