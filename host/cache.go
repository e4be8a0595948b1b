package host

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sync"

	"github.com/google/renameio/v2"
)

// The manifest cache spares starting a discovered plugin just to learn
// what it offers. An entry is valid while the binary's size and
// modification time are unchanged.
type cacheEntry struct {
	Size     int64    `json:"size"`
	ModTime  int64    `json:"mod_time"`
	Manifest Manifest `json:"manifest"`
}

var cacheMu sync.Mutex

func cachePath() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	// The name changes when Manifest gains fields (v2: option
	// declarations; v3: page links), so entries an older host wrote are
	// not taken as complete.
	return filepath.Join(dir, "resource-sync", "manifests-v3.json")
}

func readCache(path string) map[string]cacheEntry {
	entries := map[string]cacheEntry{}
	data, err := os.ReadFile(path)
	if err == nil {
		_ = json.Unmarshal(data, &entries)
	}
	return entries
}

func (h *Host) cachedManifest(s Source) (Manifest, bool) {
	path := cachePath()
	info, err := os.Stat(s.Path)
	if path == "" || err != nil {
		return Manifest{}, false
	}
	cacheMu.Lock()
	defer cacheMu.Unlock()
	e, ok := readCache(path)[s.Path]
	if !ok || e.Size != info.Size() || e.ModTime != info.ModTime().UnixNano() {
		return Manifest{}, false
	}
	return e.Manifest, true
}

// cacheManifest records m; failing to write the cache only costs a start
// next time, so errors are logged, not returned.
func (h *Host) cacheManifest(s Source, m Manifest) {
	path := cachePath()
	info, err := os.Stat(s.Path)
	if path == "" || err != nil {
		return
	}
	cacheMu.Lock()
	defer cacheMu.Unlock()
	entries := readCache(path)
	entries[s.Path] = cacheEntry{Size: info.Size(), ModTime: info.ModTime().UnixNano(), Manifest: m}
	data, err := json.MarshalIndent(entries, "", "  ")
	if err == nil {
		err = os.MkdirAll(filepath.Dir(path), 0o755)
	}
	if err == nil {
		err = renameio.WriteFile(path, data, 0o644)
	}
	if err != nil {
		h.logger.Debug("cannot cache plugin manifest", "path", path, "error", err)
	}
}
