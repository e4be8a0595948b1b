package http

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/resource-sync/resource-sync/sdk"
)

// Delete sends DELETE to each resource's target, concurrency at a time.
// A 404 means already gone. Every failure is returned, joined.
func (e *Endpoint) Delete(ctx context.Context, resources []sdk.Resource) error {
	errs := make([]error, len(resources))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(e.cfg.concurrency, len(resources)) {
		wg.Go(func() {
			for i := range next {
				errs[i] = e.deleteOne(ctx, resources[i])
			}
		})
	}
	for i := range resources {
		next <- i
	}
	close(next)
	wg.Wait()
	return errors.Join(errs...)
}

func (e *Endpoint) deleteOne(ctx context.Context, r sdk.Resource) error {
	t, err := target(e.location, r.URI, r.Type, r.ID)
	if err != nil {
		return e.errorf(r.URI, "cannot place resource %s/%s: %v", r.Type, r.ID, err)
	}
	var hdr http.Header
	if r.ETag != "" {
		hdr = http.Header{}
		setPreconditions(hdr, r.ETag, false)
	}
	resp, err := e.client.do(ctx, http.MethodDelete, t, nil, hdr)
	switch {
	case err != nil:
		return e.errorf(e.redact.URL(t), "DELETE: %v", err)
	case r.ETag != "" && preconditionFailed(resp.status):
		return fmt.Errorf("%w: %w", sdk.ErrPreconditionFailed, e.statusError(http.MethodDelete, t, resp))
	case resp.ok(), resp.status == http.StatusNotFound:
		return nil
	}
	return e.statusError(http.MethodDelete, t, resp)
}
