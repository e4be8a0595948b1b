// Package show is `resource-sync snapshot show DIR [NAME|TIME]`.
package show

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

// Options are the parsed command line of `snapshot show`.
type Options struct {
	IO     *iostreams.IOStreams
	Dir    string
	Select string
	JSON   bool
}

// NewCmdShow builds `snapshot show`. runF replaces the work in tests.
func NewCmdShow(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "show DIR [NAME|TIME]",
		Short: "Show a snapshot's manifest: where it came from and every resource in it (the latest by default)",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 1 || len(args) > 2 {
				return cmdutil.FlagErrorf("snapshot show takes DIR and, optionally, a snapshot name or time")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir = args[0]
			if len(args) == 2 {
				opts.Select = args[1]
			}
			if runF != nil {
				return runF(opts)
			}
			return showRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the manifest as JSON, as serve --snapshots answers GET /manifests/name/NAME")
	return cmd
}

func showRun(opts *Options) error {
	s, in, err := shared.Select(opts.Dir, opts.Select)
	if err != nil {
		return err
	}
	m, err := s.Load(in.Name)
	if err != nil {
		return err
	}
	missing := s.Missing(m)
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if missing == nil {
			missing = []string{}
		}
		return enc.Encode(store.Remote{Manifest: *m, Missing: missing})
	}
	w := opts.IO.Out
	fmt.Fprintf(w, "name:      %s\n", m.Name)
	fmt.Fprintf(w, "time:      %s\n", m.Time.UTC().Format(time.RFC3339))
	fmt.Fprintf(w, "origins:   %s\n", strings.Join(m.Origins, " "))
	if len(m.Filters) > 0 {
		fmt.Fprintf(w, "filters:   %s\n", strings.Join(m.Filters, " "))
	}
	fmt.Fprintf(w, "follow:    %s\n", m.Follow)
	fmt.Fprintf(w, "schema:    %s\n", m.Schema)
	fmt.Fprintf(w, "resources: %d (%s)\n", m.Count, shared.Size(m.Size))
	status := "complete"
	if len(missing) > 0 {
		status = fmt.Sprintf("incomplete: %d blobs missing", len(missing))
	}
	fmt.Fprintf(w, "status:    %s\n\n", status)
	gone := map[string]bool{}
	for _, h := range missing {
		gone[h] = true
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RESOURCE\tHASH\tSIZE\tURI")
	for _, r := range m.Resources {
		hash := r.Hash[:12]
		if gone[r.Hash] {
			hash += " (missing)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", r.Key(), hash, r.Size, r.URI)
	}
	return tw.Flush()
}
