package toproto

import (
	"github.com/resource-sync/resource-sync/sdk"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// Follow is which links are followed; an unknown mode is the default,
// next and prev.
func Follow(in sdk.Follow) pb.Follow {
	switch in {
	case sdk.FollowNone:
		return pb.Follow_FOLLOW_NONE
	case sdk.FollowChild:
		return pb.Follow_FOLLOW_CHILD
	case sdk.FollowAll:
		return pb.Follow_FOLLOW_ALL
	case sdk.FollowPage:
	}
	return pb.Follow_FOLLOW_PAGE_UNSPECIFIED
}
