// Command resource-sync-plugin-snapshot serves the snapshot endpoint to
// resource-sync as a plugin.
package main

import (
	"github.com/resource-sync/resource-sync/plugins/snapshot"
	"github.com/resource-sync/resource-sync/sdk/serve"
)

func main() {
	serve.Plugin(snapshot.Plugin())
}
