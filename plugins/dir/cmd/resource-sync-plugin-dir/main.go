// Command resource-sync-plugin-dir serves the directory endpoint to
// resource-sync as a plugin.
package main

import (
	"github.com/resource-sync/resource-sync/plugins/dir"
	"github.com/resource-sync/resource-sync/sdk/serve"
)

func main() {
	serve.Plugin(dir.Plugin())
}
