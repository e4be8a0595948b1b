// Package config is `resource-sync config show`.
package config

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmdutil"
	configfile "github.com/resource-sync/resource-sync/cmd/resource-sync/internal/config"
	"github.com/resource-sync/resource-sync/host"
	"github.com/resource-sync/resource-sync/internal/envref"
)

// NewCmdConfig groups the config commands.
func NewCmdConfig(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Inspect the config file's named environments",
		Long: `The config file names environments: an endpoint location and its options,
usable wherever a location is ("resource-sync prod: ./data"). It is --config
FILE, else ./` + configfile.FileName + `, else ` + configfile.UserFileName + ` in the user's config
directory ($RESOURCE_SYNC_CONFIG_DIR, ~/.config/resource-sync). Any value may
be '${env:VARIABLE}', so secrets need not be written in it.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("unknown command %q for %q", args[0], cmd.CommandPath())
			}
			return cmd.Help()
		},
	}
	cmd.AddCommand(NewCmdShow(f, nil))
	return cmd
}

// ShowOptions are the parsed flags of `config show`.
type ShowOptions struct {
	Factory *cmdutil.Factory
	Log     cmdutil.LogFlags
}

// NewCmdShow builds `config show`.
func NewCmdShow(f *cmdutil.Factory, runF func(*ShowOptions) error) *cobra.Command {
	opts := &ShowOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "show",
		Short: "Print every environment as it resolves, secrets masked",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return showRun(cmd.Context(), opts)
		},
	}
	opts.Log.Register(cmd.Flags())
	return cmd
}

func showRun(ctx context.Context, opts *ShowOptions) error {
	cfg, err := opts.Factory.Config()
	if err != nil {
		return err
	}
	w := opts.Factory.IO.Out
	if cfg.Path == "" {
		fmt.Fprintf(w, "No config file: looked for ./%s and %s in the user's config directory.\n",
			configfile.FileName, configfile.UserFileName)
		return nil
	}
	level, err := opts.Log.Resolve()
	if err != nil {
		return err
	}
	h, err := opts.Factory.Host(level)
	if err != nil {
		return err
	}
	defer h.Close()
	schemes := map[string]string{} // scheme -> plugin claiming it
	for _, d := range h.Describe(ctx) {
		for _, c := range d.Manifest.Components {
			for _, s := range c.Schemes {
				schemes[strings.ToLower(s)] = d.Source.Name
			}
		}
	}
	fmt.Fprintf(w, "Config file: %s\n", cfg.Path)
	if len(cfg.Environments) == 0 {
		fmt.Fprintln(w, "No environments.")
	}
	var problems []error
	for _, name := range cfg.Names() {
		env := cfg.Environments[name]
		if err := showEnvironment(ctx, w, h, cfg, env, schemes); err != nil {
			problems = append(problems, err)
		}
	}
	if len(cfg.Secrets) > 0 {
		fmt.Fprintln(w, "\nSecret fields (written to files as placeholders):")
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, s := range cfg.Secrets {
			fmt.Fprintf(tw, "  %s\t%s\t${env:%s}\n", s.Type, s.Pointer, s.Env)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%d environments have problems", len(problems))
	}
	return nil
}

// showEnvironment prints one environment; a problem is printed in place
// and returned.
func showEnvironment(ctx context.Context, w io.Writer, h *host.Host, cfg *configfile.File, env *configfile.Environment, schemes map[string]string) error {
	fmt.Fprintf(w, "\n%s: %s", env.Name, env.Location)
	comps, err := h.Endpoints(ctx, env.Location)
	if err != nil {
		fmt.Fprintf(w, "\n  problem: %v\n", err)
		return err
	}
	comp := comps[0]
	fmt.Fprintf(w, " (%s endpoint)\n", comp.Name)
	if plugin, ok := schemes[strings.ToLower(env.Name)]; ok {
		fmt.Fprintf(w, "  note: %s: names this environment, not the %s:// scheme of plugin %s\n", env.Name, env.Name, plugin)
	}
	if env.Schema != "" {
		fmt.Fprintf(w, "  schema: %s\n", env.Schema)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, k := range slices.Sorted(maps.Keys(env.Options)) {
		d, ok := findDecl(comp.Options, k)
		if !ok {
			d.Secret = true // a mistyped "tokn" may hold a token: never shown
		}
		fmt.Fprintf(tw, "  %s\t%s\n", k, shown(d, env.Options[k]))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if err := cfg.Check(env, comp.Name+" endpoint", comp.Options); err != nil {
		fmt.Fprintf(w, "  problem: %v\n", err)
		return err
	}
	return nil
}

// shown is an option's value as it resolves: a secret masked, saying where
// it comes from; a variable that is not set, said so.
func shown(d host.OptionDecl, raw string) string {
	refs := envref.Refs(raw)
	from := ""
	if len(refs) > 0 {
		from = fmt.Sprintf(" (from %s)", raw)
	}
	v, err := envref.Expand(raw, nil)
	if err != nil {
		if d.Secret {
			return fmt.Sprintf("*** %s: %v", raw, err)
		}
		return fmt.Sprintf("%s: %v", raw, err)
	}
	switch {
	case d.Secret && len(refs) > 0:
		return "***" + from
	case d.Secret:
		return "*** (written in the file)"
	}
	return strings.ReplaceAll(v, "\n", ", ") + from
}

func findDecl(decls []host.OptionDecl, name string) (host.OptionDecl, bool) {
	for _, d := range decls {
		if d.Name == name {
			return d, true
		}
	}
	return host.OptionDecl{}, false
}
