// Package bisync is `resource-sync bisync A B`: keep two locations alike,
// both editable, through a journal of what both held after the last run.
package bisync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hashicorp/go-hclog"

	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmd/sync/shared"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmdutil"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/config"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/iostreams"
	"github.com/resource-sync/resource-sync/host"
)

// Options are the parsed command line. The endpoint options, schema,
// follow and plan flags are the sync command's.
type Options struct {
	IO     *iostreams.IOStreams
	Host   func(hclog.Level) (*host.Host, error)
	Config func() (*config.File, error)
	shared.Flags
	Resync       bool
	Conflict     string
	UpdatedField string
	Journal      string
}

const long = `Keep two locations alike while both are edited: a directory in git and a
live API, two environments' APIs, two directories.

Each run reads both sides and compares every resource with the journal of
the last run (fingerprints of the normalized content, as diff compares):
what changed, appeared or disappeared on one side only is written to, or
deleted from, the other (creates and updates parents first, deletes
children first). The same change made on both sides is no conflict. A
resource changed differently on both sides is a conflict, decided by
--conflict:

  fail    (default) listed and left as it is on both sides; exit status 3
  newer   the side whose --updated-field (RFC 3339 time or integer) is
          greater wins; a tie, or a side without it, is left as under fail
  a, b    that side wins, its deletion included

The first run of a pair needs --resync: both sides end up holding what
either holds (conflicts settled by --conflict), and the journal starts.
The journal lives under .resource-sync/ inside a directory side, else in
the user's state directory ($RESOURCE_SYNC_STATE_DIR,
~/.local/state/resource-sync); it is locked while a bisync of the pair
runs, and it only records writes both sides acknowledged, so a run killed
at any point is completed by the next one.

Guardrails: a side that fails to read stops the run before anything is
written; one read incompletely, or empty while the journal says it held
resources, causes no deletes; --max-delete bounds the deletes on each side.

HTTP APIs that give ETags are written conditionally (If-Match, If-None-Match:
*): a resource changed by someone else during the run is read again and
planned again, never overwritten. One that offers a transaction log
(<location>/transactions, as resource-sync serve does) is read through it:
only what changed since the last run is fetched.

Give an HTTP side as a location that lists what to sync: a collection URL,
or a discovery document with -a. An adapter location (adapter:FILE) works on
either side, both sides then using the schema it recommends. Endpoint options
go to both sides, a credential to the one that takes it; --from-NAME is for A
and --to-NAME for B.

Exit status: 0 in sync, 3 conflicts left (or, with --dry-run, changes to
make), 1 error or failed writes (tried again next run), 2 usage error.`

