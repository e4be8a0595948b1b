package fromproto

import (
	"github.com/resource-sync/resource-sync/sdk"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// Follow is which links the host follows; an unknown mode is the
// default, next and prev.
func Follow(in pb.Follow) sdk.Follow {
	switch in {
	case pb.Follow_FOLLOW_NONE:
		return sdk.FollowNone
	case pb.Follow_FOLLOW_CHILD:
		return sdk.FollowChild
	case pb.Follow_FOLLOW_ALL:
		return sdk.FollowAll
	case pb.Follow_FOLLOW_PAGE_UNSPECIFIED:
	}
	return sdk.FollowPage
}
