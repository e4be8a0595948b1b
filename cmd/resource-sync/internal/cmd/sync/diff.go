package sync

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmd/sync/shared"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmdutil"
	"github.com/resource-sync/resource-sync/host"
)

const diffLong = `Print what a sync from the ORIGINs to DESTINATION would change, and change
nothing: for every resource to create, update or (with --delete) delete, its
action, the reason, and a unified diff of the document as DESTINATION holds it
and as it would be written, in DESTINATION's format.

The comparison ignores HAL _links and _embedded and the fields named with
--ignore, as a sync does, and so does the diff of an update: it shows what
counts as a change. A create or a delete shows the whole document.

Exit status: 0 in sync, 3 differences found, 1 error, 2 usage error.

A path named like this command (a directory called "diff") is still usable as
an endpoint: write it ./diff.`

// NewCmdDiff builds `diff`: the plan of a sync, changing nothing.
func NewCmdDiff(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Host: f.Host, Config: f.Config}
	cmd := &cobra.Command{
		Use:   "diff [OPTIONS] [ORIGIN]... DESTINATION",
		Short: "Show what a sync would change",
		Long:  diffLong,
		Example: `  # Would a push change staging?
  resource-sync diff ./data https://staging.example.com/

  # In CI: fail when the directory and the API disagree
  resource-sync diff -q https://api.example.com/api/v1/ ./data || echo "drift"

  # The plan as JSON lines, deletions included
  resource-sync diff --delete --output json ./data https://staging.example.com/`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmdutil.FlagErrorf("missing DESTINATION")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Origins, opts.Destination = args[:len(args)-1], args[len(args)-1]
			opts.SchemaGiven = shared.SchemaGiven(cmd.Flags())
			opts.Plan.DryRun = true
			if err := opts.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return diffRun(cmd.Context(), opts)
		},
	}
	opts.RegisterCommon(cmd.Flags())
	opts.Plan.Register(cmd.Flags(), shared.ModeDiff)
	opts.RegisterEndpoint(cmd.Flags(), f.EndpointOptions)
	cmd.Flags().SortFlags = false
	return cmd
}

// diffRun prints the plan and exits 3 when it changes anything.
func diffRun(ctx context.Context, o *Options) (err error) {
	h, err := o.newHost()
	if err != nil {
		return err
	}
	defer h.Close()
	defer func() { err = h.RedactError(err) }()
	run, err := o.prepare(ctx, h, false)
	if err != nil {
		return err
	}
	defer run.Close()
	// What the sync would refuse to write, a dry run reports too.
	if err := run.Encode(ctx); err != nil {
		return err
	}
	writes, deletes := run.Pending()
	// With --output json, the planned events went out as the plan was made.
	if o.Plan.Output != "json" {
		if err := run.Diff(ctx, o.IO.Out, host.DiffOptions{}); err != nil {
			return err
		}
	}
	shared.PrintWarnings(o.IO.ErrOut, run.Warnings())
	if !o.Quiet {
		unchanged := 0
		for _, e := range run.Changes() {
			if e.Action == host.ActionUnchanged {
				unchanged++
			}
		}
		fmt.Fprintf(o.IO.ErrOut, "%d to write, %d to delete, %d unchanged\n", writes, deletes, unchanged)
	}
	if writes+deletes > 0 {
		return cmdutil.ErrDifferences
	}
	return nil
}
