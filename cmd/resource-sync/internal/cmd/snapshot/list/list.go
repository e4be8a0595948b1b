// Package list is `resource-sync snapshot list DIR`.
package list

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmd/snapshot/shared"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmdutil"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/iostreams"
	"github.com/resource-sync/resource-sync/plugins/snapshot/store"
)

// Options are the parsed command line of `snapshot list`.
type Options struct {
	IO   *iostreams.IOStreams
	Dir  string
	JSON bool
}

// NewCmdList builds `snapshot list`. runF replaces the work in tests.
func NewCmdList(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "list DIR",
		Short: "List the snapshots in a store, oldest first, and whether each is complete",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return cmdutil.FlagErrorf("snapshot list takes one DIR")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir = args[0]
			if runF != nil {
				return runF(opts)
			}
			return listRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON: {\"manifests\": [...]}, as serve --snapshots answers GET /manifests")
	return cmd
}

func listRun(opts *Options) error {
	s, err := store.Open(opts.Dir)
	if err != nil {
		return err
	}
	infos, listErr := s.List()
	l := store.Listing{Manifests: []store.Status{}}
	for _, in := range infos {
		st := store.Status{Info: in}
		if m, err := s.Load(in.Name); err == nil {
			st.Missing = len(s.Missing(m))
			st.Complete = st.Missing == 0
		}
		l.Manifests = append(l.Manifests, st)
	}
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(l); err != nil {
			return err
		}
	} else if err := printTable(opts, l); err != nil {
		return err
	}
	if listErr != nil {
		return fmt.Errorf("some snapshots could not be read: %w", listErr)
	}
	return nil
}

func printTable(opts *Options, l store.Listing) error {
	if len(l.Manifests) == 0 {
		fmt.Fprintf(opts.IO.ErrOut, "no snapshots in %s\n", opts.Dir)
		return nil
	}
	tw := tabwriter.NewWriter(opts.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tTIME\tRESOURCES\tSIZE\tSTATUS\tORIGINS")
	for _, st := range l.Manifests {
		status := "complete"
		if !st.Complete {
			status = fmt.Sprintf("incomplete (%d missing)", st.Missing)
			if st.Missing == 0 {
				status = "damaged (run snapshot verify)"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\n", st.Name, st.Time.UTC().Format(time.RFC3339), st.Count,
			shared.Size(st.Size), status, strings.Join(st.Origins, " "))
	}
	return tw.Flush()
}
