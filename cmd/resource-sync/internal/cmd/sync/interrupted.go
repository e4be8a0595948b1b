package sync

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/resource-sync/resource-sync/host"
)

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
