package http

import (
	"net/http"
	"testing"

	"github.com/resource-sync/resource-sync/sdk"
)

// TestExtendInventory lists an inventory in two parts, as the host does
// while it still reads the origins: the second part lists no collection
// the first listed, and GETs its own resources of a collection that could
// not be listed. A new inventory starts over.
func TestExtendInventory(t *testing.T) {
	srv, rec := newServer(t, func(w http.ResponseWriter, r *http.Request, got recorded) {
		switch got.Path {
		case "/api/order":
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"_embedded":{"items":[]}}`))
		case "/api/locked":
			http.Error(w, "no listing here", http.StatusMethodNotAllowed)
		case "/api/locked/x", "/api/locked/y":
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"id":"` + got.Path[len("/api/locked/"):] + `"}`))
		default:
			http.NotFound(w, r)
		}
	})
	e := openTest(t, srv.URL+"/api/")
	res := func(typ, id string) sdk.Resource {
		return sdk.Resource{Type: typ, ID: id, URI: srv.URL + "/api/" + typ + "/" + id}
	}
	gets := func(path string) int { return rec.count(http.MethodGet, path) }

	if _, errs := collect(t, e.Inventory(t.Context(), []sdk.Resource{res("order", "a"), res("locked", "x")})); errs != nil {
		t.Fatalf("first part: %v", errs)
	}
	if gets("/api/order") != 1 || gets("/api/locked") != 1 || gets("/api/locked/x") != 1 {
		t.Fatalf("first part sent %v", rec.all())
	}

	docs, errs := collect(t, e.ExtendInventory(t.Context(), []sdk.Resource{res("order", "b"), res("locked", "x"), res("locked", "y")}))
	if errs != nil {
		t.Fatalf("second part: %v", errs)
	}
	if n := gets("/api/order"); n != 1 {
		t.Errorf("the second part listed /api/order again (%d GETs)", n)
	}
	if n := gets("/api/locked"); n != 1 {
		t.Errorf("the second part tried to list /api/locked again (%d GETs)", n)
	}
	if n := gets("/api/locked/x"); n != 1 {
		t.Errorf("the second part fetched /api/locked/x again (%d GETs)", n)
	}
	if n := gets("/api/locked/y"); n != 1 || len(docs) != 1 {
		t.Errorf("the second part must GET /api/locked/y, in the unlisted collection, and yield it: %d GETs, %d documents", n, len(docs))
	}

	if _, errs := collect(t, e.Inventory(t.Context(), []sdk.Resource{res("order", "a")})); errs != nil {
		t.Fatalf("new inventory: %v", errs)
	}
	if n := gets("/api/order"); n != 2 {
		t.Errorf("a new inventory must list /api/order again: %d GETs in all", n)
	}
}
