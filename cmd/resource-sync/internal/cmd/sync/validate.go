package sync

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmdutil"
	"github.com/resource-sync/resource-sync/host"
)

const validateLong = `Read every ORIGIN as a sync would and check it, writing nothing anywhere:
documents that do not parse, resources without an id or type, ids and types that
cannot name a file or a url path segment, a resource defined twice with different
content, dependency cycles. Each problem is named with its file and line.

A parent that points at nothing in the input is a warning, or an error with
--strict.

Exit status: 0 valid, 1 problems found, 2 usage error.`

// NewCmdValidate builds `validate`.
func NewCmdValidate(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Host: f.Host, Config: f.Config}
	cmd := &cobra.Command{
		Use:   "validate [OPTIONS] ORIGIN...",
		Short: "Check origins without syncing them",
		Long:  validateLong,
		Example: `  resource-sync validate ./data
  resource-sync validate --strict --simple ./data extra.yaml`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmdutil.FlagErrorf("missing ORIGIN")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Origins = args
			opts.SchemaGiven = schemaGiven(cmd.Flags())
			if err := opts.Plan.Validate(""); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return validateRun(cmd.Context(), opts)
		},
	}
	opts.RegisterCommon(cmd.Flags())
	opts.Plan.register(cmd.Flags(), modeValidate)
	opts.RegisterEndpoint(cmd.Flags(), f.EndpointOptions)
	cmd.Flags().SortFlags = false
	return cmd
}

func validateRun(ctx context.Context, o *Options) (err error) {
	h, err := o.NewHost()
	if err != nil {
		return err
	}
	defer h.Close()
	defer func() { err = h.RedactError(err) }()
	cfg, err := o.Config()
	if err != nil {
		return err
	}
	origins, _, schema, err := o.Locations(ctx, h, cfg)
	if err != nil {
		return err
	}
	v, err := h.Validate(ctx, host.ValidateOptions{Origins: origins, Schema: schema, Follow: o.Follow,
		Filter: host.Filter{Include: o.Plan.Include, Exclude: o.Plan.Exclude}, Strict: o.Plan.Strict})
	if err != nil {
		return err
	}
	printWarnings(o.IO.ErrOut, v.Warnings)
	if !o.Quiet {
		fmt.Fprintf(o.IO.ErrOut, "%d %s, valid\n", v.Read, plural(v.Read, "resource", "resources"))
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
