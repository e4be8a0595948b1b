// Package prune is `resource-sync snapshot prune DIR`.
package prune

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmd/snapshot/shared"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmdutil"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/iostreams"
	"github.com/resource-sync/resource-sync/plugins/snapshot/store"
)

// Options are the parsed command line of `snapshot prune`.
type Options struct {
	IO     *iostreams.IOStreams
	Dir    string
	Policy store.Policy
	DryRun bool
	Wait   time.Duration
}

// NewCmdPrune builds `snapshot prune`. runF replaces the work in tests.
func NewCmdPrune(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "prune DIR --keep-last N | --keep-daily N | --keep-weekly N",
		Short: "Remove the snapshots a retention policy does not keep, then the blobs no snapshot needs",
		Long: `Keep the snapshots any --keep rule selects and remove the others, then every
blob no remaining snapshot needs. Days and ISO weeks are UTC.

Snapshots being written meanwhile are safe: prune waits (up to --wait) for
them to finish, and new ones wait for prune. A killed prune leaves only
unneeded blobs behind, which the next prune removes.`,
		Example: `  # a week of dailies, two months of weeklies, and always the last 3
  resource-sync snapshot prune ./backups --keep-last 3 --keep-daily 7 --keep-weekly 8
  resource-sync snapshot prune --dry-run ./backups --keep-last 1`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return cmdutil.FlagErrorf("snapshot prune takes one DIR")
			}
			p := opts.Policy
			if p.Last < 0 || p.Daily < 0 || p.Weekly < 0 {
				return cmdutil.FlagErrorf("--keep-last, --keep-daily and --keep-weekly must not be negative")
			}
			if p.Empty() {
				return cmdutil.FlagErrorf("prune keeps only what a policy says: give --keep-last, --keep-daily or --keep-weekly")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir = args[0]
			if runF != nil {
				return runF(opts)
			}
			return pruneRun(cmd.Context(), opts)
		},
	}
	fs := cmd.Flags()
	fs.IntVar(&opts.Policy.Last, "keep-last", 0, "keep the N newest snapshots")
	fs.IntVar(&opts.Policy.Daily, "keep-daily", 0, "keep the newest snapshot of each of the N newest days that have one")
	fs.IntVar(&opts.Policy.Weekly, "keep-weekly", 0, "keep the newest snapshot of each of the N newest weeks that have one")
	fs.BoolVarP(&opts.DryRun, "dry-run", "n", false, "say what would go, remove nothing")
	fs.DurationVar(&opts.Wait, "wait", 10*time.Minute, "how long to wait for snapshots in progress to finish")
	return cmd
}

func pruneRun(ctx context.Context, opts *Options) error {
	s, err := store.Open(opts.Dir)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Wait)
	defer cancel()
	rep, err := s.Prune(ctx, opts.Policy, opts.DryRun)
	if err != nil {
		return err
	}
	w := opts.IO.Out
	for _, k := range rep.Kept {
		fmt.Fprintf(w, "keep    %s (%s)\n", k.Name, strings.Join(k.Reasons, ", "))
	}
	verb := "removed"
	if opts.DryRun {
		verb = "would remove"
	}
	for _, in := range rep.Removed {
		fmt.Fprintf(w, "remove  %s\n", in.Name)
	}
	fmt.Fprintf(opts.IO.ErrOut, "%s %d snapshots and %d blobs no snapshot needs (%s); kept %d snapshots\n",
		verb, len(rep.Removed), rep.Blobs, shared.Size(rep.Bytes), len(rep.Kept))
	return nil
}
