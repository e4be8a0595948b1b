package sdk

import (
	"os"

	"github.com/hashicorp/go-hclog"

	"github.com/resource-sync/resource-sync/internal/wire"
)

var logger = newLogger()

// newLogger writes JSON lines to stderr: go-plugin reads them in the host
// and re-logs each at its level through the host's logger, so plugin logs
// follow the user's -v.
func newLogger() hclog.Logger {
	level := hclog.LevelFromString(os.Getenv(wire.EnvLogLevel))
	if level == hclog.NoLevel {
		level = hclog.Info
	}
	return hclog.New(&hclog.LoggerOptions{
		Output:     os.Stderr,
		Level:      level,
		JSONFormat: true,
	})
}

// Logger is the plugin's logger. Use it instead of printing: stdout belongs
// to the plugin protocol, and the host shows these lines at their level.
func Logger() hclog.Logger { return logger }
