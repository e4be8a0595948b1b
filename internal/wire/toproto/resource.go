package toproto

import (
	"github.com/resource-sync/resource-sync/sdk"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// Resource is a classified resource.
func Resource(in sdk.Resource) *pb.Resource {
	return &pb.Resource{
		Id:         in.ID,
		Type:       in.Type,
		Uri:        in.URI,
		Parents:    in.Parents,
		ParentRefs: ParentRefs(in.ParentRefs),
		Json:       in.JSON,
		Source:     in.Source,
		Line:       int32(in.Line),
		Location:   in.Location,
		Etag:       in.ETag,
	}
}

// Resources converts a list; nil for none.
func Resources(in []sdk.Resource) []*pb.Resource {
	if len(in) == 0 {
		return nil
	}
	out := make([]*pb.Resource, len(in))
	for i, r := range in {
		out[i] = Resource(r)
	}
	return out
}

// ParentRef names a resource by type and id.
func ParentRef(in sdk.Ref) *pb.ParentRef {
	return &pb.ParentRef{Type: in.Type, Id: in.ID}
}

// ParentRefs converts a list; nil for none.
func ParentRefs(in []sdk.Ref) []*pb.ParentRef {
	if len(in) == 0 {
		return nil
	}
	out := make([]*pb.ParentRef, len(in))
	for i, r := range in {
		out[i] = ParentRef(r)
	}
	return out
}
