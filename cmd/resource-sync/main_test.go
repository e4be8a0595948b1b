package main

import (
	"os"
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
	testscript.Main(m, map[string]func(){
		"resource-sync": func() { os.Exit(cli.Main()) },
	})
}
