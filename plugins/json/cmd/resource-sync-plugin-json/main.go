// Command resource-sync-plugin-json serves the built-in JSON formatter to
// the resource-sync host.
package main

import (
	"github.com/resource-sync/resource-sync/plugins/json"
	"github.com/resource-sync/resource-sync/sdk"
)

func main() {
	sdk.Serve(json.Plugin())
}
