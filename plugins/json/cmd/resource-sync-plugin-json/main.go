// Command resource-sync-plugin-json serves the built-in JSON formatter to
// the resource-sync host.
package main

import (
	"github.com/resource-sync/resource-sync/plugins/json"
	"github.com/resource-sync/resource-sync/sdk/serve"
)

func main() {
	serve.Plugin(json.Plugin())
}
