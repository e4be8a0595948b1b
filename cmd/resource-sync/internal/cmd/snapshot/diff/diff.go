// Package diff is `resource-sync snapshot diff DIR OLD [NEW]`.
package diff

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmd/snapshot/shared"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmdutil"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/iostreams"
	"github.com/resource-sync/resource-sync/plugins/snapshot/store"
)

// Options are the parsed command line of `snapshot diff`.
type Options struct {
	IO       *iostreams.IOStreams
	Dir      string
	Old, New string
	NameOnly bool
}

// NewCmdDiff builds `snapshot diff`. runF replaces the work in tests.
func NewCmdDiff(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "diff DIR OLD [NEW]",
		Short: "Compare two snapshots per resource: created, updated, deleted, unchanged",
		Long: `Compare two snapshots of a store (NEW is the latest by default), each named
by its name or a time. Every created, updated or deleted resource is listed
with a unified diff of its JSON; the counts, unchanged ones included, go to
stderr. Exit code: 0 the same, 3 different, 1 error, 2 usage error.`,
		Example: `  resource-sync snapshot diff ./backups 2026-11-29 2026-11-30
  resource-sync snapshot diff --name-only ./backups 2026-11-01`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 2 || len(args) > 3 {
				return cmdutil.FlagErrorf("snapshot diff takes DIR, OLD and, optionally, NEW")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir, opts.Old = args[0], args[1]
			if len(args) == 3 {
				opts.New = args[2]
			}
			if runF != nil {
				return runF(opts)
			}
			return diffRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.NameOnly, "name-only", false, "list the resources that differ, without their diffs")
	return cmd
}

// change is one resource that differs between the snapshots.
type change struct {
	action   string // created, updated, deleted
	old, new *store.Entry
}

func diffRun(opts *Options) error {
	s, oldInfo, err := shared.Select(opts.Dir, opts.Old)
	if err != nil {
		return err
	}
	_, newInfo, err := shared.Select(opts.Dir, opts.New)
	if err != nil {
		return err
	}
	oldM, err := s.Load(oldInfo.Name)
	if err != nil {
		return err
	}
	newM, err := s.Load(newInfo.Name)
	if err != nil {
		return err
	}
	changes, unchanged := compare(oldM.Resources, newM.Resources)
	counts := map[string]int{}
	for _, c := range changes {
		counts[c.action]++
		if err := printChange(opts.IO.Out, s, oldM.Name, newM.Name, c, opts.NameOnly); err != nil {
			return err
		}
	}
	fmt.Fprintf(opts.IO.ErrOut, "%s -> %s: %d created, %d updated, %d deleted, %d unchanged\n",
		oldM.Name, newM.Name, counts["created"], counts["updated"], counts["deleted"], unchanged)
	if len(changes) > 0 {
		return cmdutil.ErrDifferences
	}
	return nil
}

// compare walks two manifests, both in (type, id) order.
func compare(older, newer []store.Entry) (changes []change, unchanged int) {
	less := func(a, b store.Entry) bool { return a.Type < b.Type || a.Type == b.Type && a.ID < b.ID }
	i, j := 0, 0
	for i < len(older) || j < len(newer) {
		switch {
		case j == len(newer) || i < len(older) && less(older[i], newer[j]):
			changes = append(changes, change{action: "deleted", old: &older[i]})
			i++
		case i == len(older) || less(newer[j], older[i]):
			changes = append(changes, change{action: "created", new: &newer[j]})
			j++
		default:
			if older[i].Hash == newer[j].Hash {
				unchanged++
			} else {
				changes = append(changes, change{action: "updated", old: &older[i], new: &newer[j]})
			}
			i++
			j++
		}
	}
	return changes, unchanged
}

func printChange(w io.Writer, s *store.Store, oldName, newName string, c change, nameOnly bool) error {
	e := c.new
	if e == nil {
		e = c.old
	}
	fmt.Fprintf(w, "%s %s\n", c.action, e.Key())
	if nameOnly {
		return nil
	}
	var oldJSON, newJSON []byte
	var err error
	if c.old != nil {
		if oldJSON, err = s.ReadBlob(c.old.Hash); err != nil {
			return fmt.Errorf("%s in %s: %w", c.old.Key(), oldName, err)
		}
	}
	if c.new != nil {
		if newJSON, err = s.ReadBlob(c.new.Hash); err != nil {
			return fmt.Errorf("%s in %s: %w", c.new.Key(), newName, err)
		}
	}
	return shared.WriteUnifiedDiff(w, oldName+"/"+e.Key(), newName+"/"+e.Key(), oldJSON, newJSON)
}
