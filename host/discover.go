package host

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// BinaryPrefix starts the file name of every plugin binary.
const BinaryPrefix = "resource-sync-plugin-"

// EnvPluginPath lists extra directories to search, first, separated like
// PATH.
const EnvPluginPath = "RESOURCE_SYNC_PLUGIN_PATH"

// SearchPath is where plugins are looked for, in order; the first binary
// found for a name wins:
//
//  1. each directory in $RESOURCE_SYNC_PLUGIN_PATH
//  2. the directory holding the resource-sync executable
//  3. the plugins directory in the user's config directory
//     (~/.config/resource-sync/plugins on Linux)
//
// Each is chosen by the user or by whoever installed resource-sync. The
// current directory is not searched: a repository cloned from elsewhere
// could otherwise ship a plugin (or one named like a built-in) that every
// sync run inside it would execute.
func SearchPath() []string {
	var dirs []string
	for _, d := range filepath.SplitList(os.Getenv(EnvPluginPath)) {
		if d != "" {
			dirs = append(dirs, d)
		}
	}
	if exe, err := os.Executable(); err == nil {
		dirs = append(dirs, filepath.Dir(exe))
	}
	if cfg, err := ConfigDir(); err == nil {
		dirs = append(dirs, filepath.Join(cfg, "plugins"))
	}
	return dirs
}

// ConfigDir is resource-sync's directory in the user's config directory,
// or $RESOURCE_SYNC_CONFIG_DIR when set.
func ConfigDir() (string, error) {
	if d := os.Getenv("RESOURCE_SYNC_CONFIG_DIR"); d != "" {
		return d, nil
	}
	d, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "resource-sync"), nil
}

// Discover finds plugin binaries in dirs, first one per name.
func Discover(dirs []string) []Source {
	seen := map[string]bool{}
	var found []Source
	for _, dir := range dirs {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		names := make([]string, 0, len(entries))
		for _, e := range entries {
			names = append(names, e.Name())
		}
		sort.Strings(names)
		for _, n := range names {
			name, ok := strings.CutPrefix(n, BinaryPrefix)
			if !ok || name == "" || seen[name] {
				continue
			}
			path := filepath.Join(dir, n)
			info, err := os.Stat(path)
			if err != nil || !info.Mode().IsRegular() || info.Mode()&0o111 == 0 {
				continue
			}
			if abs, err := filepath.Abs(path); err == nil {
				path = abs
			}
			seen[name] = true
			found = append(found, Source{Name: name, Path: path})
		}
	}
	return found
}

// Source is a plugin the host can start: a discovered binary, or a
// built-in that the CLI embeds and runs by re-executing itself.
type Source struct {
	Name string
	// Path of the binary (the resource-sync executable for built-ins).
	Path string
	// Builtin plugins carry their manifest and command; discovered ones
	// are described by starting them once (the answer is cached).
	Builtin  bool
	Manifest *Manifest
	Command  func() *exec.Cmd
	// Process, when set with a Manifest, names the process the plugin
	// shares with the other sources of the same Process: the first of
	// them needed starts it with its Command, which serves them all. The
	// CLI's built-ins share one ("built-ins"), as starting a Go process
	// costs about as much CPU as a small sync. It reads as a plural noun
	// in errors: "plugin dir failed: the process it shares with the other
	// built-ins crashed".
	Process string
}

func (s Source) command() *exec.Cmd {
	if s.Command != nil {
		return s.Command()
	}
	return exec.Command(s.Path)
}
