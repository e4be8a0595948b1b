package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/builtin"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cli"
)

// TestMain makes the test binary a stand-in for resource-sync: testscript
// runs it as the "resource-sync" command, and the host re-executes it to
// serve built-in plugins, exactly as the real binary does.
func TestMain(m *testing.M) {
	if builtin.ServeIfAsked() {
		os.Exit(0)
	}
	if os.Getenv(envRunCLI) != "" {
		os.Exit(cli.Main()) // a real resource-sync process, for signal tests
	}
	testscript.Main(ownCache{m}, map[string]func(){
		"resource-sync": func() { os.Exit(cli.Main()) },
	})
}

// ownCache runs the tests with a cache directory of their own: what
// syncs keep between runs (destination and origin versions) goes there,
// not to the user's cache, and is removed afterwards.
type ownCache struct{ m *testing.M }

func (c ownCache) Run() int {
	dir, err := os.MkdirTemp("", "resource-sync-test-cache-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	// The go command the tests run to build plugins keeps its build
	// cache where it was, or every run would compile from scratch.
	if os.Getenv("GOCACHE") == "" {
		if user, err := os.UserCacheDir(); err == nil {
			os.Setenv("GOCACHE", filepath.Join(user, "go-build"))
		}
	}
	os.Setenv("XDG_CACHE_HOME", dir)
	return c.m.Run()
}
