// Package check is `resource-sync adapters check`.
package check

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmdutil"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/iostreams"
	"github.com/resource-sync/resource-sync/plugins/adapter"
)

// CheckOptions are the parsed arguments of `adapters check`.
type CheckOptions struct {
	IO    *iostreams.IOStreams
	Files []string
}

// NewCmdCheck builds `adapters check FILE...`. runF replaces the work in
// tests.
func NewCmdCheck(f *cmdutil.Factory, runF func(*CheckOptions) error) *cobra.Command {
	opts := &CheckOptions{IO: f.IO}
	return &cobra.Command{
		Use:     "check FILE...",
		Short:   "Check adapter files offline: unknown fields, templates, references; no request is sent",
		Example: `  resource-sync adapters check examples/adapters/pocketbase.yaml`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmdutil.FlagErrorf("adapters check: name the adapter files to check")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Files = args
			if runF != nil {
				return runF(opts)
			}
			return checkRun(opts)
		},
	}
}

// checkRun checks each file and lists every problem found in any.
func checkRun(opts *CheckOptions) error {
	var problems []string
	for _, path := range opts.Files {
		f, err := adapter.Load(path)
		if err != nil {
			var all adapter.Errors
			if errors.As(err, &all) {
				for _, e := range all {
					problems = append(problems, e.Error())
				}
			} else {
				problems = append(problems, err.Error())
			}
			continue
		}
		refs := 0
		for _, c := range f.Collections {
			refs += len(c.References)
		}
		fmt.Fprintf(opts.IO.Out, "%s: ok: %s, %s (%s), %s\n", path, f.Name,
			plural(len(f.Collections), "collection"), strings.Join(f.CollectionNames(), ", "), plural(refs, "reference"))
	}
	switch len(problems) {
	case 0:
		return nil
	case 1:
		return errors.New(problems[0])
	}
	return fmt.Errorf("%d problems:\n  %s", len(problems), strings.Join(problems, "\n  "))
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
