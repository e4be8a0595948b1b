// Command resource-sync-plugin-adapter serves the adapter endpoint and
// schema to resource-sync: HTTP APIs described by adapter files.
package main

import (
	"github.com/resource-sync/resource-sync/plugins/adapter"
	"github.com/resource-sync/resource-sync/sdk/serve"
)

func main() {
	serve.Plugin(adapter.Plugin())
}