// NewCmdBisync builds `bisync`. runF replaces the work in tests.
func NewCmdBisync(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Host: f.Host, Config: f.Config}
	cmd := &cobra.Command{
		Use:   "bisync [OPTIONS] A B",
		Short: "Keep two locations alike while both are edited",
		Long:  long,
		Example: `  # First run: both end up with what either holds
  resource-sync bisync --resync ./config https://api.example.com/api/v1/dashboards

  # Every later run: what changed on one side goes to the other
  resource-sync bisync ./config https://api.example.com/api/v1/dashboards

  # Settle conflicts by the resources' own update times
  resource-sync bisync --conflict newer --updated-field updatedAt ./config prod:

  # What would change on each side, and the conflicts
  resource-sync bisync --dry-run ./config prod:`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 {
				return cmdutil.FlagErrorf("bisync takes two locations, A and B (got %d)", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Origins, opts.Destination = args[:1], args[1]
			opts.SchemaGiven = shared.SchemaGiven(cmd.Flags())
			if err := opts.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	fs := cmd.Flags()
	fs.BoolVar(&opts.Resync, "resync", false, "make both sides hold what either holds and start the journal again (the first run needs it)")
	fs.StringVar(&opts.Conflict, "conflict", "fail", "what to do with a resource changed differently on both sides: fail, newer, a or b")
	fs.StringVar(&opts.UpdatedField, "updated-field", "", "the field --conflict newer compares: a name (updatedAt) or a JSON pointer; RFC 3339 times or integers")
	fs.StringVar(&opts.Journal, "journal", "", "the journal file (default: under .resource-sync/ in a directory side, else in the state directory)")
	opts.Plan.RegisterBisync(fs)
	opts.RegisterCommon(fs)
	opts.RegisterEndpoint(fs, f.EndpointOptions)
	fs.SortFlags = false
	return cmd
}

func (o *Options) validate() error {
	if _, err := host.ParseConflictPolicy(o.Conflict); err != nil {
		return cmdutil.FlagErrorf("invalid --conflict: %v", err)
	}
	if o.Conflict == string(host.ConflictNewer) && o.UpdatedField == "" {
		return cmdutil.FlagErrorf("--conflict newer needs --updated-field: the field to compare (updatedAt, /meta/modified)")
	}
	if len(o.Secrets) > 0 {
		return cmdutil.FlagErrorf("--secret is not supported by bisync")
	}
	return o.Plan.Validate(o.Destination)
}

func run(ctx context.Context, o *Options) (err error) {
	h, err := o.NewHost(o.Host)
	if err != nil {
		return err
	}
	defer h.Close()
	defer func() { err = h.RedactError(err) }()
	cfg, err := o.Config()
	if err != nil {
		return err
	}
	if len(cfg.Secrets) > 0 {
		h.Logger().Warn("bisync does not handle secret fields; the config file's secrets are not used")
	}
	planned, err := o.Plan.SyncOptions()
	if err != nil {
		return err
	}
	origins, dest, schema, err := o.Locations(ctx, h, cfg, o.IO)
	if err != nil {
		return err
	}
	rep := &report{out: o.IO.Out, errOut: o.IO.ErrOut, json: o.Plan.Output == "json", planned: o.Plan.DryRun, verbose: o.Log.Verbose > 0}
	conflict, _ := host.ParseConflictPolicy(o.Conflict)
	opts := host.BisyncOptions{
		A: origins[0], B: dest, Schema: schema, Follow: o.Follow,
		Resync: o.Resync, Conflict: conflict, UpdatedField: o.UpdatedField,
		MaxDelete: planned.MaxDelete, Ignore: planned.Ignore, Filter: planned.Filter,
		FailFast: o.FailFast, DryRun: o.Plan.DryRun, Events: rep.event, Journal: o.Journal,
	}
	if o.Format != "" {
		opts.Formats = [2]string{o.Format, o.Format}
	}
	run, err := h.PrepareBisync(ctx, opts)
	if err != nil {
		if ctx.Err() != nil {
			fmt.Fprintln(o.IO.ErrOut, "Interrupted while reading; nothing was written.")
		}
		return err
	}
	defer run.Close()
	sides := run.Sides()
	if o.Plan.DryRun {
		if !rep.json {
			if err := run.Diff(ctx, o.IO.Out, host.DiffOptions{}); err != nil {
				return err
			}
		}
		sum := run.Summary()
		printWarnings(o.IO.ErrOut, sum.Warnings)
		writes, deletes, conflicts := run.Pending()
		if !o.Quiet {
			fmt.Fprintf(o.IO.ErrOut, "%s: %d to write, %d to delete; %s: %d to write, %d to delete; %d alike, %d %s\n",
				sides[0], writes[0], deletes[0], sides[1], writes[1], deletes[1], sum.Alike, conflicts, plural(conflicts, "conflict", "conflicts"))
		}
		if writes[0]+writes[1]+deletes[0]+deletes[1]+conflicts > 0 {
			return cmdutil.ErrDifferences
		}
		return nil
	}
	sum, err := run.Apply(ctx)
	printWarnings(o.IO.ErrOut, sum.Warnings)
	for _, c := range sum.Conflicts {
		fmt.Fprintf(o.IO.ErrOut, "conflict: %s/%s: %s\n", c.Type, c.ID, c.Reason)
	}
	if !o.Quiet || ctx.Err() != nil {
		printSummary(o.IO.ErrOut, sides, sum)
	}
	if errors.Is(err, host.ErrConflicts) {
		fmt.Fprintf(o.IO.ErrOut, "%d %s left as %s on both sides; settle them (edit one side, or --conflict a|b|newer) and run again\n",
			len(sum.Conflicts), plural(len(sum.Conflicts), "conflict", "conflicts"), plural(len(sum.Conflicts), "it is", "they are"))
		return cmdutil.ErrDifferences
	}
	return err
}

// printSummary is the line a bisync ends with.
func printSummary(w io.Writer, sides [2]string, s host.BisyncSummary) {
	var parts []string
	for i, side := range s.Sides {
		part := fmt.Sprintf("%s: %d created, %d updated, %d deleted", sides[i], side.Created, side.Updated, side.Deleted)
		if side.Failed+side.Skipped > 0 {
			part += fmt.Sprintf(", %d failed, %d skipped", side.Failed, side.Skipped)
		}
		parts = append(parts, part)
	}
	line := fmt.Sprintf("%d and %d read; %s; %d alike", s.Read[0], s.Read[1], strings.Join(parts, "; "), s.Alike)
	if s.Agreed > 0 {
		line += fmt.Sprintf(", %d changed alike on both", s.Agreed)
	}
	if n := len(s.Conflicts); n > 0 {
		line += fmt.Sprintf(", %d %s", n, plural(n, "conflict", "conflicts"))
	}
	if s.Retried > 0 {
		line += fmt.Sprintf(" (%d changed during the run, read again)", s.Retried)
	}
	fmt.Fprintln(w, line)
}

func printWarnings(w io.Writer, warnings []string) {
	for _, msg := range warnings {
		fmt.Fprintf(w, "warning: %s\n", msg)
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// report follows the events: --output json and -v lines.
type report struct {
	out, errOut io.Writer
	json        bool
	planned     bool // a dry run shows planned events; a run, outcomes
	verbose     bool
}

func (r *report) event(e host.Event) {
	if r.json && (e.Outcome == host.OutcomePlanned) == r.planned {
		if b, err := json.Marshal(e); err == nil {
			fmt.Fprintf(r.out, "%s\n", b)
		}
	}
	if e.Outcome == host.OutcomePlanned || e.Outcome == host.OutcomeUnchanged || !r.verbose {
		return
	}
	line := fmt.Sprintf("%s: %s %s/%s", e.Side, e.Outcome, e.Type, e.ID)
	if e.Outcome == host.OutcomeWritten {
		line = fmt.Sprintf("%s: %sd %s/%s", e.Side, e.Action, e.Type, e.ID)
	}
	if e.Reason != "" {
		line += " (" + e.Reason + ")"
	}
	if e.Err != nil {
		line += ": " + e.Err.Error()
	}
	fmt.Fprintln(r.errOut, line)
}
