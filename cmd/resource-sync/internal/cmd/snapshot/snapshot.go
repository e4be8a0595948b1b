// Package snapshot is `resource-sync snapshot list|show|diff|verify|prune`:
// inspecting and maintaining a snapshot store (see docs/snapshots.md).
package snapshot

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmd/snapshot/diff"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmd/snapshot/list"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmd/snapshot/prune"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmd/snapshot/show"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmd/snapshot/verify"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmdutil"
)

// NewCmdSnapshot groups the snapshot commands.
func NewCmdSnapshot(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "snapshot",
		Short: "Inspect and maintain snapshot stores",
		Long: `A snapshot store is a directory of deduplicated snapshots of resources.
Take one by syncing into it, restore one by syncing out of it:

  resource-sync https://api.example.com/api/ snapshot:./backups        # a new snapshot
  resource-sync snapshot:./backups@2026-11-30 https://staging.example.com/  # restore that day's

These commands work on a store directory (DIR); a snapshot is named by its
name or by a time (RFC 3339, or a date: the latest snapshot at or before it).`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("unknown command %q for %q", args[0], cmd.CommandPath())
			}
			return cmd.Help()
		},
	}
	cmd.AddCommand(list.NewCmdList(f, nil), show.NewCmdShow(f, nil), diff.NewCmdDiff(f, nil),
		verify.NewCmdVerify(f, nil), prune.NewCmdPrune(f, nil))
	return cmd
}
