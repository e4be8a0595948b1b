package yamlfile

import (
	"context"
	"errors"
	"io/fs"
	"iter"
	"os"

	"github.com/resource-sync/resource-sync/plugins/internal/fileutil"
	"github.com/resource-sync/resource-sync/sdk"
)

// Read yields the whole file as one document; the YAML formatter splits it
// into its documents. A destination that does not exist yet holds nothing.
func (e *Endpoint) Read(ctx context.Context) iter.Seq2[sdk.Document, error] {
	return func(yield func(sdk.Document, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(sdk.Document{}, err)
			return
		}
		content, err := os.ReadFile(e.path)
		if errors.Is(err, fs.ErrNotExist) {
			return
		}
		if err != nil {
			yield(sdk.Document{}, &sdk.Error{Source: e.path, Msg: fileutil.Reason(err)})
			return
		}
		yield(sdk.Document{Content: content, Extension: ".yaml", Source: e.path}, nil)
	}
}
