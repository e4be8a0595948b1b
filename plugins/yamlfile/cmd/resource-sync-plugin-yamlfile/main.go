// Command resource-sync-plugin-yamlfile serves the YAML file endpoint to
// resource-sync as a plugin.
package main

import (
	"github.com/resource-sync/resource-sync/plugins/yamlfile"
	"github.com/resource-sync/resource-sync/sdk/serve"
)

func main() {
	serve.Plugin(yamlfile.Plugin())
}
