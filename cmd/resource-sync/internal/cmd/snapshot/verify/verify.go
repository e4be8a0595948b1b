// Package verify is `resource-sync snapshot verify DIR`.
package verify

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmd/snapshot/shared"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmdutil"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/iostreams"
	"github.com/resource-sync/resource-sync/plugins/snapshot/store"
)

// Options are the parsed command line of `snapshot verify`.
type Options struct {
	IO  *iostreams.IOStreams
	Dir string
}

// NewCmdVerify builds `snapshot verify`. runF replaces the work in tests.
func NewCmdVerify(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "verify DIR",
		Short: "Re-hash every blob and check every snapshot is whole; name what is corrupt or missing",
		Long: `Re-hash every blob of the store and check that every snapshot's resources
are there and intact. Each problem is printed on its own line, naming the
blob and the resources and snapshots that need it; the exit code is 1 when
there is any.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return cmdutil.FlagErrorf("snapshot verify takes one DIR")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir = args[0]
			if runF != nil {
				return runF(opts)
			}
			s, err := store.Open(opts.Dir)
			if err != nil {
				return err
			}
			rep, err := s.Verify(cmd.Context())
			if err != nil {
				return err
			}
			for _, p := range rep.Problems {
				fmt.Fprintln(opts.IO.Out, p)
			}
			fmt.Fprintf(opts.IO.ErrOut, "%d blobs (%s) in %d snapshots: ", rep.Blobs, shared.Size(rep.Bytes), rep.Manifests)
			if len(rep.Problems) == 0 {
				fmt.Fprintln(opts.IO.ErrOut, "all intact")
				return nil
			}
			fmt.Fprintf(opts.IO.ErrOut, "%d problems\n", len(rep.Problems))
			return cmdutil.ErrSilent
		},
	}
	return cmd
}
