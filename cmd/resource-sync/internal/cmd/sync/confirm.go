package sync

import (
	"errors"
	"fmt"

	"github.com/resource-sync/resource-sync/host"
)

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
