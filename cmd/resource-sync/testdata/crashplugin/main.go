// Command crashplugin is a test-only plugin that dies in the middle of a
// sync. Built as resource-sync-plugin-dir and found on
// $RESOURCE_SYNC_PLUGIN_PATH, it overrides the built-in dir endpoint: it
// reads exactly like it (it is the real plugins/dir endpoint), but its
// Write hands the real endpoint $CRASH_AFTER items (default 3), lets it
// commit them (the dir endpoint commits in batches, at the latest when
// its items end), and then panics in a goroutine of its own, which no
// recover can catch: the process dies the way a buggy plugin would,
// before the rest of the items and before any --rm removal (the real
// endpoint is opened without Replace, so it never removes anything).
//
// It is written only against sdk/ and plugins/dir, like any third-party
// plugin, and is built by the CLI's tests (script_test.go), never by
// `go build ./...` (testdata is ignored there).
package main

import (
	"context"
	"fmt"
	"iter"
	"os"
	"strconv"

	"github.com/resource-sync/resource-sync/plugins/dir"
	"github.com/resource-sync/resource-sync/sdk"
	"github.com/resource-sync/resource-sync/sdk/serve"
)

func main() {
	spec := dir.Spec()
	spec.Summary = "the dir endpoint, dying mid-write (a test plugin)"
	spec.Open = open
	spec.Implements = (*endpoint)(nil)
	serve.Plugin(sdk.Plugin{Name: "dir", Version: "0.0.0-crash", Endpoints: []sdk.EndpointSpec{spec}})
}

// endpoint is the real directory endpoint with a Write that dies.
type endpoint struct{ *dir.Endpoint }

func open(ctx context.Context, req sdk.OpenRequest) (sdk.Endpoint, error) {
	req.Replace = false // the crash comes first
	ep, err := dir.Open(ctx, req)
	if err != nil {
		return nil, err
	}
	return &endpoint{ep.(*dir.Endpoint)}, nil
}

func (e *endpoint) Write(ctx context.Context, items iter.Seq[sdk.WriteItem], report func(sdk.WriteResult)) (sdk.WriteSummary, error) {
	after := 3
	if n, err := strconv.Atoi(os.Getenv("CRASH_AFTER")); err == nil {
		after = n
	}
	first := func(yield func(sdk.WriteItem) bool) {
		handed := 0
		for item := range items {
			if handed == after || !yield(item) {
				return
			}
			handed++
		}
	}
	// The first items are on disk once the real Write returns; die then,
	// between writes, so what is left is exactly those files.
	if _, err := e.Endpoint.Write(ctx, first, report); err != nil {
		return sdk.WriteSummary{}, err
	}
	go func() { panic(fmt.Sprintf("crashplugin: dying after %d writes", after)) }()
	select {}
}

var (
	_ sdk.Reader = (*endpoint)(nil)
	_ sdk.Writer = (*endpoint)(nil)
)
