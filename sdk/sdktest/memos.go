package sdktest

import (
	"bytes"
	"testing"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
	"github.com/resource-sync/resource-sync/sdk"
)

// testMemos checks an endpoint whose conditional reads outlive a sync
// (sdk.MemoRestorer): an inventory under conditional reads gives memos;
// handed back to a new handle, they may make documents come back
// unchanged, without content, but only documents that had a memo and
// have not changed since: once every stored resource changed, none may.
func (e *endpointChecks) testMemos(t *testing.T) {
	rs, loc := e.storeForInventory(t, pb.Capability_CAPABILITY_READ_MEMOS)
	first := e.memoInventory(t, loc, rs, nil)
	var memos []*pb.Memo
	for _, d := range first {
		switch {
		case d.GetUnchanged():
			t.Errorf("Inventory: %s is unchanged on a handle that was handed no memo", d.GetSource())
		case len(d.GetMemo()) > 0 && d.GetUri() == "":
			t.Errorf("Inventory: %s has a memo and no uri to hand it back with", d.GetSource())
		case len(d.GetMemo()) > 0:
			memos = append(memos, &pb.Memo{Uri: d.GetUri(), Memo: d.GetMemo()})
		}
	}
	if len(memos) == 0 {
		t.Skip("the inventory gave no memo (nothing to read conditionally at this location)")
	}
	handed := map[string]bool{}
	for _, m := range memos {
		handed[m.GetUri()] = true
	}
	unchanged := 0
	for _, d := range e.memoInventory(t, loc, rs, memos) {
		if !d.GetUnchanged() {
			continue
		}
		unchanged++
		switch {
		case !handed[d.GetUri()]:
			t.Errorf("Inventory: %s is unchanged, but no memo was handed back for %q", d.GetSource(), d.GetUri())
		case len(d.GetContent()) > 0:
			t.Errorf("Inventory: %s is unchanged and comes with content", d.GetSource())
		}
	}
	t.Logf("%d of %d memos gave an unchanged document", unchanged, len(memos))

	// Each resource takes the next one's sample value.
	changed := e.awkwardResources(loc, 1)
	for i := range changed {
		if bytes.Equal(changed[i].JSON, rs[i].JSON) {
			t.Logf("%s/%s is the same with the next sample value: the check after a change is skipped", rs[i].Type, rs[i].ID)
			return
		}
	}
	e.put(t, loc, changed)
	for _, d := range e.memoInventory(t, loc, changed, memos) {
		if d.GetUnchanged() {
			t.Errorf("Inventory: %s is unchanged, but every resource changed since its memo", d.GetSource())
		}
	}
}

// memoInventory lists scope on a new destination handle opened for
// conditional reads, handing memos back, and returns the documents.
func (e *endpointChecks) memoInventory(t *testing.T, loc string, scope []sdk.Resource, memos []*pb.Memo) []*pb.Document {
	t.Helper()
	handle := e.openRequest(t, &pb.Open_Request{Location: loc, Role: pb.Open_ROLE_DESTINATION, ConditionalReads: true})
	defer e.close(t, handle)
	req := &pb.Inventory_Request{Handle: handle, Memos: memos}
	for _, r := range scope {
		req.Scope = append(req.Scope, &pb.Resource{Id: r.ID, Type: r.Type, Uri: r.URI})
	}
	ctx, cancel := callContext(t.Context())
	defer cancel()
	stream, err := e.client.Inventory(ctx, req)
	if err != nil {
		t.Fatalf("Inventory: %v", err)
	}
	return drain(t, "Inventory", stream)
}
