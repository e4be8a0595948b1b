package notify

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestDocumentAPI drives the seed's document API: an origin PUTs and
// DELETEs documents by their endpoint URL, and the subscriber hears of
// each new version once.
func TestDocumentAPI(t *testing.T) {
	t.Parallel()
	h := newHook(t, nil)
	cfg := mustParse(t, `resources:
  users:
    endpoint: http://api.company.com/users/{id}
    change:
      field: updatedAt
      format: RFC3339
    subscriptions:
      wishlist:
        endpoint:
          url: %s/wishlist/{id}
          actions:
            delete: {method: delete}
        content: {envelope: true}
`, h.URL)
	b := openTestBroker(t, "")
	if err := b.EnsureSubscribers(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	api := httptest.NewServer(DocumentAPI(NewNotifier(b, cfg, nil), DocumentAPIOptions{Token: "t0k", MaxBody: 256}))
	t.Cleanup(api.Close)
	startDelivery(t, b, cfg, fastRetries)

	send := func(method, path, body, token string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, api.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(data)
	}
	const doc1 = "/documents/http://api.company.com/users/1"
	steps := []struct {
		method, path, body, token string
		status                    int
		contains                  string
	}{
		{"PUT", doc1, `{"id":1,"updatedAt":"2024-01-01T00:00:00Z"}`, "", 401, "bearer token"},
		{"PUT", doc1, `{"id":1,"updatedAt":"2024-01-01T00:00:00Z"}`, "wrong", 401, "bearer token"},
		{"PUT", doc1, `{"id":1, "updatedAt":"2024-01-01T00:00:00Z"}`, "t0k", 202, `"outcome":"published"`},
		{"PUT", doc1, `{"updatedAt":"2024-01-01T00:00:00Z","id":1}`, "t0k", 200, `"outcome":"unchanged"`},
		{"PUT", doc1, `{"id":1,"updatedAt":"2023-12-31T00:00:00Z"}`, "t0k", 200, `"outcome":"unchanged"`},
		{"PUT", "/documents/" + url.PathEscape("http://api.company.com/users/1"), `{"id":1,"updatedAt":"2024-02-01T00:00:00+01:00"}`, "t0k", 202, `"action":"update"`},
		{"PUT", "/documents/http:/api.company.com/users/2", `{"id":2,"updatedAt":"2024-01-01T00:00:00Z"}`, "t0k", 202, `"uri":"http://api.company.com/users/2"`},
		{"PUT", "/documents/http://api.company.com/orders/1", `{}`, "t0k", 404, "no resource endpoint matches"},
		{"PUT", doc1, `{"id":1`, "t0k", 400, "not JSON"},
		{"PUT", doc1, `{"id":1}`, "t0k", 422, "no updatedAt field"},
		{"PUT", doc1, `{"id":1,"updatedAt":"soon"}`, "t0k", 422, "does not match the layout"},
		{"PUT", doc1, `{"pad":"` + strings.Repeat("x", 300) + `"}`, "t0k", 413, "larger than 256 bytes"},
		{"PUT", "/documents/users/1", `{}`, "t0k", 400, "is not a document endpoint"},
		{"PUT", "/elsewhere", `{}`, "t0k", 404, "documents live under"},
		{"GET", doc1, ``, "t0k", 405, "PUT a document or DELETE it"},
		{"DELETE", doc1, ``, "t0k", 202, `"action":"delete"`},
		{"DELETE", doc1, ``, "t0k", 200, `"outcome":"unchanged"`},
	}
	for i, s := range steps {
		status, body := send(s.method, s.path, s.body, s.token)
		if status != s.status || !strings.Contains(body, s.contains) {
			t.Errorf("step %d: %s %s: %d %s\nwant %d containing %q", i, s.method, s.path, status, body, s.status, s.contains)
		}
	}
	waitFor(t, 10*time.Second, "4 deliveries", func() bool { return len(h.successes()) >= 4 })
	waitSettled(t, b, 10*time.Second)
	got := map[string][]string{}
	for _, c := range h.successes() {
		env := envelopeOf(t, c)
		got[c.Path] = append(got[c.Path], c.Method+" "+env["action"].(string)+" "+env["version"].(string))
	}
	want := map[string][]string{
		"/wishlist/1": {"POST create 2024-01-01T00:00:00Z", "POST update 2024-02-01T00:00:00+01:00", "DELETE delete 2024-02-01T00:00:00+01:00"},
		"/wishlist/2": {"POST create 2024-01-01T00:00:00Z"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("deliveries (-want +got):\n%s", diff)
	}
}

// TestPublishAcrossResources: a uri matching two resources is published
// for each, with each resource's own version.
func TestPublishAcrossResources(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, `resources:
  by-rev:
    endpoint: http://h/items/{id}
    change: {field: rev}
  by-content:
    endpoint: http://h/{kind}/{id}
`)
	b := openTestBroker(t, "")
	n := NewNotifier(b, cfg, nil)
	res := publish(t, n, Change{URI: "http://h/items/1", Document: doc("1", 7)})
	data, _ := json.Marshal(res)
	want := `[{"resource":"by-rev","action":"create","version":{"kind":"integer","value":"7","order":7},"outcome":"published"},` +
		`{"resource":"by-content","action":"create","version":{"kind":"fingerprint","value":"` + Fingerprint(doc("1", 7)) + `"},"outcome":"published"}]`
	if string(data) != want {
		t.Errorf("results\n got %s\nwant %s", data, want)
	}
	if _, err := n.Publish(context.Background(), Change{URI: "http://h/items/1", Action: ActionUpdate}); err == nil {
		t.Error("an update without its document was accepted")
	}
}

// changeList is a Source over fixed changes, standing in for the watch
// poller until the reconcile engine exists.
type changeList []Change

func (l changeList) Run(ctx context.Context, publish func(context.Context, Change) error) error {
	for _, c := range l {
		if err := publish(ctx, c); err != nil {
			return err
		}
	}
	return nil
}

// TestFeed: changes from a source reach the stream; those no resource
// matches or whose version is unreadable are reported and skipped.
func TestFeed(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, "resources:\n  items:\n    endpoint: http://h/items/{id}\n    change: {field: rev}\n")
	b := openTestBroker(t, "")
	var skipped []string
	src := changeList{
		{Action: ActionCreate, Type: "item", ID: "1", URI: "http://h/items/1", Document: doc("1", 1)},
		{Action: ActionUpdate, URI: "http://h/other/1", Document: doc("1", 1)},
		{Action: ActionUpdate, URI: "http://h/items/2", Document: []byte(`{"id":"2"}`)},
		{Action: ActionDelete, URI: "http://h/items/1"},
	}
	err := Feed(context.Background(), src, NewNotifier(b, cfg, nil), func(c Change, err error) {
		skipped = append(skipped, err.Error())
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"http://h/other/1: no resource endpoint matches", "http://h/items/2: document has no rev field (the resource's change field)"}
	if diff := cmp.Diff(want, skipped); diff != "" {
		t.Errorf("skipped (-want +got):\n%s", diff)
	}
	info, err := b.stream.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// No subscriber: interest retention keeps nothing, but both were taken.
	if info.State.LastSeq != 2 {
		t.Errorf("stream took %d changes, want 2", info.State.LastSeq)
	}
}
