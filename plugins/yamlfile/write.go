package yamlfile

import (
	"bytes"
	"cmp"
	"context"
	"iter"
	"os"
	"path/filepath"
	"slices"

	"github.com/resource-sync/resource-sync/plugins/internal/fileutil"
	"github.com/resource-sync/resource-sync/sdk"
)

// Write gathers every item, joins them in Seq order and replaces the file
// in one atomic step, or leaves it alone when it already holds exactly
// those bytes. Items are reported only once the outcome is known: until
// the file is replaced, nothing is written.
func (e *Endpoint) Write(ctx context.Context, items iter.Seq[sdk.WriteItem], report func(sdk.WriteResult)) (sdk.WriteSummary, error) {
	var all []sdk.WriteItem
	for item := range items {
		all = append(all, item)
		if ctx.Err() != nil {
			break
		}
	}
	status, err := sdk.Written, ctx.Err()
	if err == nil {
		status, err = e.commit(join(all))
	}
	if err != nil {
		status = sdk.Failed
	}
	for _, item := range all {
		report(sdk.WriteResult{Seq: item.Seq, Status: status, Err: err})
	}
	return sdk.WriteSummary{}, err
}

// join concatenates the items' documents in Seq order, each on lines of its
// own so that the next "---" starts a line.
func join(items []sdk.WriteItem) []byte {
	slices.SortStableFunc(items, func(a, b sdk.WriteItem) int { return cmp.Compare(a.Seq, b.Seq) })
	var buf bytes.Buffer
	for _, item := range items {
		buf.Write(item.Content)
		if len(item.Content) > 0 && item.Content[len(item.Content)-1] != '\n' {
			buf.WriteByte('\n')
		}
	}
	return buf.Bytes()
}

// commit replaces the file with content unless it already holds it. A
// symlinked file is replaced at its target, so the link survives.
func (e *Endpoint) commit(content []byte) (sdk.WriteStatus, error) {
	target := e.path
	if resolved, err := filepath.EvalSymlinks(e.path); err == nil {
		target = resolved
	}
	root, err := os.OpenRoot(filepath.Dir(target))
	if err != nil {
		return sdk.Failed, e.errorf("cannot write: %s", fileutil.Reason(err))
	}
	defer root.Close()
	name := filepath.Base(target)
	if fileutil.Holds(root, name, content) {
		return sdk.Unchanged, nil
	}
	if err := fileutil.WriteFile(root, name, content); err != nil {
		return sdk.Failed, e.errorf("cannot write: %s", fileutil.Reason(err))
	}
	return sdk.Written, nil
}
