package snapshot

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"os"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/resource-sync/resource-sync/plugins/snapshot/store"
	"github.com/resource-sync/resource-sync/sdk"
)

// localWriters store blobs at once; each new blob waits for an fsync.
const localWriters = 8

// Write stores every item's canonical JSON (Resource.JSON; Content, the
// destination format's encoding, is not needed) and then the manifest.
// A resource whose content the store holds already is reported
// Unchanged and costs no write. Nothing becomes a snapshot unless every
// item was stored.
func (e *Endpoint) Write(ctx context.Context, items iter.Seq[sdk.WriteItem], report func(sdk.WriteResult)) (sdk.WriteSummary, error) {
	m := &store.Manifest{Info: store.Info{
		Name: e.loc.Select, Time: time.Now(),
		Origins: e.req.Origins, Filters: e.req.Filters,
		Follow: e.req.Follow.String(), Schema: e.req.Schema,
	}}
	var err error
	if e.remote != nil {
		err = e.writeRemote(ctx, m, items, report)
	} else {
		err = e.writeLocal(ctx, m, items, report)
	}
	if err != nil {
		return sdk.WriteSummary{}, err
	}
	sdk.Logger().Info("snapshot saved", "store", e.loc.Store, "name", m.Name, "resources", len(m.Resources))
	return sdk.WriteSummary{}, nil
}

func entryFor(it sdk.WriteItem, hash string) store.Entry {
	r := it.Resource
	return store.Entry{Type: r.Type, ID: r.ID, URI: r.URI, Parents: r.Parents, Hash: hash, Size: int64(len(r.JSON))}
}

func (e *Endpoint) writeLocal(ctx context.Context, m *store.Manifest, items iter.Seq[sdk.WriteItem], report func(sdk.WriteResult)) error {
	s, err := store.Create(e.loc.Store)
	if err != nil {
		return err
	}
	// Held until the manifest is saved: a prune meanwhile would remove
	// blobs this snapshot found present but no manifest names yet.
	lock, err := s.ShareLock(ctx)
	if err != nil {
		return err
	}
	defer lock.Unlock()
	w := s.NewBlobWriter()

	var mu sync.Mutex
	failed := 0
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(localWriters)
	for it := range items {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			h, written, err := w.Put(it.Resource.JSON)
			if err != nil {
				mu.Lock()
				failed++
				mu.Unlock()
				report(sdk.WriteResult{Seq: it.Seq, Status: sdk.Failed, Err: fmt.Errorf("storing its content: %w", err)})
				return nil
			}
			mu.Lock()
			m.Resources = append(m.Resources, entryFor(it, h))
			mu.Unlock()
			status := sdk.Unchanged
			if written {
				status = sdk.Written
			}
			report(sdk.WriteResult{Seq: it.Seq, Status: status})
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("%s: no snapshot saved: %d resources could not be stored", e.req.Location, failed)
	}
	_, err = w.Commit(m)
	return err
}

// writeRemote keeps the items' content in a temporary file, uploads the
// manifest, then PUTs only the blobs the server answers it lacks.
func (e *Endpoint) writeRemote(ctx context.Context, m *store.Manifest, items iter.Seq[sdk.WriteItem], report func(sdk.WriteResult)) error {
	spill, err := os.CreateTemp("", "resource-sync-snapshot-*")
	if err != nil {
		return err
	}
	defer os.Remove(spill.Name())
	defer spill.Close()
	type span struct{ off, n int64 }
	at := map[string]span{}
	var off int64
	hashOf := map[int64]string{} // seq -> hash
	for it := range items {
		data := it.Resource.JSON
		h := store.Hash(data)
		if _, ok := at[h]; !ok {
			if _, err := spill.Write(data); err != nil {
				return err
			}
			at[h] = span{off, int64(len(data))}
			off += int64(len(data))
		}
		hashOf[it.Seq] = h
		m.Resources = append(m.Resources, entryFor(it, h))
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	up, err := e.remote.post(ctx, m)
	if err != nil {
		return err
	}
	m.Name = up.Name
	missing := map[string]bool{}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(e.remote.concurrency)
	for _, h := range up.Missing {
		sp, ok := at[h]
		if !ok {
			return fmt.Errorf("%s: the server asks for blob %s, which this snapshot does not hold", e.loc.Store, h)
		}
		missing[h] = true
		g.Go(func() error {
			data := make([]byte, sp.n)
			if _, err := spill.ReadAt(data, sp.off); err != nil {
				return err
			}
			return e.remote.put(gctx, h, data)
		})
	}
	if err := g.Wait(); err != nil {
		return errors.Join(fmt.Errorf("%s: snapshot %s stays incomplete until a rerun uploads the rest", e.loc.Store, m.Name), err)
	}
	for seq, h := range hashOf {
		status := sdk.Unchanged
		if missing[h] {
			status = sdk.Written
		}
		report(sdk.WriteResult{Seq: seq, Status: status})
	}
	return nil
}
