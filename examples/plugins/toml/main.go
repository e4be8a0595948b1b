// Command resource-sync-plugin-toml is a third-party resource-sync plugin:
// a TOML formatter, written only against the SDK. Build it with
//
//	go build -o DIR/resource-sync-plugin-toml ./examples/plugins/toml
//
// and put DIR on RESOURCE_SYNC_PLUGIN_PATH; see README.md.
package main

import "github.com/resource-sync/resource-sync/sdk/serve"

func main() {
	serve.Plugin(Plugin())
}
