// Package adapters is `resource-sync adapters`: working with adapter
// files, which describe an HTTP API to sync (docs/adapters.md).
package adapters

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmd/adapters/check"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmdutil"
)

// NewCmdAdapters groups the adapter commands.
func NewCmdAdapters(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "adapters",
		Short: "Check adapter files, which describe an HTTP API to sync (adapter:FILE)",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("unknown command %q for %q", args[0], cmd.CommandPath())
			}
			return cmd.Help()
		},
	}
	cmd.AddCommand(check.NewCmdCheck(f, nil))
	return cmd
}
