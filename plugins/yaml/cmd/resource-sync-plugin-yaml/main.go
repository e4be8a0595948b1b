// Command resource-sync-plugin-yaml serves the built-in YAML formatter to
// the resource-sync host.
package main

import (
	"github.com/resource-sync/resource-sync/plugins/yaml"
	"github.com/resource-sync/resource-sync/sdk/serve"
)

func main() {
	serve.Plugin(yaml.Plugin())
}
