// Command resource-sync-plugin-http serves the http endpoint plugin to the
// resource-sync host.
package main

import (
	"github.com/resource-sync/resource-sync/plugins/http"
	"github.com/resource-sync/resource-sync/sdk/serve"
)

func main() {
	serve.Plugin(http.Plugin())
}
