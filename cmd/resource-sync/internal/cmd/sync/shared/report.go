package shared

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/iostreams"
	"github.com/resource-sync/resource-sync/host"
)

// Report follows a sync's events: the progress bar, -v lines and --output
// json.
type Report struct {
	out      io.Writer
	errOut   io.Writer
	json     bool
	planned  bool // --output json of a plan: planned events; else outcomes
	verbose  bool
	progress *progressBar
}

// NewReport reports as f asks on io; progress adds a progress bar on a
// terminal (a one-off sync's, not a dry run's).
func NewReport(io *iostreams.IOStreams, f *Flags, progress bool) *Report {
	r := &Report{out: io.Out, errOut: io.ErrOut, json: f.Plan.Output == "json", planned: f.Plan.DryRun,
		verbose: f.Log.Verbose > 0}
	if progress && io.IsStderrTTY() && !f.Quiet && !f.Plan.DryRun {
		r.progress = newProgressBar(io.ErrOut)
	}
	return r
}

// Start shows the progress bar for total changes, if there is one.
func (r *Report) Start(total int) {
	if r.progress != nil {
		r.progress.Start(total)
	}
}

// Event is a sync's SyncOptions.Events.
func (r *Report) Event(e host.Event) {
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
		line := fmt.Sprintf("%s %s/%s", Verb(e), e.Type, e.ID)
		if e.Err != nil {
			line += ": " + e.Err.Error()
		}
		fmt.Fprintln(r.errOut, line)
	}
}

// Finish clears the progress bar.
func (r *Report) Finish() {
	if r != nil && r.progress != nil {
		r.progress.Finish()
	}
}

// Verb is what happened to a resource, in a word.
func Verb(e host.Event) string {
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

// PrintSummary is the line a sync ends with, and what it deleted.
func PrintSummary(w io.Writer, s host.Summary, deleting bool) {
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

// PrintWarnings shows the problems that did not stop a sync.
func PrintWarnings(w io.Writer, warnings []string) {
	for _, msg := range warnings {
		fmt.Fprintf(w, "warning: %s\n", msg)
	}
}
