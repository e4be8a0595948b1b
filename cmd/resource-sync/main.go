// Command resource-sync synchronizes REST resources between HTTP APIs,
// directory trees, YAML files and stdin/stdout.
package main

import (
	"os"

	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cli"
)

func main() { os.Exit(cli.Main()) }
