package adapter

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"sync"

	"github.com/resource-sync/resource-sync/sdk"
)

// Write creates or updates each item, up to the concurrency option at
// once; the host sends an item only once its parents are written. An
// item the destination's inventory found (ExistingLocation set) is
// updated, any other created.
func (e *Endpoint) Write(ctx context.Context, items iter.Seq[sdk.WriteItem], report func(sdk.WriteResult)) (sdk.WriteSummary, error) {
	slots := make(chan struct{}, e.opts.Concurrency)
	var wg sync.WaitGroup
	for it := range items {
		if it.Unchanged {
			report(sdk.WriteResult{Seq: it.Seq, Status: sdk.Unchanged})
			continue
		}
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return sdk.WriteSummary{}, ctx.Err()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			if err := e.writeItem(ctx, it); err != nil {
				report(sdk.WriteResult{Seq: it.Seq, Status: sdk.Failed, Err: err})
				return
			}
			report(sdk.WriteResult{Seq: it.Seq, Status: sdk.Written})
		}()
	}
	wg.Wait()
	return sdk.WriteSummary{}, nil
}

func (e *Endpoint) writeItem(ctx context.Context, it sdk.WriteItem) error {
	r := it.Resource
	c, ok := e.file.Collection(r.Type)
	if !ok {
		return &sdk.Error{Source: r.Source, Line: r.Line,
			Msg: fmt.Sprintf("%s/%s: the adapter %s has no collection %s (it has %s)", r.Type, r.ID, e.file.Path, r.Type, joinNames(e.file.CollectionNames()))}
	}
	v, err := sdk.UnmarshalJSON(r.JSON)
	if err != nil {
		return err
	}
	doc, ok := v.(map[string]any)
	if !ok {
		return &sdk.Error{Source: r.Source, Line: r.Line, Msg: fmt.Sprintf("%s/%s is not a JSON object", r.Type, r.ID)}
	}
	for _, f := range c.ServerManaged {
		f.remove(doc)
	}
	u, err := e.itemURL(c, r.ID)
	if err != nil {
		return err
	}
	if it.ExistingLocation != "" {
		return e.update(ctx, c, r.ID, u, doc, nil)
	}
	return e.create(ctx, c, r.ID, u, doc)
}

// create sends a new item: POST to the list URL (without its query) or
// PUT to the item URL. An answer that may mean the item exists after all
// (the inventory could not see it) is checked with a GET, and the item
// updated when it is there.
func (e *Endpoint) create(ctx context.Context, c *Collection, id string, u *url.URL, doc map[string]any) error {
	body, err := sdk.MarshalCanonical(doc)
	if err != nil {
		return err
	}
	method, target := http.MethodPut, u
	if c.Create == "post" {
		if target, err = e.collectionURL(c); err != nil {
			return err
		}
		target.RawQuery, target.ForceQuery = "", false
		method = http.MethodPost
	}
	resp, err := e.client.do(ctx, method, target, body)
	if err != nil {
		return err
	}
	if success(resp.status) {
		return nil
	}
	failed := e.client.statusError(method, target, resp)
	switch resp.status {
	case http.StatusBadRequest, http.StatusConflict, http.StatusUnprocessableEntity:
		current, found, err := e.current(ctx, c, u)
		if err != nil || !found {
			return failed
		}
		e.log.Debug("create refused, the item exists: updating it", "collection", c.Name, "id", id)
		return e.update(ctx, c, id, u, doc, current)
	}
	return failed
}

// update sends an item that exists: PUT, or PATCH. When the collection
// merges, each field the server holds and doc does not is sent as null,
// so that it goes.
func (e *Endpoint) update(ctx context.Context, c *Collection, id string, u *url.URL, doc, current map[string]any) error {
	if c.merges() {
		if current == nil {
			if held, ok := e.heldItem(c.Name, id); ok {
				current = held
			} else if fetched, _, err := e.current(ctx, c, u); err != nil {
				return err
			} else {
				current = fetched
			}
		}
		for k := range current {
			if _, ok := doc[k]; !ok {
				doc[k] = nil
			}
		}
	}
	body, err := sdk.MarshalCanonical(doc)
	if err != nil {
		return err
	}
	method := http.MethodPut
	if c.Update == "patch" {
		method = http.MethodPatch
	}
	resp, err := e.client.do(ctx, method, u, body)
	if err != nil {
		return err
	}
	if !success(resp.status) {
		return e.client.statusError(method, u, resp)
	}
	return nil
}

// current GETs an item as the server holds it, server-managed fields
// dropped; found is false when it does not exist.
func (e *Endpoint) current(ctx context.Context, c *Collection, u *url.URL) (map[string]any, bool, error) {
	resp, err := e.client.do(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, false, err
	}
	if resp.status == http.StatusNotFound || resp.status == http.StatusGone {
		return nil, false, nil
	}
	if !success(resp.status) {
		return nil, false, e.client.statusError(http.MethodGet, u, resp)
	}
	v, err := sdk.UnmarshalJSON(resp.body)
	if err != nil {
		return nil, false, e.client.errorf(u, "GET: the response is not JSON: %v", err)
	}
	doc, ok := v.(map[string]any)
	if !ok {
		return nil, false, e.client.errorf(u, "GET: the response is not a JSON object")
	}
	for _, f := range c.ServerManaged {
		f.remove(doc)
	}
	return doc, true, nil
}

// Delete removes each resource with a DELETE of its item URL; one the
// server no longer has (404, 410) is gone already.
func (e *Endpoint) Delete(ctx context.Context, resources []sdk.Resource) error {
	var errs []error
	for _, r := range resources {
		c, ok := e.file.Collection(r.Type)
		if !ok {
			errs = append(errs, fmt.Errorf("%s/%s: the adapter %s has no collection %s", r.Type, r.ID, e.file.Path, r.Type))
			continue
		}
		u, err := e.itemURL(c, r.ID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		resp, err := e.client.do(ctx, http.MethodDelete, u, nil)
		switch {
		case err != nil:
			errs = append(errs, err)
		case success(resp.status), resp.status == http.StatusNotFound, resp.status == http.StatusGone:
		default:
			errs = append(errs, e.client.statusError(http.MethodDelete, u, resp))
		}
	}
	return errors.Join(errs...)
}

func success(status int) bool { return status >= 200 && status <= 299 }
