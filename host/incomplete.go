package host

import (
	"errors"
	"fmt"
)

// DestinationIncompleteError reports a --delete sync that carried out its
// plan, but whose destination could not be read completely (it failed to
// answer, or a page of it was not followed): resources that it holds and
// no origin does may remain, so the sync is not reported a success.
type DestinationIncompleteError struct {
	Summary Summary
	Reasons []string // why the read was incomplete
}

func (e *DestinationIncompleteError) Error() string {
	reasons := make([]error, len(e.Reasons))
	for i, r := range e.Reasons {
		reasons[i] = errors.New(r)
	}
	return listError(fmt.Sprintf("--delete: the destination could not be read completely, so resources only it holds may remain (%d deleted)",
		e.Summary.Deleted), reasons)
}

// deletesIncomplete says whether the deletes of a --delete sync that
// otherwise succeeded may have missed stale resources. A destination
// written whole (a YAML file) keeps only what it was sent, read or not.
func (r *syncRun) deletesIncomplete(sum Summary) error {
	if !r.opts.Delete || len(r.destIncomplete) == 0 || r.destEP.wholeContent() {
		return nil
	}
	return &DestinationIncompleteError{Summary: sum, Reasons: r.destIncomplete}
}
