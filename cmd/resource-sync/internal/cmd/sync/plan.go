package sync

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmdutil"
	"github.com/resource-sync/resource-sync/host"
)

type mode int

const (
	modeSync mode = iota
	modeDiff
	modeValidate
)

// PlanFlags say what a sync may change and how changes are judged.
type PlanFlags struct {
	Delete    bool
	Rm        bool
	MaxDelete string
	Yes       bool
	DryRun    bool
	Ignore    []string
	Include   []string
	Exclude   []string
	Output    string
	Strict    bool
}

func (p *PlanFlags) register(fs *pflag.FlagSet, m mode) {
	if m != modeValidate {
		fs.BoolVar(&p.Delete, "delete", false, "also delete from DESTINATION the resources of the synced types that no origin holds: children first, only after every write succeeded, within --max-delete")
		fs.BoolVar(&p.Rm, "rm", false, "same as --delete (the original tool's name)")
		fs.StringVar(&p.MaxDelete, "max-delete", "50%", "refuse to delete more than N resources, or N% of what DESTINATION holds of the synced types")
		fs.StringArrayVar(&p.Ignore, "ignore", nil, "leave a server-managed field out of comparisons, as a JSON pointer: /version, or TYPE:/pointer for one type (repeatable); it keeps the destination's value")
	}
	if m == modeSync {
		fs.BoolVarP(&p.Yes, "yes", "Y", false, "delete without asking (on a terminal, deletions are listed and confirmed)")
		fs.BoolVar(&p.DryRun, "dry-run", false, "print the plan as `diff` does and change nothing")
	}
	fs.StringArrayVar(&p.Include, "include", nil, "only sync resources matching this glob over TYPE or TYPE/ID (repeatable)")
	fs.StringArrayVar(&p.Exclude, "exclude", nil, "leave out resources matching this glob over TYPE or TYPE/ID (repeatable); they are neither written nor deleted")
	if m != modeValidate {
		fs.StringVar(&p.Output, "output", "text", "text, or json: one JSON object per resource and line on stdout (action, type, id, uri, fingerprint, outcome, error)")
	}
	if m == modeValidate {
		fs.BoolVar(&p.Strict, "strict", false, "make warnings (a parent that points at nothing) errors")
	}
}

func (p *PlanFlags) deleting() bool { return p.Delete || p.Rm }

func (p *PlanFlags) validate(destination string) error {
	switch p.Output {
	case "", "text":
	case "json":
		if destination == "-" && !p.DryRun {
			return cmdutil.FlagErrorf("--output json writes to stdout, which is the destination here")
		}
	default:
		return cmdutil.FlagErrorf("invalid --output %q: want text or json", p.Output)
	}
	if p.MaxDelete != "" {
		if _, err := host.ParseDeleteLimit(p.MaxDelete); err != nil {
			return cmdutil.FlagErrorf("invalid --max-delete: %v", err)
		}
	}
	for _, s := range p.Ignore {
		if _, err := host.ParseIgnore(s); err != nil {
			return cmdutil.FlagErrorf("invalid --%v", err)
		}
	}
	if err := (host.Filter{Include: p.Include, Exclude: p.Exclude}).Validate(); err != nil {
		return cmdutil.FlagErrorf("invalid --include or --exclude: %v", err)
	}
	return nil
}

// syncOptions is the part of host.SyncOptions these flags decide.
func (p *PlanFlags) syncOptions() (host.SyncOptions, error) {
	opts := host.SyncOptions{Delete: p.deleting(), Filter: host.Filter{Include: p.Include, Exclude: p.Exclude}}
	if p.MaxDelete != "" {
		limit, err := host.ParseDeleteLimit(p.MaxDelete)
		if err != nil {
			return opts, cmdutil.FlagErrorf("invalid --max-delete: %v", err)
		}
		opts.MaxDelete = limit
	}
	for _, s := range p.Ignore {
		rule, err := host.ParseIgnore(s)
		if err != nil {
			return opts, cmdutil.FlagErrorf("invalid --%v", err)
		}
		opts.Ignore = append(opts.Ignore, rule)
	}
	return opts, nil
}

// confirmDeletes lists the deletions and asks before going on, on a
// terminal; elsewhere --max-delete is the only bound.
func (o *Options) confirmDeletes(run *host.Run) error {
	_, deletes := run.Pending()
	if deletes == 0 || o.Plan.Yes || !o.IO.CanPrompt() {
		return nil
	}
	fmt.Fprintf(o.IO.ErrOut, "%d %s would be deleted from %s:\n", deletes, plural(deletes, "resource", "resources"), o.Destination)
	shown := 0
	for _, e := range run.Changes() {
		if e.Action != host.ActionDelete {
			continue
		}
		if shown == 50 {
			fmt.Fprintf(o.IO.ErrOut, "  ... and %d more\n", deletes-shown)
			break
		}
		fmt.Fprintf(o.IO.ErrOut, "  %s/%s\n", e.Type, e.ID)
		shown++
	}
	question := "Delete it? [y/N] "
	if deletes > 1 {
		question = fmt.Sprintf("Delete these %d resources? [y/N] ", deletes)
	}
	ok, err := o.IO.Confirm(question)
	if err != nil {
		return fmt.Errorf("reading the answer: %w", err)
	}
	if !ok {
		return errors.New("deletions not confirmed; nothing was changed")
	}
	return nil
}

