package fromproto

import (
	"github.com/resource-sync/resource-sync/sdk"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// OpenRequest is what the host knows when it opens a location.
func OpenRequest(in *pb.Open_Request) sdk.OpenRequest {
	if in == nil {
		return sdk.OpenRequest{}
	}
	return sdk.OpenRequest{
		Location: in.GetLocation(),
		Role:     Role(in.GetRole()),
		Replace:  in.GetReplace(),
		Formats:  FormatInfos(in.GetFormats()),
		Options:  in.GetOptions(),
		Schema:   in.GetSchema(),
		Follow:   Follow(in.GetFollow()),
		Origins:  in.GetOrigins(),
		Filters:  in.GetFilters(),
		// The server keeps it only for an endpoint that declared it.
		ConditionalReads: in.GetConditionalReads(),
		PageLinks:        in.GetPageLinks(),
	}
}

// Role is origin or destination; an unknown role is an origin, which
// writes nothing.
func Role(in pb.Open_Role) sdk.Role {
	switch in {
	case pb.Open_ROLE_DESTINATION:
		return sdk.RoleDestination
	case pb.Open_ROLE_ORIGIN_UNSPECIFIED:
	}
	return sdk.RoleOrigin
}

// FormatInfo describes an installed formatter.
func FormatInfo(in *pb.FormatInfo) sdk.FormatInfo {
	return sdk.FormatInfo{Name: in.GetName(), Extensions: in.GetExtensions(), MediaTypes: in.GetMediaTypes()}
}

// FormatInfos converts a list; nil for none.
func FormatInfos(in []*pb.FormatInfo) []sdk.FormatInfo {
	if len(in) == 0 {
		return nil
	}
	out := make([]sdk.FormatInfo, len(in))
	for i, f := range in {
		out[i] = FormatInfo(f)
	}
	return out
}
