package watch_test

import (
	"os"
	"testing"

	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/builtin"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cli"
)

// envRunCLI makes the test binary run as resource-sync itself, for tests
// that kill a watch process.
const envRunCLI = "RESOURCE_SYNC_WATCH_TEST_CLI"

// TestMain lets the test binary serve the built-in plugins, as the
// resource-sync binary re-executes itself to, and stand in for
// resource-sync.
func TestMain(m *testing.M) {
	if builtin.ServeIfAsked() {
		os.Exit(0)
	}
	if os.Getenv(envRunCLI) != "" {
		os.Exit(cli.Main())
	}
	os.Exit(m.Run())
}
