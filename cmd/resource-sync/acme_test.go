package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// acmeAPI is the inventory API of sdk/README.md's schema example: two
// collections, items named by different keys, folders naming their
// device, an API key, no hypertext. It serves what it was given and
// records the writes it receives, in order, as "start PATH" and "end PATH".
type acmeAPI struct {
	mu      sync.Mutex
	devices []map[string]any
	folders []map[string]any
	stored  map[string][]byte
	events  []string
}

func (a *acmeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("X-API-Key") != "k3y" {
		http.Error(w, "no key", http.StatusUnauthorized)
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/api/devices":
		writeJSON(w, map[string]any{"devices": a.devices})
	case r.Method == http.MethodGet && r.URL.Path == "/api/folders":
		writeJSON(w, map[string]any{"folders": a.folders})
	case r.Method == http.MethodGet:
		if body, ok := a.stored[r.URL.EscapedPath()]; ok {
			w.Header().Set("Content-Type", "application/json")
			w.Write(body)
			return
		}
		http.NotFound(w, r)
	case r.Method == http.MethodPut:
		a.events = append(a.events, "start "+r.URL.EscapedPath())
		a.mu.Unlock()
		body, err := io.ReadAll(r.Body)
		a.mu.Lock()
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		a.stored[r.URL.EscapedPath()] = body
		a.events = append(a.events, "end "+r.URL.EscapedPath())
		w.WriteHeader(http.StatusCreated)
	default:
		http.Error(w, "no", http.StatusMethodNotAllowed)
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func (a *acmeAPI) log() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.events...)
}

// The schema plugin written from sdk/README.md alone pulls the API into a
// directory tree and pushes it to another instance, each folder after its
// device (parents by type and id), through the real binary.
func TestThirdPartySchema(t *testing.T) {
	plugins := buildPlugin(t, "acme", "../../internal/testplugins/acme")
	env := []string{"RESOURCE_SYNC_PLUGIN_PATH=" + plugins, "ACME_KEY=k3y"}
	prod := &acmeAPI{stored: map[string][]byte{},
		devices: []map[string]any{{"serial": "D-1", "name": "laptop"}, {"serial": "D 2", "name": "phone"}},
		folders: []map[string]any{{"folder_id": "F-1", "label": "docs", "device": "D-1"}, {"folder_id": "F-2", "label": "pics", "device": "D 2"}},
	}
	prodURL := httptest.NewServer(prod)
	defer prodURL.Close()
	tree := filepath.Join(t.TempDir(), "inventory")
	staging := &acmeAPI{stored: map[string][]byte{}}
	stagingURL := httptest.NewServer(staging)
	defer stagingURL.Close()
	// The config file of the README, for these two servers.
	config := filepath.Join(t.TempDir(), "resource-sync.yaml")
	os.WriteFile(config, []byte(`environments:
  acme:
    location: `+prodURL.URL+`/api
    schema: acme
    header: "X-API-Key: ${env:ACME_KEY}"
  acme-staging:
    location: `+stagingURL.URL+`/api
    schema: acme
    header: "X-API-Key: ${env:ACME_KEY}"
`), 0o644)

	code, stderr := runWithPlugins(t, env, "--config", config, "acme:devices", "acme:folders", tree)
	if code != 0 || !strings.Contains(stderr, "4 read: 4 created") {
		t.Fatalf("pull: exit %d\n%s", code, stderr)
	}
	folder, err := os.ReadFile(filepath.Join(tree, "folders", "F-2.yaml"))
	if err != nil || !strings.Contains(string(folder), "device: D 2") {
		t.Errorf("folders/F-2.yaml: %v\n%s", err, folder)
	}
	if _, err := os.Stat(filepath.Join(tree, "devices", "D 2.yaml")); err != nil {
		t.Error(err)
	}

	code, stderr = runWithPlugins(t, env, "--config", config, "--schema", "acme", tree, "acme-staging:")
	if code != 0 || !strings.Contains(stderr, "4 read: 4 created") {
		t.Fatalf("push: exit %d\n%s", code, stderr)
	}
	events := staging.log()
	at := func(e string) int {
		for i, x := range events {
			if x == e {
				return i
			}
		}
		t.Fatalf("the API never saw %q; it saw %q", e, events)
		return -1
	}
	for folder, device := range map[string]string{"F-1": "D-1", "F-2": "D%202"} {
		if at("start /api/folders/"+folder) < at("end /api/devices/"+device) {
			t.Errorf("folder %s was written before its device %s was: %q", folder, device, events)
		}
	}

	// A folder on a device that is nowhere: a warning for a sync, an
	// error for validate --strict.
	os.WriteFile(filepath.Join(tree, "folders", "F-9.yaml"), []byte("folder_id: F-9\ndevice: D-9\n"), 0o644)
	code, stderr = runWithPlugins(t, env, "validate", "--schema", "acme", tree)
	if code != 0 || !strings.Contains(stderr, "folders/F-9 ("+filepath.Join(tree, "folders", "F-9.yaml")+":1) names a parent that is nowhere in the input: devices/D-9") {
		t.Errorf("validate: exit %d\n%s", code, stderr)
	}
	code, stderr = runWithPlugins(t, env, "validate", "--strict", "--schema", "acme", tree)
	if code != 1 || !strings.Contains(stderr, "names a parent that is nowhere in the input: devices/D-9") {
		t.Errorf("validate --strict: exit %d\n%s", code, stderr)
	}
}
