// Package serve runs a resource-sync plugin binary. Its main calls
// [Plugin] and nothing else:
//
//	func main() { serve.Plugin(toml.Plugin()) }
//
// The wire protocol, batching, message limits and panics are handled
// here; the components see only package sdk's types.
package serve

import (
	"github.com/resource-sync/resource-sync/internal/wire/pluginserver"
	"github.com/resource-sync/resource-sync/sdk"
)

// Plugin runs p as a plugin: it answers the host's handshake on stdout
// and serves the host until it goes away, then exits. Do nothing before
// it: anything printed to stdout first breaks the handshake.
//
// Started by hand (not by resource-sync), the binary says it is a plugin
// and exits 1.
func Plugin(p sdk.Plugin) {
	pluginserver.Serve(p)
}
