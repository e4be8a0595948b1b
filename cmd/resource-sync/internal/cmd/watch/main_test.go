package watch_test

import (
	"os"
	"testing"

	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/builtin"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cli"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmd/watch"
)

// TestMain lets the test binary serve the built-in plugins, as the
// resource-sync binary re-executes itself to, and, with watch.EnvTestCLI
// set, stand in for resource-sync (for tests that kill a watch process).
func TestMain(m *testing.M) {
	if builtin.ServeIfAsked() {
		os.Exit(0)
	}
	if os.Getenv(watch.EnvTestCLI) != "" {
		os.Exit(cli.Main())
	}
	os.Exit(m.Run())
}
