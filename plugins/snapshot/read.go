package snapshot

import (
	"context"
	"iter"

	"github.com/resource-sync/resource-sync/plugins/snapshot/store"
	"github.com/resource-sync/resource-sync/sdk"
)

// Read yields every resource of the snapshot chosen at Open as a JSON
// document, in (type, id) order; the host decodes, classifies and orders
// them as it would any origin's. Under the partial option, resources whose
// content is missing are left out with a warning.
func (e *Endpoint) Read(ctx context.Context) iter.Seq2[sdk.Document, error] {
	return func(yield func(sdk.Document, error) bool) {
		var wanted []store.Entry
		for _, r := range e.manifest.Resources {
			if e.missing[r.Hash] {
				sdk.Logger().Warn("left out of a partial restore: its content is missing", "resource", e.source(r), "hash", r.Hash)
				continue
			}
			wanted = append(wanted, r)
		}
		get := func(ctx context.Context, r store.Entry) ([]byte, error) {
			if e.remote != nil {
				return e.remote.blob(ctx, r.Hash)
			}
			return e.local.ReadBlob(r.Hash)
		}
		workers := localReaders
		if e.remote != nil {
			workers = e.remote.concurrency
		}
		for r, res := range inOrder(ctx, wanted, workers, get) {
			if res.err != nil {
				// The content went missing or changed since Open: a
				// problem with this resource, so the host writes nothing.
				if !yield(sdk.Document{}, &sdk.Error{Source: e.source(r), Msg: res.err.Error()}) {
					return
				}
				continue
			}
			doc := sdk.Document{Content: res.data, MediaType: "application/json", Extension: ".json",
				Source: e.source(r), URI: r.URI, TypeHint: r.Type}
			if !yield(doc, nil) {
				return
			}
		}
		if ctx.Err() != nil {
			yield(sdk.Document{}, ctx.Err())
		}
	}
}

// localReaders read blobs from a local store at once.
const localReaders = 4

type fetched struct {
	data []byte
	err  error
}

// inOrder calls get for each entry, up to workers at once, and yields the
// results in the entries' order.
func inOrder(ctx context.Context, entries []store.Entry, workers int, get func(context.Context, store.Entry) ([]byte, error)) iter.Seq2[store.Entry, fetched] {
	return func(yield func(store.Entry, fetched) bool) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		if workers < 1 {
			workers = 1
		}
		// A window of pending results, each with its own channel, keeps
		// at most workers fetches in flight.
		pending := make(chan chan fetched, workers)
		go func() {
			defer close(pending)
			for _, r := range entries {
				ch := make(chan fetched, 1)
				select {
				case pending <- ch:
				case <-ctx.Done():
					return
				}
				go func() {
					data, err := get(ctx, r)
					ch <- fetched{data, err}
				}()
			}
		}()
		i := 0
		for ch := range pending {
			var res fetched
			select {
			case res = <-ch:
			case <-ctx.Done():
				return
			}
			if !yield(entries[i], res) {
				return
			}
			i++
		}
	}
}
