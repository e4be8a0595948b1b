// Package plugins is `resource-sync plugins list` and `plugins describe`.
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

// NewCmdPlugins groups the plugin commands.
func NewCmdPlugins(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "plugins",
		Short: "Inspect installed plugins",
		Long: `Plugins are binaries named resource-sync-plugin-NAME. They are searched for in:
  1. each directory in $RESOURCE_SYNC_PLUGIN_PATH
  2. the directory of the resource-sync executable
  3. the plugins directory of the user's config directory (~/.config/resource-sync/plugins)
The first binary found for a name wins, and hides a built-in of the same name.
The current directory is never searched, so running resource-sync inside a
tree cloned from elsewhere cannot run code that tree ships.`,
		// Without this, cobra shows the help and exits 0 for a mistyped
		// subcommand ("plugins lst").
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("unknown command %q for %q", args[0], cmd.CommandPath())
			}
			return cmd.Help()
		},
	}
	cmd.AddCommand(NewCmdList(f, nil), NewCmdDescribe(f, nil))
	return cmd
}

// ListOptions are the parsed flags of `plugins list`.
type ListOptions struct {
	Factory *cmdutil.Factory
	Log     cmdutil.LogFlags
	Running bool
}

// NewCmdList builds `plugins list`.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List every plugin found: name, version, protocol, components, path",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Running, "start", false, "start every plugin to check that it runs (built-ins included)")
	opts.Log.Register(cmd.Flags())
	return cmd
}

func listRun(ctx context.Context, opts *ListOptions) error {
	level, err := opts.Log.Resolve()
	if err != nil {
		return err
	}
	h, err := opts.Factory.Host(level)
	if err != nil {
		return err
	}
	defer h.Close()
	described := h.Describe(ctx)
	if opts.Running {
		for i, d := range described {
			if d.Err != nil {
				continue
			}
			p, err := h.Plugin(ctx, d.Source.Name)
			if err != nil {
				described[i].Err = err
				continue
			}
			described[i].Manifest = p.Manifest
		}
	}
	return printList(opts.Factory.IO.Out, described)
}

func printList(w io.Writer, described []host.Described) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tVERSION\tPROTOCOL\tCOMPONENTS\tSOURCE\tPATH")
	var failed []string
	for _, d := range described {
		source := "discovered"
		if d.Source.Builtin {
			source = "built-in"
		}
		if d.Err != nil {
			fmt.Fprintf(tw, "%s\t?\t?\tunusable\t%s\t%s\n", d.Source.Name, source, d.Source.Path)
			failed = append(failed, d.Err.Error())
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\n", d.Source.Name, d.Manifest.Version, d.Manifest.ProtocolVersion,
			components(d.Manifest), source, d.Source.Path)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, f := range failed {
		fmt.Fprintln(w, "\n"+f)
	}
	return nil
}

// components reads like "endpoint http (http://, https://; read, fetch, write)".
func components(m host.Manifest) string {
	var parts []string
	for _, c := range m.Components {
		desc := string(c.Kind) + " " + c.Name
		if claims := claims(c); len(claims) > 0 {
			desc += " (" + strings.Join(claims, ", ") + ")"
		}
		if len(c.Capabilities) > 0 {
			desc += " [" + strings.Join(c.Capabilities, ", ") + "]"
		}
		parts = append(parts, desc)
	}
	return strings.Join(parts, "; ")
}
