// Command resource-sync-plugin-hal serves the hal schema to resource-sync.
package main

import (
	"github.com/resource-sync/resource-sync/plugins/hal"
	"github.com/resource-sync/resource-sync/sdk/serve"
)

func main() {
	serve.Plugin(hal.Plugin())
}
