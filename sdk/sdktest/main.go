package sdktest

import (
	"os"
	"testing"

	"github.com/resource-sync/resource-sync/internal/wire/pluginserver"
	"github.com/resource-sync/resource-sync/sdk"
)

// EnvServe makes a test binary that calls [Main] serve its plugin instead
// of running tests. The Process checks start the binary with it set.
const EnvServe = "RESOURCE_SYNC_SDKTEST_SERVE"

// executable is the test binary to start for the Process checks; empty
// when Main was not called.
var executable string

// Main is the body of a plugin's TestMain. Run by the kit with EnvServe=1,
// the test binary becomes the plugin p and serves it like a real plugin
// binary; otherwise it runs the tests.
//
// p must offer every component the tests check: the Process checks talk to
// the binary's plugin, not to the Plugin field of their options.
func Main(m *testing.M, p sdk.Plugin) {
	if os.Getenv(EnvServe) == "1" {
		pluginserver.Serve(p)
		os.Exit(0)
	}
	// Resolved now: a test may change directory before starting a plugin.
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	executable = exe
	os.Exit(m.Run())
}
