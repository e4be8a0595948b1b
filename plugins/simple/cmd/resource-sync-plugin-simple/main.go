// Command resource-sync-plugin-simple serves the simple schema to
// resource-sync.
package main

import (
	"github.com/resource-sync/resource-sync/plugins/simple"
	"github.com/resource-sync/resource-sync/sdk/serve"
)

func main() {
	serve.Plugin(simple.Plugin())
}
