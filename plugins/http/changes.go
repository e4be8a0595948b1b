package http

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/resource-sync/resource-sync/sdk"
)

var _ sdk.Changer = (*Endpoint)(nil)

// feedURL is where the location's transaction log is, by the seed's
// convention: <location>/transactions (/api/items -> /api/items/transactions;
// the discovery document /api/ -> /api/transactions, for every collection).
func (e *Endpoint) feedURL() *url.URL {
	u := cleanURL(e.location)
	u.RawQuery, u.ForceQuery = "", false
	u.Path = strings.TrimSuffix(u.Path, "/") + "/" + "transactions"
	u.RawPath = ""
	return u
}

// feedEntry is one entry as the seed names its fields.
type feedEntry struct {
	ItemID      string `json:"itemId"`
	ItemURI     string `json:"itemURI"`
	Type        string `json:"type"`
	UpdatedAt   string `json:"updatedAt"`
	Fingerprint string `json:"fingerprint"`
	ETag        string `json:"etag"`
	Deleted     bool   `json:"deleted"`
}

// Changes reads the location's transaction log after req.Since. A server
// that offers none (404, 405, 501, a body that is not a log) or no longer
// holds the log since that cursor (410) makes the feed unavailable: the
// host reads everything instead.
func (e *Endpoint) Changes(ctx context.Context, req sdk.ChangesRequest) (sdk.ChangeFeed, error) {
	u := e.feedURL()
	q := url.Values{}
	if req.Since != "" {
		q.Set("after", req.Since)
	}
	if req.CursorOnly {
		q.Set("limit", "0")
	}
	u.RawQuery = q.Encode()
	shown := e.redact.URL(u)
	r, err := e.client.do(ctx, http.MethodGet, u, nil, http.Header{"Accept": {"application/json"}})
	if err != nil {
		return sdk.ChangeFeed{}, e.errorf(shown, "GET: %v", err)
	}
	switch {
	case r.status == http.StatusNotFound, r.status == http.StatusMethodNotAllowed, r.status == http.StatusNotImplemented,
		r.status == http.StatusGone, r.status == http.StatusBadRequest, r.status == http.StatusNotAcceptable:
		return sdk.ChangeFeed{Unavailable: fmt.Sprintf("%s: %s: %s", shown, r.statusLine, serverMessage(r.body))}, nil
	case !r.ok():
		return sdk.ChangeFeed{}, e.statusError(http.MethodGet, u, r)
	}
	var body struct {
		Latest       *string      `json:"latest"`
		Transactions *[]feedEntry `json:"transactions"`
	}
	if err := json.Unmarshal(r.body, &body); err != nil || body.Latest == nil || body.Transactions == nil {
		return sdk.ChangeFeed{Unavailable: shown + " is not a transaction log (want {\"latest\": ..., \"transactions\": [...]})"}, nil
	}
	feed := sdk.ChangeFeed{Cursor: *body.Latest}
	for i, t := range *body.Transactions {
		item, err := r.url.Parse(t.ItemURI)
		if err != nil || t.ItemURI == "" {
			return sdk.ChangeFeed{}, e.errorf(shown, "transactions[%d]: itemURI %q is not a uri", i, t.ItemURI)
		}
		if !e.hosts.allowed(item) {
			return sdk.ChangeFeed{}, e.errorf(shown, "transactions[%d]: itemURI %s is on another host (--allow-host allows it)", i, e.redact.URL(item))
		}
		feed.Changes = append(feed.Changes, sdk.Change{ID: t.ItemID, Type: t.Type, URI: e.redact.URL(item), Updated: t.UpdatedAt,
			Fingerprint: t.Fingerprint, ETag: t.ETag, Deleted: t.Deleted})
	}
	return feed, nil
}