// report follows a sync's events: the progress bar, -v lines and --output
// json.
type report struct {
	out      io.Writer
	errOut   io.Writer
	json     bool
	planned  bool // --output json of a plan: planned events; else outcomes
	verbose  bool
	progress *progressBar
}

func newReport(o *Options) *report {
	r := &report{out: o.IO.Out, errOut: o.IO.ErrOut, json: o.Plan.Output == "json", planned: o.Plan.DryRun,
		verbose: o.Log.Verbose > 0}
	if o.IO.IsStderrTTY() && !o.Quiet && !o.Plan.DryRun {
		r.progress = newProgressBar(o.IO.ErrOut)
	}
	return r
}

func (r *report) event(e host.Event) {
	if r.json && (e.Outcome == host.OutcomePlanned) == r.planned {
		if b, err := json.Marshal(e); err == nil {
			fmt.Fprintf(r.out, "%s\n", b)
		}
	}
	if e.Outcome == host.OutcomePlanned {
		return
	}
	if r.progress != nil && (e.Action != host.ActionUnchanged || e.Outcome != host.OutcomeUnchanged) {
		r.progress.Add(1)
	}
	if r.verbose && e.Outcome != host.OutcomeUnchanged {
		line := fmt.Sprintf("%s %s/%s", verb(e), e.Type, e.ID)
		if e.Err != nil {
			line += ": " + e.Err.Error()
		}
		fmt.Fprintln(r.errOut, line)
	}
}

func (r *report) finish() {
	if r != nil && r.progress != nil {
		r.progress.Finish()
	}
}

// verb is what happened to a resource, in a word.
func verb(e host.Event) string {
	switch e.Outcome {
	case host.OutcomeWritten:
		if e.Action == host.ActionCreate {
			return "created"
		}
		return "updated"
	case host.OutcomeDeleted:
		return "deleted"
	case host.OutcomeFailed:
		return "failed to " + string(e.Action)
	case host.OutcomeSkipped:
		return "skipped " + string(e.Action) + " of"
	}
	return string(e.Outcome)
}

// printSummary is the line a sync ends with, and what it deleted.
func printSummary(w io.Writer, s host.Summary, deleting bool) {
	line := fmt.Sprintf("%d read: %d created, %d updated, %d unchanged, %d deleted",
		s.Read, s.Created, s.Updated, s.Unchanged, s.Deleted)
	if s.Failed > 0 || s.Skipped > 0 {
		line += fmt.Sprintf(", %d failed, %d skipped", s.Failed, s.Skipped)
	}
	if s.Kept > 0 && !deleting {
		line += fmt.Sprintf(" (%d only in the destination; --delete removes them)", s.Kept)
	}
	fmt.Fprintln(w, line)
	if n := len(s.DeletedKeys); n > 0 {
		shown := s.DeletedKeys
		if n > 20 {
			shown = shown[:20]
		}
		more := ""
		if n > len(shown) {
			more = fmt.Sprintf(" and %d more", n-len(shown))
		}
		fmt.Fprintf(w, "deleted: %s%s\n", strings.Join(shown, ", "), more)
	}
}

// printInterrupted says what an interrupted sync left at the destination:
// what it confirmed, what it was sent and never confirmed (a request in
// flight may or may not have landed), and what it was never sent.
func printInterrupted(w io.Writer, s host.Summary) {
	msg := fmt.Sprintf("Interrupted while writing: %d written", s.Written())
	if s.Deleted > 0 {
		msg += fmt.Sprintf(", %d deleted", s.Deleted)
	}
	if n := len(s.Unconfirmed); n > 0 {
		shown := slices.Sorted(slices.Values(s.Unconfirmed))
		if n > 20 {
			shown = shown[:20]
		}
		more := ""
		if n > len(shown) {
			more = fmt.Sprintf(" and %d more", n-len(shown))
		}
		msg += fmt.Sprintf("; %d sent and not confirmed, which may or may not have been written: %s%s",
			n, strings.Join(shown, ", "), more)
	}
	if s.Skipped > 0 {
		msg += fmt.Sprintf("; %d not sent", s.Skipped)
	}
	fmt.Fprintln(w, msg+".")
}

func printWarnings(w io.Writer, warnings []string) {
	for _, msg := range warnings {
		fmt.Fprintf(w, "warning: %s\n", msg)
	}
}
