package fromproto

import (
	"github.com/resource-sync/resource-sync/sdk"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// Resource is a classified resource.
func Resource(in *pb.Resource) sdk.Resource {
	if in == nil {
		return sdk.Resource{}
	}
	return sdk.Resource{
		ID:         in.GetId(),
		Type:       in.GetType(),
		URI:        in.GetUri(),
		Parents:    in.GetParents(),
		ParentRefs: Refs(in.GetParentRefs()),
		JSON:       in.GetJson(),
		Source:     in.GetSource(),
		Line:       int(in.GetLine()),
		Location:   in.GetLocation(),
		ETag:       in.GetEtag(),
	}
}

// Resources converts a list; nil for none.
func Resources(in []*pb.Resource) []sdk.Resource {
	if len(in) == 0 {
		return nil
	}
	out := make([]sdk.Resource, len(in))
	for i, r := range in {
		out[i] = Resource(r)
	}
	return out
}

// Ref names a resource by type and id.
func Ref(in *pb.ParentRef) sdk.Ref {
	return sdk.Ref{Type: in.GetType(), ID: in.GetId()}
}

// Refs converts a list; nil for none.
func Refs(in []*pb.ParentRef) []sdk.Ref {
	if len(in) == 0 {
		return nil
	}
	out := make([]sdk.Ref, len(in))
	for i, r := range in {
		out[i] = Ref(r)
	}
	return out
}
