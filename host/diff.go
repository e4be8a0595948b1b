package host

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/pmezard/go-difflib/difflib"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// DiffOptions shape the diff of a plan.
type DiffOptions struct {
	// Mask, when set, rewrites a body (canonical JSON) before it is shown,
	// to hide secret values.
	Mask func(typ string, body []byte) []byte
	// Context is the number of unchanged lines around each change
	// (default 3).
	Context int
}

// Diff writes the plan: for every resource to create, update or delete,
// its action and a unified diff of the document as the destination holds
// it and as it would be written, in the destination's format; an update
// without the fields the comparison leaves out (HAL links, --ignore).
func (run *Run) Diff(ctx context.Context, w io.Writer, opts DiffOptions) error {
	r := run.r
	if opts.Context <= 0 {
		opts.Context = 3
	}
	var changed []*step
	for _, s := range run.plan.steps {
		if s.action == actCreate || s.action == actUpdate || s.action == actDelete {
			changed = append(changed, s)
		}
	}
	// Both sides of every change, encoded: [2*i] as it is, [2*i+1] as it
	// would be.
	texts := make([]string, 2*len(changed))
	var mu sync.Mutex
	var problems []error
	var jobs []int
	for i, s := range changed {
		if s.dst != nil {
			jobs = append(jobs, 2*i)
		}
		if s.action != actDelete {
			jobs = append(jobs, 2*i+1)
		}
	}
	err := r.encodeEach(ctx, pb.Encode_STYLE_FILE_UNSPECIFIED, len(jobs), func(k int) (*pb.Value, error) {
		s := changed[jobs[k]/2]
		sp, res := s.body, s.res()
		if jobs[k]%2 == 0 {
			sp, res = s.dst.body, &s.dst.rec
		}
		body, err := r.spill.get(sp)
		if err != nil {
			return nil, err
		}
		// An update shows what counts as a change: what the comparison
		// leaves out (links, ignored fields) is left out of both sides.
		// A create or delete shows the whole document.
		if s.action == actUpdate {
			if body, err = r.norm.normalize(res.Type(), body); err != nil {
				return nil, fmt.Errorf("%s: %w", res.describe(), err)
			}
		}
		if opts.Mask != nil {
			body = opts.Mask(res.Type(), body)
		}
		return &pb.Value{Json: body, Source: res.Source(), Line: res.Line()}, nil
	}, func(k int, content []byte, err error) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			problems = append(problems, fmt.Errorf("%s: %w", changed[jobs[k]/2].key(), err))
			return
		}
		texts[jobs[k]] = string(content)
	})
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		return &EncodeError{Problems: problems}
	}
	dest := r.destEP.target.name()
	for i, s := range changed {
		name := strings.TrimSuffix(dest, "/") + "/" + s.key().String()
		from, to := name, name
		switch s.action {
		case actCreate:
			from = "/dev/null"
		case actDelete:
			to = "/dev/null"
		}
		header := fmt.Sprintf("%s %s", s.action, s.key())
		if s.reason() != "" {
			header += " (" + s.reason() + ")"
		}
		if _, err := fmt.Fprintln(w, header); err != nil {
			return err
		}
		text, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
			A: splitLines(texts[2*i]), B: splitLines(texts[2*i+1]),
			FromFile: from, ToFile: to, Context: opts.Context,
		})
		if err != nil {
			return err
		}
		if text == "" {
			text = "(same content; only the format it is stored in changes)\n"
		}
		if _, err := io.WriteString(w, text); err != nil {
			return err
		}
	}
	return nil
}

// splitLines cuts text after each newline, for difflib; a last line
// without one gets one.
func splitLines(text string) []string {
	if text == "" {
		return nil
	}
	lines := strings.SplitAfter(text, "\n")
	if last := len(lines) - 1; lines[last] == "" {
		lines = lines[:last]
	} else {
		lines[last] += "\n"
	}
	return lines
}
