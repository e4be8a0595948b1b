package plugins

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmdutil"
	"github.com/resource-sync/resource-sync/host"
)

// DescribeOptions are the parsed arguments of `plugins describe`.
type DescribeOptions struct {
	Factory *cmdutil.Factory
	Log     cmdutil.LogFlags
	Name    string
}

// NewCmdDescribe builds `plugins describe NAME`.
func NewCmdDescribe(f *cmdutil.Factory, runF func(*DescribeOptions) error) *cobra.Command {
	opts := &DescribeOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "describe NAME",
		Short: "Show a plugin's components and the options its endpoints take",
		Long: `Show what a plugin offers: each component, what it claims, its
capabilities, and every option its endpoints take, with type, default,
the environment variable it may come from, and whether it is a secret
(never shown) or a credential (given to one endpoint only).

An option NAME is given as -o NAME=VALUE (or --NAME for the built-in
endpoints' options), -o from-NAME=VALUE for the origins, -o to-NAME=VALUE
for the destination, or as NAME: VALUE in an environment of the config file.`,
		Example: "  resource-sync plugins describe http",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			if runF != nil {
				return runF(opts)
			}
			return describeRun(cmd.Context(), opts)
		},
	}
	opts.Log.Register(cmd.Flags())
	return cmd
}

func describeRun(ctx context.Context, opts *DescribeOptions) error {
	level, err := opts.Log.Resolve()
	if err != nil {
		return err
	}
	h, err := opts.Factory.Host(level)
	if err != nil {
		return err
	}
	defer h.Close()
	var names []string
	for _, d := range h.Describe(ctx) {
		names = append(names, d.Source.Name)
		if d.Source.Name != opts.Name {
			continue
		}
		if d.Err != nil {
			return d.Err
		}
		return printDescription(opts.Factory.IO.Out, d)
	}
	return cmdutil.FlagErrorf("no plugin named %q; found: %s", opts.Name, strings.Join(names, ", "))
}

func printDescription(w io.Writer, d host.Described) error {
	source := "discovered"
	if d.Source.Builtin {
		source = "built-in"
	}
	fmt.Fprintf(w, "%s %s (%s, %s), plugin protocol %d\n", d.Manifest.Name, d.Manifest.Version, source, d.Source.Path,
		d.Manifest.ProtocolVersion)
	for _, c := range d.Manifest.Components {
		fmt.Fprintf(w, "\n%s %s", c.Kind, c.Name)
		if c.Summary != "" {
			fmt.Fprintf(w, ": %s", c.Summary)
		}
		fmt.Fprintln(w)
		if claims := claims(c); len(claims) > 0 {
			fmt.Fprintf(w, "  claims:         %s\n", strings.Join(claims, ", "))
		}
		if len(c.MediaTypes) > 0 {
			fmt.Fprintf(w, "  media types:    %s\n", strings.Join(c.MediaTypes, ", "))
		}
		if len(c.Capabilities) > 0 {
			fmt.Fprintf(w, "  capabilities:   %s\n", strings.Join(c.Capabilities, ", "))
		}
		if c.DefaultFormat != "" {
			fmt.Fprintf(w, "  default format: %s\n", c.DefaultFormat)
		}
		if c.Kind != host.KindEndpoint {
			continue
		}
		if len(c.Options) == 0 {
			fmt.Fprintln(w, "  options:        none")
			continue
		}
		fmt.Fprintln(w, "  options:")
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "    NAME\tTYPE\tDEFAULT\tFROM\tKIND\tHELP")
		for _, o := range c.Options {
			from := ""
			if o.Env != "" {
				from = "$" + o.Env
			}
			typ := string(o.Type)
			if o.Min != "" {
				typ += " >= " + o.Min
			}
			fmt.Fprintf(tw, "    %s\t%s\t%s\t%s\t%s\t%s\n", o.Name, typ, o.Default, from, optionKind(o), o.Help)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

// optionKind says how the host treats an option's value.
func optionKind(o host.OptionDecl) string {
	var kinds []string
	if o.Secret {
		kinds = append(kinds, "secret")
	}
	if o.Credential {
		kinds = append(kinds, "credential")
	}
	if len(kinds) == 0 {
		return "-"
	}
	return strings.Join(kinds, ",")
}

// claims are the locations or files a component takes.
func claims(c host.Component) []string {
	var out []string
	for _, s := range c.Schemes {
		out = append(out, s+"://")
	}
	for _, s := range c.OpaqueSchemes {
		out = append(out, s+":")
	}
	out = append(out, c.PathPatterns...)
	if c.Directories {
		out = append(out, "directories")
	}
	return append(out, c.Extensions...)
}
