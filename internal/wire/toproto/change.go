package toproto

import (
	"github.com/resource-sync/resource-sync/sdk"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// Change is one entry of an endpoint's changes feed.
func Change(in sdk.Change) *pb.Change {
	return &pb.Change{
		Id:          in.ID,
		Type:        in.Type,
		Uri:         in.URI,
		Updated:     in.Updated,
		Fingerprint: in.Fingerprint,
		Etag:        in.ETag,
		Deleted:     in.Deleted,
	}
}
